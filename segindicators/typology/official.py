"""The official socio-economic area type (områdestyp 1–5, SCB/Delmos) per RegSO, kept as an indicator.

Two sources give the same long frame:

* processed counts (catalogue indicator ``area_type_official``, SCB table TAB6586 ≈ ``IntGr5Socio``, a level:
  ``value`` is the class, numerator/denominator NaN) — :func:`official_area_types`;
* the Statistikdatabasen web export (one row per RegSO label ``"Kommun (RegSO-namn)"``, one column per
  year, ~50 footer lines) — :func:`read_official_area_types`; labels are joined to RegSO codes with
  :func:`segindicators.geography.join_regso_labels`.

Områdestyp 1 = stora socioekonomiska utmaningar (major socio-economic challenges) … 5 = mycket goda
socioekonomiska förutsättningar (very good conditions). A class: never averaged.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from segindicators.geography import regso_key_columns
from segindicators.sources.scb import read_export_csv
from segindicators.tables import labels_as_text

__all__ = [
    "AREA_TYPE_LABELS_EN",
    "AREA_TYPE_LABELS_SV",
    "OFFICIAL_COLUMNS",
    "area_type_counts",
    "official_area_types",
    "read_official_area_types",
]

#: SCB's names of the five area types (from the export's footer notes).
AREA_TYPE_LABELS_SV: dict[int, str] = {
    1: "Områden med stora socioekonomiska utmaningar",
    2: "Områden med socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Områden med goda socioekonomiska förutsättningar",
    5: "Områden med mycket goda socioekonomiska förutsättningar",
}
AREA_TYPE_LABELS_EN: dict[int, str] = {
    1: "major socio-economic challenges",
    2: "socio-economic challenges",
    3: "socio-economically mixed",
    4: "good socio-economic conditions",
    5: "very good socio-economic conditions",
}
#: Columns of the frames returned here: the processed-counts contract plus ``label``, so the rows can be
#: appended to ``counts.parquet`` as the indicator ``area_type_official`` (drop ``label`` first).
OFFICIAL_COLUMNS = [
    "kommun", "level", "geo_version", "area", "area_name", "year", "indicator", "numerator", "denominator",
    "value", "unit", "status", "source_table", "table_updated", "flags", "rounding", "label",
]  # fmt: skip
INDICATOR = "area_type_official"


def _check_classes(values: pd.Series, areas: pd.Series, where: str) -> None:
    v = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(v) & ~np.isin(v, [1.0, 2.0, 3.0, 4.0, 5.0])
    if bad.any():
        examples = list(zip(areas[bad].head(5).tolist(), v[bad][:5].tolist(), strict=True))
        raise ValueError(
            f"{where}: områdestyp must be one of 1–5 (or missing), got {examples} (area, value); "
            "check that the column holds the area type, not the socio-economic index value."
        )


def _label(values: pd.Series) -> pd.Series:
    return pd.Series(values.map(AREA_TYPE_LABELS_SV), index=values.index, dtype="str")


def official_area_types(counts: pd.DataFrame) -> pd.DataFrame:
    """The official områdestyp rows of a processed-counts frame (indicator ``area_type_official``).

    Parameters
    ----------
    counts
        Processed counts (``data/processed/counts.parquet``); rows of other indicators are ignored.

    Returns
    -------
    DataFrame
        :data:`OFFICIAL_COLUMNS`: one row per RegSO × year, ``value`` the class 1–5 (float, NaN where SCB
        did not publish one), ``label`` SCB's Swedish name of the class.

    Raises
    ------
    ValueError
        If a value is not a class 1–5 (names the area).

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": "0580", "level": "RegSO", "geo_version": "2018",
    ...                   "area": ["0580R018", "0580R001"], "area_name": pd.NA, "year": 2022,
    ...                   "indicator": "area_type_official", "value": [1.0, 2.0], "status": None,
    ...                   "source_table": "TAB6586", "flags": ""})
    >>> official_area_types(c)[["area", "value", "label"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['0580R001', 2.0, 'Områden med socioekonomiska utmaningar'],
     ['0580R018', 1.0, 'Områden med stora socioekonomiska utmaningar']]
    """
    missing = [c for c in ("kommun", "area", "year", "indicator", "value") if c not in counts.columns]
    if missing:
        raise KeyError(
            f"counts: no column(s) {missing}; expected the processed-counts contract (see DESIGN.md)."
        )
    rows = counts.loc[counts["indicator"] == INDICATOR].copy()
    if rows.empty:
        raise ValueError(
            f"counts: no rows with indicator {INDICATOR!r}; build it with the catalogue "
            "(segindicators.catalogue) or read SCB's web export with read_official_area_types()."
        )
    _check_classes(rows["value"], rows["area"], "counts (area_type_official)")
    for col, default in (("level", "RegSO"), ("geo_version", pd.NA), ("area_name", pd.NA), ("status", None),
                         ("source_table", pd.NA), ("flags", ""), ("numerator", np.nan), ("denominator", np.nan),
                         ("unit", "class"), ("table_updated", None), ("rounding", np.nan)):  # fmt: skip
        if col not in rows.columns:
            rows[col] = default
    rows["label"] = _label(rows["value"])
    rows = rows.sort_values(["kommun", "year", "area"], kind="mergesort").reset_index(drop=True)
    return rows[OFFICIAL_COLUMNS]


def read_official_area_types(
    path: str | os.PathLike[str], lookup: pd.DataFrame, *, geo_version: str = "2018"
) -> pd.DataFrame:
    """Read SCB's web export of områdestyp per RegSO and join its labels to RegSO codes.

    Parameters
    ----------
    path
        The CSV saved from Statistikdatabasen (e.g. ``regso2020_omradestyp_2022.csv``: header ``,2022``,
        one row per ``"Kommun (RegSO-namn)"`` label, footer notes).
    lookup
        A lookup frame (:func:`segindicators.geography.read_reference_lookups`).
    geo_version
        ``"2018"`` (RegSO 2020, years ≤ 2023) or ``"2025"`` (RegSO 2025).

    Returns
    -------
    DataFrame
        :data:`OFFICIAL_COLUMNS`, ``source_table`` = ``"IntGr5Socio (web export)"``; the footer notes are in
        ``attrs["notes"]``.

    Raises
    ------
    segindicators.geography.LabelJoinError
        If a label does not join to exactly one RegSO.
    ValueError
        If a value is not a class 1–5.
    """
    raw = read_export_csv(path)
    stubs = [c for c in raw.columns if c not in ("contents", "year", "value", "status")]
    if len(stubs) != 1:
        raise ValueError(
            f"{path}: expected exactly one stub column (the RegSO label), got {stubs}; export the table with "
            "region as the only row variable."
        )
    labels = raw[stubs[0]]
    out = pd.DataFrame(
        {
            **regso_key_columns(labels, lookup, geo_version),
            "year": raw["year"].astype("int64").to_numpy(),
            "indicator": INDICATOR,
            "value": raw["value"].astype("float64").to_numpy(),
        }
    )
    _check_classes(out["value"], out["area"], str(path))
    out["label"] = _label(out["value"])
    out["numerator"], out["denominator"], out["unit"] = np.nan, np.nan, "class"
    out["status"] = raw["status"].to_numpy()
    out["source_table"] = "IntGr5Socio (web export)"
    out["table_updated"] = None
    out["flags"] = ""
    out["rounding"] = np.nan  # a class, published exactly
    labels_as_text(out)
    out = out.sort_values(["kommun", "year", "area"], kind="mergesort").reset_index(drop=True)
    out.attrs["notes"] = raw.attrs.get("notes", "")
    out.attrs["source_file"] = str(path)
    return out[OFFICIAL_COLUMNS]


def area_type_counts(types: pd.DataFrame, *, by: str | list[str] = "year") -> pd.DataFrame:
    """Number of areas per områdestyp (1–5) per ``by`` segment; missing classes are not counted.

    Examples
    --------
    >>> t = pd.DataFrame({"year": 2022, "value": [1.0, 2.0, 2.0, np.nan]})
    >>> area_type_counts(t).values.tolist()
    [[2022, 1, 2, 0, 0, 0]]
    """
    by_l = [by] if isinstance(by, str) else list(by)
    valid = types.loc[types["value"].notna()]
    table = pd.crosstab([valid[b] for b in by_l], valid["value"].astype(int))
    table = table.reindex(columns=[1, 2, 3, 4, 5], fill_value=0)
    table.columns = [f"type_{k}" for k in table.columns]
    return table.reset_index()
