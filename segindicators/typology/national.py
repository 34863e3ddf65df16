r"""Every municipality on one scale: the national indices and league tables behind the peer comparison.

Domain functions of the refresh's ``peers`` stage and of ``refresh --national`` (they take values and return
values; the pipeline writes the tables):

* :func:`national_indices` — the citywide index battery of every municipality × level × geography version ×
  year in one vectorised call (:func:`segindicators.indices.battery.citywide_battery`: the engine with
  ``by = kommun, level, geo_version, year``, bootstrap intervals and the bootstrap bias correction of
  :mod:`segindicators.indices.inference`, raw and bias-corrected side by side) → ``national_indices``;
* :func:`national_ranks` — per municipality and index cell (level × geography version × year × group ×
  index), its rank among all municipalities with a value (1 = most segregated; exposure ranks ascending),
  the percentile, and within its peer group (the profile's ``peers`` plus itself) its rank and the peers'
  median, minimum and maximum (:func:`segindicators.typology.peers.peer_comparison`), once ranked on the
  bias-corrected values and once on the raw ones (``ranked_on``) → ``national_ranks``.

**Ranked on the bias-corrected values first.** Small municipalities' indices are biased upwards (few, small
areas; :mod:`segindicators.indices.inference`), so a league table of raw values puts small towns on top by
chance; the bias-corrected :math:`\hat\theta_{bc} = 2\hat\theta - \overline{\theta^*}` (Efron & Tibshirani
1993, ch. 10) is the one to quote, the raw ranking is kept beside it. Every municipality's indices come from
the same computation (same draws per index, one seed), so the ranks compare like with like; a kommun's own
``indices.parquet`` (999 draws, nested decomposition) has the same raw values and bias-corrected values that
differ from these by bootstrap noise only.

Rank intervals (``rank_low``/``rank_high``, Goldstein & Spiegelhalter 1996,
:func:`segindicators.typology.ranks.rank_intervals`) need every municipality's bootstrap replicates of every
index; the battery keeps only their summaries, so the columns are NaN here — see :func:`league`, the one
place where the replicates would go in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from segindicators.catalogue.definitions import Catalogue, load_catalogue
from segindicators.indices.battery import battery_draws, citywide_battery
from segindicators.indices.draws import IndexDraws
from segindicators.tables import normalise
from segindicators.typology.peers import peer_comparison
from segindicators.typology.ranks import RankedOn, rank_intervals

__all__ = [
    "CELL",
    "INTERVAL_GROUP",
    "INTERVAL_INDICES",
    "NATIVE",
    "RANKED_ON",
    "intervals",
    "league",
    "national_indices",
    "national_ranks",
    "rank_headline",
    "ranked_draws",
]

#: The geography versions SCB publishes (the harmonised series are for trends, not for citywide indices).
NATIVE = ("2018", "2025")
#: The key columns of one index cell (a municipality is ranked within each).
CELL = ["level", "geo_version", "year", "group", "index"]
#: The two rankings, in output order: bias-corrected first (the one to quote), then raw.
RANKED_ON: tuple[RankedOn, ...] = ("bias_corrected", "raw")
#: The group and indices whose rank intervals a refresh computes (the report's national comparison): the
#: replicates cost 8 bytes × draws × rows each, so not for the whole battery.
INTERVAL_GROUP = "background"
INTERVAL_INDICES = ("dissimilarity", "theil_h")
_PEER_COLUMNS = [
    "peer_rank",
    "peer_rank_low",
    "peer_rank_high",
    "peer_n",
    "peer_median",
    "peer_min",
    "peer_max",
]


def national_indices(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    draws: int = 199,
    rng: int | np.random.Generator | None = 20241231,
    levels: Iterable[str] = ("DeSO", "RegSO"),
) -> pd.DataFrame:
    """Citywide indices of every municipality in ``counts`` (raw and bias-corrected), one vectorised call.

    Parameters
    ----------
    counts
        Processed counts of many municipalities with the catalogue's group rows (``"<group>.<member>"``), e.g.
        :func:`segindicators.catalogue.national.build_national_counts` with ``indicators=[]``.
    catalogue
        Default: the packaged catalogue.
    draws
        Bootstrap draws per index (0: no intervals and no bias correction). The cost grows linearly: on a
        2-core machine about 1.3 s per 1,000 area-years and 100 draws for the whole battery.
    rng
        Seed (a rerun reproduces every figure).
    levels
        Areal units.

    Returns
    -------
    DataFrame
        The declared ``national_indices`` table (the ``indices`` columns, ``geo_version`` as text), on the
        native geography versions only; no nested DeSO-in-RegSO decomposition (a local analysis).

    Examples
    --------
    >>> rows = [{"kommun": k, "level": "RegSO", "geo_version": "2018", "area": f"{k}R00{i}", "year": 2022,
    ...          "indicator": f"background.{m}", "numerator": float(v), "denominator": 100.0, "flags": ""}
    ...         for k, f in [("0001", [90, 10]), ("0002", [50, 40])] for i, x in enumerate(f)
    ...         for m, v in [("foreign", x), ("swedish", 100 - x)]]  # synthetic
    >>> r = national_indices(pd.DataFrame(rows), draws=0)
    >>> r[r["index"] == "dissimilarity"][["kommun", "value"]].round(3).values.tolist()
    [['0001', 0.8], ['0002', 0.101]]
    """
    native = counts[counts["geo_version"].isin(NATIVE) & counts["level"].isin(list(levels))]
    out = citywide_battery(native, catalogue=catalogue, levels=tuple(levels), draws=draws, rng=rng)
    return normalise("national_indices", out)


def ranked_draws(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    group: str = INTERVAL_GROUP,
    indices: Iterable[str] = INTERVAL_INDICES,
    draws: int = 199,
    rng: int | None = 20241231,
    levels: Iterable[str] = ("DeSO", "RegSO"),
) -> IndexDraws | None:
    """The bootstrap replicates of :func:`national_indices`'s rows of ``group`` × ``indices`` (same counts,
    seed and draws give the same values: :func:`~segindicators.indices.battery.battery_draws`), with a
    ``group`` column, for :func:`national_ranks`'s rank intervals; None when ``draws`` is 0 (no intervals).
    Memory: 8 bytes × draws × municipalities × levels × years × indices (290 × 2 × 6 × 2 × 199 ≈ 11 MB)."""
    if not draws:
        return None
    members = [
        f"{group}.{m}" for g in (catalogue or load_catalogue()).groups if g.id == group for m in g.members
    ]
    # the group's own rows only (the battery reads no other): a copy of a few % of the national counts
    keep = counts["indicator"].isin(members) & counts["geo_version"].isin(NATIVE)
    got = battery_draws(counts[keep.to_numpy()], group, indices=list(indices), catalogue=catalogue,
                        levels=tuple(levels), draws=draws, rng=rng)  # fmt: skip
    rows = got.rows.astype({"geo_version": "str"})
    rows.insert(rows.columns.get_loc("index"), "group", group)
    return IndexDraws(rows, got.draws, dict(got.attrs))


def league(indices: pd.DataFrame, ranked_on: RankedOn, draws: IndexDraws | None = None) -> pd.DataFrame:
    """Every municipality's rank, count and percentile per index cell, on the values ``ranked_on`` names.

    The ranking is :func:`segindicators.typology.ranks.rank_intervals` (1 = most segregated, ties share the
    better rank, :data:`~segindicators.typology.ranks.ASCENDING` indices ascending) of the chosen values. This
    is the one call site for rank intervals: it passes no bootstrap replicates (the battery keeps only their
    summaries), so ``rank_low``/``rank_high`` are NaN; given the replicates of the same rows it would pass
    them here instead of the empty array.

    Returns
    -------
    DataFrame
        The cell keys, ``kommun``, ``value`` (ranked on), ``value_raw``, ``value_bias_corrected``,
        ``ranked_on``, ``rank``, ``rank_low``, ``rank_high``, ``n``, ``percentile``, ``flags``; rows without
        a value to rank on are left out.
    """
    need = ["kommun", "level", "geo_version", "year", "index", "value", "value_bias_corrected"]
    missing = [c for c in need if c not in indices.columns]
    if missing:
        raise KeyError(
            f"indices: no column(s) {missing}; expected national_indices() output (columns {need}, and group), "
            f"got {list(indices.columns)}"
        )
    column = "value_bias_corrected" if ranked_on == "bias_corrected" else "value"
    keys = [c for c in CELL if c in indices.columns]
    rows = indices[[*keys, "kommun"]].assign(value=indices[column].to_numpy(float))
    rows = rows.loc[np.isfinite(rows["value"].to_numpy(float))].reset_index(drop=True)
    # ranked as given ("raw" = the values passed, no debiasing of replicates: there are none)
    table = rank_intervals(IndexDraws(rows, np.empty((0, len(rows)))), ranked_on="raw")
    own = indices.set_index([*keys, "kommun"])
    at = pd.MultiIndex.from_frame(table[[*keys, "kommun"]])
    table["value_raw"] = own["value"].reindex(at).to_numpy(float)
    table["value_bias_corrected"] = own["value_bias_corrected"].reindex(at).to_numpy(float)
    table["ranked_on"] = pd.array([ranked_on] * len(table), dtype="str")
    if draws is not None:
        table = _fill_intervals(table, intervals(indices, draws, ranked_on), keys, "rank")
    return table


def intervals(
    indices: pd.DataFrame, draws: IndexDraws, ranked_on: RankedOn, among: Iterable[str] | None = None
) -> pd.DataFrame:
    """Rank intervals (:func:`rank_intervals`) of the cells ``draws`` covers (:func:`~segindicators.indices.
    battery.battery_draws` of the counts behind ``indices``, rows with a ``group`` column), checked first: the
    draws' raw and bias-corrected values must be those of ``indices``, or the intervals would belong to other
    estimates (ValueError naming the cells)."""
    keys = [c for c in CELL if c in indices.columns]
    got = rank_intervals(draws, ranked_on=ranked_on, among=among)
    own = indices.set_index([*keys, "kommun"])
    at = pd.MultiIndex.from_frame(got[[*keys, "kommun"]])
    for ours, theirs in (("value", "value_raw"), ("value_bias_corrected", "value_bias_corrected")):
        a, b = own[ours].reindex(at).to_numpy(float), got[theirs].to_numpy(float)
        bad = ~(np.isclose(a, b, rtol=1e-9, atol=1e-12) | (np.isnan(a) & np.isnan(b)))
        if bad.any():
            first = got.loc[bad, [*keys, "kommun"]].head(3).to_dict("records")
            raise ValueError(
                f"draws: {int(bad.sum())} row(s) whose {theirs} differs from indices['{ours}'] (first: {first}); "
                "pass battery_draws() of the same counts with the same seed and draws as national_indices()"
            )
    return got


def _fill_intervals(table: pd.DataFrame, got: pd.DataFrame, keys: list[str], rank: str) -> pd.DataFrame:
    """``table`` with ``<rank>_low``/``<rank>_high`` from ``got`` (:func:`intervals`) where both rank alike, and
    the draws' flags added to ``flags``: ``rank_outside_interval`` and ``undefined_draws=N`` for the rank among
    all, ``peer_rank_outside_interval`` for the peer rank (as :func:`~segindicators.typology.peers.
    peer_comparison` words it)."""
    on = [*keys, "kommun"]
    iv = got[[*on, "rank", "rank_low", "rank_high", "flags"]].rename(
        columns={"rank": "_rank", "rank_low": "_low", "rank_high": "_high", "flags": "_flags"}
    )
    merged = table.merge(iv, on=on, how="left")
    same = merged[rank].to_numpy(float) == merged["_rank"].to_numpy(float)
    if (merged["_rank"].notna() & ~same).any():
        raise ValueError(
            f"draws: the rank on the draws' values differs from {rank!r} in the table ({int((~same).sum())} "
            "rows); pass battery_draws() of the same counts, seed and draws as national_indices()"
        )
    for side in ("low", "high"):
        merged[f"{rank}_{side}"] = np.where(same, merged[f"_{side}"], merged[f"{rank}_{side}"])
    flags = merged["flags"].fillna("").astype(str).to_numpy(object)
    drawn = np.where(same, merged["_flags"].fillna("").astype(str).to_numpy(object), "")
    if rank == "peer_rank":  # the same draws as the rank among all: only whether the peer rank lies outside
        drawn = np.where(
            [("rank_outside_interval" in d.split(";")) for d in drawn], "peer_rank_outside_interval", ""
        ).astype(object)
    both = np.flatnonzero(drawn != "")  # few rows: the draws flag only undefined or outside-interval ranks
    flags[both] = [
        ";".join(dict.fromkeys(t for t in (*flags[i].split(";"), *drawn[i].split(";")) if t)) for i in both
    ]
    merged["flags"] = pd.array(flags, dtype="str")
    return merged.drop(columns=["_rank", "_low", "_high", "_flags"])


def _peer_columns(
    indices: pd.DataFrame,
    peers: Mapping[str, Iterable[str]],
    ranked_on: RankedOn,
    draws: IndexDraws | None = None,
) -> pd.DataFrame:
    """The peer-group columns of each municipality that has peers (:func:`peer_comparison`)."""
    keys = [c for c in CELL if c in indices.columns]
    parts = []
    for kommun, group in sorted(peers.items()):
        group = [p for p in group if p != kommun]
        if not group or not (indices["kommun"] == kommun).any():
            continue
        got = peer_comparison(indices, kommun, group, ranked_on=ranked_on)
        if draws is not None:
            within = intervals(indices, draws, ranked_on, among=[kommun, *group])
            within = within[within["kommun"] == kommun]
            got = _fill_intervals(got, within, keys, "peer_rank")
        parts.append(got[[*keys, "kommun", *_PEER_COLUMNS, "flags"]].rename(columns={"flags": "peer_flags"}))
    if not parts:
        return pd.DataFrame(columns=[*keys, "kommun", *_PEER_COLUMNS, "peer_flags"])
    return pd.concat(parts, ignore_index=True)


def national_ranks(
    indices: pd.DataFrame,
    *,
    kommuner: Iterable[str] | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    names: Mapping[str, str] | None = None,
    draws: IndexDraws | None = None,
) -> pd.DataFrame:
    """Rank and percentile of each municipality among all, and within its peer group, for every index cell.

    Parameters
    ----------
    indices
        :func:`national_indices` of every municipality (the ranking is among those present).
    kommuner
        The municipalities whose rows to return (default: all); a kommun refresh asks for its own.
    peers
        Municipality → its peer municipalities (the profile's ``peers``); the peer columns are filled for
        these, NA elsewhere.
    names
        Municipality code → name for ``kommun_name`` (default: the code).
    draws
        :func:`~segindicators.indices.battery.battery_draws` of the counts behind ``indices`` (same seed and
        draws), its rows with a ``group`` column: fills ``rank_low``/``rank_high`` and
        ``peer_rank_low``/``peer_rank_high`` of the cells it covers (95 % rank intervals); NaN elsewhere.

    Returns
    -------
    DataFrame
        The declared ``national_ranks`` table: per municipality × cell × ``ranked_on`` (``bias_corrected``,
        ``raw``): ``value`` (the value ranked on), ``value_raw``, ``value_bias_corrected``, ``rank``,
        ``rank_low``, ``rank_high`` (NaN without ``draws``: see :func:`league`), ``n``, ``percentile``, ``peer_rank``, … ,
        ``peer_max``, ``flags`` (``missing_peers=<codes>`` where a peer has no value).

    Examples
    --------
    >>> r = pd.DataFrame({"kommun": ["0001", "0002", "0003", "0004"], "level": "RegSO", "geo_version": "2018",
    ...                   "year": 2022, "group": "background", "index": "dissimilarity",
    ...                   "value": [0.3, 0.5, 0.1, 0.4], "value_bias_corrected": [0.2, 0.5, 0.1, 0.35]})
    >>> t = national_ranks(r, kommuner=["0004"], peers={"0004": ["0002", "0003"]})
    >>> t[["ranked_on", "rank", "n", "percentile", "peer_rank", "peer_n"]].values.tolist()
    [['bias_corrected', 2.0, 4, 75.0, 2.0, 3], ['raw', 2.0, 4, 75.0, 2.0, 3]]
    """
    keys = [c for c in CELL if c in indices.columns]
    names = names or {}
    wanted = None if kommuner is None else set(kommuner)
    pieces = []
    for ranked_on in RANKED_ON:
        table = league(indices, ranked_on, draws)
        if wanted is not None:
            table = table[table["kommun"].isin(wanted)]
        peer = _peer_columns(indices, {k: v for k, v in (peers or {}).items() if wanted is None or k in wanted},
                             ranked_on, draws)  # fmt: skip
        table = table.merge(peer, on=[*keys, "kommun"], how="left")
        flags = table["peer_flags"].astype("string").fillna("")
        table["flags"] = [
            ";".join(t for t in (a, b) if t) for a, b in zip(table["flags"], flags, strict=True)
        ]
        pieces.append(table)
    out = pd.concat(pieces, ignore_index=True)
    out["kommun_name"] = out["kommun"].map(lambda k: names.get(k, k))
    return normalise("national_ranks", out)


def rank_headline(ranks: pd.DataFrame, kommun: str) -> str:
    """One line for a run's summary: the municipality's bias-corrected rank of D for background (or the first
    cell ranked), at RegSO level, in the latest year.

    Examples
    --------
    >>> t = pd.DataFrame({"kommun": "0580", "level": "RegSO", "geo_version": "2025", "year": 2024,
    ...                   "group": "background", "index": "dissimilarity", "ranked_on": "bias_corrected",
    ...                   "rank": [12.0], "n": [290], "percentile": [96.2]})
    >>> rank_headline(t, "0580")
    'background dissimilarity RegSO 2024: rank 12 of 290 (percentile 96.2, bias-corrected)'
    """
    own = ranks[(ranks["kommun"] == kommun) & (ranks["ranked_on"] == "bias_corrected")]
    if own.empty:
        return f"kommun {kommun}: no ranked index"
    prefer = own[(own["group"] == "background") & (own["index"] == "dissimilarity")]
    pick = prefer if len(prefer) else own
    regso = pick[pick["level"] == "RegSO"]
    pick = regso if len(regso) else pick
    row = pick.sort_values("year", kind="mergesort").iloc[-1]
    return (
        f"{row['group']} {row['index']} {row['level']} {int(row['year'])}: rank {int(row['rank'])} of "
        f"{int(row['n'])} (percentile {float(row['percentile']):.1f}, bias-corrected)"
    )
