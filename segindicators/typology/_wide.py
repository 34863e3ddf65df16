"""Processed counts (long) → one row per area × year with the few indicators a typology needs (wide)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

KEYS = ["kommun", "level", "geo_version", "year", "area"]


def wide_indicators(
    counts: pd.DataFrame,
    indicators: Mapping[str, str],
    *,
    levels: Sequence[str] | None = None,
    fields: Sequence[str] = ("numerator", "denominator", "value"),
) -> pd.DataFrame:
    """Pivot processed counts to ``KEYS`` + ``area_name`` + ``<alias>_<field>`` columns.

    ``indicators`` maps an alias to a catalogue indicator id (``{"low": "low_economic_standard_share"}``).
    Indicators absent from ``counts`` give all-NaN columns; a duplicated key raises (names the rows).

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": "0580", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...                   "area": ["R1", "R1"], "area_name": ["A", "A"], "indicator": ["x", "y"],
    ...                   "numerator": [1.0, 2.0], "denominator": [4.0, 4.0], "value": [0.25, 0.5]})
    >>> w = wide_indicators(c, {"a": "x", "b": "y", "z": "absent"}, fields=["value"])
    >>> list(w.columns)
    ['kommun', 'level', 'geo_version', 'year', 'area', 'area_name', 'a_value', 'b_value', 'z_value']
    >>> w[["a_value", "b_value", "z_value"]].to_numpy().tolist()
    [[0.25, 0.5, nan]]
    """
    missing = [c for c in (*KEYS, "indicator", *fields) if c not in counts.columns]
    if missing:
        raise KeyError(
            f"counts: no column(s) {missing}; expected the processed-counts contract "
            "(kommun, level, geo_version, area, year, indicator, numerator, denominator, value, ...)."
        )
    ids = {v: k for k, v in indicators.items()}
    sel = counts["indicator"].isin(list(ids))
    if levels is not None:
        sel &= counts["level"].isin(list(levels))
    rows = counts.loc[sel]
    dup = rows.duplicated([*KEYS, "indicator"], keep=False)
    if dup.any():
        raise ValueError(
            f"counts: {int(dup.sum())} rows share (kommun, level, geo_version, year, area, indicator), e.g. "
            f"{rows.loc[dup, [*KEYS, 'indicator']].head(3).to_dict('records')}; deduplicate the processed file."
        )
    frame = rows.set_index([*KEYS, "indicator"])[list(fields)].unstack("indicator")
    out = pd.DataFrame(index=frame.index)
    for alias, ind in indicators.items():
        for f in fields:
            col = (f, ind)
            out[f"{alias}_{f}"] = frame[col].astype("float64") if col in frame.columns else float("nan")
    names = (
        rows.dropna(subset=["area_name"]).drop_duplicates("area").set_index("area")["area_name"]
        if "area_name" in rows.columns
        else pd.Series(dtype="str")
    )
    out = out.reset_index()
    out.insert(len(KEYS), "area_name", pd.array(out["area"].map(names), dtype="str"))
    return out.sort_values(KEYS, kind="mergesort").reset_index(drop=True)
