"""The synthetic municipality's frames: the fine area-year panel, the national series and the long counts.

**Syntetiska exempeldata – inte officiell statistik.** Data are generated on the finest geography (DeSO 2025)
for every year (:func:`fine_panel`); DeSO 2018 parents, RegSO and the municipality are exact sums of it
(:func:`long_counts`), so a split DeSO's two parts add up to their parent in every year. Medians cannot be
summed: an aggregate's "median" is the person-weighted mean of its parts' medians (an approximation
acceptable for synthetic data). The national series (:func:`riket_panel`) is the model at ``z = 0`` with
expected, not drawn, counts. Small cells are marked the way SCB marks them (value missing, status ``".."``,
never 0); the rules are stand-ins, not SCB's disclosure rules (see :mod:`segindicators.demo.synthetic`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segindicators.demo.areas import DEFAULT_VERSION_YEARS, KOMMUN, RIKET, YEARS
from segindicators.demo.model import ES_GROUPS, VARIABLES, ExpectedCounts, RandomCounts, simulate
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.tables import LEVEL_ORDER

__all__ = ["fine_panel", "long_counts", "riket_panel"]

#: Level variables (medians): averaged, person-weighted, when areas are summed.
_LEVEL_VARS = ("median_economic_standard_tkr", "median_income_tkr")
#: Variables whose 1–4 leaf cells are suppressed.
_SMALL_CELL_VARS = (
    "birth_region",
    "income_quartile",
    "equivalised_income_quartile",
    "education_25_64",
    "education_25_65",
    "dwellings_tenure",
    "persons_tenure",
    *(f"economic_standard_{g}" for g in (*ES_GROUPS, "all")),
)
#: An economic-standard age group with fewer persons has all its low/middle/high counts suppressed.
_ES_MIN_GROUP = 150


def fine_panel(areas: pd.DataFrame, rng: np.random.Generator, extra: np.random.Generator) -> pd.DataFrame:
    """Wide frame of the finest units: one row per unit × year, one column per ``"variable|category"``.

    Parameters
    ----------
    areas
        :func:`~segindicators.demo.areas.area_table`.
    rng
        The generator's main stream: latent scores, populations and every first-release variable are drawn
        from it, in this order, and the geometry after them.
    extra
        The separate stream of the variables added later (see :func:`~segindicators.demo.model.simulate`).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``year`` and one per ``"variable|category"`` (``-1``: not applicable that year).
    """
    parents = areas.drop_duplicates("parent")
    z_parent = parents["zmean"].to_numpy() + rng.normal(0.0, 0.3, len(parents))
    is_split = parents["parent"].isin(areas.loc[areas["part"] > 0, "parent"]).to_numpy()
    small = parents["letter"].isin(["A", "B"]).to_numpy()
    base_parent = np.where(
        is_split,
        rng.uniform(2300, 2600, len(parents)),
        np.where(small, rng.uniform(700, 1500, len(parents)), rng.uniform(900, 2300, len(parents))),
    )
    growth_parent = np.where(is_split, 0.02, 0.008) + rng.normal(0.0, 0.004, len(parents))
    share = rng.uniform(0.42, 0.58, len(parents))
    pidx = pd.Index(parents["parent"]).get_indexer(areas["parent"])
    part = areas["part"].to_numpy()
    z = z_parent[pidx] + np.where(part > 0, rng.normal(0.0, 0.15, len(areas)), 0.0)
    frac = np.select([part == 1, part == 2], [share[pidx], 1.0 - share[pidx]], 1.0)
    base = base_parent[pidx] * frac
    growth = growth_parent[pidx]

    years = np.array(YEARS)
    shape = (len(areas), len(years))
    zz = np.broadcast_to(z[:, None], shape)
    yy = np.broadcast_to(years[None, :], shape)
    kind = np.broadcast_to(areas["kind"].to_numpy(dtype=object)[:, None], shape)
    pop = np.rint(
        base[:, None] * (1 + growth[:, None]) ** (yy - 2015) * (1 + rng.normal(0.0, 0.004, shape))
    ).astype(np.int64)
    noise = rng.normal(0.0, 0.02, (*shape, 2))
    values = simulate(zz, kind, pop, yy, RandomCounts(rng), noise, RandomCounts(extra))
    wide = pd.DataFrame({f"{k[0]}|{k[1]}": v.ravel() for k, v in values.items()})
    wide.insert(0, "year", yy.ravel().astype(np.int64))
    wide.insert(0, "unit", np.repeat(areas["unit"].to_numpy(), len(years)))
    return wide


def riket_panel(draw: ExpectedCounts) -> pd.DataFrame:
    """The synthetic national series (region ``"00"``): the model at ``z = 0`` on a national population.

    Parameters
    ----------
    draw
        Expected counts (no randomness: the series is the same for every seed).

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``year`` and one per ``"variable|category"``, one row per year.
    """
    years = np.array(YEARS)
    pop = np.rint(9_850_000 * 1.0085 ** (years - 2015)).astype(np.int64)
    z = np.zeros(len(years))
    kind = np.full(len(years), "middle", dtype=object)
    values = simulate(z, kind, pop, years, draw, np.zeros((len(years), 2)), draw)
    wide = pd.DataFrame({f"{k[0]}|{k[1]}": v for k, v in values.items()})
    wide.insert(0, "year", years.astype(np.int64))
    wide.insert(0, "region", RIKET)
    return wide


def _aggregate(wide: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Sum counts to ``key`` (one per row of ``wide``); medians become person-weighted means."""
    value_cols = [c for c in wide.columns if "|" in c]
    count_cols = [c for c in value_cols if c.split("|")[0] not in _LEVEL_VARS]
    frame = wide[count_cols].copy()
    weights = {
        "median_economic_standard_tkr|total": "economic_standard_all|total",
        "median_income_tkr|total": "income_quartile|total",
    }
    for col, wcol in weights.items():
        frame[col + "_wx"] = wide[col] * wide[wcol]
    frame["region"] = key.to_numpy()
    frame["year"] = wide["year"].to_numpy()
    summed = frame.groupby(["region", "year"], sort=True).sum()
    for col, wcol in weights.items():
        summed[col] = np.round(summed.pop(col + "_wx") / summed[wcol], 1)
    # columns of the "other" age range / employment register stay -1 (not applicable), not a sum of -1s
    summed[count_cols] = summed[count_cols].where(summed[count_cols] >= 0, -1)
    return summed.reset_index()


