"""Builder of the indicator trend charts: focus areas against the municipality and Sweden, over the years."""

from __future__ import annotations

import pandas as pd

from ..inputs import ChartInputs, MissingInput
from ..meta import SeriesBreak, sources_from_frame, year_span
from ..specs import ChartSpec
from ..trends import trend_chart
from ._common import Built, breaks_in, flag_years, one_per_year, sum_notes

__all__ = ["build_trend"]


def build_trend(inp: ChartInputs, spec: ChartSpec) -> Built:
    """Trend of ``spec.indicator`` (:func:`~segindicators.charts.trends.trend_chart`): each focus area (its
    pooled ``focus`` rows, or a one-district focus area's own series), the municipality and Sweden, at most
    five lines; the harmonised series where it exists. Breaks: the catalogue's and the ``break`` flags."""
    rows = inp.rows(spec.indicator, ["focus", "kommun", "riket", "RegSO", "DeSO"])
    if rows.empty:
        raise MissingInput(f"inga rader för indikatorn {spec.indicator} i processade data")
    parts = []
    focus_rows = rows[rows["level"].eq("focus")]
    ref = {"kommun": one_per_year(rows[rows["level"].eq("kommun")]),
           "riket": one_per_year(rows[rows["level"].eq("riket")])}  # fmt: skip
    n_ref = sum(1 for r in ref.values() if len(r))
    room = 5 - n_ref
    notes = []
    for fa in inp.focus:
        if room <= 0:
            notes.append(f"Fokusområdet {fa.name} visas inte: högst fem linjer per diagram.")
            continue
        sub = focus_rows[focus_rows["area"].astype(str).eq(fa.id)]
        if sub.empty and len(fa.areas) == 1:  # a one-district focus area: that district's own series
            sub = rows[rows["level"].eq(fa.level) & rows["area"].astype(str).eq(fa.areas[0])]
        sub = one_per_year(sub)
        if sub.empty:
            continue
        parts.append(sub.assign(level="focus", area_name=fa.name))
        room -= 1
    if not parts:
        if not len(ref["kommun"]):
            raise MissingInput(f"varken fokusområden eller kommunen har värden för {spec.indicator}")
        notes.append(
            "Inga fokusområden visas: kommunens profil saknar fokusområden med värden för indikatorn."
            if inp.focus
            else "Inga fokusområden visas: kommunens profil har inga fokusområden."
        )
    if len(ref["kommun"]):
        parts.append(ref["kommun"].assign(area_name=inp.kommun_name))
    if len(ref["riket"]):
        parts.append(ref["riket"].assign(area_name="Riket"))
    frame = pd.concat(parts, ignore_index=True)
    notes += sum_notes(frame, inp.kommun_name)
    years = frame["year"].tolist()
    breaks = inp.catalogue_breaks(spec.indicator)
    for y in sorted(flag_years(frame) - {b.year for b in breaks}):
        breaks.append(SeriesBreak(y, "seriebrott enligt SCB:s uppgifter"))
    who = "fokusområden, hela kommunen" if parts and parts[0]["level"].eq("focus").all() else "hela kommunen"
    who += " och riket" if len(ref["riket"]) else ""
    ind = inp.indicator(spec.indicator)
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}: {who}, {year_span(years)}",
        unit=ind.unit if ind is not None else "share",
        sources=sources_from_frame(frame),
        breaks=breaks_in(breaks, years),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=tuple(notes),
    )
    return [(spec.name, trend_chart(frame, meta), None)]
