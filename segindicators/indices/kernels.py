r"""Pure numpy kernels for citywide segregation indices, computed for many segments at once.

Each kernel has the signature ``kernel(x, t, codes, nseg) -> ndarray of shape (nseg,)``:

* ``x`` — group counts per unit, shape ``(n,)`` (two-group kernels) or ``(n, K)`` (multigroup kernels);
* ``t`` — unit totals, shape ``(n,)``, all > 0 (zero-population units are removed before);
* ``codes`` — the segment (e.g. kommun × year) of each unit, integers in ``0..nseg-1``;
* ``nseg`` — number of segments.

Segment sums are ``np.bincount(codes, weights=..., minlength=nseg)``, so one call computes an index for every
municipality × year. Where an index is undefined for a segment (its group share ``P`` is 0 or 1, so the
formula is 0/0) the kernel returns NaN for that segment; :func:`segregation_indices` turns that NaN into an
explicit ``undefined`` flag and a warning, never a silent NaN.

Notation (Massey & Denton 1988): unit ``i`` has ``t_i`` residents, ``x_i`` of the group, ``y_i = t_i − x_i``
of the rest, ``p_i = x_i / t_i``; the segment has ``T = Σ t_i``, ``X = Σ x_i``, ``P = X / T``.

The two registries :data:`TWO_GROUP` and :data:`MULTIGROUP` map each public index name to its kernel.
Every kernel takes its intermediates (``T``, ``X``, ``P``, ``p_i``, the entropies, …) from a
:class:`SegmentSums`; :func:`evaluate` hands one instance to all the kernels of a battery, so each segment sum
is computed once per input rather than once per index, by the very same operations (the results are the bits
a kernel computes on its own).

The Mutual Information Index :math:`M` (Theil 1971; Theil & Finizza 1971; Mora & Ruiz-Castillo 2011) is the
unnormalised sibling of Theil's :math:`H`: :math:`M = H \cdot E`, with :math:`E` the entropy of the group
marginal. :math:`M` is additive over any nesting of units (and of groups), which is why Elbers's R package
``segregation`` builds on it; :math:`H` inherits its decompositions only with entropy-ratio weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, partial

import numpy as np

from segindicators.indices._order import is_sorted, stable_argsort

#: ``kernel(x, t, codes, nseg, sums=None) -> (nseg,)``; ``sums`` is a :class:`SegmentSums` of the same input.
Kernel = Callable[..., np.ndarray]


def ssum(w: np.ndarray, codes: np.ndarray, nseg: int) -> np.ndarray:
    """Segment sums of ``w`` (float64), one per segment code.

    Examples
    --------
    >>> ssum(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 0]), 2)
    array([4., 2.])
    """
    return np.bincount(codes, weights=w, minlength=nseg)


def _xlogx_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * ln(a / b)`` with the convention ``0 ln 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a * np.log(a / b)
    return np.where(a > 0, out, 0.0)


def _entropy2(p: np.ndarray) -> np.ndarray:
    """Two-group entropy ``p ln(1/p) + (1−p) ln(1/(1−p))`` with ``0 ln 0 = 0`` (natural log)."""
    p = np.asarray(p, dtype=np.float64)
    q = 1.0 - p
    lp = np.zeros_like(p)
    lq = np.zeros_like(p)
    np.log(p, out=lp, where=p > 0)
    np.log(q, out=lq, where=q > 0)
    return -(p * lp + q * lq)


class SegmentSums:
    r"""The intermediates the kernels share for one input ``(x, t, codes, nseg)``, each computed on first use.

    Two-group (``x`` 1-D): ``T``, ``X``, ``P``, ``Pc`` (``P`` of each unit's segment), ``p`` (:math:`p_i`),
    ``q`` (:math:`1 - p_i`), ``E`` (the segment entropy), ``Y``, ``xx_t`` (:math:`\sum_i x_i^2/t_i`) and ``xy_t``
    (:math:`\sum_i x_i y_i / t_i`). Multigroup (``x`` 2-D): ``T``, ``Xk``, ``Pk``, ``Pkc``, ``E`` and ``info``
    (:math:`\sum_i \sum_k t_i p_{ik} \ln(p_{ik}/P_k)`, the numerator of H and M). Divisions by zero give
    inf/NaN silently here; the kernels turn them into NaN for the undefined segments.

    Examples
    --------
    >>> s = SegmentSums(np.array([3.0, 1, 2]), np.array([4.0, 4, 2]), np.array([0, 0, 1]), 2)
    >>> s.T.tolist(), s.P.tolist()
    ([8.0, 2.0], [0.5, 1.0])
    """

    def __init__(
        self, x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, *, T: np.ndarray | None = None
    ) -> None:
        self.x, self.t, self.codes, self.nseg = x, t, codes, nseg
        if (
            T is not None
        ):  # the segment totals of these t and codes, computed before (a bootstrap's fixed sizes)
            self.__dict__["T"] = T

    def sum(self, w: np.ndarray) -> np.ndarray:
        """Segment sums of ``w`` (:func:`ssum` over this input's codes)."""
        return ssum(w, self.codes, self.nseg)

    @cached_property
    def T(self) -> np.ndarray:
        return self.sum(self.t)

    @cached_property
    def X(self) -> np.ndarray:
        return self.sum(self.x)

    @cached_property
    def P(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.X / self.T

    @cached_property
    def Pc(self) -> np.ndarray:
        return self.P[self.codes]

    @cached_property
    def p(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.x / self.t

    @cached_property
    def q(self) -> np.ndarray:
        return 1.0 - self.p

    @cached_property
    def E(self) -> np.ndarray:
        if self.x.ndim == 1:
            return _entropy2(self.P)
        return -_xlogx_ratio(self.Pk, np.ones_like(self.Pk)).sum(axis=1)

    @cached_property
    def Y(self) -> np.ndarray:
        return self.sum(self.t - self.x)

    @cached_property
    def xx_t(self) -> np.ndarray:
        return self.sum(self.x * self.x / self.t)

    @cached_property
    def xy_t(self) -> np.ndarray:
        return self.sum(self.x * (self.t - self.x) / self.t)

    @cached_property
    def Xk(self) -> np.ndarray:
        return np.column_stack([self.sum(self.x[:, k]) for k in range(self.x.shape[1])])  # loop over groups

    @cached_property
    def Pk(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.Xk / self.T[:, None]

    @cached_property
    def Pkc(self) -> np.ndarray:
        return self.Pk[self.codes]

    @cached_property
    def info(self) -> np.ndarray:
        pik = self.x / self.t[:, None]
        return self.sum((self.t[:, None] * _xlogx_ratio(pik, self.Pkc)).sum(axis=1))


def _sums(x, t, codes, nseg, sums: SegmentSums | None) -> SegmentSums:
    return SegmentSums(x, t, codes, nseg) if sums is None else sums


def evaluate(
    registry: Mapping[str, Kernel], names: Sequence[str], x: np.ndarray, t: np.ndarray, codes: np.ndarray,
    nseg: int, *, T: np.ndarray | None = None,
) -> list[np.ndarray]:  # fmt: skip
    """The kernels ``names`` of ``registry`` on one input, sharing one :class:`SegmentSums` (``T``: the segment
    totals ``ssum(t, codes, nseg)`` when they are known already).

    Examples
    --------
    >>> x = np.array([100.0, 60, 40, 0]); t = np.full(4, 100.0); c = np.zeros(4, dtype=int)
    >>> [float(v[0]) for v in evaluate(TWO_GROUP, ["dissimilarity", "isolation"], x, t, c, 1)]
    [0.6, 0.76]
    """
    sums = SegmentSums(x, t, codes, nseg, T=T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return [registry[n](x, t, codes, nseg, sums=sums) for n in names]


def dissimilarity(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Index of dissimilarity :math:`D = \frac{\sum_i t_i |p_i - P|}{2 T P (1-P)}`.

    Duncan & Duncan (1955), "A methodological analysis of segregation indexes", ASR 20(2); Massey & Denton
    (1988). Share of either group that would have to move to reach an even distribution.

    Examples
    --------
    >>> x = np.array([100.0, 60, 40, 0]); t = np.array([100.0, 100, 100, 100])
    >>> float(dissimilarity(x, t, np.zeros(4, dtype=int), 1)[0])
    0.6
    """
    s = _sums(x, t, codes, nseg, sums)
    num = ssum(np.abs(x - t * s.Pc), codes, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (2.0 * s.T * s.P * (1.0 - s.P))


def gini(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Gini segregation index :math:`G = \frac{\sum_i \sum_j t_i t_j |p_i - p_j|}{2 T^2 P (1-P)}`.

    Massey & Denton (1988). The pairwise sum is computed in :math:`O(n \log n)` per segment, all
    segments in one pass: sort units by ``(segment, p_i)``; then
    :math:`\sum_{i,j} t_i t_j |p_i-p_j| = 2 \sum_i (x_i C_i - t_i Q_i)` with :math:`C_i = \sum_{j<i} t_j` and
    :math:`Q_i = \sum_{j<i} x_j` over earlier units of the same segment (integer counts stay exact).
    Complexity :math:`O(n \log n)` for all segments together; no loop over segments.

    Examples
    --------
    >>> x = np.array([100.0, 100, 0, 0]); t = np.array([100.0, 100, 100, 100])
    >>> float(gini(x, t, np.zeros(4, dtype=int), 1)[0])
    1.0
    """
    s = _sums(x, t, codes, nseg, sums)
    T, P, p = s.T, s.P, s.p
    # one stable sort on the combined key segment + p/2 (p ∈ [0, 1] keeps segments apart); timsort is
    # near-linear when the input is already nearly ordered (the bootstrap pre-orders units by observed p).
    # Two units whose p differ by less than the key's resolution (~1e-16 × nseg) may swap order, which changes
    # the pairwise sum by less than that difference: negligible (≤ ~1e-11 relative at 10⁵ segments).
    presorted = is_sorted(codes)  # then the order keeps every unit among its segment's: codes[order] is codes
    order = stable_argsort(codes + 0.5 * p, nearly_sorted=presorted)
    xs, ts, cs = x[order], t[order], codes if presorted else codes[order]
    ct = np.cumsum(ts) - ts  # exclusive cumulative sums over the whole array ...
    cx = np.cumsum(xs) - xs
    start = np.searchsorted(cs, np.arange(nseg))  # ... minus the value at the segment start
    start_c = np.minimum(start, len(cs) - 1) if len(cs) else start
    off_t = ct[start_c][cs] if len(cs) else ct
    off_x = cx[start_c][cs] if len(cs) else cx
    pair = xs * (ct - off_t) - ts * (cx - off_x)
    num = 2.0 * ssum(pair, cs, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (2.0 * T * T * P * (1.0 - P))


def theil_h(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Theil's information theory index :math:`H = \sum_i \frac{t_i (E - E_i)}{T E}`.

    Theil (1972); Reardon & Firebaugh (2002), "Measures of multigroup segregation", Sociological Methodology
    32. :math:`E = P \ln\frac1P + (1-P)\ln\frac1{1-P}`, :math:`E_i` likewise with :math:`p_i`, natural log,
    :math:`0 \ln 0 = 0`.

    Examples
    --------
    >>> x = np.array([100.0, 100, 0, 0]); t = np.array([100.0, 100, 100, 100])
    >>> float(theil_h(x, t, np.zeros(4, dtype=int), 1)[0])
    1.0
    """
    s = _sums(x, t, codes, nseg, sums)
    Ei = _entropy2(s.p)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ssum(t * (s.E[codes] - Ei), codes, nseg) / (s.T * s.E)


def mutual_information(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Mutual Information Index :math:`M = \sum_i \sum_g p_{ig} \ln\frac{p_{ig}}{p_{i\cdot}\, p_{\cdot g}}` (two groups).

    Theil (1971), *Principles of Econometrics*, Wiley; Theil & Finizza (1971), "A note on the measurement of
    racial integration of schools by means of informational concepts", J. Math. Sociology 1(2); Mora &
    Ruiz-Castillo (2011), "Entropy-based segregation indices", Sociological Methodology 41(1). The cells are
    the unit × group table (group ``x``, rest ``t − x``) as joint shares :math:`p_{ig}` of the segment's
    population; natural log, :math:`0 \ln 0 = 0`. Computed as the population-weighted sum of each unit's
    Kullback–Leibler divergence from the segment's composition,
    :math:`M = \sum_i \frac{t_i}{T} \sum_g p_{g|i} \ln\frac{p_{g|i}}{P_g}`, so every term is ≥ 0.
    :math:`M = H \cdot E` with :math:`E` the entropy of the group marginal (:func:`theil_h`); it ranges from 0
    to :math:`E \le \ln 2`. NaN where the segment has one group only (E = 0), as for H.

    Examples
    --------
    >>> x = np.array([100.0, 100, 0, 0]); t = np.array([100.0, 100, 100, 100])
    >>> round(float(mutual_information(x, t, np.zeros(4, dtype=int), 1)[0]), 12)  # = ln 2
    0.69314718056
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = _xlogx_ratio(s.p, s.Pc) + _xlogx_ratio(s.q, 1.0 - s.Pc)
        M = ssum(t * kl, codes, nseg) / s.T
    return np.where(s.E > 0, M, np.nan)


def isolation(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Isolation index :math:`{}_xP^*_x = \sum_i \frac{x_i}{X} \frac{x_i}{t_i}`.

    Massey & Denton (1988) (Lieberson 1981). The group share in the average group member's unit.

    Examples
    --------
    >>> float(isolation(np.array([3.0, 1]), np.array([4.0, 4]), np.zeros(2, dtype=int), 1)[0])
    0.625
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s.xx_t / s.X


def exposure(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Exposure (interaction) index :math:`{}_xP^*_y = \sum_i \frac{x_i}{X} \frac{y_i}{t_i}`, ``y = t − x``.

    Massey & Denton (1988). The share of the *other* group in the average group member's unit;
    ``isolation + exposure = 1``. Same as PySAL ``Interaction``.

    Examples
    --------
    >>> float(exposure(np.array([3.0, 1]), np.array([4.0, 4]), np.zeros(2, dtype=int), 1)[0])
    0.375
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s.xy_t / s.X


def exposure_yx(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Reverse exposure :math:`{}_yP^*_x = \sum_i \frac{y_i}{Y} \frac{x_i}{t_i}` (the rest's exposure to the group).

    Massey & Denton (1988) with the roles swapped; :math:`{}_xP^*_y X = {}_yP^*_x Y`.

    Examples
    --------
    >>> x, t, c = np.array([3.0, 1]), np.array([4.0, 8]), np.zeros(2, dtype=int)
    >>> float(exposure(x, t, c, 1)[0]), float(exposure_yx(x, t, c, 1)[0])
    (0.40625, 0.203125)
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s.xy_t / s.Y


def correlation_ratio(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Correlation ratio (eta squared) :math:`\eta^2 = \frac{{}_xP^*_x - P}{1 - P}`.

    Massey & Denton (1988) (White 1986); isolation adjusted for the group's overall share.

    Examples
    --------
    >>> x = np.array([100.0, 100, 0, 0]); t = np.array([100.0, 100, 100, 100])
    >>> float(correlation_ratio(x, t, np.zeros(4, dtype=int), 1)[0])
    1.0
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        xpx = s.xx_t / s.X
        return (xpx - s.P) / (1.0 - s.P)


def atkinson(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None, *,
    b: float = 0.5,
) -> np.ndarray:  # fmt: skip
    r"""Atkinson index :math:`A_b = 1 - \frac{P}{1-P} \left| \frac{1}{PT} \sum_i (1-p_i)^{1-b} p_i^b t_i \right|^{1/(1-b)}`.

    Atkinson (1970), "On the measurement of inequality", J. Econ. Theory 2; in the segregation form of Massey &
    Denton (1988). ``0 < b < 1`` sets how units where the group is under- versus over-represented are
    weighted: ``b < 0.5`` weights units where the group is under-represented more, ``b > 0.5`` those where it
    is over-represented; ``b = 0.5`` weights both equally.

    Examples
    --------
    >>> x = np.array([100.0, 60, 40, 0]); t = np.array([100.0, 100, 100, 100])
    >>> round(float(atkinson(x, t, np.zeros(4, dtype=int), 1, b=0.5)[0]), 6)
    0.76
    """
    if not 0.0 < b < 1.0:
        raise ValueError(f"Atkinson b must lie strictly between 0 and 1, got {b!r}")
    s = _sums(x, t, codes, nseg, sums)
    T, P = s.T, s.P
    w = ssum(s.q ** (1.0 - b) * s.p**b * t, codes, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (P / (1.0 - P)) * np.abs(w / (P * T)) ** (1.0 / (1.0 - b))


def multigroup_dissimilarity(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Multigroup dissimilarity :math:`D = \sum_k \sum_i \frac{t_i |p_{ik} - P_k|}{2 T I}`, :math:`I = \sum_k P_k (1-P_k)`.

    Reardon & Firebaugh (2002) (Morgan 1975; Sakoda 1981). Same as PySAL ``MultiDissim``.

    Examples
    --------
    >>> x = np.array([[10.0, 0, 0], [0, 10, 0], [0, 0, 10]])
    >>> float(multigroup_dissimilarity(x, x.sum(1), np.zeros(3, dtype=int), 1)[0])
    1.0
    """
    s = _sums(x, t, codes, nseg, sums)
    I = (s.Pk * (1.0 - s.Pk)).sum(axis=1)  # noqa: E741
    num = np.abs(x - t[:, None] * s.Pkc).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ssum(num, codes, nseg) / (2.0 * s.T * I)


def multigroup_theil_h(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Multigroup information theory index :math:`H = \sum_i \sum_k \frac{t_i p_{ik} \ln(p_{ik}/P_k)}{T E}`.

    Theil (1972); Reardon & Firebaugh (2002), :math:`E = \sum_k P_k \ln(1/P_k)`; equal to
    :func:`theil_h` for two groups. Same as PySAL ``MultiInfoTheory``.

    Examples
    --------
    >>> x = np.array([[10.0, 0, 0], [0, 10, 0], [0, 0, 10]])
    >>> float(multigroup_theil_h(x, x.sum(1), np.zeros(3, dtype=int), 1)[0])
    1.0
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s.info / (s.T * s.E)


def multigroup_mutual_information(
    x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int, sums: SegmentSums | None = None
) -> np.ndarray:
    r"""Multigroup Mutual Information Index :math:`M = \sum_i \frac{t_i}{T} \sum_k p_{ik} \ln\frac{p_{ik}}{P_k}`.

    Theil (1971); Mora & Ruiz-Castillo (2011); Elbers (2023), "A method for studying differences in
    segregation across time and space", Sociological Methods & Research 52(1). Equal to
    :math:`\sum_i \sum_k p_{ik}^{joint} \ln(p_{ik}^{joint} / (p_{i\cdot} p_{\cdot k}))`, to
    :func:`multigroup_theil_h` × :math:`E` (:math:`E = \sum_k P_k \ln(1/P_k)`), and to
    :func:`mutual_information` for two groups; PySAL calls it ``MultiDivergence`` (Roberto 2015). Ranges from 0
    to :math:`\ln K`. NaN where the segment has one group only (E = 0).

    Examples
    --------
    >>> x = np.array([[10.0, 0, 0], [0, 10, 0], [0, 0, 10]])
    >>> round(float(multigroup_mutual_information(x, x.sum(1), np.zeros(3, dtype=int), 1)[0]), 12)  # ln 3
    1.098612288668
    """
    s = _sums(x, t, codes, nseg, sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        M = s.info / s.T
    return np.where(s.E > 0, M, np.nan)


#: Two-group indices: name → kernel. Order is the output order.
TWO_GROUP: dict[str, Kernel] = {
    "dissimilarity": dissimilarity,
    "gini": gini,
    "theil_h": theil_h,
    "mutual_information": mutual_information,
    "isolation": isolation,
    "exposure": exposure,
    "exposure_yx": exposure_yx,
    "correlation_ratio": correlation_ratio,
    "atkinson_0.1": partial(atkinson, b=0.1),
    "atkinson_0.5": partial(atkinson, b=0.5),
    "atkinson_0.9": partial(atkinson, b=0.9),
}

#: Multigroup indices: name → kernel.
MULTIGROUP: dict[str, Kernel] = {
    "multigroup_dissimilarity": multigroup_dissimilarity,
    "multigroup_theil_h": multigroup_theil_h,
    "multigroup_mutual_information": multigroup_mutual_information,
}

#: Evenness indices (0 when every unit has the segment's composition).
EVENNESS = (
    "dissimilarity",
    "gini",
    "theil_h",
    "mutual_information",
    "correlation_ratio",
    "atkinson_0.1",
    "atkinson_0.5",
    "atkinson_0.9",
    "multigroup_dissimilarity",
    "multigroup_theil_h",
    "multigroup_mutual_information",
)
