"""Charts in the style of Swedish official statistics, and their export for the follow-up report.

Every chart function takes plain DataFrames (documented per function) and a :class:`ChartMeta`, and
returns a :class:`matplotlib.figure.Figure` (never shown, never fetched data). :func:`export` writes
PNG/SVG/PDF plus an xlsx of the plotted data and metadata; :func:`write_index` lists the charts.

The standard set of the report: :data:`CHARTS` (chart id → spec, topic, builder) in
:mod:`~segindicators.charts.registry`; :func:`~segindicators.charts.standard.render_standard_charts` renders
it for the report, :func:`show` draws one topic's charts (:data:`TOPICS`) inline in a notebook::

    from segindicators import charts
    charts.show(ws, topic="plan")   # ws = segindicators.workspace.open_workspace(data_dir)
"""

from .bars import ice_chart, peer_rank_chart, ranked_bar_chart
from .export import ExportResult, export
from .format import format_number, format_percent, format_value
from .index import write_index
from .inputs import ChartInputs, ProcessedFrames, ProcessedTables
from .maps import choropleth_map
from .notebook import draw, show
from .plan import plan_status_chart
from .registry import CHARTS, select
from .specs import TOPICS, ChartSpec, standard_chart_specs
from .stacked import decomposition_chart, measures_status_chart
from .style import (
    SYNTHETIC_MARK,
    ChartMeta,
    SeriesBreak,
    Source,
    TooManyLinesError,
    chart_style,
    chart_title,
    plotted_data,
    sources_from_frame,
    year_span,
)
from .trends import index_trend_chart, peer_trend_chart, trend_chart

__all__ = [
    "CHARTS",
    "SYNTHETIC_MARK",
    "TOPICS",
    "ChartInputs",
    "ChartMeta",
    "ChartSpec",
    "ExportResult",
    "ProcessedFrames",
    "ProcessedTables",
    "SeriesBreak",
    "Source",
    "TooManyLinesError",
    "chart_style",
    "chart_title",
    "choropleth_map",
    "decomposition_chart",
    "draw",
    "export",
    "format_number",
    "format_percent",
    "format_value",
    "ice_chart",
    "index_trend_chart",
    "measures_status_chart",
    "peer_rank_chart",
    "peer_trend_chart",
    "plan_status_chart",
    "plotted_data",
    "ranked_bar_chart",
    "select",
    "show",
    "sources_from_frame",
    "standard_chart_specs",
    "trend_chart",
    "write_index",
    "year_span",
]
