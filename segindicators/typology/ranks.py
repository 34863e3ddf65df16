r"""Rank intervals: a municipality's place among all 290 (or among its peers), with its bootstrap uncertainty.

"Linköping is one of Sweden's most segregated cities" is a statement about a rank, and a rank estimated from
noisy indices is itself noisy. Following Goldstein & Spiegelhalter (1996, "League tables and their
limitations: statistical issues in comparisons of institutional performance", J. R. Statist. Soc. A 159(3)),
every bootstrap draw is ranked as a whole league table and the spread of a municipality's rank over the
draws is its rank interval:

* :func:`rank_intervals` — per municipality × cell (level × geography version × year × index, and
  ``group`` where present): ``rank`` on the point estimate (1 = most segregated; ties share the better rank),
  ``n``, ``percentile``, and ``rank_low``/``rank_high``, the :math:`(1 \mp level)/2` percentiles of its rank
  over the draws;
* :func:`rank_change` — did a rank move between two years beyond the noise (the two rank intervals do not
  overlap)?

**Ranked on the bias-corrected values.** Small municipalities' indices are biased upwards (few, small areas;
see :mod:`segindicators.indices.inference`), so a raw league table puts small towns on top by chance. By
default the point ranking uses :math:`\hat\theta_{bc} = 2\hat\theta - \overline{\theta^*}` (Efron &
Tibshirani 1993, ch. 10; what Elbers's R package ``segregation`` reports with ``se = TRUE``, Elbers 2021) and
each draw is ranked on the debiased replicate :math:`2\hat\theta - \theta^*_b`: their mean is
:math:`\hat\theta_{bc}` and their percentiles are the ``ci_*_bias_corrected`` interval of
:func:`segindicators.indices.bootstrap_indices`, so rank, value and intervals all refer to the same
estimate. ``ranked_on="raw"`` ranks :math:`\hat\theta` and the raw replicates :math:`\theta^*_b` instead.
Every output row says which (``ranked_on``).

**Percentiles of a rank.** Ranks are integers, so the percentiles are taken as order statistics
(``numpy.quantile(..., method="inverted_cdf")``): ``rank_low`` is the smallest rank r with
:math:`\#\{b: R_b \le r\} \ge \alpha B` and ``rank_high`` the smallest with :math:`\ge (1-\alpha)B`, where
:math:`\alpha = (1 - level)/2` and B counts the draws in which the index is defined. Draws where a
municipality's index is undefined leave it out of that draw's table (flag ``undefined_draws=N``). Nothing
forces the point rank into its interval (skewed draws can put it outside); such rows carry
``rank_outside_interval``.

Directions: higher values are more segregated for every index except those in :data:`ASCENDING` (exposure:
more contact between groups), which rank ascending.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from segindicators.indices.draws import IndexDraws

__all__ = ["ASCENDING", "RankedOn", "rank_change", "rank_intervals"]

#: Indices where a *lower* value means more segregation.
ASCENDING = frozenset({"exposure", "exposure_yx"})

RankedOn = Literal["bias_corrected", "raw"]

#: Columns :func:`rank_intervals` adds after the key columns, in output order.
RANK_COLUMNS = ("value", "value_raw", "value_bias_corrected", "ranked_on", "rank", "rank_low", "rank_high",
                "n", "percentile", "flags")  # fmt: skip


def _ranks(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Rank (1 = most segregated, ties share the better rank), count and percentile within ``keys`` groups."""
    asc = frame["index"].isin(ASCENDING).to_numpy()
    signed = np.where(asc, -frame["value"].to_numpy(float), frame["value"].to_numpy(float))
    s = pd.Series(signed, index=frame.index)
    g = s.groupby([frame[k] for k in keys], sort=False, dropna=False)
    rank = g.rank(ascending=False, method="min")
    n = g.transform("count")
    at_most = g.rank(ascending=True, method="max")  # municipalities at most as segregated (incl. itself)
    return rank, n, 100.0 * at_most / n


