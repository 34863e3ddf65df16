"""The package's chart style: Swedish official-statistics look, accessible, applied only in a context.

Nothing here changes matplotlib's global state at import. Chart functions wrap their work in
:func:`chart_style`, a :func:`matplotlib.rc_context` over :data:`RC`.

Layout of every figure (see :func:`new_figure` and :func:`finish_figure`)::

    [Syntetiska exempeldata – inte officiell statistik]      (only when meta.synthetic)
    Title: measure, population, unit                          (bold, left)
    Subtitle: area and years                                  (left)
    +------------------------------------------------------+
    |  panels (legend on top of the panel, no frame)        |
    +------------------------------------------------------+
    ¹ Seriebrott 2020: ...                                    (footnotes: breaks, notes)
    Källa: SCB, tabell TAB6685 (uppdaterad 2025-02-21). Bearbetning: segindicators.

Accessibility rules enforced here: the Okabe–Ito colour-blind-safe palette (:data:`PALETTE`), every series
also differs by marker or line style (:data:`SERIES_STYLES`), at most :data:`MAX_LINES` lines per panel
(:func:`check_line_count`), no text smaller than :data:`MIN_TEXT_PT` points (:func:`small_texts`).
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from segindicators.labels import SYNTHETIC_LABEL

from .format import format_number, format_value

# the chart's metadata (title, sources, breaks) lives in .meta; re-exported here, where it is printed
from .meta import (
    ChartMeta,
    SeriesBreak,
    Source,
    chart_title,
    normalise_breaks,
    source_line,
    sources_from_frame,
    year_span,
)

# --- palette and series styles -------------------------------------------------------------------------

PALETTE: dict[str, str] = {
    # Okabe & Ito (2008), "Color Universal Design": distinguishable with all common colour-vision deficiencies.
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#707070",
    "lightgrey": "#BDBDBD",
}

SERIES_STYLES: tuple[dict[str, Any], ...] = (
    {"color": PALETTE["blue"], "marker": "o", "linestyle": "-"},
    {"color": PALETTE["vermillion"], "marker": "^", "linestyle": "-"},
    {"color": PALETTE["green"], "marker": "D", "linestyle": "-"},
    {"color": PALETTE["purple"], "marker": "v", "linestyle": "-."},
    {"color": PALETTE["orange"], "marker": "P", "linestyle": ":"},
)
"""Five series styles; each differs from the others in colour AND marker (readable in grey-scale)."""

ROLE_STYLES: dict[str, dict[str, Any]] = {
    "municipality": {"color": PALETTE["black"], "marker": "s", "linestyle": "-", "linewidth": 2.4},
    "country": {"color": PALETTE["grey"], "marker": "None", "linestyle": "--", "linewidth": 1.8},
}
"""Fixed styles for the reference series: the municipality (black, squares, thick) and Sweden (grey, dashed)."""

HATCHES: dict[str, str] = {"focus": "////", "affluent": "....", "negative": "////", "positive": ""}

MAX_LINES = 5
MIN_TEXT_PT = 8.0
FIG_WIDTH_CM = 16.0
"""Default figure width: the text width of an A4 report page."""
CM = 1 / 2.54

HELPER_GID = "segindicators-helper"
"""gid of reference lines (breaks, municipal value, zero line) that do not count as data lines."""

SYNTHETIC_MARK = SYNTHETIC_LABEL
MISSING_NOTE = ".. Uppgift saknas eller är för osäker för att redovisas."
"""Footnote added when a chart shows a missing (suppressed) value."""

RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # shipped with matplotlib: same glyphs on every machine
    "font.size": 9.0,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.0,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.unicode_minus": True,
    "axes.prop_cycle": mpl.cycler(
        color=[s["color"] for s in SERIES_STYLES],
        marker=[s["marker"] for s in SERIES_STYLES],
        linestyle=[s["linestyle"] for s in SERIES_STYLES],
    ),
    "grid.color": "#D9D9D9",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "legend.handlelength": 2.6,
    "lines.linewidth": 1.8,
    "lines.markersize": 5.0,
    "hatch.linewidth": 0.6,
    "hatch.color": "#FFFFFF",
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.facecolor": "white",
    "svg.fonttype": "path",
    "svg.hashsalt": "segindicators",  # stable ids in SVG output
    "pdf.fonttype": 42,  # TrueType embedded: text stays selectable in the PDF
    "image.cmap": "cividis",
}
"""rcParams of the package style; apply with :func:`chart_style`, never globally."""


@contextlib.contextmanager
def chart_style(extra: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Context manager applying :data:`RC` (plus ``extra``) for the duration of the block.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["font.size"]
    >>> with chart_style():
    ...     mpl.rcParams["svg.hashsalt"]
    'segindicators'
    >>> mpl.rcParams["font.size"] == before
    True
    """
    params = dict(RC)
    if extra:
        params.update(extra)
    with mpl.rc_context(params):
        yield


# --- figure construction ------------------------------------------------------------------------------


