"""A municipality's citywide segregation indices against all 290 municipalities and against its peers.

* :func:`citywide_by_kommun` — the citywide indices of every municipality, level and year in one call
  (:func:`segindicators.indices.segregation_indices` with ``by = kommun, level, geo_version, year``) from
  processed counts holding many municipalities (e.g. a national RegSO build, or
  :func:`foreign_born_counts_from_export` of a national web export);
* :func:`citywide_draws_by_kommun` — the same, as bootstrap draws (:class:`~segindicators.indices.IndexDraws`)
  for rank intervals;
* :func:`peer_comparison` — per level × year × index: the municipality's value, its rank among all
  municipalities with a value (1 = most segregated), the percentile (share of municipalities at most as
  segregated, in percent), and its rank within the peer group (the profile's ``peers`` plus itself) with
  the peers' median, minimum and maximum; given draws, ranked on the bias-corrected values with a rank
  interval for both ranks (:func:`segindicators.typology.ranks.rank_intervals`).

"More segregated" is a higher value for every index except the exposure indices (``exposure``,
``exposure_yx``: a higher value means more contact between groups), which rank ascending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from segindicators.geography import join_regso_labels, load_profile
from segindicators.indices import IndexDraws, bootstrap_draws, segregation_indices
from segindicators.indices.draws import Resample
from segindicators.tables import labels_as_text
from segindicators.typology.ranks import ASCENDING, RankedOn, _ranks, rank_intervals

__all__ = [
    "ASCENDING",
    "citywide_by_kommun",
    "citywide_draws_by_kommun",
    "foreign_born_counts_from_export",
    "peer_comparison",
]

BY = ["level", "geo_version", "year"]


def foreign_born_counts_from_export(
    export: pd.DataFrame, lookup: pd.DataFrame, *, geo_version: str = "2018"
) -> pd.DataFrame:
    """Processed-counts rows (indicator ``foreign_born_share``) from SCB's web export of population by RegSO
    and födelseregion (Sverige / totalt): foreign-born = totalt − Sverige.

    Parameters
    ----------
    export
        :func:`segindicators.sources.scb.read_export_csv` of the export (columns ``region``, ``födelseregion``, ``year``,
        ``value``; region labels ``"Kommun (RegSO-namn)"``).
    lookup
        Lookup frame for joining labels to RegSO and kommun codes (:mod:`segindicators.geography`).

    Returns
    -------
    DataFrame
        Processed-counts contract rows: ``numerator`` foreign-born, ``denominator`` total, ``value`` share.
    """
    need = {"region", "födelseregion", "year", "value"}
    if not need <= set(export.columns):
        raise KeyError(f"export: expected columns {sorted(need)}, got {list(export.columns)}")
    kinds = set(export["födelseregion"].astype("str").str.strip().str.casefold())
    if not {"sverige", "totalt"} <= kinds:
        raise ValueError(f"export: födelseregion must hold 'Sverige' and 'totalt', got {sorted(kinds)}")
    wide = export.assign(_k=export["födelseregion"].astype("str").str.strip().str.casefold()).pivot_table(
        index=["region", "year"], columns="_k", values="value", aggfunc="first", dropna=False
    )
    wide = wide.reset_index()
    joined = join_regso_labels(wide["region"], lookup, geo_version=geo_version).set_index("label")
    key = wide["region"].astype("str")
    out = pd.DataFrame(
        {
            "kommun": joined["kommun"].reindex(key).to_numpy(),
            "level": "RegSO",
            "geo_version": geo_version,
            "area": joined["regso"].reindex(key).to_numpy(),
            "area_name": joined["regso_name"].reindex(key).to_numpy(),
            "year": wide["year"].astype("int64").to_numpy(),
            "indicator": "foreign_born_share",
            "numerator": (wide["totalt"] - wide["sverige"]).to_numpy(float),
            "denominator": wide["totalt"].to_numpy(float),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = out["numerator"] / out["denominator"]
    out["unit"], out["status"], out["flags"] = "share", None, ""
    out["source_table"] = "TAB6572 (web export)"
    labels_as_text(out)
    return out.sort_values(["kommun", "area", "year"], kind="mergesort").reset_index(drop=True)


def _citywide_rows(counts: pd.DataFrame, indicator: str, levels: Sequence[str]) -> tuple[pd.DataFrame, str]:
    rows = counts.loc[(counts["indicator"] == indicator) & counts["level"].isin(list(levels))]
    if rows.empty:
        raise ValueError(f"counts: no rows for indicator {indicator!r} at levels {list(levels)}")
    missing = "drop" if rows[["numerator", "denominator"]].isna().any().any() else "raise"
    return rows, missing


def citywide_by_kommun(
    counts: pd.DataFrame,
    *,
    indicator: str = "foreign_born_share",
    levels: Sequence[str] = ("RegSO", "DeSO"),
    indices: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Citywide two-group indices of every municipality × level × geography version × year.

    The group is the indicator's ``numerator`` (e.g. foreign-born, or a group row such as
    ``"background.foreign"``) and the total its ``denominator``; suppressed areas (NaN) are dropped with
    a warning from :func:`segindicators.indices.segregation_indices` (``missing="drop"``).

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": ["A"] * 2 + ["B"] * 2, "level": "RegSO", "geo_version": "2018",
    ...                   "year": 2022, "area": list("wxyz"), "indicator": "foreign_born_share",
    ...                   "numerator": [10.0, 30.0, 20.0, 20.0], "denominator": [100.0] * 4})
    >>> citywide_by_kommun(c, indices="dissimilarity")[["kommun", "value"]].values.tolist()
    [['A', 0.3125], ['B', 0.0]]
    """
    rows, missing = _citywide_rows(counts, indicator, levels)
    return segregation_indices(rows, group="numerator", total="denominator", by=["kommun", *BY],
                               indices=indices, missing=missing)  # fmt: skip