def _area_type(wide: pd.DataFrame) -> pd.Series:
    """Synthetic områdestyp 1–5 of a RegSO from its low-economic-standard share (1 = most deprived).

    A stand-in for SCB/Delmos' index, which combines several indicators; thresholds chosen so the demo
    has one type-1 and two type-2 focus areas (the pattern of Linköping's three focus areas).
    """
    low = wide["economic_standard_all|low"] / wide["economic_standard_all|total"]
    return pd.Series(
        np.select([low >= 0.45, low >= 0.25, low >= 0.17, low >= 0.09], [1, 2, 3, 4], 5).astype(float),
        index=wide.index,
    )


def _suppress(long: pd.DataFrame) -> pd.DataFrame:
    """Mark small cells as SCB does: value NaN, status ".."."""
    leaf = long["category"] != "total"
    small = long["variable"].isin(_SMALL_CELL_VARS) & leaf & (long["value"] >= 1) & (long["value"] <= 4)
    es = long["variable"].str.startswith("economic_standard_")
    es_tot = long.loc[es & ~leaf].set_index(["geo_version", "level", "region", "year", "variable"])["value"]
    key = pd.MultiIndex.from_frame(long[["geo_version", "level", "region", "year", "variable"]])
    group_total = es_tot.reindex(key).to_numpy()
    thin = (es & leaf).to_numpy() & (group_total < _ES_MIN_GROUP)
    mask = small.to_numpy() | thin
    long["status"] = pd.Series(np.where(mask, "..", None), index=long.index, dtype="str")
    long.loc[mask, "value"] = np.nan
    return long