def new_figure(
    nrows: int = 1, ncols: int = 1, *, height_cm: float = 10.0, width_cm: float = FIG_WIDTH_CM, **kwargs: Any
) -> tuple[Figure, Any]:
    """A figure (not attached to pyplot, so never shown) with panels, to be used inside :func:`chart_style`.

    Returns ``(fig, axes)`` as :meth:`matplotlib.figure.Figure.subplots` does.
    """
    fig = Figure(figsize=(width_cm * CM, height_cm * CM), layout="constrained")
    kwargs.setdefault("squeeze", True)
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


class TooManyLinesError(ValueError):
    """A panel has more than :data:`MAX_LINES` data lines."""


def data_lines(ax: Axes) -> list[Any]:
    """The data lines of a panel: lines that are not helpers (breaks, reference values, zero lines)."""
    return [ln for ln in ax.get_lines() if ln.get_gid() != HELPER_GID]


def check_line_count(ax: Axes | None = None, *, n: int | None = None, where: str = "panel") -> None:
    """Raise :class:`TooManyLinesError` when a panel would show more than :data:`MAX_LINES` lines.

    Pass either ``ax`` (counts its data lines) or ``n`` (series about to be drawn).

    Examples
    --------
    >>> check_line_count(n=5)
    >>> check_line_count(n=6, where="trend chart")
    Traceback (most recent call last):
    ...
    segindicators.charts.style.TooManyLinesError: trend chart: 6 lines in one panel; at most 5 are readable. Split the series over panels (small multiples), show the rest as a ranked bar chart, or pass fewer series.
    """
    count = n if n is not None else len(data_lines(ax)) if ax is not None else 0
    if count > MAX_LINES:
        raise TooManyLinesError(
            f"{where}: {count} lines in one panel; at most {MAX_LINES} are readable. Split the series over "
            "panels (small multiples), show the rest as a ranked bar chart, or pass fewer series."
        )


def mark_breaks(
    ax: Axes,
    breaks: Iterable[Any],
    x_values: Iterable[float],
    *,
    first_number: int = 1,
    numbering: Mapping[int, int] | None = None,
) -> list[str]:
    """Mark series breaks that fall inside the plotted years; return their footnotes.

    A break in year Y means values from Y on are not comparable with those before, so it is marked when
    the plotted years include a year before Y and Y or a later year: a dotted vertical line at ``Y − 0,5``
    labelled "Seriebrott¹" (left of the line when it is in the right third of the years), with headroom added
    above the data so the label sits clear of it, and the footnote ``"¹ Seriebrott 2020: <reason>"``. Footnotes are numbered from
    ``first_number``, or by ``numbering`` (break year → number) so small multiples share one footnote.
    """
    xs = [float(x) for x in x_values]
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    notes = []
    number = first_number
    for b in normalise_breaks(breaks):
        if not (lo < b.year <= hi):
            continue
        sup = _superscript(numbering[b.year] if numbering and b.year in numbering else number)
        ax.axvline(
            b.year - 0.5, color="#333333", linestyle=(0, (2, 2)), linewidth=1.0, gid=HELPER_GID, zorder=1
        )
        # in the right third the label goes left of the line, so it never runs past the panel edge
        right = (b.year - 0.5 - lo) > 0.66 * (hi - lo)
        ax.annotate(
            f"Seriebrott{sup}",
            xy=(b.year - 0.5, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if right else 3, -2),
            textcoords="offset points",
            ha="right" if right else "left",
            va="top",
            fontsize=8,
            color="#333333",
        )
        notes.append(f"{sup} Seriebrott {b.year}: {b.reason}")
        number += 1
    if notes:  # headroom so the "Seriebrott" label never sits on a data point near the top
        ylo, yhi = ax.get_ylim()
        ax.set_ylim(ylo, ylo + (yhi - ylo) * 1.12)
    return notes


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _wrap(text: str, fontsize: float, width_in: float, *, bold: bool = False) -> list[str]:
    # DejaVu Sans averages about 0.56 em per character (0.62 in bold). A last line of a word or two is
    # avoided by narrowing the width until the lines balance a little.
    chars = max(20, int(width_in * 72 / (fontsize * (0.62 if bold else 0.56))))
    lines = textwrap.wrap(text, chars, break_on_hyphens=False) or [""]
    if len(lines) > 1 and len(lines[-1]) < chars // 4:
        narrower = textwrap.wrap(text, int(chars * 0.8), break_on_hyphens=False)
        if len(narrower) == len(lines):
            lines = narrower
    return lines