def citywide_draws_by_kommun(
    counts: pd.DataFrame,
    *,
    indicator: str = "foreign_born_share",
    levels: Sequence[str] = ("RegSO", "DeSO"),
    indices: str | Sequence[str] | None = "dissimilarity",
    draws: int = 999,
    rng: np.random.Generator | int | None = 20241231,
    resample: Resample = "units",
    max_cells: int = 1_000_000,
) -> IndexDraws:
    """Bootstrap draws of :func:`citywide_by_kommun`'s indices: every municipality × level × version × year.

    One call of :func:`segindicators.indices.bootstrap_draws` (``by = kommun, level, geo_version, year``); its
    ``rows`` equal :func:`citywide_by_kommun`'s rows (without ``attrs``), so both can go to
    :func:`peer_comparison`. Memory: 8 bytes × draws × rows (290 municipalities × 3 years × 2 levels × 999
    draws ≈ 14 MB per index).

    Parameters
    ----------
    counts, indicator, levels
        As in :func:`citywide_by_kommun`; counts must be whole persons.
    indices
        Index names (default D only: pass more deliberately, each one costs the same again).
    draws, rng, resample, max_cells
        As in :func:`segindicators.indices.bootstrap_draws`; the default seed makes a rerun reproduce the
        intervals.

    Returns
    -------
    IndexDraws

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": ["A"] * 2 + ["B"] * 2, "level": "RegSO", "geo_version": "2018",
    ...                   "year": 2022, "area": list("wxyz"), "indicator": "foreign_born_share",
    ...                   "numerator": [10.0, 30.0, 20.0, 20.0], "denominator": [100.0] * 4})
    >>> d = citywide_draws_by_kommun(c, draws=50)
    >>> d.rows[["kommun", "value"]].values.tolist(), d.draws.shape
    ([['A', 0.3125], ['B', 0.0]], (50, 2))
    """
    rows, missing = _citywide_rows(counts, indicator, levels)
    return bootstrap_draws(rows, group="numerator", total="denominator", by=["kommun", *BY], indices=indices,
                           draws=draws, rng=rng, resample=resample, max_cells=max_cells, missing=missing)  # fmt: skip


