"""Stacked columns per year: the Theil H decomposition and the measures register by status."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .format import axis_formatter, format_value, number_formatter
from .style import PALETTE, ChartMeta, chart_style, finish_figure, mark_breaks, new_figure
from .trends import _legend_top, _require, _style_year_axis

__all__ = ["MEASURE_STATUSES", "UNKNOWN_STATUS", "decomposition_chart", "measures_status_chart"]

MEASURE_STATUSES = ("genomförd", "pågår", "ej genomförd")
"""Status words of the measures register, in stacking order."""
UNKNOWN_STATUS = "okänd"
"""Status of measures the follow-up counted but did not classify (drawn grey, "Status ej redovisad")."""


def decomposition_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    labels: dict[str, str] | None = None,
    height_cm: float = 9.0,
) -> Figure:
    """Nested Theil H decomposition per year: between-part and within-part stacked to the total H.

    For a nesting of districts in larger units (e.g. DeSO in RegSO), H = H_between + Σ (T_g E_g / T E) H_g
    (Theil & Finizza 1971); the two parts are stacked so the bar height is the citywide H.

    Parameters
    ----------
    frame
        ``year``, ``component`` (``"between"`` and ``"within"``, or other names given in ``labels``),
        ``value`` (contribution to H, ≥ 0).
    labels
        Legend labels per component; defaults "Mellan större områden" / "Inom större områden".

    Returns
    -------
    Figure
        Plotted data: ``year``, ``component``, ``label``, ``value``, ``bottom`` (where the segment starts).
    """
    _require(frame, ["year", "component", "value"], "decomposition_chart")
    lab = {"between": "Mellan större områden", "within": "Inom större områden", **(labels or {})}
    comps = list(dict.fromkeys(["between", "within", *frame["component"].astype(str)]))
    comps = [c for c in comps if frame["component"].astype(str).eq(c).any()]
    wide = frame.pivot_table(index="year", columns="component", values="value", aggfunc="sum")[
        comps
    ].sort_index()
    bottoms = wide.cumsum(axis=1) - wide
    data = (
        wide.stack()
        .rename("value")
        .reset_index()
        .merge(bottoms.stack().rename("bottom").reset_index(), on=["year", "component"])
    )
    data["label"] = data["component"].map(lambda c: lab.get(c, c))
    data = data[["year", "component", "label", "value", "bottom"]].sort_values(["year", "component"])
    styles = [
        {"color": PALETTE["blue"], "hatch": ""},
        {"color": PALETTE["sky"], "hatch": "////"},
        {"color": PALETTE["orange"], "hatch": "...."},
    ]
    with chart_style():
        fig, ax = new_figure(height_cm=height_cm)
        x = wide.index.to_numpy()
        for i, c in enumerate(comps):
            ax.bar(
                x,
                wide[c].to_numpy(),
                bottom=bottoms[c].to_numpy(),
                width=0.65,
                label=lab.get(c, c),
                color=styles[i % 3]["color"],
                hatch=styles[i % 3]["hatch"],
                edgecolor="white",
                linewidth=0.5,
            )
        totals = wide.sum(axis=1)
        # small totals (H of 0,08) need three decimals or every bar reads the same
        dec = 3 if float(totals.max()) < 0.2 else 2
        for xi, t in zip(x, totals, strict=True):
            ax.text(xi, t, format_value(t, "index", dec), ha="center", va="bottom", fontsize=8)

        _style_year_axis(ax, list(x))
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(axis_formatter("index"))
        ax.set_ylim(0, float(totals.max()) * 1.15)
        notes = mark_breaks(ax, meta.breaks, list(x))
        _legend_top(ax, ncols=2)
        finish_figure(fig, meta, footnotes=notes, data=data.reset_index(drop=True))
    return fig


def measures_status_chart(frame: pd.DataFrame, meta: ChartMeta, *, height_cm: float = 9.0) -> Figure:
    """Measures register: number of measures per status (genomförd / pågår / ej genomförd) per year, stacked.

    Parameters
    ----------
    frame
        ``year``, ``status`` (one of :data:`MEASURE_STATUSES`, or :data:`UNKNOWN_STATUS` for measures
        counted without a status), and either ``count`` or one row per measure.

    Returns
    -------
    Figure
        Plotted data: ``year``, ``status``, ``count`` (empty where the input has no row for that year and
        status: not reported is not 0), ``bottom``.
    """
    _require(frame, ["year", "status"], "measures_status_chart")
    present = set(frame["status"].astype(str))
    bad = sorted(present - {*MEASURE_STATUSES, UNKNOWN_STATUS})
    if bad:
        raise ValueError(
            f"measures_status_chart: status must be one of {(*MEASURE_STATUSES, UNKNOWN_STATUS)}; got {bad}."
        )
    order = [*MEASURE_STATUSES, *([UNKNOWN_STATUS] if UNKNOWN_STATUS in present else [])]
    if "count" in frame.columns:
        counts = frame.groupby(["year", "status"])["count"].sum()
    else:
        counts = frame.groupby(["year", "status"]).size()
    given = counts.unstack("status").reindex(columns=order).sort_index()
    wide = given.fillna(0).astype(int)
    bottoms = wide.cumsum(axis=1) - wide
    # a status not reported for a year stays empty in the data (never 0); it is drawn as nothing
    reported = given.astype("Float64").stack()
    data = (
        reported.astype("Int64")
        .rename("count")
        .reset_index()
        .merge(bottoms.stack().rename("bottom").reset_index(), on=["year", "status"])
    )
    data["status"] = pd.Categorical(data["status"], categories=order)
    data = data.sort_values(["year", "status"]).reset_index(drop=True)
    data["status"] = data["status"].astype(str)
    styles = {
        "genomförd": {"color": PALETTE["green"], "hatch": ""},
        "pågår": {"color": PALETTE["orange"], "hatch": "////"},
        "ej genomförd": {"color": PALETTE["vermillion"], "hatch": "xx"},
        UNKNOWN_STATUS: {"color": PALETTE["lightgrey"], "hatch": ".."},
    }
    names = {UNKNOWN_STATUS: "Status ej redovisad"}
    with chart_style():
        fig, ax = new_figure(height_cm=height_cm)
        x = wide.index.to_numpy()
        for s in order:
            bars = ax.bar(
                x,
                wide[s].to_numpy(),
                bottom=bottoms[s].to_numpy(),
                width=0.65,
                label=names.get(s, s.capitalize()),
                edgecolor="white",
                linewidth=0.5,
                **styles[s],
            )
            for b, v in zip(bars, wide[s].to_numpy(), strict=True):
                if v > 0:
                    ax.text(
                        b.get_x() + b.get_width() / 2,
                        b.get_y() + v / 2,
                        str(v),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="black",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                    )

        _style_year_axis(ax, list(x))
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(number_formatter(0))
        ax.set_ylabel("Antal åtgärder")
        _legend_top(ax, ncols=min(4, len(order)))
        finish_figure(fig, meta, data=data)
    return fig
