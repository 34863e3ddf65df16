"""Nested decompositions of Theil's H and of the Mutual Information Index M into between- and within-parent parts.

DeSO within RegSO within kommun: total segregation over the small units equals the segregation between the
parents plus the (weighted) segregation among the children inside each parent. For M the weights are the
parents' population shares (the chain rule of mutual information; Theil 1971; Mora & Ruiz-Castillo 2011;
Elbers's R package ``segregation``, ``mutual_total(within = )``/``mutual_within``); H, being M / E, inherits
the split with entropy-ratio weights :math:`T_r E_r / (T E)` (Theil 1972; Reardon & Firebaugh 2002).

:func:`nested_parts` is the vectorised kernel: it takes stacked segments and parents, so the bootstrap in
:mod:`segindicators.indices.inference` runs it once for all draws × municipalities × years.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, Prepared, _as_list, prepare, segment_codes
from segindicators.indices.citywide import _long_result
from segindicators.indices.kernels import (
    SegmentSums,
    multigroup_mutual_information,
    multigroup_theil_h,
    mutual_information,
    ssum,
    theil_h,
)

#: Columns of :func:`nested_parts`, without the ``multigroup_`` prefix.
NESTED_PARTS = (
    "theil_h",
    "theil_h_between",
    "theil_h_within",
    "theil_h_within_share",
    "mutual_information",
    "mutual_information_between",
    "mutual_information_within",
    "mutual_information_within_share",
)


def _kernels(x: np.ndarray):
    """The (H, M) kernels for two-group (1-D) or multigroup (2-D) counts."""
    if x.ndim == 1:
        return theil_h, mutual_information
    return multigroup_theil_h, multigroup_mutual_information


def nested_parts(
    x: np.ndarray,
    t: np.ndarray,
    codes: np.ndarray,
    pcode: np.ndarray,
    par_seg: np.ndarray,
    nseg: int,
    npar: int,
) -> np.ndarray:
    r"""H and M with their between/within-parent parts for every segment, shape ``(nseg, 8)``.

    Columns in the order of :data:`NESTED_PARTS`. ``x``/``t`` are the child units (as for the kernels),
    ``codes`` their segment, ``pcode`` their parent (``0..npar-1``), ``par_seg`` each parent's segment.

    .. math:: M = M_{between} + \sum_r \frac{T_r}{T} M_r, \qquad
              H = H_{between} + \sum_r \frac{T_r E_r}{T E} H_r

    :math:`M_{between}`, :math:`H_{between}` are the indices of the parents as units; :math:`M_r, H_r` those
    of the children inside parent r. A parent with one group only (:math:`E_r = 0`) contributes 0 to the
    within part; a parent without residents (possible in resampled tables) drops out.

    Examples
    --------
    >>> x = np.array([100.0, 0, 50, 50]); t = np.full(4, 100.0)
    >>> v = nested_parts(x, t, np.zeros(4, dtype=int), np.array([0, 0, 1, 1]), np.zeros(2, dtype=int), 1, 2)
    >>> dict(zip(NESTED_PARTS[4:7], v[0, 4:7].round(6).tolist()))
    {'mutual_information': 0.346574, 'mutual_information_between': 0.0, 'mutual_information_within': 0.346574}
    """
    kh, km = _kernels(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        seg = SegmentSums(x, t, codes, nseg)  # T, E and the sums H and M share, computed once
        H, M = kh(x, t, codes, nseg, seg), km(x, t, codes, nseg, seg)
        # parents as units (parents without residents, possible in a resampled table, drop out)
        par = SegmentSums(x, t, pcode, npar)
        xp, tp = (par.X if x.ndim == 1 else par.Xk), par.T
        live = tp > 0
        between = SegmentSums(xp[live], tp[live], par_seg[live], nseg)
        H_between = kh(xp[live], tp[live], par_seg[live], nseg, between)
        M_between = km(xp[live], tp[live], par_seg[live], nseg, between)
        # children within each parent
        H_r, M_r = kh(x, t, pcode, npar, par), km(x, t, pcode, npar, par)
        T_r, E_r, T, E = par.T, par.E, seg.T, seg.E
        H_within = ssum(np.where(E_r > 0, T_r * E_r * H_r, 0.0), par_seg, nseg) / (T * E)
        M_within = ssum(np.where(E_r > 0, T_r * M_r, 0.0), par_seg, nseg) / T
        M_within = np.where(E > 0, M_within, np.nan)
        return np.column_stack([H, H_between, H_within, H_within / H, M, M_between, M_within, M_within / M])


def _nesting(
    counts: pd.DataFrame, group, total, parent, by, missing
) -> tuple[Prepared, np.ndarray, np.ndarray, int, pd.DataFrame]:
    """Prepared child units plus parent codes, each parent's segment and the parent key frame."""
    by_l, parent_l = _as_list(by), _as_list(parent)
    prep = prepare(counts, group=group, total=total, by=by_l, missing=missing)
    kept = counts.iloc[prep.rows]
    pcode, pkeys = segment_codes(kept, [*by_l, *parent_l])
    npar = len(pkeys)
    # segment of each parent: the by-segment of any of its units (parents are nested inside by)
    par_seg = np.zeros(npar, dtype=np.intp)
    par_seg[pcode] = prep.codes
    if not np.array_equal(par_seg[pcode], prep.codes):  # pragma: no cover - guaranteed by the grouping keys
        raise ValueError("parent areas must be nested inside the by segments")
    return prep, pcode, par_seg, npar, pkeys


