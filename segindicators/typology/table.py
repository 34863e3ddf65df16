"""The MP note answered: concentrated-affluence districts with their figures next to the focus areas.

One row per selected area (wide, Swedish headings, for print and Excel): the areas flagged "koncentrerat
välstånd" (sorted by how many ICE dimensions meet the threshold, then by mean EB-ICE), the municipality's
focus areas, and two reference rows (the municipality's pooled value, the national value when known).
Published values are shown; flags and ranks use the empirical-Bayes values (see
:mod:`segindicators.typology.affluence`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segindicators.geography import geo_version_for_year
from segindicators.typology.affluence import AFFLUENCE_SV, MEASURES

__all__ = ["affluence_table", "SHARE_MEASURES", "ICE_MEASURES"]

ICE_MEASURES = ("ice_income", "ice_education", "ice_background")
SHARE_MEASURES = ("share_high_economic_standard", "share_post_secondary_3plus", "share_swedish_background")
GROUP_AFFLUENT = "Koncentrerat välstånd"
GROUP_FOCUS = "Fokusområde"
GROUP_KOMMUN = "Kommunen (alla områden)"
GROUP_RIKET = "Riket"


def _heading(measure: str) -> str:
    label = MEASURES[measure][0]
    return f"{label} (%)" if measure in SHARE_MEASURES else label


def affluence_table(
    measures: pd.DataFrame,
    *,
    kommun: str,
    year: int,
    focus: Mapping[str, str] | None = None,
    official: pd.DataFrame | None = None,
    all_areas: bool = False,
) -> pd.DataFrame:
    """Wide table of the concentrated-affluence areas and the focus areas for one municipality and year.

    Parameters
    ----------
    measures
        :func:`segindicators.typology.affluence_measures` output.
    kommun, year
        The municipality and reference year to show.
    focus
        Focus-area code → name (e.g. from the municipality's profile); shown whether flagged or not.
    official
        Optional official områdestyp rows (:func:`segindicators.typology.official_area_types`) to add SCB's type.
    all_areas
        Show every area of the municipality (affluent first, then focus areas, then the rest by EB-ICE).

    Returns
    -------
    DataFrame
        Columns ``Grupp, Kod, Område`` (+ ``Områdestyp (SCB)`` when ``official`` is given), one column per
        measure (shares in percent), ``Rang <ICE>`` per ICE dimension (1 = most affluent of ``Antal områden``),
        ``Antal områden``, ``Flaggor``.
    """
    focus = dict(focus or {})
    sel = measures[(measures["kommun"] == kommun) & (measures["year"] == year)]
    if sel.empty:
        have = sorted(measures.loc[measures["kommun"] == kommun, "year"].unique().tolist())
        raise ValueError(
            f"year: no {kommun} rows for {year}; years available for kommun {kommun}: {have or 'none'}"
        )
    if sel["geo_version"].nunique() > 1:  # e.g. "2018" and "harmonised": keep the year's own geography
        own = geo_version_for_year(int(year))
        keep = own if (sel["geo_version"] == own).any() else sorted(sel["geo_version"].unique())[0]
        sel = sel[sel["geo_version"] == keep]
    value = sel.pivot(index="area", columns="measure", values="value")
    eb = sel.pivot(index="area", columns="measure", values="value_eb")
    rank = sel.pivot(index="area", columns="measure", values="rank")
    first = sel.drop_duplicates("area").set_index("area")
    conc = first["concentration"]
    flags = sel.groupby("area")["flags"].agg(
        lambda s: ";".join(sorted({t for f in s for t in f.split(";") if t in ("small_area", "suppressed")}))
    )
    affluent = conc.str.contains(AFFLUENCE_SV, regex=False)
    kref = sel.drop_duplicates("measure").set_index("measure")
    ice_eb = eb[list(ICE_MEASURES)]
    n_hot = (ice_eb.sub(kref.loc[list(ICE_MEASURES), "kommun_value"], axis=1) >= 0).sum(axis=1)
    order = pd.DataFrame({"hot": n_hot, "mean_eb": ice_eb.mean(axis=1)})
    ranked = order.sort_values(["hot", "mean_eb"], ascending=False, kind="mergesort").index

    rows: list[tuple[str, str]] = [(GROUP_AFFLUENT, a) for a in ranked if affluent.get(a, False)]
    rows += [(GROUP_FOCUS, a) for a in focus if a in value.index]
    if all_areas:
        shown = {a for _, a in rows}
        rows += [("Övriga områden", a) for a in ranked if a not in shown]
    measure_cols = list(MEASURES)
    scale = np.array([100.0 if m in SHARE_MEASURES else 1.0 for m in measure_cols])
    data = []
    n_areas = int(sel.loc[sel["measure"] == "ice_income", "n_ranked"].iloc[0])
    for group, area in rows:
        name = first.loc[area, "area_name"]
        if group == GROUP_FOCUS and area in focus:
            name = focus[area] if pd.isna(name) else name
        rec = {"Grupp": group, "Kod": area, "Område": name}
        rec |= dict(
            zip(
                [_heading(m) for m in measure_cols],
                value.loc[area, measure_cols].to_numpy(float) * scale,
                strict=True,
            )
        )
        rec |= {f"Rang {MEASURES[m][0]}": rank.loc[area, m] for m in ICE_MEASURES}
        rec |= {"Antal områden": n_areas, "Koncentration": conc.get(area, ""), "Flaggor": flags.get(area, "")}
        data.append(rec)
    for group, col in ((GROUP_KOMMUN, "kommun_value"), (GROUP_RIKET, "national_value")):
        vals = kref.loc[measure_cols, col].to_numpy(float) * scale
        if group == GROUP_RIKET and np.isnan(vals).all():
            continue
        rec = {"Grupp": group, "Kod": kommun if group == GROUP_KOMMUN else "riket", "Område": group,
               "Koncentration": "", "Flaggor": ""}  # fmt: skip
        rec |= dict(zip([_heading(m) for m in measure_cols], vals, strict=True))
        data.append(rec)
    out = pd.DataFrame(data)
    if official is not None and not official.empty:
        off = official[(official["year"] == year)].drop_duplicates("area").set_index("area")["value"]
        out.insert(3, "Områdestyp (SCB)", out["Kod"].map(off).astype("float64"))
    for c in ("Grupp", "Kod", "Område", "Koncentration", "Flaggor"):
        if c in out.columns:
            out[c] = out[c].astype("str")
    out.attrs.update(kommun=kommun, year=year, thresholds=measures.attrs.get("thresholds"))
    return out
