"""The shipped list of municipalities is SCB's: the 290 codes and names of both kopplingstabeller."""

from __future__ import annotations

import pandas as pd
import pytest

from segindicators.geography.kommuner import is_kommun, kolada_region_ids, kommuner, lan_codes


@pytest.mark.reference
@pytest.mark.parametrize("name", ["koppling-deso2018-regso2020.csv", "koppling-deso2025-regso2025.csv"])
def test_shipped_municipalities_equal_the_kopplingstabell(reference_dir, name):
    table = pd.read_csv(reference_dir / "lookups" / name, dtype=str, encoding="utf-8-sig")
    pairs = dict(table[["Kommun", "Kommunnamn"]].drop_duplicates().itertuples(index=False))
    assert dict(kommuner()) == pairs and len(pairs) == 290


def test_codes_counties_and_kolada_ids():
    assert is_kommun("0580") and is_kommun("2584") and not is_kommun("580") and not is_kommun(580)
    assert len(lan_codes()) == 21 and lan_codes()[-1] == "25"
    assert kolada_region_ids()[:3] == ("0000", "0001", "0003") and "0005" in kolada_region_ids()