def nested_names(multigroup: bool, index: str | None = None) -> list[str]:
    """Row names of the decomposition (all eight, or the four of ``index``), prefixed for multigroup input.

    Examples
    --------
    >>> nested_names(False, "mutual_information")
    ['mutual_information', 'mutual_information_between', 'mutual_information_within', 'mutual_information_within_share']
    """
    names = [n for n in NESTED_PARTS if index is None or n.startswith(index)]
    return [f"multigroup_{n}" for n in names] if multigroup else names


def nested_decomposition(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    index: str | None = None,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""H and M split into between-parent and within-parent parts (see :func:`nested_parts`).

    ``index`` = ``"theil_h"`` or ``"mutual_information"`` keeps the four rows of that index; the default
    keeps all eight. Other parameters and the result as in :func:`nested_theil`.

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [90, 10, 50, 50], "t": [100] * 4})
    >>> r = nested_decomposition(df, group="x", total="t", parent="regso").set_index("index")["value"]
    >>> bool(abs(r["mutual_information"] - r["theil_h"] * np.log(2)) < 1e-15)  # P = 1/2, so E = ln 2
    True
    """
    if index not in (None, "theil_h", "mutual_information"):
        raise ValueError(f"index must be 'theil_h', 'mutual_information' or None, got {index!r}")
    keep = [i for i, n in enumerate(NESTED_PARTS) if index is None or n.startswith(index)]
    prep, pcode, par_seg, npar, _ = _nesting(counts, group, total, parent, by, missing)
    values = nested_parts(prep.x, prep.t, prep.codes, pcode, par_seg, prep.nseg, npar)
    out = _long_result(prep.keys, nested_names(prep.x.ndim == 2, index), values[:, keep])
    out.attrs.update(prep.attrs)
    return out


def nested_theil(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Split Theil's H into a between-parent part and the weighted within-parent parts.

    .. math:: H = H_{between} + \sum_r \frac{T_r E_r}{T E} H_r

    where :math:`H_{between}` is H computed on the parents (e.g. RegSO) as units, :math:`H_r` is H among the
    children (e.g. DeSO) of parent :math:`r`, and :math:`T_r, E_r` are the parent's population and entropy
    (Theil 1972; Reardon & Firebaugh 2002; Fischer et al. 2004). Works for two groups
    (``theil_h``) and, with ``group`` a list, for the multigroup H (``multigroup_theil_h``); the same split of
    M is :func:`nested_mutual_information`. A parent with
    :math:`E_r = 0` (one group only) has weight 0 and contributes nothing to the within part.

    Parameters
    ----------
    counts, group, total, by, missing
        As in :func:`segindicators.indices.segregation_indices`; rows are the lowest-level units (DeSO).
    parent : str or list of str
        Column(s) naming each unit's parent area (RegSO), nested inside ``by`` (kommun × year).

    Returns
    -------
    DataFrame
        ``by`` columns, ``index`` ∈ {``theil_h``, ``theil_h_between``, ``theil_h_within``,
        ``theil_h_within_share``} (``multigroup_``-prefixed for a list ``group``), ``value``, ``flags``.
        ``theil_h == theil_h_between + theil_h_within`` to rounding (about 1e-15).

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [90, 10, 50, 50], "t": [100] * 4})
    >>> r = nested_theil(df, group="x", total="t", parent="regso")
    >>> v = dict(zip(r["index"], r["value"]))
    >>> round(v["theil_h"], 12) == round(v["theil_h_between"] + v["theil_h_within"], 12)
    True
    >>> round(v["theil_h_between"], 4), round(v["theil_h_within"], 4)
    (0.0, 0.2655)
    """
    return nested_decomposition(
        counts, group=group, total=total, parent=parent, by=by, index="theil_h", missing=missing
    )


