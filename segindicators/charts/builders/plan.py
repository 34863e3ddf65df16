"""Builders of the plan charts: each development area's indicators against its sub-goals, and the measures register.

:func:`plan_rows` and :func:`plan_sources` are shared with the report (its status tables show the same rows,
under the same source line, as the area's chart).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from segindicators.indices.battery import ICE_DEFINITIONS
from segindicators.plan.measures import STATUSES, UNKNOWN, summary_by_year
from segindicators.tables import TABLES

from ..inputs import ChartInputs, MissingInput
from ..meta import SeriesBreak, Source, sources_from_frame, year_span
from ..plan import plan_status_chart
from ..specs import ChartSpec
from ..stacked import measures_status_chart
from ._common import INDEX_BREAK_SV, Built, breaks_in, flag_years

__all__ = ["build_measures", "build_plan", "plan_rows", "plan_sources"]


def plan_rows(plan_status: pd.DataFrame, focus: Sequence[Any]) -> pd.DataFrame:
    """The plan-status rows a report shows: the municipality, and each focus area once.

    A focus area appears both as its district (RegSO/DeSO row) and as the pooled focus row (level
    ``focus``); the pooled row is kept, the district row only for indicators without pooled rows (e.g. an
    indicator followed in all districts). Districts outside the focus areas are left out. Used by the plan
    chart and the report's status tables, so both show the same rows.

    Examples
    --------
    >>> from segindicators.geography.profiles import FocusArea
    >>> ps = pd.DataFrame({"indicator": ["a", "a", "a", "b", "b"], "level": ["focus", "RegSO", "kommun", "RegSO", "RegSO"],
    ...                    "area": ["n", "R1", "0580", "R1", "R9"]})
    >>> plan_rows(ps, [FocusArea("n", "Norr", "RegSO", ("R1",))])[["indicator", "level", "area"]].values.tolist()
    [['a', 'focus', 'n'], ['a', 'kommun', '0580'], ['b', 'RegSO', 'R1']]
    """
    ps = plan_status
    focus_ids = {fa.id for fa in focus}
    focus_codes = {c for fa in focus for c in fa.areas}
    has_focus_level = ps["level"].eq("focus").fillna(False)
    pooled = set(ps.loc[has_focus_level.to_numpy(dtype=bool), "indicator"])
    area = ps["area"].astype(str)
    keep = (
        ps["level"].eq("kommun").fillna(False)
        | (has_focus_level & area.isin(focus_ids))
        | (~ps["indicator"].isin(pooled) & area.isin(focus_codes))
    )
    return ps[keep.to_numpy(dtype=bool)]


def plan_sources(counts: pd.DataFrame | None, kommun: str, indicators: Iterable[str]) -> tuple[Source, ...]:
    """Sources of plan indicators: SCB tables (with ``updated``) of catalogue indicators and of the groups
    behind ``index:<index>:<group>`` indicators, then the Kolada KPIs of ``kolada:<KPI>`` indicators.

    Examples
    --------
    >>> c = pd.DataFrame({"indicator": ["x", "background.foreign", "y"], "kommun": "0580",
    ...                   "source_table": ["TAB1", "TAB6571", "TAB9"], "table_updated": "2025-01-01"})
    >>> [(s.publisher, s.table) for s in plan_sources(c, "0580", ["x", "index:dissimilarity:background", "kolada:N1"])]
    [('SCB', 'TAB1'), ('SCB', 'TAB6571'), ('Kolada', 'N1')]
    """
    ids = [str(i) for i in indicators]
    kolada = tuple(Source(i.split(":", 1)[1], None, "Kolada") for i in ids if i.startswith("kolada:"))
    if counts is None or counts.empty:
        return kolada
    names = [i for i in ids if not i.startswith(("kolada:", "index:"))]
    groups = []
    for i in ids:
        if i.startswith("index:") and i.count(":") >= 2:
            group = i.split(":", 2)[2]
            groups.append(ICE_DEFINITIONS[group][0] if group in ICE_DEFINITIONS else group)
    ind = counts["indicator"].astype(str)
    hit = ind.isin(names) | ind.str.split(".", n=1).str[0].isin(groups) & ind.str.contains(".", regex=False)
    own = counts["kommun"].astype(str).eq(str(kommun))
    return sources_from_frame(counts[(hit & own).to_numpy(dtype=bool)]) + kolada


def build_plan(inp: ChartInputs, spec: ChartSpec) -> Built:
    """One small-multiples chart per development area (``<spec.name>_<area>``): each indicator's outcome per
    area against its sub-goal path, with its status (:func:`~segindicators.charts.plan.plan_status_chart`)."""
    ps = inp.plan_status
    if ps is None or ps.empty:
        raise MissingInput(
            f"ingen planstatus ({TABLES['plan_status'].parquet} saknas: kommunen har ingen plan i paketet)"
        )
    ps = ps.dropna(subset=["year", "value"])
    ps = ps[ps["year"].le(inp.year)]
    ps = plan_rows(ps, inp.focus).copy()
    if ps.empty:
        raise MissingInput("planstatus saknar värden för fokusområden och kommunen")
    ref = np.where(ps["subgoal_reference"].astype("string").eq("sweden").fillna(False),
                   ps["sweden_value"], ps["municipality_value"])  # fmt: skip
    gap = ps["subgoal_kind"].astype("string").eq("gap").fillna(False).to_numpy(dtype=bool)
    ps["target_path"] = np.where(gap, ref + ps["subgoal_path"].to_numpy(dtype=float), ps["subgoal_path"])
    ps["area_label"] = ps["area_name"].astype("string").fillna(inp.kommun_name)
    ps.loc[ps["level"].eq("kommun"), "area_label"] = inp.kommun_name
    # Kolada KPIs are shown as published (their own unit, e.g. per cent already ×100): plain numbers
    ps["unit"] = [
        "index" if str(i).startswith("index:")
        else "as_published" if str(i).startswith("kolada:")
        else getattr(inp.indicator(str(i)), "unit", "share")
        for i in ps["indicator"]
    ]  # fmt: skip
    out: Built = []
    for da, g in ps.groupby("development_area", sort=True):
        frame = pd.DataFrame(
            {
                "indicator": g["indicator"].astype(str).to_numpy(),
                "area": g["area_label"].astype(str).to_numpy(),
                "year": g["year"].astype(int).to_numpy(),
                "value": g["value"].to_numpy(dtype=float),
                "target_path": g["target_path"].to_numpy(dtype=float),
                # a status decided by the sign of a point change alone (no interval: Kolada, medians) says so
                "status": np.where(
                    g["significance_tested"].astype("boolean").fillna(True).to_numpy(dtype=bool),
                    g["status_sv"].astype("string").to_numpy(),
                    (g["status_sv"].astype("string") + " (ej prövad)").to_numpy(),
                ),
                "unit": g["unit"].to_numpy(),
            }
        )
        labels = dict(zip(g["indicator"].astype(str), g["label"].astype(str), strict=False))
        breaks: list[SeriesBreak] = []
        for ind in frame["indicator"].unique():
            breaks += inp.catalogue_breaks(ind)
        breaks += [SeriesBreak(y, INDEX_BREAK_SV) for y in flag_years(g.assign(year=g["year"].astype(int)))]
        title = str(g["development_area_title"].iloc[0])
        sources = plan_sources(inp.counts, inp.kommun, frame["indicator"].unique())
        meta = inp.meta(
            replace(spec, measure=f"Utvecklingsområde {int(da)}: {title}"),
            subtitle=f"{inp.kommun_name}: utfall och delmål, {year_span(frame['year'])}",
            unit="share",
            sources=sources,
            breaks=breaks_in(breaks, frame["year"]),
            definition="Status enligt uppföljningens regler (se metodavsnittet): i fas / inte i fas / ingen "
            "säkerställd förändring / otillräckliga data. Streckad linje: delmålets bana från basåret.",
        )
        ncols = 3 if frame[["indicator", "area"]].drop_duplicates().shape[0] > 4 else 2
        fig = plan_status_chart(frame, meta, ncols=ncols, indicator_labels=labels)
        out.append((f"{spec.name}_{int(da)}", fig, None))
    return out


def build_measures(inp: ChartInputs, spec: ChartSpec) -> Built:
    """Measures per status and year from the register (:func:`~segindicators.charts.stacked.measures_status_chart`);
    a year with only a total is drawn as *status ej redovisad*, never split into guessed statuses."""
    reg = inp.measures
    if reg is None:
        raise MissingInput(f"inget åtgärdsregister för kommun {inp.kommun} i paketet")
    s = summary_by_year(reg)
    s = s[s["year"].le(inp.year)]
    long = s.melt(id_vars="year", value_vars=[*STATUSES, UNKNOWN], var_name="status", value_name="count")
    long = long.dropna(subset=["count"])
    long = long[long["count"].astype(int).gt(0) | long["status"].isin(STATUSES)]
    long["count"] = long["count"].astype(int)
    if long.empty or long["count"].sum() == 0:
        raise MissingInput("åtgärdsregistret har inga åtgärder med år")
    notes = ()
    if long["status"].eq(UNKNOWN).any():
        notes = ("Status ej redovisad: uppföljningen anger bara antalet åtgärder det året.",)
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, {year_span(long['year'])}",
        unit="count",
        sources=(
            {
                "table": "kommunens åtgärdsregister (uppföljning av åtgärdsplanen)",
                "publisher": inp.kommun_name,
            },
        ),
        notes=notes,
    )
    return [(spec.name, measures_status_chart(long, meta), None)]
