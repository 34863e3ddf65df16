"""The reproduction-vs-SCB comparison as spreadsheet-shaped frames (Swedish headings; nothing is written).

:func:`comparison_sheets` turns a :class:`~segindicators.typology.comparison.PublishedComparison` into four
frames, one per sheet: *Sammanfattning* (one row per scope × year × comparison, the measures as columns),
*Per typ* (areas and agreement per published type), *Korstabell* (the 5×5 confusion matrices, SCB's type in
rows) and *Noter*. ``segindicators._io.xlsx_bytes`` (or any writer) can store them as they are.
"""

from __future__ import annotations

import pandas as pd

from segindicators.typology.comparison import PublishedComparison

__all__ = ["COMPARISON_SV", "MEASURE_SV", "comparison_sheets"]

SCOPE_SV = {"national": "riket", "pooled": "alla jämförda områden", "kommun": "kommun"}
COMPARISON_SV = {
    "area_type": "Reproducerad områdestyp mot SCB:s",
    "band_rule": "SCB:s index med bandregeln mot SCB:s typ",
    "index": "Reproducerat index mot SCB:s",
    "v1_low_economic_standard": "V1 låg ekonomisk standard",
    "v2_compulsory_education": "V2 förgymnasial utbildning",
    "v3_not_employed_20_64_proxy": "V3 (ersättning: ej sysselsatta 20–64) mot SCB:s V3",
}
MEASURE_SV = {
    "share_agreeing": "Andel lika",
    "kappa": "Cohens kappa",
    "kappa_linear": "Viktad kappa (linjär)",
    "kappa_quadratic": "Viktad kappa (kvadratisk)",
    "within_one": "Högst en typ ifrån",
    "rounding_ambiguous_share": "Andel inom avrundning från en gräns",
    "share_agreeing_unambiguous": "Andel lika utom avrundningsfall",
    "mean_difference": "Medelskillnad (procentenheter)",
    "mean_abs_difference": "Medel av absolut skillnad",
    "median_abs_difference": "Median av absolut skillnad",
    "correlation": "Korrelation (Pearson)",
}
PER_TYPE = ("Områden med SCB:s typ", "Andel lika, reproduktionen", "Andel lika, bandregeln på SCB:s index")
_ROW = ["Omfattning", "Kommun", "År"]


def _readable(t: pd.DataFrame) -> pd.DataFrame:
    out = t.copy()
    out["Omfattning"] = out["scope"].map(SCOPE_SV).astype(object)
    out["Kommun"] = out["kommun"].astype(object).where(out["kommun"].notna(), "")
    out["År"] = out["year"].astype(object).where(out["year"].notna(), "alla år").astype(str)
    out["Jämförelse"] = out["comparison"].map(COMPARISON_SV).astype(object)
    return out


def _order(t: pd.DataFrame) -> pd.DataFrame:
    """Reading order: the whole set before single municipalities, all years pooled before each year."""
    key = pd.DataFrame({"s": t["scope"].map({"kommun": 1}).fillna(0).astype(int),
                        "k": t["kommun"].fillna(""), "y": t["year"].fillna(-1).astype(int)})  # fmt: skip
    order = key.sort_values(["s", "k", "y"], kind="mergesort").index
    return t.loc[order].assign(_pos=range(len(t))).reset_index(drop=True)


def comparison_sheets(comparison: PublishedComparison) -> dict[str, pd.DataFrame]:
    """Sheets *Sammanfattning*, *Per typ*, *Korstabell* and *Noter* (Swedish headings; NaN stays empty).

    Examples
    --------
    >>> import numpy as np
    >>> from segindicators.typology.comparison import compare_with_published
    >>> from segindicators.typology.socioeconomic import BandRule
    >>> pub = pd.DataFrame({"kommun": "9999", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...     "area": ["R1", "R2", "R3", "R4"], "area_name": pd.NA, "indicator": "area_type_official",
    ...     "value": [1.0, 2.0, 3.0, 3.0]})  # synthetic
    >>> rep = pub.assign(index="area_type_reproduced", value=[1.0, 3.0, 3.0, 3.0], rule=BandRule().name)
    >>> s = comparison_sheets(compare_with_published(None, rep, pub))
    >>> list(s), s["Sammanfattning"][["Jämförelse", "Antal", "Andel lika"]].iloc[:1].values.tolist()
    (['Sammanfattning', 'Per typ', 'Korstabell', 'Noter'], [['Reproducerad områdestyp mot SCB:s', 4, 0.75]])
    >>> s["Korstabell"][["SCB:s typ", "Typ 2", "Typ 3"]].iloc[1:2].values.tolist()
    [[2, 0, 1]]
    """
    t = _order(_readable(comparison.table))
    keys = [*_ROW, "Jämförelse"]
    summ = t.loc[t["measure"].isin(list(MEASURE_SV)) & t["type"].isna()]
    wide = summ.pivot_table(index=[*keys, "comparison"], columns="measure", values="value", aggfunc="first",
                            dropna=False, sort=False)  # fmt: skip
    wide = wide.reindex(columns=[m for m in MEASURE_SV if m in set(summ["measure"])])
    first = summ.loc[summ["measure"].isin(["share_agreeing", "mean_difference"])]
    n = first.drop_duplicates([*keys, "comparison"]).set_index([*keys, "comparison"])
    wide.insert(0, "Antal", n["n"].reindex(wide.index).astype("Int64"))
    flags = summ.drop_duplicates([*keys, "comparison"]).set_index([*keys, "comparison"])["flags"]
    wide["Flaggor"] = flags.reindex(wide.index).astype(object)
    pos = summ.groupby([*keys, "comparison"], sort=False)["_pos"].min()
    wide = wide.loc[pos.sort_values(kind="mergesort").index]
    summary = wide.rename(columns=MEASURE_SV).reset_index().drop(columns="comparison")

    per = t.loc[t["measure"].isin(["areas", "agreement_in_type"])].copy()
    per["kolumn"] = per["comparison"].map(
        dict(zip(("published", "area_type", "band_rule"), PER_TYPE, strict=True))
    )
    per_type = per.pivot_table(index=[*_ROW, "type"], columns="kolumn", values="value", aggfunc="first",
                               dropna=False, sort=False)  # fmt: skip
    ordered = per.groupby([*_ROW, "type"], sort=False)["_pos"].min().sort_values(kind="mergesort").index
    per_type = per_type.loc[ordered].reindex(columns=[c for c in PER_TYPE if c in per_type.columns])
    if PER_TYPE[0] in per_type.columns:
        per_type[PER_TYPE[0]] = per_type[PER_TYPE[0]].astype("Int64")
    per_type = per_type.reset_index().rename(columns={"type": "SCB:s typ"})
    per_type.columns.name = None

    conf = t.loc[t["measure"] == "confusion"]
    cross = conf.pivot_table(index=[*keys, "type"], columns="type_compared", values="value", aggfunc="first",
                             sort=False)  # fmt: skip
    ordered = conf.groupby([*keys, "type"], sort=False)["_pos"].min().sort_values(kind="mergesort").index
    cross = cross.loc[ordered].astype("int64")
    cross.columns = [f"Typ {int(j)}" for j in cross.columns]
    cross = cross.reset_index().rename(columns={"type": "SCB:s typ"})
    cross["SCB:s typ"] = cross["SCB:s typ"].astype("int64")

    notes = pd.DataFrame({"Not": list(comparison.notes)})
    summary.columns.name = None
    return {"Sammanfattning": summary, "Per typ": per_type, "Korstabell": cross, "Noter": notes}
