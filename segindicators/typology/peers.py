"""A municipality's citywide segregation indices against all 290 municipalities and against its peers.

* :func:`citywide_by_kommun` — the citywide indices of every municipality, level and year in one call
  (:func:`segindicators.indices.segregation_indices` with ``by = kommun, level, geo_version, year``) from
  processed counts holding many municipalities (e.g. a national RegSO build, or
  :func:`foreign_born_counts_from_export` of a national web export);
* :func:`peer_comparison` — per level × year × index: the municipality's value, its rank among all
  municipalities with a value (1 = most segregated), the percentile (share of municipalities at most as
  segregated, in percent), and its rank within the peer group (the profile's ``peers`` plus itself) with
  the peers' median, minimum and maximum.

"More segregated" is a higher value for every index except the exposure indices (``exposure``,
``exposure_yx``: a higher value means more contact between groups), which rank ascending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from segindicators.geography import join_regso_labels, load_profile
from segindicators.indices import segregation_indices
from segindicators.tables import labels_as_text

__all__ = ["ASCENDING", "citywide_by_kommun", "foreign_born_counts_from_export", "peer_comparison"]

#: Indices where a *lower* value means more segregation.
ASCENDING = frozenset({"exposure", "exposure_yx"})
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
    rows = counts.loc[(counts["indicator"] == indicator) & counts["level"].isin(list(levels))]
    if rows.empty:
        raise ValueError(f"counts: no rows for indicator {indicator!r} at levels {list(levels)}")
    missing = "drop" if rows[["numerator", "denominator"]].isna().any().any() else "raise"
    return segregation_indices(rows, group="numerator", total="denominator", by=["kommun", *BY],
                               indices=indices, missing=missing)  # fmt: skip


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


def peer_comparison(
    indices: pd.DataFrame,
    kommun: str,
    peers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rank and percentile of ``kommun`` among all municipalities and within its peer group.

    Parameters
    ----------
    indices
        :func:`citywide_by_kommun` output (or any index result with ``kommun``, ``level``, ``geo_version``,
        ``year``, ``index``, ``value``).
    kommun
        The municipality, e.g. ``"0580"``.
    peers
        Peer municipality codes; default the profile's (``segindicators/geography/profiles/<kommun>.yaml``).

    Returns
    -------
    DataFrame
        One row per level × geography version × year × index: ``kommun, value, rank, n, percentile,
        peer_rank, peer_n, peer_median, peer_min, peer_max, flags`` (``missing_peers=<codes>`` when a
        peer has no value).

    Examples
    --------
    >>> r = pd.DataFrame({"kommun": ["0001", "0002", "0003", "0004"], "level": "RegSO", "geo_version": "2018",
    ...                   "year": 2022, "index": "dissimilarity", "value": [0.3, 0.5, 0.1, 0.4]})
    >>> peer_comparison(r, "0004", peers=["0002", "0003"])[["rank", "n", "percentile", "peer_rank", "peer_n"]].values.tolist()
    [[2.0, 4.0, 75.0, 2.0, 3.0]]
    """
    missing = [c for c in ("kommun", *BY, "index", "value") if c not in indices.columns]
    if missing:
        raise KeyError(f"indices: no column(s) {missing}; pass citywide_by_kommun() output")
    if peers is None:
        peers = list(load_profile(kommun).peers)
    peers = [p for p in peers if p != kommun]
    valid = indices.loc[np.isfinite(indices["value"].to_numpy(float))].copy()
    if not (valid["kommun"] == kommun).any():
        raise ValueError(
            f"kommun: {kommun!r} has no index values; municipalities present: {valid['kommun'].nunique()}"
        )
    keys = [*BY, "index"]
    valid["rank"], valid["n"], valid["percentile"] = _ranks(valid, keys)
    group = valid.loc[valid["kommun"].isin([kommun, *peers])].copy()
    group["peer_rank"], group["peer_n"], _ = _ranks(group, keys)
    peer_only = group.loc[group["kommun"] != kommun].groupby(keys, sort=False)["value"]
    stats = pd.DataFrame(
        {"peer_median": peer_only.median(), "peer_min": peer_only.min(), "peer_max": peer_only.max()}
    )
    own = group.loc[group["kommun"] == kommun, [*keys, "kommun", "value", "peer_rank", "peer_n"]]
    own = own.merge(valid.loc[valid["kommun"] == kommun, [*keys, "rank", "n", "percentile"]], on=keys)
    own = own.merge(stats.reset_index(), on=keys, how="left")
    present = group.groupby(keys, sort=False)["kommun"].agg(set)
    absent = [";".join(sorted(set(peers) - s)) for s in present.reindex(pd.MultiIndex.from_frame(own[keys]))]
    own["flags"] = pd.array([f"missing_peers={a}" if a else "" for a in absent], dtype="str")
    cols = [*keys, "kommun", "value", "rank", "n", "percentile", "peer_rank", "peer_n", "peer_median", "peer_min",
            "peer_max", "flags"]  # fmt: skip
    return own[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)
