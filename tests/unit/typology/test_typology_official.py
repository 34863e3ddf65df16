"""Official områdestyp: processed-counts rows and SCB's 2022 web export (real reference data)."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from segindicators.geography import read_reference_lookups
from segindicators.typology import area_type_counts, official_area_types, read_official_area_types


def _independent_counts(path) -> Counter:
    """Count rows per type straight from the CSV text (no project code): data rows are `label,<digit>`."""
    counts: Counter = Counter()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["", "2022"]
    for row in rows[1:]:
        if not row or not row[0]:  # the first empty row starts the footer
            break
        counts[int(row[1])] += 1
    return counts


@pytest.mark.reference
def test_official_export_acceptance(reference_dir):
    path = reference_dir / "scb-export-csv" / "regso2020_omradestyp_2022.csv"
    lookup = read_reference_lookups(reference_dir / "lookups")
    types = read_official_area_types(path, lookup)
    assert len(types) == 3363 and types["area"].is_unique
    by_area = types.set_index("area")["value"]
    assert by_area["0580R018"] == 1  # Skäggetorp-Tornby
    assert by_area["0580R001"] == 2  # Berga
    assert by_area["0580R017"] == 2  # Ryd
    assert types.loc[types["area"] == "0580R018", "area_name"].item() == "Skäggetorp-Tornby"
    expected = _independent_counts(path)
    got = area_type_counts(types).iloc[0]
    assert {k: int(got[f"type_{k}"]) for k in range(1, 6)} == dict(expected)
    assert sum(expected.values()) == 3363
    assert (types["kommun"].str.len() == 4).all() and types["kommun"].nunique() == 290
    assert "Områdestyp 1" in types.attrs["notes"]


def _processed(values, areas=("0580R001", "0580R017", "0580R018")):
    return pd.DataFrame(
        {
            "kommun": "0580", "level": "RegSO", "geo_version": "2018", "area": list(areas), "area_name": pd.NA,
            "year": np.int64(2022), "indicator": "area_type_official", "numerator": np.nan,
            "denominator": np.nan, "value": values, "unit": "class", "status": None, "source_table": "TAB6586",
            "table_updated": None, "flags": "",
        }
    )  # fmt: skip


def test_official_from_processed_counts():
    other = _processed([0.5, 0.6, 0.7]).assign(indicator="employment_rate_20_64")
    frame = pd.concat([_processed([2.0, 2.0, 1.0]), other], ignore_index=True)
    t = official_area_types(frame)
    assert t["value"].tolist() == [2.0, 2.0, 1.0]
    assert t["label"].iloc[2].startswith("Områden med stora")


def test_official_rejects_non_class_values_naming_the_area():
    with pytest.raises(ValueError, match="0580R017"):
        official_area_types(_processed([2.0, 27.3, 1.0]))


def test_official_keeps_missing_as_nan():
    t = official_area_types(_processed([2.0, np.nan, 1.0]))
    assert np.isnan(t["value"].iloc[1])
    assert area_type_counts(t)[["type_1", "type_2"]].values.tolist() == [[1, 1]]


def test_official_without_rows_says_how_to_get_them():
    with pytest.raises(ValueError, match="read_official_area_types"):
        official_area_types(_processed([1.0, 1.0, 1.0]).assign(indicator="population"))


@pytest.mark.reference
def test_export_rows_follow_the_counts_contract_and_round_trip(reference_dir):
    from segindicators.catalogue.builder import COLUMNS

    lookup = read_reference_lookups(reference_dir / "lookups")
    types = read_official_area_types(
        reference_dir / "scb-export-csv" / "regso2020_omradestyp_2022.csv", lookup
    )
    as_counts = types.drop(columns="label")
    assert list(as_counts.columns) == COLUMNS
    back = official_area_types(as_counts)
    pd.testing.assert_frame_equal(back.drop(columns="label"), as_counts, check_dtype=False)
