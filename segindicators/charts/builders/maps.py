"""Builder of the maps: an indicator or the area type per district, focus areas outlined."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segindicators.tables import TABLES

from ..inputs import ChartInputs, MissingInput
from ..maps import choropleth_map
from ..meta import sources_from_frame
from ..specs import ChartSpec
from ._common import Built, native_latest

__all__ = ["build_map", "geometry_of"]


def geometry_of(inp: ChartInputs, level: str, geo_version: str) -> Any:
    """The municipality's polygons of ``level`` (DeSO/RegSO) in ``geo_version``, the code column renamed ``area``."""
    g = inp.geometry.get(level.lower()) if inp.geometry else None
    if g is None or len(g) == 0:
        raise MissingInput(f"geometri för {level} saknas ({TABLES['geometry_' + level.lower()].parquet})")
    code = "desokod" if level == "DeSO" else "regsokod"
    sub = g[g["geo_version"].astype(str).eq(geo_version)] if "geo_version" in g.columns else g
    if "kommunkod" in sub.columns:
        sub = sub[sub["kommunkod"].astype(str).eq(inp.kommun)]
    if sub.empty:
        raise MissingInput(f"geometri för {level} {geo_version} saknas")
    return sub.rename(columns={code: "area"})


def build_map(inp: ChartInputs, spec: ChartSpec) -> Built:
    """Choropleth of ``spec.indicator`` in the latest year, in that year's geography
    (:func:`~segindicators.charts.maps.choropleth_map`): RegSO for categorical maps (area type) and RegSO
    populations, else DeSO with the RegSO focus areas outlined."""
    categorical = bool(spec.options.get("categorical"))
    level = "RegSO" if categorical or "RegSO" in spec.population else "DeSO"
    rows = native_latest(inp.rows(spec.indicator, [level]))
    rows = rows[rows["kommun"].astype(str).eq(inp.kommun)]
    if rows.empty:
        raise MissingInput(f"inga {level}-rader för {spec.indicator}")
    yr = int(rows["year"].iloc[0])
    gv = str(rows["geo_version"].iloc[0])
    geo = geometry_of(inp, level, gv)
    vals = rows.drop_duplicates("area").set_index("area")
    gdf = geo[["area", "geometry", *(["regsokod"] if "regsokod" in geo.columns else [])]].copy()
    gdf["value"] = gdf["area"].map(vals["value"])
    names = vals["area_name"] if "area_name" in vals.columns else pd.Series(dtype="string")
    if level == "RegSO" and "regsonamn" in geo.columns:
        gdf["area_name"] = geo["regsonamn"].to_numpy()
    elif len(names):
        gdf["area_name"] = gdf["area"].map(names)
    ind = inp.indicator(spec.indicator)
    unit = "" if categorical else (ind.unit if ind is not None else "share")
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, {yr}",
        unit=unit,
        sources=sources_from_frame(rows),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=("Klassindelning: kvantiler (mapclassify).",) if not categorical else (),
    )
    kw: dict[str, Any] = {"categorical": categorical}
    if level == "DeSO" and "regsokod" in gdf.columns:
        kw.update(focus=inp.focus_codes("RegSO"), focus_by="regsokod",
                  focus_names={c: fa.name for fa in inp.focus for c in fa.areas})  # fmt: skip
    else:
        kw["focus"] = inp.focus_codes(level)
    return [(spec.name, choropleth_map(gdf, meta, **kw), None)]
