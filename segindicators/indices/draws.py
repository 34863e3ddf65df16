r"""Bootstrap draws of the citywide indices: the one resampling code path behind every interval and correction.

:func:`bootstrap_draws` returns the replicates themselves (an :class:`IndexDraws`: the point results, one row
per segment × index, and a ``(draws, rows)`` array of bootstrap values), for every municipality × level ×
geography version × year at once. :func:`segindicators.indices.bootstrap_indices` summarises the very same
replicates (same generator, same order of random numbers: for equal arguments and seed its
``value_bias_corrected`` equals :meth:`IndexDraws.bias_corrected`), and
:func:`segindicators.typology.ranks.rank_intervals` ranks municipalities in every draw.

Each draw resamples every unit's counts (``resample="units"``: :math:`x_i^* \sim Mult(t_i, \hat p_i)`;
``"table"``: Elbers's whole-table multinomial; see :mod:`segindicators.indices.inference`); the draws are
stacked as extra segments (draw ``d`` of segment ``s`` becomes segment ``d * nseg + s``) so the registry
kernels compute all draws × segments in a few ``np.bincount`` calls, chunk by chunk (``max_cells`` bounds
units × draws per chunk; the random numbers are drawn a chunk at a time) and, within a chunk, in cache-sized
blocks of about :data:`BLOCK_CELLS` units × draws. The kernels of one block share their segment sums
(:class:`~segindicators.indices.kernels.SegmentSums`). Memory of the result: 8 bytes × draws × segments × indices, e.g. 290 municipalities
× 3 years × 2 levels × 999 draws × 1 index ≈ 14 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, Prepared, prepare
from segindicators.indices.citywide import _compute, _long_result, resolve_indices
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, evaluate, ssum

__all__ = ["IndexDraws", "Resample", "bootstrap_draws", "concat_draws"]

Resample = Literal["units", "table"]


def _integer_totals(t: np.ndarray) -> np.ndarray:
    ti = np.rint(t)
    if not np.allclose(ti, t, rtol=0, atol=1e-9):
        raise ValueError(
            "bootstrap resampling needs whole-number counts (persons); the totals contain fractions. "
            "Round the counts first if they are estimates"
        )
    return ti.astype(np.int64)


def _simulate(rng, ti, probs, size):
    """Binomial (probs 1-D) or multinomial (probs 2-D) draws of each unit's counts, shape size (+ (K,))."""
    if probs.ndim == 1:
        return rng.binomial(ti, np.clip(probs, 0.0, 1.0), size=size).astype(np.float64)
    return rng.multinomial(ti, probs, size=size).astype(np.float64)


def _table_layout(ti: np.ndarray, c: np.ndarray, nseg: int) -> list[tuple]:
    """Segments grouped by unit count (powers of two), each group as a padded matrix of unit shares.

    Units must be sorted by segment. Each segment's units sit right-aligned in its row, so the last real unit
    is the multinomial's last category and takes the remainder exactly; the padding (share 0) stays empty.
    The loop runs over at most log2(max units per segment) + 1 size classes, not over units.
    """
    n = len(ti)
    if n and np.any(np.diff(c) < 0):  # pragma: no cover - callers sort
        raise ValueError("table resampling needs units sorted by segment")
    ns = np.bincount(c, minlength=nseg)
    start = np.concatenate([[0], np.cumsum(ns)[:-1]])
    pos = np.arange(n) - start[c]
    Ts = np.bincount(c, weights=ti, minlength=nseg)
    size_class = np.ceil(np.log2(np.maximum(ns, 1))).astype(np.int64)
    layout = []
    for b in np.unique(size_class[ns > 0]):
        segs = np.flatnonzero((size_class == b) & (ns > 0))
        width = int(ns[segs].max())
        row_of = np.full(nseg, -1)
        row_of[segs] = np.arange(len(segs))
        units = np.flatnonzero(row_of[c] >= 0)
        rows = row_of[c[units]]
        cols = width - ns[c[units]] + pos[units]
        pvals = np.zeros((len(segs), width))
        pvals[rows, cols] = ti[units] / Ts[c[units]]
        layout.append((np.rint(Ts[segs]).astype(np.int64), pvals, units, rows, cols))
    return layout