def _melt(wide: pd.DataFrame, geo_version: str, level: str) -> pd.DataFrame:
    cols = [c for c in wide.columns if "|" in c]
    n = len(wide)
    values = np.concatenate([wide[c].to_numpy(dtype=float) for c in cols])
    frame = pd.DataFrame(
        {
            "geo_version": geo_version,
            "level": level,
            "region": np.tile(wide["region"].to_numpy(dtype=object), len(cols)),
            "year": np.tile(wide["year"].to_numpy(dtype=np.int64), len(cols)),
            "variable": np.repeat([c.split("|")[0] for c in cols], n),
            "category": np.repeat([c.split("|")[1] for c in cols], n),
            "value": values,
        }
    )
    return frame[frame["value"] >= 0]  # drops the not-applicable education age range


def long_counts(
    areas: pd.DataFrame, fine: pd.DataFrame, riket: pd.DataFrame, version_years: Mapping[str, tuple[int, ...]]
) -> pd.DataFrame:
    """The long counts of the synthetic municipality: every level, geography version and year.

    Parameters
    ----------
    areas, fine, riket
        :func:`~segindicators.demo.areas.area_table`, :func:`fine_panel` and :func:`riket_panel`.
    version_years
        Years to publish for each geography version (``"2018"``, ``"2025"``).

    Returns
    -------
    pandas.DataFrame
        ``geo_version, level, region, year, variable, category, value, unit, status, source``; small cells
        suppressed (value NaN, status ``".."``).

    Raises
    ------
    ValueError
        If ``version_years`` names an unknown version or a year outside
        :data:`~segindicators.demo.areas.YEARS`.
    """
    unit_index = areas.set_index("unit")
    parts = []
    for version, years in version_years.items():
        if version not in DEFAULT_VERSION_YEARS:
            raise ValueError(
                f"version_years: expected geography versions '2018' and/or '2025', got {version!r}; "
                "use '2018' (DeSO 2018 / RegSO 2020) or '2025' (DeSO 2025 / RegSO 2025)."
            )
        bad = sorted(set(years) - set(YEARS))
        if bad:
            raise ValueError(
                f"version_years[{version!r}]: years must lie in {YEARS[0]}–{YEARS[-1]}, got {bad}; "
                "the generator has no data for other years."
            )
        sub = fine[fine["year"].isin(list(years))].reset_index(drop=True)
        deso_key = sub["unit"] if version == "2025" else sub["unit"].map(unit_index["parent"])
        keys = {
            "DeSO": deso_key,
            "RegSO": sub["unit"].map(unit_index["regso"]),
            "kommun": pd.Series(KOMMUN, index=sub.index),
        }
        for level, key in keys.items():
            agg = _aggregate(sub, key)
            if level == "RegSO":
                agg["area_type_official|total"] = _area_type(agg)
            parts.append(_melt(agg, version, level))
        parts.append(_melt(riket[riket["year"].isin(list(years))], version, "riket"))
    long = pd.concat(parts, ignore_index=True)
    long = _suppress(long)
    units = {v: u for v, (_, u) in VARIABLES.items()}
    long["unit"] = long["variable"].map(units)
    long["source"] = SYNTHETIC_LABEL
    long["rank"] = long["level"].map(LEVEL_ORDER)
    long = long.sort_values(["geo_version", "rank", "region", "year"], kind="mergesort").drop(columns="rank")
    cols = ["geo_version", "level", "region", "year", "variable", "category", "value", "unit", "status"]
    long = long[[*cols, "source"]].reset_index(drop=True)
    for c in ("geo_version", "level", "region", "variable", "category", "unit", "status", "source"):
        long[c] = long[c].astype("str")
    return long
