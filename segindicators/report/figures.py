"""The report's figures: caption, alt text and source of each exported chart, and where in the report it goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segindicators.charts.specs import ChartSpec

from .load import ChartInfo
from .model import Figure

__all__ = ["CHART_KINDS", "chart_home", "figure", "skipped_text", "spec_of"]

CHART_KINDS = {
    "trend_chart": "Linjediagram",
    "index_trend_chart": "Linjediagram",
    "peer_trend_chart": "Linjediagram",
    "ranked_bar_chart": "Liggande stapeldiagram",
    "ice_chart": "Liggande stapeldiagram",
    "peer_rank_chart": "Liggande stapeldiagram",
    "decomposition_chart": "Stapeldiagram",
    "measures_status_chart": "Stapeldiagram",
    "plan_status_chart": "Linjediagram i flera delar, ett per indikator och område,",
    "choropleth_map": "Karta",
}


def figure(chart: ChartInfo, spec: ChartSpec | None, n: int) -> Figure:
    """Figure ``n`` of an exported chart: caption, alt text, source line, series breaks and its files."""
    kind = CHART_KINDS.get(spec.function if spec else "", "Diagram")
    caption = f"{chart.title}. {chart.subtitle}".strip() if chart.subtitle else chart.title
    caption = caption if caption.endswith(".") else caption + "."
    alt = (
        f"{kind}: {chart.title}. {chart.subtitle}. Siffrorna i diagrammet finns i filen {chart.name}.xlsx."
        if chart.subtitle
        else f"{kind}: {chart.title}. Siffrorna i diagrammet finns i filen {chart.name}.xlsx."
    )
    return Figure(
        number=n,
        name=chart.name,
        title=chart.title,
        caption=caption,
        alt=alt.replace("..", "."),
        source=chart.source_line,
        breaks=tuple(
            f"Seriebrott {y}: {r}." if not r.endswith(".") else f"Seriebrott {y}: {r}"
            for y, r in chart.breaks
        ),
        notes=chart.notes,
        files=dict(chart.files),
        image=chart.files.get("png", ""),
        width_px=chart.width_px,
        height_px=chart.height_px,
    )


def spec_of(name: str, specs: Sequence[ChartSpec]) -> ChartSpec | None:
    """The standard chart spec a chart file name belongs to (``14_plan_status_2`` → ``14_plan_status``)."""
    for s in specs:
        if name == s.name or (name.startswith(s.name + "_") and name[len(s.name) + 1 :].isdigit()):
            return s
    return None


def chart_home(chart: ChartInfo, spec: ChartSpec | None, plan_index: dict[str, int], catalogue: Any) -> str:
    """Section key of a chart: ``area:<k>``, ``affluence``, ``measures``, ``peers`` (the national comparison)
    or ``other``."""
    if spec is None:
        return "other"
    if spec.function == "plan_status_chart":
        return f"area:{int(chart.name.rsplit('_', 1)[1])}"
    if spec.function == "measures_status_chart":
        return "measures"
    if spec.function == "ice_chart" or spec.indicator == "area_type_official":
        return "affluence"
    if spec.function in ("peer_trend_chart", "peer_rank_chart"):
        return "peers"
    if spec.indicator is None:
        return "other"
    if spec.indicator in plan_index:
        return f"area:{plan_index[spec.indicator]}"
    for ind, da in plan_index.items():  # index charts: the plan's index on the same group
        if ind.startswith("index:") and ind.rsplit(":", 1)[-1] == spec.indicator:
            return f"area:{da}"
    try:
        area = int(catalogue.indicator(spec.indicator).area)
    except (KeyError, AttributeError, TypeError, ValueError):
        return "other"
    return f"area:{area}" if f"area:{area}" in {f"area:{v}" for v in plan_index.values()} else "other"


SKIP_REASONS = {
    "peer_trend_chart": "index för jämförelsekommunerna ingår inte i årets uppgifter",
    "peer_rank_chart": "index för jämförelsekommunerna ingår inte i årets uppgifter",
    "measures_status_chart": "kommunens åtgärdsregister saknas",
    "plan_status_chart": "planens status saknas",
    "choropleth_map": "kartunderlaget eller värdena saknas",
}
SKIP_WHAT = {"peer_trend_chart": "utvecklingen jämfört med jämförelsekommunerna",
             "peer_rank_chart": "rangordning bland jämförelsekommunerna"}  # fmt: skip


def skipped_text(name: str, title: str, specs: Sequence[ChartSpec]) -> str:
    """The line of a standard chart not drawn this year: its kind, title and why ("… – planens status saknas.")."""
    spec = spec_of(name, specs)
    fn = spec.function if spec else ""
    kind = CHART_KINDS.get(fn, "Diagram").rstrip(",")
    what = f", {SKIP_WHAT[fn]}" if fn in SKIP_WHAT else ""
    return f"{kind}: {title}{what} – {SKIP_REASONS.get(fn, 'uppgifterna saknas')}."