def _table_unit_totals(rng, layout: list[tuple], m: int, n: int) -> np.ndarray:
    """Unit sizes of m draws, shape (m, n): one multinomial per segment and draw over its units."""
    out = np.empty((m, n), dtype=np.int64)
    for Ts, pvals, units, rows, cols in layout:
        d = rng.multinomial(Ts, pvals, size=(m, len(Ts)))
        out[:, units] = d[:, rows, cols]
    return out


#: Units × draws per block of kernel evaluation (about 0.5 MB per float array): small enough for the CPU's
#: caches and for the allocator to reuse its memory, so evaluating one national chunk of 16 DeSO draws block by
#: block takes less than half the time of one pass over the whole chunk (benchmarks/national.py).
BLOCK_CELLS = 65_536


def _resampled(
    rng, x: np.ndarray, t: np.ndarray, c: np.ndarray, nseg: int, probs: np.ndarray, ndraws: int,
    chunk: int, resample: Resample,
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray, Callable[[np.ndarray, int], np.ndarray]]]:  # fmt: skip
    """Yield ``(start, m, xs, ts, stack)`` for blocks of m draws: the stacked resampled units.

    ``xs``/``ts`` are the counts and totals of every (draw, unit) row; ``stack(key, nkeys)`` turns a per-unit
    key (segment or parent code, ``0..nkeys-1``) into the rows' stacked code ``draw * nkeys + key``. The random
    numbers are drawn ``chunk`` draws at a time (the chunks fix the order of the random numbers, and with
    ``"table"`` their shapes); each chunk is handed out in blocks of about :data:`BLOCK_CELLS` rows. Every
    index is a function of one draw's segment, so the blocking changes no number. A loop over chunks and
    blocks, never over areas.
    """
    n = len(t)
    ti = _integer_totals(t)
    layout = _table_layout(ti, c, nseg) if resample == "table" else None
    per_block = max(1, BLOCK_CELLS // max(n, 1))
    tiled = np.tile(t, min(per_block, chunk))
    for start in range(0, ndraws, chunk):
        m = min(chunk, ndraws - start)
        if layout is None:
            xs = _simulate(rng, ti, probs, (m, n)).reshape(m * n, *x.shape[1:])
            for b0 in range(0, m, per_block):
                mb = min(per_block, m - b0)

                def stack(key: np.ndarray, nkeys: int, mb: int = mb) -> np.ndarray:
                    return (np.arange(mb)[:, None] * nkeys + key[None, :]).ravel()

                yield start + b0, mb, xs[b0 * n : (b0 + mb) * n], tiled[: mb * n], stack
        else:
            tt = _table_unit_totals(rng, layout, m, n).reshape(-1)
            xs = _simulate(rng, tt.reshape(m, n), probs, (m, n)).reshape(m * n, *x.shape[1:])
            keep = np.flatnonzero(tt > 0)  # a unit drawn empty drops out of that draw
            bounds = np.searchsorted(keep, np.arange(0, m + per_block, per_block).clip(max=m) * n)
            for b0, lo, hi in zip(range(0, m, per_block), bounds[:-1], bounds[1:], strict=True):
                mb = min(per_block, m - b0)
                kept = keep[lo:hi]

                def stack(key: np.ndarray, nkeys: int, mb: int = mb, kept=kept - b0 * n) -> np.ndarray:
                    return (np.arange(mb)[:, None] * nkeys + key[None, :]).ravel()[kept]

                yield start + b0, mb, xs[kept], tt[kept].astype(np.float64), stack


def _check(draws: int, level: float, resample: str) -> None:
    if draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if resample not in ("units", "table"):
        raise ValueError(f"resample must be 'units' (unit sizes fixed) or 'table' (Elbers), got {resample!r}")


def _chunk(draws: int, n: int, max_cells: int) -> int:
    """Draws per chunk so that units × draws stays below ``max_cells``."""
    return max(1, min(draws, max_cells // max(n, 1)))


def _sorted_units(prep: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units ordered by (segment, observed share), so the Gini sort of each draw sees nearly ordered input."""
    p_first = prep.x / prep.t if prep.x.ndim == 1 else prep.x[:, 0] / prep.t
    order = np.lexsort((p_first, prep.codes))
    return prep.x[order], prep.t[order], prep.codes[order]


def _simulated(
    rng, registry: Mapping, x: np.ndarray, t: np.ndarray, c: np.ndarray, nseg: int, probs: np.ndarray,
    ndraws: int, run: list[str], how: Resample, chunk: int,
) -> Iterator[tuple[int, np.ndarray]]:  # fmt: skip
    """Yield (start, values (m, nseg, len(run))) chunk by chunk: a loop over chunks, not over areas."""
    fixed: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # "units": blocks of m draws share codes and totals
    for start, m, xs, ts, stack in _resampled(rng, x, t, c, nseg, probs, ndraws, chunk, how):
        if how == "units":
            if m not in fixed:
                codes = stack(c, nseg)
                fixed[m] = codes, ssum(ts, codes, m * nseg)
            codes, T = fixed[m]
        else:
            codes, T = stack(c, nseg), None
        values = evaluate(registry, run, xs, ts, codes, m * nseg, T=T)
        yield start, np.stack([v.reshape(m, nseg) for v in values], axis=-1)


def _replicates(
    rng, registry: Mapping, x: np.ndarray, t: np.ndarray, c: np.ndarray, nseg: int, names: list[str],
    draws: int, resample: Resample, chunk: int, probs: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """The replicates at the observed shares (or at ``probs``), shape (draws, nseg, len(names))."""
    if probs is None:
        probs = x / t if x.ndim == 1 else x / t[:, None]
    boot = np.empty((draws, nseg, len(names)))
    for start, vals in _simulated(rng, registry, x, t, c, nseg, probs, draws, names, resample, chunk):
        boot[start : start + len(vals)] = vals
    return boot


def _finite_mean(boot: np.ndarray, *, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 of the finite draws and their number (undefined draws are left out; none → NaN).

    ``overwrite=True`` lets the undefined draws of a C-contiguous ``boot`` be set to 0 in place instead of in a
    masked copy of the same layout (the same sum, without allocating a second array of every draw).
    """
    finite = np.isfinite(boot)
    if finite.all():  # the usual case: the same numbers without counting and without a masked copy
        nfin, total = np.full(boot.shape[1:], boot.shape[0]), boot.sum(axis=0)
    elif overwrite and boot.flags.c_contiguous:
        np.copyto(boot, 0.0, where=~finite)
        nfin, total = finite.sum(axis=0), boot.sum(axis=0)
    else:
        nfin, total = finite.sum(axis=0), np.where(finite, boot, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / nfin, nfin


def finite_quantiles(boot: np.ndarray, q: Sequence[float], block: int = 4096) -> np.ndarray:
    """Quantiles over axis 0 of each column's finite draws (NaN where none), shape ``(len(q), *boot.shape[1:])``.

    The values of ``np.nanquantile`` on the draws with the undefined ones set to NaN (same order statistics,
    same linear interpolation), computed in blocks of ``block`` columns: columns whose draws are all finite
    in one ``np.quantile`` call, the others grouped by their number of finite draws (a loop over distinct
    counts, not over columns). Memory beyond ``boot``: about ``16 × draws × block`` bytes.

    Examples
    --------
    >>> b = np.array([[1.0, 5.0], [2.0, np.nan], [4.0, 7.0]])
    >>> finite_quantiles(b, [0.5]).tolist()
    [[2.0, 6.0]]
    """
    draws = boot.shape[0]
    flat = boot.reshape(draws, -1)
    qs = np.asarray(q, dtype=np.float64)
    out = np.full((len(qs), flat.shape[1]), np.nan)
    for lo in range(0, flat.shape[1], block):  # a loop over column blocks (memory), not over columns
        cols = np.arange(lo, min(lo + block, flat.shape[1]))
        part = flat[:, cols]  # a copy (np.quantile overwrites it), each column contiguous
        finite = np.isfinite(part)
        if finite.all():  # the usual case: every draw of the block defined, no second copy
            out[:, cols] = np.quantile(part, qs, axis=0, overwrite_input=True)
            continue
        nfin = finite.sum(axis=0)
        full = nfin == draws
        if full.any():
            out[:, cols[full]] = np.quantile(part[:, full], qs, axis=0, overwrite_input=True)
        some = np.flatnonzero(~full & (nfin > 0))
        if some.size:
            ordered = np.sort(np.where(finite[:, some], part[:, some], np.inf), axis=0)  # undefined ones last
            for n in np.unique(nfin[some]):
                pick = some[nfin[some] == n]
                out[:, cols[pick]] = np.quantile(ordered[:n, np.searchsorted(some, pick)], qs, axis=0)
    return out.reshape(len(qs), *boot.shape[1:])


@dataclass(frozen=True, eq=False)
class IndexDraws:
    """Point values and bootstrap replicates of segregation indices, one replicate column per result row.

    Attributes
    ----------
    rows : DataFrame
        One row per segment × index: the ``by`` key columns, ``index``, ``value`` (the raw plug-in index) and
        ``flags``, in the order of :func:`segindicators.indices.segregation_indices`.
    draws : ndarray, shape (ndraws, len(rows))
        ``draws[b, r]`` is row r's index in bootstrap draw b (NaN where the index is undefined in that draw).
    attrs : dict
        Settings (``draws``, ``resample``) and the preparation notes (``dropped_missing``, …).
    """

    rows: pd.DataFrame
    draws: np.ndarray
    attrs: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in ("index", "value") if c not in self.rows.columns]
        if missing:
            raise KeyError(f"IndexDraws.rows: no column(s) {missing}; build it with bootstrap_draws()")
        if self.draws.ndim != 2 or self.draws.shape[1] != len(self.rows):
            raise ValueError(
                f"IndexDraws.draws must have shape (ndraws, {len(self.rows)}) (one column per row), got "
                f"{self.draws.shape}; build it with bootstrap_draws()"
            )

    @property
    def ndraws(self) -> int:
        """Number of bootstrap draws."""
        return int(self.draws.shape[0])

    def bias_corrected(self) -> np.ndarray:
        r"""Bootstrap bias-corrected values :math:`\hat\theta - (\overline{\theta^*} - \hat\theta)`, per row.

        The mean is over the finite draws; a row without any is NaN (Efron & Tibshirani 1993, ch. 10).
        """
        mean, _ = _finite_mean(self.draws)
        point = self.rows["value"].to_numpy(float)
        return point - (mean - point)

    def undefined_draws(self) -> np.ndarray:
        """Number of draws in which each row's index is undefined (NaN)."""
        return self.ndraws - np.isfinite(self.draws).sum(axis=0)

    def take(self, positions: np.ndarray | Sequence[int]) -> IndexDraws:
        """The rows at ``positions`` (iloc) with their draw columns."""
        pos = np.asarray(positions, dtype=np.intp)
        return IndexDraws(self.rows.iloc[pos].reset_index(drop=True), self.draws[:, pos], dict(self.attrs))

    def assign(self, **keys: object) -> IndexDraws:
        """Add constant key columns (e.g. ``group="background"``) in front of ``index``; the draws are shared."""
        rows = self.rows.copy()
        for name, value in keys.items():
            if name in rows.columns:
                raise ValueError(f"assign: column {name!r} exists already in rows ({list(rows.columns)})")
            rows.insert(rows.columns.get_loc("index"), name, value)
        return IndexDraws(rows, self.draws, dict(self.attrs))


def concat_draws(parts: Sequence[IndexDraws]) -> IndexDraws:
    """Stack :class:`IndexDraws` of the same number of draws (e.g. several groupings or levels) into one.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["A", "A", "B", "B"], "x": [30, 10, 20, 20], "t": [40] * 4})
    >>> d = bootstrap_draws(df, group="x", total="t", by="k", indices="dissimilarity", draws=5, rng=0)
    >>> both = concat_draws([d.assign(group="g1"), d.assign(group="g2")])
    >>> both.draws.shape, list(both.rows.columns)
    ((5, 4), ['k', 'group', 'index', 'value', 'flags'])
    """
    if not parts:
        raise ValueError("concat_draws: parts is empty; pass at least one IndexDraws")
    sizes = sorted({p.ndraws for p in parts})
    if len(sizes) > 1:
        raise ValueError(f"concat_draws: every part must have the same number of draws, got {sizes}")
    rows = pd.concat([p.rows for p in parts], ignore_index=True)
    attrs = dict(parts[0].attrs)
    return IndexDraws(rows, np.concatenate([p.draws for p in parts], axis=1), attrs)


def bootstrap_draws(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    by: str | Sequence[str] = (),
    indices: str | Sequence[str] | None = None,
    draws: int = 999,
    rng: np.random.Generator | int | None = None,
    resample: Resample = "units",
    max_cells: int = 1_000_000,
    missing: Missing = "raise",
) -> IndexDraws:
    r"""Bootstrap replicates of the citywide indices of every ``by`` segment, all segments in one pass.

    The resampling is that of :func:`segindicators.indices.bootstrap_indices` (it calls the same code with
    the random numbers in the same order), so for the same arguments and seed
    ``bootstrap_draws(...).bias_corrected()`` equals its ``value_bias_corrected``; use the draws where a
    statistic of several segments is needed per draw, e.g. ranks (Goldstein & Spiegelhalter 1996).

    Parameters
    ----------
    counts, group, total, by, indices, missing
        As in :func:`segindicators.indices.segregation_indices`. Counts must be whole numbers.
    draws : int
        Number of bootstrap draws.
    rng : numpy Generator or int seed, optional
        Source of randomness; pass a seed for reproducible draws.
    resample : {"units", "table"}
        Unit sizes fixed (default) or Elbers's whole-table multinomial, as in ``bootstrap_indices``.
    max_cells : int
        Bound on units × draws simulated per chunk (memory ≈ 50 bytes × max_cells for two groups).

    Returns
    -------
    IndexDraws
        ``rows`` (``by`` columns, ``index``, raw ``value``, ``flags``) and ``draws`` of shape
        ``(draws, len(rows))``.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["A"] * 4 + ["B"] * 2, "x": [100, 60, 40, 0, 30, 0], "t": [100] * 4 + [30] * 2})
    >>> d = bootstrap_draws(df, group="x", total="t", by="k", indices="dissimilarity", draws=200, rng=1)
    >>> d.rows[["k", "index", "value"]].values.tolist(), d.draws.shape
    ([['A', 'dissimilarity', 0.6], ['B', 'dissimilarity', 1.0]], (200, 2))
    >>> bool(d.bias_corrected()[0] < 0.6), float(d.bias_corrected()[1])  # B is completely segregated
    (True, 1.0)
    """
    _check(draws, 0.5, resample)
    multigroup = not isinstance(group, str)
    names = resolve_indices(indices, multigroup)
    registry = MULTIGROUP if multigroup else TWO_GROUP
    prep = prepare(counts, group=group, total=total, by=by, missing=missing)
    gen = np.random.default_rng(rng)
    point = _compute(prep, names, multigroup)
    x, t, c = _sorted_units(prep)
    chunk = _chunk(draws, len(t), max_cells)
    boot = _replicates(gen, registry, x, t, c, prep.nseg, names, draws, resample, chunk)
    rows = _long_result(prep.keys, names, point)
    attrs = {**prep.attrs, "draws": draws, "resample": resample}
    return IndexDraws(rows, boot.reshape(draws, -1), attrs)
