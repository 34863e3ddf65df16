"""Plan follow-up charts: status of indicators against sub-goal paths, as small multiples."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .format import axis_formatter, format_value
from .style import HELPER_GID, PALETTE, ChartMeta, chart_style, finish_figure, mark_breaks, new_figure
from .trends import _require, _style_year_axis

STATUS_COLORS: dict[str, str] = {
    "i fas": "#CDEBDD",
    "uppnått": "#CDEBDD",
    "inte i fas": "#F6D2C0",
    "ej i fas": "#F6D2C0",
    "för tidigt att bedöma": "#E6E6E6",
    "saknar data": "#E6E6E6",
}
"""Background of the status word box. The word itself always carries the meaning (colour is only a cue)."""


def plan_status_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    ncols: int = 3,
    indicator_labels: dict[str, str] | None = None,
    target_label: str = "Delmål (målbana)",
) -> Figure:
    """Small multiples, one panel per indicator × area: outcome, sub-goal path and the status word.

    Parameters
    ----------
    frame
        Tidy status frame: ``indicator`` (catalogue id), ``area`` (name or code), ``year``, ``value``;
        optionally ``target_path`` (the sub-goal path value for that year, drawn dashed), ``status`` (status
        word of the latest assessment, e.g. "i fas", "inte i fas", "för tidigt att bedöma"; the last non-empty
        value per panel is printed) and ``unit`` (else ``meta.unit``).
    indicator_labels
        Panel titles per indicator id (default: the id).

    Returns
    -------
    Figure
        Plotted data: ``indicator``, ``area``, ``year``, ``value``, ``target_path``, ``status``.
    """
    _require(frame, ["indicator", "area", "year", "value"], "plan_status_chart")
    df = frame.copy()
    if "target_path" not in df.columns:
        df["target_path"] = np.nan
    if "status" not in df.columns:
        df["status"] = pd.NA
    panels = list(dict.fromkeys(zip(df["indicator"], df["area"], strict=True)))
    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    labels = indicator_labels or {}
    data = df.sort_values(["indicator", "area", "year"])[
        ["indicator", "area", "year", "value", "target_path", "status"]
    ].reset_index(drop=True)
    with chart_style({"axes.titlesize": 8.5}):
        fig, axes = new_figure(nrows, ncols, height_cm=3.0 + 7.4 * nrows, squeeze=False)
        footnotes: list[str] = []
        numbering = {b.year: i + 1 for i, b in enumerate(meta.break_items())}
        for i, (ind, area) in enumerate(panels):
            ax = axes[i // ncols][i % ncols]
            sub = data[data["indicator"].eq(ind) & data["area"].eq(area)]
            unit = str(df.loc[df["indicator"].eq(ind), "unit"].iloc[0]) if "unit" in df.columns else meta.unit
            x = sub["year"].to_numpy()
            ax.plot(x, sub["value"].to_numpy(dtype=float), color="black", marker="s", label="Utfall")
            if sub["target_path"].notna().any():
                t = sub[sub["target_path"].notna()]
                ax.plot(
                    t["year"].to_numpy(),
                    t["target_path"].to_numpy(dtype=float),
                    color=PALETTE["blue"],
                    linestyle="--",
                    marker="None",
                    label=target_label,
                )
            ax.set_title(f"{textwrap.fill(str(labels.get(ind, ind)), 20)}\n{area}", loc="left", pad=44)
            status = sub["status"].dropna()
            word = str(status.iloc[-1]) if len(status) else "för tidigt att bedöma"
            last = sub.dropna(subset="value").tail(1)
            latest = (
                ""
                if last.empty
                else f" ({format_value(float(last['value'].iloc[0]), unit)} {int(last['year'].iloc[0])})"
            )
            # the status sits between the panel title and the panel, never on the lines
            ax.annotate(
                "\n".join([*textwrap.wrap(word, 18), *([latest.strip(" ()")] if latest else [])]),
                xy=(0.0, 1.0),
                xycoords="axes fraction",
                xytext=(2, 5),
                textcoords="offset points",
                fontsize=8,
                ha="left",
                va="bottom",
                bbox={
                    "boxstyle": "round,pad=0.25",
                    "facecolor": STATUS_COLORS.get(word, "#E6E6E6"),
                    "edgecolor": "#666666",
                    "linewidth": 0.5,
                },
            )
            _style_year_axis(ax, list(x))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.yaxis.set_major_formatter(axis_formatter(unit))
            vals = np.concatenate(
                [sub["value"].to_numpy(dtype=float), sub["target_path"].to_numpy(dtype=float)]
            )
            if np.isfinite(vals).any():
                top, bottom = float(np.nanmax(vals)), float(np.nanmin(vals))
                if bottom >= 0:
                    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
                else:  # negative values (an ICE): room on both sides and the zero line
                    span = max(top, 0.0) - bottom or abs(bottom)
                    ax.set_ylim(bottom - 0.25 * span, max(top, 0.0) + 0.25 * span)
                    ax.axhline(0, color="#444444", linewidth=0.8, gid=HELPER_GID)
            for note in mark_breaks(ax, meta.breaks, x, numbering=numbering):
                if note not in footnotes:
                    footnotes.append(note)
        for j in range(n, nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        handles, labs = axes[0][0].get_legend_handles_labels()
        for ax in fig.axes:
            h, lab = ax.get_legend_handles_labels()
            if len(h) > len(handles):
                handles, labs = h, lab
        finish_figure(fig, meta, footnotes=footnotes, data=data, legend=(handles, labs))
    return fig
