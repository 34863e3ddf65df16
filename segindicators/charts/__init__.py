"""Charts in the style of Swedish official statistics, and their export for the follow-up report.

Every chart function takes plain DataFrames (documented per function) and a :class:`ChartMeta`, and
returns a :class:`matplotlib.figure.Figure` (never shown, never fetched data). :func:`export` writes
PNG/SVG/PDF plus an xlsx of the plotted data and metadata; :func:`write_index` lists the charts.
"""

from .bars import decomposition_chart, ice_chart, measures_status_chart, peer_rank_chart, ranked_bar_chart
from .export import ExportResult, export, write_index
from .format import format_number, format_percent, format_value
from .maps import choropleth_map
from .plan import plan_status_chart
from .specs import ChartSpec, standard_chart_specs
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
    "SYNTHETIC_MARK",
    "ChartMeta",
    "ChartSpec",
    "ExportResult",
    "SeriesBreak",
    "Source",
    "TooManyLinesError",
    "chart_style",
    "chart_title",
    "choropleth_map",
    "decomposition_chart",
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
    "sources_from_frame",
    "standard_chart_specs",
    "trend_chart",
    "write_index",
    "year_span",
]
