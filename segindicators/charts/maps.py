"""Choropleth maps of an indicator or of the area type, with municipal boundary and focus areas outlined."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .format import format_value
from .style import ChartMeta, chart_style, finish_figure, new_figure

MISSING_COLOR = "#F0F0F0"

AREA_TYPE_LABELS: dict[int, str] = {
    1: "1 Stora socioekonomiska utmaningar",
    2: "2 Socioekonomiska utmaningar",
    3: "3 Socioekonomiskt blandade förhållanden",
    4: "4 Goda socioekonomiska förutsättningar",
    5: "5 Mycket goda socioekonomiska förutsättningar",
}
AREA_TYPE_COLORS: dict[int, str] = {1: "#B2182B", 2: "#EF8A62", 3: "#F7F7F7", 4: "#67A9CF", 5: "#2166AC"}
"""Områdestyp 1–5: a diverging red–blue scheme (ColorBrewer RdBu, colour-blind safe), light in the middle."""


def class_labels(bins: Sequence[float], ymin: float, unit: str) -> list[str]:
    """Legend labels for class upper bounds ``bins``: ``"12,3–18,4 %"``.

    Examples
    --------
    >>> [s.replace("\\u00a0", " ") for s in class_labels([0.1, 0.2], 0.05, "share")]
    ['5,0–10,0 %', '10,0–20,0 %']
    """
    lows = [ymin, *bins[:-1]]
    out = []
    for lo, hi in zip(lows, bins, strict=True):
        a, b = format_value(lo, unit), format_value(hi, unit)
        suffix = ""
        for s in ("\u00a0%", "\u00a0tkr"):
            if a.endswith(s) and b.endswith(s):
                a, suffix = a[: -len(s)], s
                b = b[: -len(s)]
        out.append(f"{a}–{b}{suffix}")
    return out


def choropleth_map(
    gdf,
    meta: ChartMeta,
    *,
    column: str = "value",
    scheme: str = "Quantiles",
    k: int = 5,
    categorical: bool = False,
    category_labels: Mapping[object, str] | None = None,
    category_colors: Mapping[object, str] | None = None,
    focus: Sequence[str] = (),
    focus_by: str | None = None,
    focus_names: Mapping[str, str] | None = None,
    label_focus: bool = True,
    cmap: str = "Blues",
    height_cm: float = 16.0,
) -> Figure:
    """Map districts coloured by an indicator (classified with mapclassify) or by a category (area type).

    Parameters
    ----------
    gdf
        GeoDataFrame with ``area`` (code), ``geometry`` (polygons, a projected CRS such as EPSG:3006), the
        value ``column``; optionally ``area_name`` (labels for focus areas). Missing values are drawn light
        grey with dots, legend "Uppgift saknas (..)".
    scheme, k
        mapclassify scheme name (``"Quantiles"``, ``"NaturalBreaks"``, ``"EqualInterval"``, ...) and number
        of classes; ignored when ``categorical``.
    categorical
        Colour by category (e.g. områdestyp 1–5, default labels :data:`AREA_TYPE_LABELS`).
    focus
        Area codes or names outlined with a thick black line (and labelled).
    focus_by, focus_names
        For maps of smaller units (DeSO) with focus areas defined on larger ones (RegSO): the column of
        ``gdf`` holding the larger unit's code (e.g. ``"regso"``); ``focus`` then lists those codes, the
        districts of each focus area are dissolved into one outline, labelled with ``focus_names[code]``.

    Notes
    -----
    The municipal boundary is the dissolve (union) of all districts in ``gdf``.

    Returns
    -------
    Figure
        Plotted data: ``area``, ``area_name``, ``value``, ``class`` (legend label), ``color``, ``focus``.
    """
    import mapclassify
    from matplotlib import colormaps

    for col in ("area", "geometry", column):
        if col not in gdf.columns:
            raise ValueError(f"choropleth_map: gdf lacks column {col!r}; got {list(gdf.columns)}.")
    g = gdf.copy()
    names = g["area_name"] if "area_name" in g.columns else pd.Series(pd.NA, index=g.index)
    g["area_name"] = names.astype("string").fillna(g["area"].astype("string"))
    vals = g[column]
    present = vals.notna().to_numpy()
    legend: list[tuple[str, str, str]] = []
    if categorical:
        labs = dict(AREA_TYPE_LABELS if category_labels is None else category_labels)
        cols = dict(AREA_TYPE_COLORS if category_colors is None else category_colors)
        cats = sorted(vals.dropna().unique())
        if category_colors is None and not set(cats) <= set(cols):
            cmap_c = colormaps["tab10"]
            cols = {c: to_hex(cmap_c(i)) for i, c in enumerate(cats)}
        g["class"] = vals.map(lambda v: labs.get(v, str(v)) if pd.notna(v) else "Uppgift saknas (..)")
        g["color"] = vals.map(lambda v: cols.get(v, MISSING_COLOR) if pd.notna(v) else MISSING_COLOR)
        legend = [(labs.get(c, str(c)), cols[c], "") for c in cats]
    else:
        y = vals[present].to_numpy(dtype=float)
        k_eff = max(1, min(k, len(np.unique(y))))
        clf = mapclassify.classify(y, scheme, k=k_eff)
        bins = list(clf.bins)
        text = class_labels(bins, float(y.min()), meta.unit)
        cm = colormaps[cmap]
        shades = [to_hex(cm(0.18 + 0.77 * i / max(1, len(bins) - 1))) for i in range(len(bins))]
        yb = np.full(len(g), -1)
        yb[present] = clf.yb
        g["class"] = [text[i] if i >= 0 else "Uppgift saknas (..)" for i in yb]
        g["color"] = [shades[i] if i >= 0 else MISSING_COLOR for i in yb]
        legend = [(t, c, "") for t, c in zip(text, shades, strict=True)]
    if (~present).any():
        legend.append(("Uppgift saknas (..)", MISSING_COLOR, "...."))
    keys = [str(f) for f in focus]
    if focus_by is not None:
        if focus_by not in g.columns:
            raise ValueError(f"focus_by={focus_by!r}: not a column of gdf; got {list(g.columns)}.")
        g["focus"] = g[focus_by].astype("string").isin(keys).fillna(False).astype(bool)
    else:
        g["focus"] = g["area"].astype("string").isin(keys) | g["area_name"].isin(keys)
    data = (
        pd.DataFrame(
            {
                "area": g["area"].astype("string").to_numpy(),
                "area_name": g["area_name"].to_numpy(),
                "value": vals.to_numpy(),
                "class": g["class"].to_numpy(),
                "color": g["color"].to_numpy(),
                "focus": g["focus"].to_numpy(),
            }
        )
        .sort_values("area")
        .reset_index(drop=True)
    )
    with chart_style({"axes.grid": False}):
        fig, ax = new_figure(height_cm=height_cm)
        g.plot(ax=ax, color=g["color"].tolist(), edgecolor="white", linewidth=0.4)
        if (~present).any():
            g[~present].plot(ax=ax, facecolor=MISSING_COLOR, edgecolor="#999999", hatch="....", linewidth=0.3)
        # Outlines are drawn from the union closed by a hair's width (1e-5 of the extent, ~0.1 m for a
        # municipality), so slivers between adjacent polygons do not show up as stray lines inside.
        x0, y0, x1, y1 = g.total_bounds
        tol = 1e-5 * max(x1 - x0, y1 - y0, 1e-9)
        boundary = g[["geometry"]].dissolve()
        boundary.geometry = boundary.buffer(tol).buffer(-tol)
        boundary.boundary.plot(ax=ax, color="black", linewidth=1.1)
        if g["focus"].any():
            fg = g[g["focus"]]
            if focus_by is not None:  # outline the focus area, not each district inside it
                fg = fg[[focus_by, "geometry"]].dissolve(by=focus_by).reset_index()
                fg["area_name"] = fg[focus_by].astype("string")
                if focus_names:
                    fg["area_name"] = fg[focus_by].map(lambda k: focus_names.get(k, k))
            fg = fg.set_geometry(fg.buffer(tol).buffer(-tol))
            fg.boundary.plot(ax=ax, color="black", linewidth=2.2)
            if label_focus:
                for _, row in fg.iterrows():  # a handful of focus areas: labels, not a hot path
                    pt = row.geometry.representative_point()
                    ax.annotate(
                        row["area_name"],
                        xy=(pt.x, pt.y),
                        ha="center",
                        va="center",
                        fontsize=8,
                        weight="bold",
                        bbox={
                            "boxstyle": "round,pad=0.2",
                            "facecolor": "white",
                            "edgecolor": "none",
                            "alpha": 0.85,
                        },
                    )
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_axis_off()
        ax.set_aspect("equal")
        handles = [
            Patch(facecolor=c, edgecolor="#777777", linewidth=0.5, hatch=h, label=t) for t, c, h in legend
        ]
        if g["focus"].any():
            handles.append(Patch(facecolor="none", edgecolor="black", linewidth=2.2, label="Fokusområde"))
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.1, label="Kommungräns"))
        ncols = 1 if max(len(h.get_label()) for h in handles) > 30 else 2
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            ncols=ncols,
            fontsize=8.5,
            frameon=False,
        )
        finish_figure(fig, meta, data=data)
    return fig