def _aligned(draws: IndexDraws, valid: pd.DataFrame, keys: list[str]) -> IndexDraws:
    """The draws of ``valid``'s rows, in its order; the point values must agree (same counts, same run)."""
    absent = [c for c in [*keys, "kommun"] if c not in draws.rows.columns]
    if absent:
        raise KeyError(
            f"draws: its rows have no column(s) {absent}; the keys of indices are {[*keys, 'kommun']}"
        )
    on = [*keys, "kommun"]
    pos = draws.rows[on].assign(_pos=np.arange(len(draws.rows)))
    if pos.duplicated(on).any():
        raise ValueError(f"draws: several rows share the same {on}; add the distinguishing key (e.g. group=)")
    hit = valid[on].merge(pos, on=on, how="left")
    if hit["_pos"].isna().any():
        first = hit.loc[hit["_pos"].isna(), on].head(3).to_dict("records")
        raise ValueError(
            f"draws: no bootstrap draws for {int(hit['_pos'].isna().sum())} row(s) of indices (first: {first}); "
            "pass the draws of the same counts (citywide_draws_by_kommun with the same levels and indices)"
        )
    sub = draws.take(hit["_pos"].to_numpy(np.intp))
    mine, theirs = valid["value"].to_numpy(float), sub.rows["value"].to_numpy(float)
    if not np.allclose(mine, theirs, rtol=1e-9, atol=1e-12):
        bad = int((~np.isclose(mine, theirs, rtol=1e-9, atol=1e-12)).sum())
        raise ValueError(
            f"draws: the point value differs from indices['value'] in {bad} row(s); draws and indices must come "
            "from the same counts (citywide_by_kommun and citywide_draws_by_kommun on one frame)"
        )
    return IndexDraws(sub.rows[[*on, "value"]], sub.draws, dict(sub.attrs))


def _point_table(valid: pd.DataFrame, keys: list[str], ranked_on: RankedOn) -> pd.DataFrame:
    """Without draws: the ranking columns of :func:`rank_intervals` from the point values, intervals NaN."""
    out = valid[[*keys, "kommun"]].copy()
    corrected = valid["value_bias_corrected"] if "value_bias_corrected" in valid else np.nan
    out["value"] = valid["value"] if ranked_on == "raw" else corrected
    out["value_raw"], out["value_bias_corrected"] = valid["value"], corrected
    out["ranked_on"] = pd.array([ranked_on] * len(out), dtype="str")
    out = out.loc[np.isfinite(out["value"].to_numpy(float))]
    out["rank"], out["n"], out["percentile"] = _ranks(out, keys)
    out["rank_low"] = out["rank_high"] = np.nan
    out["flags"] = pd.array([""] * len(out), dtype="str")
    return out


