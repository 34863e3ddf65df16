"""Builders of the district charts: every RegSO ranked by an indicator, and ICE of economic standard per RegSO.

The ranked bars mark the RegSO with concentrated affluence as the ``typology`` table has them
(:meth:`~segindicators.charts.inputs.ChartInputs.affluent_areas`); nothing is recomputed here. The ICE of
economic standard (high minus low, Massey 2001) is in no processed table (the typology's ICE are income,
education and background), so :func:`build_ice` computes it from the counts with
:func:`segindicators.indices.ice`.
"""

from __future__ import annotations

import pandas as pd

from segindicators.indices import ice
from segindicators.indices.battery import group_wide
from segindicators.tables import TABLES

from ..bars import ice_chart, ranked_bar_chart
from ..inputs import ChartInputs, MissingInput
from ..meta import sources_from_frame
from ..specs import ChartSpec
from ._common import Built, native_latest, sum_notes

__all__ = ["AFFLUENT_LABEL", "build_ice", "build_ranked"]

AFFLUENT_LABEL = "Koncentrerat välstånd"


def build_ranked(inp: ChartInputs, spec: ChartSpec) -> Built:
    """All RegSO of the municipality ranked by ``spec.indicator`` in the latest year, in that year's own
    geography (:func:`~segindicators.charts.bars.ranked_bar_chart`); focus areas and concentrated
    affluence highlighted, the municipal value as a line."""
    rows = native_latest(inp.rows(spec.indicator, ["RegSO"]))
    rows = rows[rows["kommun"].astype(str).eq(inp.kommun)]
    if rows.empty:
        raise MissingInput(f"inga RegSO-rader för indikatorn {spec.indicator}")
    yr = int(rows["year"].iloc[0])
    kom = inp.rows(spec.indicator, ["kommun"])
    kom = kom[kom["year"].eq(yr)]
    municipal = float(kom["value"].iloc[0]) if len(kom) and pd.notna(kom["value"].iloc[0]) else None
    affluent = inp.affluent_areas(yr)
    notes = []
    if affluent is None:
        affluent = []
        notes.append("Koncentrerat välstånd kunde inte bedömas: indata till typologin saknas.")
    elif affluent:
        notes.append(
            "Koncentrerat välstånd: områdets ICE ligger minst 0,2 över kommunens på minst två av tre "
            "dimensioner (inkomst, utbildning, bakgrund)."
        )
    if municipal is not None:
        notes += sum_notes(kom, inp.kommun_name)
    ind = inp.indicator(spec.indicator)
    meta = inp.meta(
        spec,
        subtitle=f"Regionala statistikområden (RegSO) i {inp.kommun_name}, {yr}",
        unit=ind.unit if ind is not None else "share",
        sources=sources_from_frame(pd.concat([rows, kom])),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=tuple(notes),
    )
    fig = ranked_bar_chart(
        rows[["area", "area_name", "year", "value"]],
        meta,
        focus=inp.focus_codes("RegSO"),
        affluent=affluent,
        affluent_label=AFFLUENT_LABEL,
        municipal_value=municipal,
        municipal_label=inp.kommun_name,
    )
    return [(spec.name, fig, None)]


def build_ice(inp: ChartInputs, spec: ChartSpec) -> Built:
    """ICE = (A − P) / T of the group ``spec.indicator`` per RegSO in the latest year
    (:func:`~segindicators.charts.bars.ice_chart`): A the high, P the low extreme, T all (Massey 2001)."""
    if inp.counts is None:
        raise MissingInput(f"processade antal ({TABLES['counts'].parquet}) saknas")
    try:
        group = inp.catalogue.group(spec.indicator)
    except KeyError:
        raise MissingInput(f"gruppen {spec.indicator} finns inte i katalogen") from None
    c = inp.counts
    sub = c[c["kommun"].astype(str).eq(inp.kommun) & c["level"].eq("RegSO") & c["year"].le(inp.year)]
    sub = sub[sub["indicator"].str.startswith(f"{group.id}.")]
    sub = native_latest(sub)
    wide = group_wide(sub, group)
    members = list(group.members)
    high, low = ("high", "low") if {"high", "low"} <= set(members) else (members[-1], members[0])
    wide = wide.dropna(subset=[high, low, "total"])
    wide = wide[wide["total"] > 0]
    if wide.empty:
        raise MissingInput(f"inga RegSO med {group.id} för senaste året")
    res = ice(wide, privileged=high, deprived=low, total="total", unit="area", by="year")
    names = sub.drop_duplicates("area").set_index("area")["area_name"]
    res["area_name"] = res["area"].map(names)
    yr = int(res["year"].iloc[0])
    meta = inp.meta(
        spec,
        subtitle=f"Regionala statistikområden (RegSO) i {inp.kommun_name}, {yr}",
        unit="index",
        sources=sources_from_frame(sub),
        definition="ICE = (A − P) / T (Massey 2001): A personer med hög ekonomisk standard (> 200 % av "
        "medianen), P med låg (< 60 %), T alla.",
    )
    fig = ice_chart(res[["area", "area_name", "year", "value"]], meta, focus=inp.focus_codes("RegSO"))
    return [(spec.name, fig, None)]
