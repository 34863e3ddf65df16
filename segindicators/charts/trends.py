"""Line charts over years: indicator trends, citywide index trends with confidence bands, peer trends."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .format import axis_formatter, year_formatter
from .style import (
    PALETTE,
    ROLE_STYLES,
    SERIES_STYLES,
    ChartMeta,
    chart_style,
    check_line_count,
    finish_figure,
    mark_breaks,
    new_figure,
)

INDEX_LABELS: dict[str, str] = {
    "dissimilarity": "Dissimilaritetsindex (D)",
    "gini": "Gini-index",
    "theil_h": "Theils informationsindex (H)",
    "isolation": "Isoleringsindex",
    "exposure": "Exponeringsindex",
    "correlation_ratio": "Korrelationskvot (eta²)",
    "atkinson_0.1": "Atkinson (b = 0,1)",
    "atkinson_0.5": "Atkinson (b = 0,5)",
    "atkinson_0.9": "Atkinson (b = 0,9)",
    "multigroup_dissimilarity": "Flergrupps-D",
    "multigroup_theil_h": "Flergrupps-H",
    "ice": "ICE",
}
"""Swedish labels for the index names of the index-results contract."""

_ROLE_ORDER = {"focus": 0, "other": 1, "municipality": 2, "country": 3}
_LEVEL_ROLE = {"kommun": "municipality", "riket": "country"}


def _require(frame: pd.DataFrame, cols: Sequence[str], where: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{where}: frame lacks column(s) {missing}; expected at least {list(cols)}, got {list(frame.columns)}."
        )
    if frame.empty:
        raise ValueError(
            f"{where}: frame has no rows; check the filters (indicator, years, areas) applied before."
        )


def _style_year_axis(ax, years) -> None:
    ys = sorted({int(y) for y in years})
    if 0 < len(ys) <= 12:
        ax.set_xticks(range(ys[0], ys[-1] + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.xaxis.set_major_formatter(year_formatter())
    if ys:
        ax.set_xlim(ys[0] - 0.3, ys[-1] + 0.3)


def _legend_top(ax, handles=None, labels=None, ncols: int = 3) -> None:
    kw = {} if handles is None else {"handles": handles, "labels": labels}
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, borderaxespad=0.0, **kw)


def trend_chart(frame: pd.DataFrame, meta: ChartMeta, *, height_cm: float = 9.0) -> Figure:
    """Trend of one indicator for focus areas against the municipality and Sweden.

    Parameters
    ----------
    frame
        Rows of the processed counts contract for ONE indicator: ``area`` (code), ``level`` (``"RegSO"``,
        ``"DeSO"``, ``"focus"`` → a focus/district line; ``"kommun"`` → the municipality, black squares;
        ``"riket"`` → Sweden, grey dashed), ``year`` (int), ``value`` (float; NaN = suppressed, drawn as a
        gap), optionally ``area_name`` (legend label, else the code). At most five series.
    meta
        Title, subtitle, unit (``"share"`` gives a percent axis), sources, breaks, synthetic flag.

    Returns
    -------
    Figure
        Plotted data (:func:`~segindicators.charts.style.plotted_data`): ``series``, ``role``, ``area``,
        ``year``, ``value``.
    """
    _require(frame, ["area", "level", "year", "value"], "trend_chart")
    df = frame.copy()
    names = df["area_name"] if "area_name" in df.columns else pd.Series(pd.NA, index=df.index)
    df["series"] = names.astype("string").fillna(df["area"].astype("string"))
    df["role"] = df["level"].map(_LEVEL_ROLE).fillna("focus")
    df.loc[df["role"].eq("country") & names.isna(), "series"] = "Riket"
    keys = df[["series", "role"]].drop_duplicates()
    keys = keys.assign(o=keys["role"].map(_ROLE_ORDER)).sort_values(["o", "series"])
    check_line_count(n=len(keys), where="trend_chart")
    if df.duplicated(["series", "year"]).any():
        dup = df.loc[df.duplicated(["series", "year"], keep=False), ["series", "year"]].drop_duplicates()
        raise ValueError(
            f"trend_chart: more than one value per series and year for {dup.head(3).to_dict('records')}; "
            "pass one indicator and one geography version (filter on 'indicator' and 'geo_version')."
        )
    plotted = []
    with chart_style():
        fig, ax = new_figure(height_cm=height_cm)
        i = 0
        for series, role in keys[["series", "role"]].itertuples(index=False):
            sub = df[df["series"].eq(series)].sort_values("year")
            if role in ROLE_STYLES:
                style = dict(ROLE_STYLES[role])
            else:
                style = dict(SERIES_STYLES[i % len(SERIES_STYLES)])
                i += 1
            ax.plot(sub["year"].to_numpy(), sub["value"].to_numpy(dtype=float), label=series, **style)
            plotted.append(sub[["series", "role", "area", "year", "value"]])
        data = pd.concat(plotted, ignore_index=True)
        years = data["year"].tolist()
        _style_year_axis(ax, years)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(axis_formatter(meta.unit))
        if np.nanmin(data["value"].to_numpy(dtype=float)) >= 0:
            ax.set_ylim(bottom=0)
        notes = mark_breaks(ax, meta.breaks, years)
        if data["value"].isna().any():
            notes.append("Avbrott i en linje: uppgift saknas eller är för osäker för att redovisas (..).")
        _legend_top(ax, ncols=min(3, len(keys)))
        finish_figure(fig, meta, footnotes=notes, data=data)
    return fig


def index_trend_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    series: str = "index",
    indices: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    height_cm: float = 9.0,
) -> Figure:
    """Citywide segregation index over years, with confidence bands where inference ran.

    Parameters
    ----------
    frame
        Index results (contract): ``year``, ``index``, ``value``, optionally ``ci_low`` and ``ci_high``
        (drawn as a shaded band, legend "95 % osäkerhetsintervall"), plus the column named by ``series``
        when lines are not per index (e.g. ``group`` or ``kommun``). At most five series.
    series
        Column whose values become the lines (default ``"index"``, labelled with :data:`INDEX_LABELS`).
    indices
        Keep only these index names (e.g. ``["dissimilarity", "theil_h"]``), in this order.
    labels
        Overrides for line labels.

    Returns
    -------
    Figure
        Plotted data: ``series``, ``year``, ``value`` (+ ``ci_low``, ``ci_high`` when given).
    """
    _require(frame, ["year", "value", series], "index_trend_chart")
    lab = {**INDEX_LABELS, **(labels or {})}
    df = frame.copy()
    if indices is not None:
        _require(frame, ["index"], "index_trend_chart")
        unknown = sorted(set(indices) - set(frame["index"].astype(str)))
        if unknown:
            raise ValueError(
                f"indices: {unknown} not in frame['index'] (present: {sorted(frame['index'].astype(str).unique())})."
            )
        order_map = {k: i for i, k in enumerate(indices)}
        df = df[df["index"].isin(list(indices))]
        df = df.iloc[np.argsort(df["index"].map(order_map).to_numpy(), kind="stable")]
    df["series"] = df[series].astype("string").map(lambda s: lab.get(s, s))
    order = list(dict.fromkeys(df["series"]))
    check_line_count(n=len(order), where="index_trend_chart")
    has_ci = {"ci_low", "ci_high"} <= set(df.columns) and df[["ci_low", "ci_high"]].notna().any().any()
    cols = ["series", "year", "value"] + (["ci_low", "ci_high"] if has_ci else [])
    with chart_style():
        fig, ax = new_figure(height_cm=height_cm)
        parts = []
        for i, name in enumerate(order):
            sub = df[df["series"].eq(name)].sort_values("year")
            st = SERIES_STYLES[i % len(SERIES_STYLES)]
            x = sub["year"].to_numpy()
            if has_ci:
                ax.fill_between(
                    x,
                    sub["ci_low"].to_numpy(dtype=float),
                    sub["ci_high"].to_numpy(dtype=float),
                    color=st["color"],
                    alpha=0.18,
                    linewidth=0,
                )
            ax.plot(x, sub["value"].to_numpy(dtype=float), label=name, **st)
            parts.append(sub[cols])
        data = pd.concat(parts, ignore_index=True)
        handles, labels_ = ax.get_legend_handles_labels()
        if has_ci:
            handles.append(Patch(facecolor=PALETTE["grey"], alpha=0.3, linewidth=0))
            labels_.append("95\u00a0% osäkerhetsintervall")
        _style_year_axis(ax, data["year"].tolist())
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(axis_formatter(meta.unit or "index"))
        ax.set_ylim(bottom=0)
        notes = mark_breaks(ax, meta.breaks, data["year"].tolist())
        _legend_top(ax, handles, labels_, ncols=2)
        finish_figure(fig, meta, footnotes=notes, data=data)
    return fig


def peer_trend_chart(
    frame: pd.DataFrame,
    meta: ChartMeta,
    *,
    focus: str,
    peer_label: str = "jämförelsekommuner",
    height_cm: float = 9.0,
) -> Figure:
    """One municipality against its peers over years: its line, the peers' median and range (min–max).

    Drawing every peer would break the five-line rule; the peers are summarised as a median line and a
    shaded band between the lowest and highest peer each year. :func:`peer_rank_chart` shows each peer.

    Parameters
    ----------
    frame
        ``municipality`` (name), ``year``, ``value``: one row per municipality and year, the focus
        municipality included.
    focus
        The municipality drawn as the black line (must be in ``municipality``).

    Returns
    -------
    Figure
        Plotted data: ``series`` (focus name, "… median", "… lägsta", "… högsta"), ``year``, ``value``.
    """
    _require(frame, ["municipality", "year", "value"], "peer_trend_chart")
    if not frame["municipality"].eq(focus).any():
        raise ValueError(
            f"focus={focus!r}: not among the municipalities in frame "
            f"({sorted(frame['municipality'].unique())[:10]}...); pass the name as written there."
        )
    own = frame[frame["municipality"].eq(focus)].sort_values("year")
    peers = frame[~frame["municipality"].eq(focus)]
    n_peers = peers["municipality"].nunique()
    stats = peers.groupby("year")["value"].agg(["median", "min", "max"]).sort_index()
    med_name = f"{peer_label.capitalize()}, median ({n_peers} st.)"
    lo_name, hi_name = f"{peer_label.capitalize()}, lägsta", f"{peer_label.capitalize()}, högsta"
    data = pd.concat(
        [
            pd.DataFrame({"series": focus, "year": own["year"].to_numpy(), "value": own["value"].to_numpy()}),
            pd.DataFrame({"series": med_name, "year": stats.index, "value": stats["median"].to_numpy()}),
            pd.DataFrame({"series": lo_name, "year": stats.index, "value": stats["min"].to_numpy()}),
            pd.DataFrame({"series": hi_name, "year": stats.index, "value": stats["max"].to_numpy()}),
        ],
        ignore_index=True,
    )
    with chart_style():
        fig, ax = new_figure(height_cm=height_cm)
        x = stats.index.to_numpy()
        ax.fill_between(
            x,
            stats["min"],
            stats["max"],
            color=PALETTE["lightgrey"],
            alpha=0.6,
            linewidth=0,
            label=f"{peer_label.capitalize()}, lägsta–högsta",
        )
        ax.plot(x, stats["median"].to_numpy(), label=med_name, **ROLE_STYLES["country"])
        ax.plot(
            own["year"].to_numpy(),
            own["value"].to_numpy(dtype=float),
            label=focus,
            **ROLE_STYLES["municipality"],
        )
        _style_year_axis(ax, data["year"].tolist())
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(axis_formatter(meta.unit or "index"))
        ax.set_ylim(bottom=0)
        notes = mark_breaks(ax, meta.breaks, data["year"].tolist())
        names = sorted(peers["municipality"].astype(str).unique())
        notes.append(
            f"{peer_label.capitalize()}: {', '.join(names[:-1])} och {names[-1]}."
            if len(names) > 1
            else f"{peer_label.capitalize()}: {''.join(names)}."
        )
        h, lab = ax.get_legend_handles_labels()
        order = [lab.index(focus), lab.index(med_name)] + [
            i for i in range(len(lab)) if lab[i] not in (focus, med_name)
        ]
        _legend_top(ax, [h[i] for i in order], [lab[i] for i in order], ncols=2)
        finish_figure(fig, meta, footnotes=notes, data=data)
    return fig