def _desc_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = largest, ties share the better rank (``"min"``); ``-inf`` sorts last.

    Examples
    --------
    >>> _desc_ranks(np.array([[0.2, 0.5, 0.2, -np.inf]])).tolist()
    [[2, 1, 2, 4]]
    """
    order = np.argsort(-v, axis=-1, kind="stable")
    s = np.take_along_axis(v, order, axis=-1)
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(v.shape[-1]), 0), axis=-1)
    out = np.empty(v.shape, dtype=np.int64)
    np.put_along_axis(out, order, first + 1, axis=-1)
    return out


def _rank_percentiles(
    draws: np.ndarray, scale: np.ndarray, shift: np.ndarray, cells: np.ndarray, level: float, max_cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rank_low``, ``rank_high`` and the number of defined draws per column of ``draws``.

    Column j is ranked within its cell ``cells[j]`` (``-1``: left out) on ``scale[j] * draws[:, j] +
    shift[j]`` (larger = more segregated) in every draw. The columns sit in a padded (cell × position) grid,
    so each chunk of draws is one ``argsort`` along the grid's last axis, and each rank is counted into a
    (column × rank) histogram whose cumulative sums give the percentiles: no loop over municipalities.
    """
    cols = np.flatnonzero(cells >= 0)
    nv = len(cols)
    if nv == 0:
        return np.full(len(cells), np.nan), np.full(len(cells), np.nan), np.zeros(len(cells), dtype=np.int64)
    vc = cells[cols]
    _, vc = np.unique(vc, return_inverse=True)
    ncell = int(vc.max()) + 1
    size = np.bincount(vc, minlength=ncell)
    width = int(size.max())
    order = np.argsort(vc, kind="stable")
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    slot = np.empty(nv, dtype=np.intp)
    slot[order] = vc[order] * width + (np.arange(nv) - start[vc[order]])
    a, b = scale[cols], shift[cols]
    hist = np.zeros(nv * width, dtype=np.int64)
    base = np.arange(nv) * width - 1
    chunk = max(1, max_cells // (ncell * width))
    for s0 in range(0, draws.shape[0], chunk):  # a loop over chunks of draws, not over municipalities
        with np.errstate(invalid="ignore"):
            v = a * draws[s0 : s0 + chunk, cols] + b
        ok = np.isfinite(v)
        grid = np.full((len(v), ncell * width), -np.inf)
        grid[:, slot] = np.where(ok, v, -np.inf)
        r = _desc_ranks(grid.reshape(len(v), ncell, width)).reshape(len(v), -1)[:, slot]
        hist += np.bincount((base + r)[ok], minlength=nv * width)
    cum = hist.reshape(nv, width).cumsum(axis=1)
    defined = cum[:, -1]
    alpha = (1 - level) / 2
    out = []
    for q in (alpha, 1 - alpha):  # inverted_cdf: the smallest rank whose cumulative count reaches q·B
        r = (cum >= (q * defined)[:, None]).argmax(axis=1) + 1.0
        full = np.full(len(cells), np.nan)
        full[cols] = np.where(defined > 0, r, np.nan)
        out.append(full)
    ndef = np.zeros(len(cells), dtype=np.int64)
    ndef[cols] = defined
    return out[0], out[1], ndef


def rank_intervals(
    draws: IndexDraws,
    *,
    ranked_on: RankedOn = "bias_corrected",
    level: float = 0.95,
    among: Iterable[str] | None = None,
    unit: str = "kommun",
    max_cells: int = 4_000_000,
) -> pd.DataFrame:
    r"""Rank of every municipality in every cell, on the point estimate and over the bootstrap draws.

    A cell is one combination of the key columns of ``draws.rows`` other than ``unit`` (for
    :func:`~segindicators.typology.peers.citywide_draws_by_kommun`: level × geo_version × year × index, plus
    ``group`` if the draws carry one). Within each cell and in each draw b the municipalities are ranked,
    1 = most segregated (ascending for :data:`ASCENDING`), ties sharing the better rank; ``rank_low`` and
    ``rank_high`` are the :math:`(1 \mp level)/2` percentiles of a municipality's rank over the draws
    (Goldstein & Spiegelhalter 1996; see the module notes for the percentile rule and the bias correction).

    Parameters
    ----------
    draws : IndexDraws
        :func:`segindicators.indices.bootstrap_draws` output with a ``unit`` key column.
    ranked_on : {"bias_corrected", "raw"}
        Rank the bias-corrected estimates and debiased replicates :math:`2\hat\theta - \theta^*_b` (default),
        or the raw estimates and replicates.
    level : float
        Coverage of the rank interval, in (0, 1).
    among : iterable of str, optional
        Rank only among these municipalities (e.g. a peer group); default all.
    unit : str
        Column naming what is ranked.
    max_cells : int
        Bound on draws × grid cells ranked per chunk (memory ≈ 60 bytes × max_cells; the grid is cells ×
        the largest cell).

    Returns
    -------
    DataFrame
        One row per ranked row of ``draws.rows`` (all, or those of ``among``), the key columns, ``unit``, then
        ``value`` (the value ranked on), ``value_raw``, ``value_bias_corrected``, ``ranked_on``, ``rank``,
        ``rank_low``, ``rank_high``, ``n`` (municipalities with a value in the cell), ``percentile`` (share of
        them at most as segregated, in percent), ``flags``. Rows whose ranked value is NaN keep NaN ranks.

    Examples
    --------
    >>> from segindicators.indices import IndexDraws
    >>> rows = pd.DataFrame({"kommun": ["A", "B", "C"], "index": "dissimilarity", "value": [0.5, 0.3, 0.2]})
    >>> B = np.array([[0.50, 0.30, 0.20], [0.50, 0.10, 0.40], [0.50, 0.30, 0.20], [0.50, 0.30, 0.20]])
    >>> r = rank_intervals(IndexDraws(rows, B), ranked_on="raw", level=0.9)
    >>> r[["kommun", "rank", "rank_low", "rank_high", "n"]].values.tolist()
    [['A', 1.0, 1.0, 1.0, 3.0], ['B', 2.0, 2.0, 3.0, 3.0], ['C', 3.0, 2.0, 3.0, 3.0]]

    B and C swap places in one draw of four, so either may be second; A is first in every draw.
    """
    rows = draws.rows
    if unit not in rows.columns:
        raise KeyError(f"draws.rows: no {unit!r} column (unit=); columns are {list(rows.columns)}")
    if ranked_on not in ("bias_corrected", "raw"):
        raise ValueError(f"ranked_on must be 'bias_corrected' or 'raw', got {ranked_on!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}; e.g. 0.95 for a 95 % rank interval")
    keys = [c for c in rows.columns if c not in {unit, "value", "flags"}]
    floats = [c for c in keys if pd.api.types.is_float_dtype(rows[c])]
    if floats:
        raise ValueError(
            f"draws.rows: column(s) {floats} hold floats, so they would split the cells; rows must hold only the "
            "key columns, index, value and flags (bootstrap_draws() output), drop the others"
        )
    raw = rows["value"].to_numpy(float)
    corrected = draws.bias_corrected()
    value = corrected if ranked_on == "bias_corrected" else raw
    sign = np.where(rows["index"].isin(ASCENDING).to_numpy(), -1.0, 1.0)
    if ranked_on == "bias_corrected":  # sign · (2θ̂ − θ*): the debiased replicate, oriented
        scale, shift = -sign, 2.0 * sign * raw
    else:
        scale, shift = sign, np.zeros(len(rows))
    if isinstance(among, str):
        among = [among]
    include = np.ones(len(rows), dtype=bool) if among is None else rows[unit].isin(list(among)).to_numpy()
    valid = include & np.isfinite(value)
    out = rows.loc[:, [*keys, unit]].copy()
    out["value"], out["value_raw"], out["value_bias_corrected"] = value, raw, corrected
    out["ranked_on"] = pd.array([ranked_on] * len(rows), dtype="str")
    ranked = out.loc[valid, [*keys, "value"]]
    for col, s in zip(("rank", "n", "percentile"), _ranks(ranked, keys), strict=True):
        out[col] = s.reindex(out.index).astype(float)
    cells = np.where(valid, rows.groupby(keys, sort=False, dropna=False).ngroup().to_numpy(), -1)
    low, high, ndef = _rank_percentiles(draws.draws, scale, shift, cells, level, max_cells)
    out.insert(out.columns.get_loc("n"), "rank_low", low)
    out.insert(out.columns.get_loc("n"), "rank_high", high)
    undefined = valid & (ndef < draws.ndraws)
    rk = out["rank"].to_numpy(float)
    outside = valid & np.isfinite(low) & ((rk < low) | (rk > high))
    tokens = np.full(len(rows), "", dtype=object)
    tokens[undefined] = [f"undefined_draws={draws.ndraws - d}" for d in ndef[undefined]]
    tokens[outside] = [
        f"{t};rank_outside_interval" if t else "rank_outside_interval" for t in tokens[outside]
    ]
    out["flags"] = pd.array(tokens, dtype="str")
    return out.loc[include].reset_index(drop=True)


def rank_change(
    ranks: pd.DataFrame, *, from_year: int, to_year: int, rank: str = "rank", unit: str = "kommun"
) -> pd.DataFrame:
    r"""Did a municipality's rank move between two years, and beyond the noise?

    Rule: a move is *beyond noise* when the rank changed **and** the two years' rank intervals do not overlap
    (``rank_high`` of one year below ``rank_low`` of the other). Non-overlap of two 95 % intervals is a
    conservative test: for independent, roughly normal estimates it corresponds to a two-sided level of about
    0.6 % rather than 5 % (Schenker & Gentleman 2001, "On judging the significance of differences by
    examining the overlap between confidence intervals", The American Statistician 55(3); Goldstein & Healy
    1995, J. R. Statist. Soc. A 158(1)); Goldstein & Spiegelhalter (1996) read overlapping rank intervals the
    same way: the positions cannot be told apart. It misses some real moves but seldom reports a spurious one,
    which is the error to avoid in a political report. The years' draws are independent bootstraps, so the
    rule needs no pairing of draws. Missing intervals give ``<NA>``, not ``False``.

    Parameters
    ----------
    ranks : DataFrame
        :func:`rank_intervals` or :func:`~segindicators.typology.peers.peer_comparison` output holding both
        years (``year``, ``unit``, ``index``, ``rank``, ``rank_low``, ``rank_high``; ``level``, ``group``,
        ``geo_version``, ``n``, ``ranked_on`` where present).
    from_year, to_year : int
        The two years compared.
    rank : str
        ``"rank"`` (among all) or ``"peer_rank"`` (within the peer group; uses ``peer_rank_low`` …).
    unit : str
        Column naming what is ranked.

    Returns
    -------
    DataFrame
        Per ``unit`` × level × group × index: ``rank_from``, ``rank_to``, ``rank_low_from``, ``rank_high_from``,
        ``rank_low_to``, ``rank_high_to``, ``rank_diff`` (to − from; negative = now ranked as more
        segregated), ``moved`` and ``beyond_noise`` (nullable booleans), ``ranked_on``, ``flags``
        (``geo_version=<from>→<to>`` across a geography break, ``n=<from>→<to>`` when the number of ranked
        municipalities changed).

    Examples
    --------
    >>> t = pd.DataFrame({"kommun": "0580", "index": "dissimilarity", "year": [2022, 2023],
    ...                   "rank": [30.0, 12.0], "rank_low": [25.0, 8.0], "rank_high": [36.0, 17.0]})
    >>> rank_change(t, from_year=2022, to_year=2023)[["rank_diff", "moved", "beyond_noise"]].values.tolist()
    [[-18.0, True, True]]
    """
    cols = {"rank": rank, "rank_low": f"{rank}_low", "rank_high": f"{rank}_high"}
    need = [unit, "year", "index", *cols.values()]
    absent = [c for c in need if c not in ranks.columns]
    if absent:
        raise KeyError(f"ranks: no column(s) {absent}; pass rank_intervals() or peer_comparison() output")
    keys = [unit, *(c for c in ("level", "group") if c in ranks.columns), "index"]
    count = "n" if rank == "rank" else f"{rank.removesuffix('_rank')}_n"
    extra = [c for c in ("geo_version", count, "ranked_on") if c in ranks.columns]
    sides = {}
    for tag, year in (("from", from_year), ("to", to_year)):
        part = ranks.loc[ranks["year"] == year, [*keys, *cols.values(), *extra]]
        if part.empty:
            raise ValueError(
                f"{tag}_year={year!r}: no rows in ranks; years present: {sorted(ranks['year'].unique())}"
            )
        dup = part.duplicated(keys)
        if dup.any():
            raise ValueError(
                f"ranks: {int(dup.sum())} duplicate {keys} rows in {year} (e.g. several geography versions); "
                "select one geo_version per year before comparing"
            )
        part = part.rename(columns={v: k for k, v in cols.items()})
        sides[tag] = part.rename(columns={c: f"{c}_{tag}" for c in part.columns if c not in keys})
    both = sides["from"].merge(sides["to"], on=keys, how="outer", sort=True)
    if "ranked_on" in extra:
        pair = both[["ranked_on_from", "ranked_on_to"]].dropna()
        if (pair["ranked_on_from"] != pair["ranked_on_to"]).any():
            raise ValueError(
                "ranks: the two years were ranked on different values (ranked_on); rank both alike"
            )
        both["ranked_on"] = both["ranked_on_from"].fillna(both["ranked_on_to"])
    r0, r1 = both["rank_from"].to_numpy(float), both["rank_to"].to_numpy(float)
    lo0, hi0 = both["rank_low_from"].to_numpy(float), both["rank_high_from"].to_numpy(float)
    lo1, hi1 = both["rank_low_to"].to_numpy(float), both["rank_high_to"].to_numpy(float)
    both["rank_diff"] = r1 - r0
    known = np.isfinite(r0) & np.isfinite(r1)
    both["moved"] = pd.array(np.where(known, r0 != r1, False), dtype="boolean")
    both.loc[~known, "moved"] = pd.NA
    apart = (hi1 < lo0) | (hi0 < lo1)
    beyond = pd.array((r0 != r1) & apart, dtype="boolean")
    beyond[~(known & np.isfinite(lo0) & np.isfinite(hi0) & np.isfinite(lo1) & np.isfinite(hi1))] = pd.NA
    both["beyond_noise"] = beyond
    flags = [[] for _ in range(len(both))]
    for col, fmt in (("geo_version", "geo_version={}→{}"), (count, "n={:.0f}→{:.0f}")):
        if col in extra:
            a, b = both[f"{col}_from"], both[f"{col}_to"]
            for i in np.flatnonzero((a.notna() & b.notna() & (a != b)).to_numpy()):
                flags[i].append(fmt.format(a.iloc[i], b.iloc[i]))
    both["flags"] = pd.array([";".join(f) for f in flags], dtype="str")
    out = [*keys, "rank_from", "rank_to", "rank_low_from", "rank_high_from", "rank_low_to", "rank_high_to",
           "rank_diff", "moved", "beyond_noise", *(["ranked_on"] if "ranked_on" in extra else []), "flags"]  # fmt: skip
    return both[out].reset_index(drop=True)
