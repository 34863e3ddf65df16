"""Ranked horizontal charts: districts by an indicator, ICE as diverging bars, municipalities as dumbbells."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .format import SwedishTickFormatter, axis_formatter, format_value
from .style import CM, HELPER_GID, MISSING_NOTE, PALETTE, ChartMeta, chart_style, finish_figure, new_figure
from .trends import _require

OTHER_COLOR = "#A6A6A6"
FOCUS_COLOR = PALETTE["blue"]
AFFLUENT_COLOR = PALETTE["orange"]


def _labels(df: pd.DataFrame) -> pd.Series:
    names = df["area_name"] if "area_name" in df.columns else pd.Series(pd.NA, index=df.index)
    return names.astype("string").fillna(df["area"].astype("string"))


def _in(df: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    keys = [str(k) for k in keys]
    hit = df["area"].astype("string").isin(keys)
    if "area_name" in df.columns:
        hit |= df["area_name"].astype("string").isin(keys).fillna(False)
    return hit.fillna(False).astype(bool)


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    if "year" in frame.columns and frame["year"].nunique() > 1:
        return frame[frame["year"].eq(frame["year"].max())]
    return frame


def _bold_ticklabels(ax, labels: Sequence[str], bold: set[str]) -> None:
    for t in ax.get_yticklabels():
        if t.get_text() in bold:
            t.set_fontweight("bold")


def ranked_bar_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    focus: Sequence[str] = (),
    affluent: Sequence[str] = (),
    municipal_value: float | None = None,
    municipal_label: str = "Kommunen",
    focus_label: str = "Fokusområde",
    affluent_label: str = "Område med hög ekonomisk standard",
    width_cm: float = 16.0,
) -> Figure:
    """All districts ranked by an indicator in the latest year; focus and affluent areas highlighted.

    Parameters
    ----------
    frame
        ``area`` (code), ``value``; optionally ``area_name`` (bar label, else the code) and ``year`` (only
        the latest year is drawn). One row per district. NaN values (suppressed) are listed last as "..".
    focus, affluent
        Area codes or names to highlight: focus areas dark blue with diagonal hatching and bold labels;
        affluent areas orange with dots (colour is never the only cue).
    municipal_value
        The municipality's own value, drawn as a dashed vertical line labelled with ``municipal_label``.

    Returns
    -------
    Figure
        Plotted data: ``rank``, ``area``, ``area_name``, ``value``, ``highlight`` ("focus", "affluent", "").
    """
    _require(frame, ["area", "value"], "ranked_bar_chart")
    df = _latest(frame).copy()
    df["area_name"] = _labels(df)
    df["highlight"] = np.where(_in(df, focus), "focus", np.where(_in(df, affluent), "affluent", ""))
    df = df.sort_values(["value", "area_name"], ascending=[False, True], na_position="last").reset_index(
        drop=True
    )
    df["rank"] = np.arange(1, len(df) + 1)
    data = df[["rank", "area", "area_name", "value", "highlight"]]
    n = len(df)
    unit = meta.unit
    with chart_style({"axes.grid.axis": "x"}):
        fig, ax = new_figure(height_cm=4.5 + 0.43 * n, width_cm=width_cm)
        y = np.arange(n)
        vals = df["value"].to_numpy(dtype=float)
        colors = df["highlight"].map({"focus": FOCUS_COLOR, "affluent": AFFLUENT_COLOR, "": OTHER_COLOR})
        hatches = df["highlight"].map({"focus": "////", "affluent": "....", "": ""})
        bars = ax.barh(y, np.nan_to_num(vals), color=colors.tolist(), height=0.72, edgecolor="none")
        for bar, h in zip(bars, hatches, strict=True):
            bar.set_hatch(h)
        ax.set_yticks(y, df["area_name"].tolist())
        ax.invert_yaxis()
        ax.set_ylim(n - 0.4, -0.6)
        _bold_ticklabels(ax, df["area_name"].tolist(), set(df.loc[df["highlight"].eq("focus"), "area_name"]))
        ax.tick_params(axis="y", length=0)
        xmax = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
        texts = [format_value(v, unit) for v in vals]
        # Label width in data units (DejaVu Sans ≈ 0.6 em per character at 8 pt; the axes take the figure
        # width less the longest district name): a label that would sit on the municipal line is moved
        # just right of it, so the dashed line never runs through a number.
        name_in = max(len(str(t)) for t in df["area_name"]) * 0.6 * 8.5 / 72 + 0.35
        axes_in = max(1.0, width_cm * CM - name_in - 0.3)
        per_char = 0.6 * 8 / 72 / axes_in * (xmax * 1.12)
        xs = np.where(np.isnan(vals), 0, vals) + xmax * 0.01
        if municipal_value is not None:
            widths = np.array([len(t) for t in texts]) * per_char
            hits = (xs < municipal_value + xmax * 0.01) & (xs + widths > municipal_value - xmax * 0.01)
            xs = np.where(hits, municipal_value + xmax * 0.015, xs)
        for yi, xi, text in zip(y, xs, texts, strict=True):
            ax.text(
                xi,
                yi,
                text,
                va="center",
                ha="left",
                fontsize=8,
                zorder=5,
                bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none"},
            )
        ax.set_xlim(0, xmax * 1.12)
        ax.xaxis.set_major_formatter(axis_formatter(unit))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.spines["left"].set_visible(False)
        handles = []
        if df["highlight"].eq("focus").any():
            handles.append(Patch(facecolor=FOCUS_COLOR, hatch="////", label=focus_label))
        if df["highlight"].eq("affluent").any():
            handles.append(Patch(facecolor=AFFLUENT_COLOR, hatch="....", label=affluent_label))
        handles.append(Patch(facecolor=OTHER_COLOR, label="Övriga områden"))
        if municipal_value is not None:
            ax.axvline(
                municipal_value, color="black", linestyle="--", linewidth=1.3, gid=HELPER_GID, zorder=3
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color="black",
                    linestyle="--",
                    linewidth=1.3,
                    label=f"{municipal_label}: {format_value(municipal_value, unit)}",
                )
            )
        data = data.assign(municipal_value=municipal_value)
        notes = [MISSING_NOTE] if df["value"].isna().any() else []
        ncols = 1 if max(len(h.get_label()) for h in handles) > 38 else 2
        legend = (handles, [h.get_label() for h in handles])
        finish_figure(fig, meta, footnotes=notes, data=data, legend=legend, legend_ncols=ncols)
    return fig


def ice_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    focus: Sequence[str] = (),
    width_cm: float = 16.0,
) -> Figure:
    """Index of Concentration at the Extremes per district as diverging bars, deprivation ← 0 → affluence.

    ICE = (A − P) / T (Massey 2001): A persons in the privileged extreme (e.g. high economic standard),
    P in the deprived extreme (low economic standard), T all; −1 = everyone deprived, +1 = everyone affluent.

    Parameters
    ----------
    frame
        ``area``, ``value`` (ICE in [−1, 1]); optionally ``area_name``, ``year`` (latest drawn).
    focus
        Area codes or names shown with bold labels.

    Returns
    -------
    Figure
        Plotted data: ``rank``, ``area``, ``area_name``, ``value``, ``side`` ("deprivation"/"affluence").
    """
    _require(frame, ["area", "value"], "ice_chart")
    df = _latest(frame).copy()
    bad = df["value"].dropna()
    bad = bad[(bad < -1) | (bad > 1)]
    if len(bad):
        raise ValueError(f"ice_chart: ICE values must lie in [−1, 1]; got {bad.head(3).tolist()}.")
    df["area_name"] = _labels(df)
    df = df.sort_values(["value", "area_name"], na_position="last").reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    df["side"] = np.where(df["value"] < 0, "deprivation", "affluence")
    data = df[["rank", "area", "area_name", "value", "side"]]
    n = len(df)
    with chart_style({"axes.grid.axis": "x"}):
        fig, ax = new_figure(height_cm=5.0 + 0.43 * n, width_cm=width_cm)
        y = np.arange(n)
        vals = df["value"].to_numpy(dtype=float)
        neg = df["side"].eq("deprivation").to_numpy()
        bars = ax.barh(
            y,
            np.nan_to_num(vals),
            color=np.where(neg, PALETTE["vermillion"], PALETTE["blue"]).tolist(),
            height=0.72,
        )
        for bar, is_neg in zip(bars, neg, strict=True):
            bar.set_hatch("////" if is_neg else "")
        ax.set_yticks(y, df["area_name"].tolist())
        ax.invert_yaxis()
        ax.set_ylim(n - 0.4, -0.6)
        _bold_ticklabels(ax, [], set(df.loc[_in(df, focus), "area_name"]))
        ax.tick_params(axis="y", length=0)
        lim = max(0.1, float(np.nanmax(np.abs(vals))) * 1.1) if np.isfinite(vals).any() else 1.0
        ax.set_xlim(-lim, lim)
        ax.axvline(0, color="black", linewidth=0.9, gid=HELPER_GID)
        ax.xaxis.set_major_formatter(SwedishTickFormatter("index", min_decimals=1))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, symmetric=True))
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("ICE, från −1 (alla i den lägsta gruppen) till +1 (alla i den högsta)")
        ax.annotate(
            "← Koncentrerad fattigdom",
            xy=(0, 1.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=8.5,
            color=PALETTE["vermillion"],
            weight="bold",
        )
        ax.annotate(
            "Koncentrerat välstånd →",
            xy=(1, 1.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8.5,
            color=PALETTE["blue"],
            weight="bold",
        )
        finish_figure(fig, meta, data=data)
    return fig


def peer_rank_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    focus: str,
    years: tuple[int, int] | None = None,
    width_cm: float = 16.0,
) -> Figure:
    """Municipalities ranked by the latest value, with the change since the first year (dumbbells).

    Works for a peer group or for all 290 municipalities (then only the focus municipality is labelled).

    Parameters
    ----------
    frame
        ``municipality``, ``year``, ``value``.
    focus
        The municipality to highlight (bold label, black markers).
    years
        (first, last) years to compare; default the first and last year in ``frame``.

    Returns
    -------
    Figure
        Plotted data: ``rank``, ``municipality``, ``first_year``, ``first_value``, ``last_year``,
        ``last_value``.
    """
    _require(frame, ["municipality", "year", "value"], "peer_rank_chart")
    y0, y1 = years if years is not None else (int(frame["year"].min()), int(frame["year"].max()))
    wide = frame.pivot_table(index="municipality", columns="year", values="value", aggfunc="first")
    for yr in (y0, y1):
        if yr not in wide.columns:
            raise ValueError(
                f"years={years}: year {yr} not in frame (years present: {sorted(wide.columns)})."
            )
    if focus not in wide.index:
        raise ValueError(f"focus={focus!r}: not among the municipalities in frame.")
    data = pd.DataFrame(
        {
            "municipality": wide.index,
            "first_year": y0,
            "first_value": wide[y0].to_numpy(),
            "last_year": y1,
            "last_value": wide[y1].to_numpy(),
        }
    ).sort_values(["last_value", "municipality"], ascending=[False, True], na_position="last")
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    data = data.reset_index(drop=True)
    n = len(data)
    many = n > 40
    with chart_style({"axes.grid.axis": "x"}):
        fig, ax = new_figure(height_cm=(12.0 if many else 4.5 + 0.5 * n), width_cm=width_cm)
        y = np.arange(n)
        is_f = data["municipality"].eq(focus).to_numpy()
        ax.hlines(y, data["first_value"], data["last_value"], color="#8C8C8C", linewidth=1.2, gid=HELPER_GID)
        ax.scatter(
            data["first_value"],
            y,
            s=26,
            facecolor="white",
            edgecolor="#555555",
            linewidth=1.1,
            zorder=3,
            label=str(y0),
        )
        ax.scatter(data["last_value"], y, s=30, color=PALETTE["blue"], marker="o", zorder=4, label=str(y1))
        ax.scatter(
            data.loc[is_f, "last_value"],
            y[is_f],
            s=60,
            color="black",
            marker="D",
            zorder=5,
            label=f"{focus} {y1}",
        )
        if many:
            ax.set_yticks(y[is_f], [focus])
        else:
            ax.set_yticks(y, data["municipality"].tolist())
        _bold_ticklabels(ax, [], {focus})
        ax.invert_yaxis()
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_formatter(axis_formatter(meta.unit or "index"))
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=3, borderaxespad=0.0)
        finish_figure(fig, meta, data=data)
    return fig