def finish_figure(
    fig: Figure,
    meta: ChartMeta,
    *,
    footnotes: Sequence[str] = (),
    data: pd.DataFrame | None = None,
    legend: tuple[Sequence[Any], Sequence[str]] | None = None,
    legend_ncols: int = 3,
) -> Figure:
    """Add header (synthetic mark, title, subtitle) and footer (footnotes, source line); record the data.

    The panels are confined by the constrained-layout ``rect`` to the space between header and footer,
    computed from the number of wrapped text lines, so nothing overlaps. ``data`` (the frame exactly as
    plotted) is stored for :func:`plotted_data` and the export.
    """
    w_in, h_in = fig.get_size_inches()
    usable = w_in - 0.2
    pad = 0.06
    title_fs, sub_fs, foot_fs = 11.0, 9.0, 8.0
    header: list[tuple[str, float, dict[str, Any]]] = []
    if meta.synthetic:
        header.append((SYNTHETIC_MARK, 9.0, {"weight": "bold", "color": "#A00000", "gid": "synthetic-mark"}))
    for line in _wrap(meta.title, title_fs, usable, bold=True):
        header.append((line, title_fs, {"weight": "bold"}))
    if meta.subtitle:
        for line in _wrap(meta.subtitle, sub_fs, usable):
            header.append((line, sub_fs, {"color": "#333333"}))
    footer: list[tuple[str, float, dict[str, Any]]] = []
    for note in [*footnotes, *meta.notes]:
        for line in _wrap(note, foot_fs, usable):
            footer.append((line, foot_fs, {"color": "#333333"}))
    for line in _wrap(source_line(meta), foot_fs, usable):
        footer.append((line, foot_fs, {"color": "#333333", "gid": "source-line"}))

    y = h_in - pad
    for text, fs, kw in header:
        y -= fs * 1.3 / 72
        fig.text(0.1 / w_in, y / h_in, text, fontsize=fs, ha="left", va="baseline", **kw)
    top = (y - 0.1) / h_in
    y = pad + 0.02
    for text, fs, kw in reversed(footer):
        fig.text(0.1 / w_in, y / h_in, text, fontsize=fs, ha="left", va="baseline", **kw)
        y += fs * 1.3 / 72
    bottom = (y + 0.08) / h_in
    if legend is not None:
        handles, labels = legend
        ncols = min(legend_ncols, max(1, len(labels)))
        fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(0.1 / w_in, top),
            ncols=ncols,
            frameon=False,
            borderaxespad=0.0,
            fontsize=8.5,
        ).set_in_layout(False)
        rows = -(-len(labels) // ncols)
        top -= (rows * 8.5 * 1.6 / 72 + 0.08) / h_in
    if meta.synthetic:
        wm = fig.text(
            0.5,
            (top + bottom) / 2,
            "SYNTETISKA DATA",
            fontsize=26,
            color="#A00000",
            alpha=0.10,
            rotation=20,
            ha="center",
            va="center",
            zorder=0,
            gid="synthetic-watermark",
        )
        wm.set_in_layout(False)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0.0, bottom, 1.0, top - bottom), h_pad=0.04, w_pad=0.04)
    fig._segindicators = {"meta": meta, "data": data, "footnotes": list(footnotes)}  # type: ignore[attr-defined]
    return fig


def plotted_data(fig: Figure) -> pd.DataFrame:
    """The frame a chart function plotted (columns as documented by that function)."""
    info = getattr(fig, "_segindicators", None)
    if info is None or info.get("data") is None:
        raise ValueError(
            "fig: this figure was not made by a segindicators chart function (no plotted data recorded); "
            "pass the data to export() explicitly."
        )
    return info["data"].copy()


def figure_meta(fig: Figure) -> ChartMeta | None:
    """The :class:`ChartMeta` a chart function recorded on ``fig`` (None for foreign figures)."""
    info = getattr(fig, "_segindicators", None)
    return None if info is None else info["meta"]


def all_texts(fig: Figure) -> list[str]:
    """Every text string drawn on the figure (titles, labels, ticks after a draw, annotations)."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(mpl.text.Text) if t.get_visible() and t.get_text()]


def small_texts(fig: Figure, min_pt: float = MIN_TEXT_PT) -> list[str]:
    """Visible texts smaller than ``min_pt`` points (the accessibility check; empty means OK)."""
    fig.canvas.draw()
    return [
        f"{t.get_text()!r} ({t.get_fontsize():.1f} pt)"
        for t in fig.findobj(mpl.text.Text)
        if t.get_visible() and t.get_text() and t.get_fontsize() < min_pt
    ]


def label_value(x: float, unit: str) -> str:
    """Short value label for bar ends (one decimal for shares, none for counts)."""
    return format_value(x, unit)


__all__ = [
    "CM",
    "HELPER_GID",
    "MAX_LINES",
    "MIN_TEXT_PT",
    "PALETTE",
    "RC",
    "ROLE_STYLES",
    "SERIES_STYLES",
    "SYNTHETIC_MARK",
    "ChartMeta",
    "SeriesBreak",
    "Source",
    "TooManyLinesError",
    "all_texts",
    "chart_style",
    "chart_title",
    "check_line_count",
    "data_lines",
    "figure_meta",
    "finish_figure",
    "format_number",
    "mark_breaks",
    "new_figure",
    "normalise_breaks",
    "plotted_data",
    "small_texts",
    "source_line",
    "sources_from_frame",
    "year_span",
]