def peer_comparison(
    indices: pd.DataFrame,
    kommun: str,
    peers: Iterable[str] | None = None,
    *,
    draws: IndexDraws | None = None,
    ranked_on: RankedOn | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Rank and percentile of ``kommun`` among all municipalities and within its peer group.

    Without ``draws`` the ranks are those of the raw values (``ranked_on="raw"``), as before. With ``draws``
    (:func:`citywide_draws_by_kommun` of the same counts) the ranking is on the bias-corrected values and
    both ranks get a bootstrap rank interval (:func:`~segindicators.typology.ranks.rank_intervals`;
    Goldstein & Spiegelhalter 1996); ``value``, ``peer_median``, ``peer_min`` and ``peer_max`` are then the
    bias-corrected values too, so every number in a row is on the scale ``ranked_on`` names.

    Parameters
    ----------
    indices
        :func:`citywide_by_kommun` output (or any index result with ``kommun``, ``level``, ``geo_version``,
        ``year``, ``index``, ``value``; a ``group`` column, if present, is a cell key too).
    kommun
        The municipality, e.g. ``"0580"``.
    peers
        Peer municipality codes; default the profile's (``segindicators/geography/profiles/<kommun>.yaml``).
    draws
        Bootstrap draws of the same rows (:func:`citywide_draws_by_kommun`); gives ``rank_low``/``rank_high``
        and ``peer_rank_low``/``peer_rank_high``.
    ranked_on
        ``"bias_corrected"`` (default with ``draws``; without draws it needs a ``value_bias_corrected``
        column) or ``"raw"`` (default without draws).
    level
        Coverage of the rank intervals.

    Returns
    -------
    DataFrame
        One row per level × geography version × year × index: ``kommun, value, value_raw,
        value_bias_corrected, ranked_on, rank, rank_low, rank_high, n, percentile, peer_rank, peer_rank_low,
        peer_rank_high, peer_n, peer_median, peer_min, peer_max, flags`` (``missing_peers=<codes>`` when a
        peer has no value; ``undefined_draws=N``, ``rank_outside_interval``, ``peer_rank_outside_interval``
        from the draws). ``value`` is the value ranked on; intervals are NaN without draws.

    Examples
    --------
    >>> r = pd.DataFrame({"kommun": ["0001", "0002", "0003", "0004"], "level": "RegSO", "geo_version": "2018",
    ...                   "year": 2022, "index": "dissimilarity", "value": [0.3, 0.5, 0.1, 0.4]})
    >>> peer_comparison(r, "0004", peers=["0002", "0003"])[["rank", "n", "percentile", "peer_rank", "peer_n"]].values.tolist()
    [[2.0, 4.0, 75.0, 2.0, 3.0]]

    With draws (here without noise: every draw equals the point value, so the intervals collapse):

    >>> d = IndexDraws(r, np.tile(r["value"].to_numpy(), (9, 1)))
    >>> peer_comparison(r, "0004", peers=["0002", "0003"], draws=d)[["ranked_on", "rank", "rank_low", "rank_high",
    ...                 "peer_rank_low", "peer_rank_high"]].values.tolist()
    [['bias_corrected', 2.0, 2.0, 2.0, 2.0, 2.0]]
    """
    missing = [c for c in ("kommun", *BY, "index", "value") if c not in indices.columns]
    if missing:
        raise KeyError(f"indices: no column(s) {missing}; pass citywide_by_kommun() output")
    if ranked_on is None:
        ranked_on = "raw" if draws is None else "bias_corrected"
    if ranked_on not in ("bias_corrected", "raw"):
        raise ValueError(f"ranked_on must be 'bias_corrected' or 'raw', got {ranked_on!r}")
    if draws is None and ranked_on == "bias_corrected" and "value_bias_corrected" not in indices.columns:
        raise KeyError(
            "ranked_on='bias_corrected' needs draws= or a value_bias_corrected column in indices "
            f"(columns: {list(indices.columns)}); pass citywide_draws_by_kommun() output as draws"
        )
    if peers is None:
        peers = list(load_profile(kommun).peers)
    peers = [p for p in peers if p != kommun]
    keys = [*BY, *(["group"] if "group" in indices.columns else []), "index"]
    valid = indices.loc[np.isfinite(indices["value"].to_numpy(float))].copy()
    if draws is None:
        table = _point_table(valid, keys, ranked_on)
        group = table.loc[table["kommun"].isin([kommun, *peers])].copy()
        group["rank"], group["n"], _ = _ranks(group, keys)
    else:
        aligned = _aligned(draws, valid, keys)
        table = rank_intervals(aligned, ranked_on=ranked_on, level=level)
        group = rank_intervals(aligned, ranked_on=ranked_on, level=level, among=[kommun, *peers])
        table, group = (t.loc[np.isfinite(t["value"].to_numpy(float))] for t in (table, group))
    if not (table["kommun"] == kommun).any():
        raise ValueError(
            f"kommun: {kommun!r} has no index values; municipalities present: {valid['kommun'].nunique()}"
        )
    peer_cols = {c: f"peer_{c}" for c in ("rank", "rank_low", "rank_high", "n")}
    peer_own = group.loc[group["kommun"] == kommun, [*keys, *peer_cols, "flags"]].rename(
        columns={**peer_cols, "flags": "peer_flags"}
    )
    peer_only = group.loc[group["kommun"] != kommun].groupby(keys, sort=False)["value"]
    stats = pd.DataFrame(
        {"peer_median": peer_only.median(), "peer_min": peer_only.min(), "peer_max": peer_only.max()}
    )
    own = table.loc[table["kommun"] == kommun].merge(peer_own, on=keys)
    own = own.merge(stats.reset_index(), on=keys, how="left")
    own = own.astype({"n": "int64", "peer_n": "int64"})  # every own row is ranked: counts are whole
    present = group.groupby(keys, sort=False)["kommun"].agg(set)
    absent = [";".join(sorted(set(peers) - set(s))) for s in present.reindex(pd.MultiIndex.from_frame(own[keys]))]
    peer_tok = [";".join(t for t in f.split(";") if t == "rank_outside_interval") for f in own["peer_flags"]]
    own["flags"] = pd.array(
        [
            ";".join(t for t in (f"missing_peers={a}" if a else "", f, f"peer_{p}" if p else "") if t)
            for a, f, p in zip(absent, own["flags"], peer_tok, strict=True)
        ],
        dtype="str",
    )
    cols = [*keys, "kommun", "value", "value_raw", "value_bias_corrected", "ranked_on", "rank", "rank_low",
            "rank_high", "n", "percentile", "peer_rank", "peer_rank_low", "peer_rank_high", "peer_n", "peer_median",
            "peer_min", "peer_max", "flags"]  # fmt: skip
    return own[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)