def nested_mutual_information(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Split the Mutual Information Index M into a between-parent part and the weighted within-parent parts.

    .. math:: M = M_{between} + \sum_r \frac{T_r}{T} M_r

    where :math:`M_{between}` is M computed on the parents (e.g. RegSO) as units and :math:`M_r` is M among
    the children (e.g. DeSO) of parent :math:`r`, weighted by the parent's population share — an exact
    identity (the chain rule of mutual information; Theil 1971; Mora & Ruiz-Castillo 2011). Unlike H, the
    weights do not depend on the parents' entropies, so the parts of two municipalities or two years are
    directly comparable (Elbers 2023). ``within_share`` is the same for M and H (both are divided by E).

    Parameters
    ----------
    counts, group, total, parent, by, missing
        As in :func:`nested_theil`.

    Returns
    -------
    DataFrame
        ``by`` columns, ``index`` ∈ {``mutual_information``, ``mutual_information_between``,
        ``mutual_information_within``, ``mutual_information_within_share``} (``multigroup_``-prefixed for a
        list ``group``), ``value``, ``flags``. Per-parent terms: :func:`mutual_within`.

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [100, 0, 50, 50], "t": [100] * 4})
    >>> r = nested_mutual_information(df, group="x", total="t", parent="regso")
    >>> dict(zip(r["index"], r["value"].round(6)))  # R1 is split 100/0: M_R1 = ln 2, weight 1/2
    {'mutual_information': 0.346574, 'mutual_information_between': 0.0, 'mutual_information_within': 0.346574, 'mutual_information_within_share': 1.0}
    """
    return nested_decomposition(
        counts, group=group, total=total, parent=parent, by=by, index="mutual_information", missing=missing
    )


#: Index names of :func:`mutual_within`.
WITHIN_PARTS = ("mutual_information", "population_share", "theil_h", "entropy_ratio")


def mutual_within(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Segregation inside each parent area: its M and H among its children, and their weights.

    Per parent r: ``mutual_information`` :math:`M_r`, ``population_share`` :math:`T_r / T`, ``theil_h``
    :math:`H_r` and ``entropy_ratio`` :math:`E_r / E`, so that
    :math:`\sum_r (T_r/T) M_r = M_{within}` and :math:`\sum_r (T_r/T)(E_r/E) H_r = H_{within}` of
    :func:`nested_mutual_information` / :func:`nested_theil` (as Elbers's ``mutual_within`` reports them).
    A parent with one group only has :math:`M_r = 0` (every child has the parent's composition) and
    :math:`H_r` NaN (0/0; its weight :math:`E_r/E` is 0).

    Returns
    -------
    DataFrame
        ``by`` + ``parent`` columns, ``index`` ∈ :data:`WITHIN_PARTS`, ``value``.

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [100, 0, 50, 50], "t": [100] * 4})
    >>> r = mutual_within(df, group="x", total="t", parent="regso")
    >>> r.pivot(index="regso", columns="index", values="value").round(6)
    index  entropy_ratio  mutual_information  population_share  theil_h
    regso
    R1               1.0            0.693147               0.5      1.0
    R2               1.0            0.000000               0.5      0.0
    """
    by_l, parent_l = _as_list(by), _as_list(parent)
    prep, pcode, par_seg, npar, pkeys = _nesting(counts, group, total, parent, by, missing)
    x, t = prep.x, prep.t
    kh, km = _kernels(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        par, seg = SegmentSums(x, t, pcode, npar), SegmentSums(x, t, prep.codes, prep.nseg)
        T_r, E_r, T, E = par.T, par.E, seg.T, seg.E
        M_r = np.where(E_r > 0, km(x, t, pcode, npar, par), 0.0)
        H_r = np.where(E_r > 0, kh(x, t, pcode, npar, par), np.nan)
        values = np.column_stack([M_r, T_r / T[par_seg], H_r, E_r / E[par_seg]])
    out = pkeys[[*by_l, *parent_l]].loc[np.repeat(np.arange(npar), len(WITHIN_PARTS))].reset_index(drop=True)
    out["index"] = pd.array(np.tile(np.array(WITHIN_PARTS, dtype=object), npar), dtype="str")
    out["value"] = values.reshape(-1)
    out.attrs.update(prep.attrs)
    return out
