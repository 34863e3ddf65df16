"""The change report recognises a re-based constant-price table (TAB6684) instead of listing every figure."""

import pandas as pd

from segindicators.pipeline.changes import compare_counts
from segindicators.sources.scb.metadata import recorded_specs


def _rows(values, updated):
    base = dict(
        kommun="0580", level="RegSO", geo_version="2018", area="0580R001", unit="tkr", status=None, flags=""
    )
    rows = [dict(base, year=y, indicator="median_economic_standard_tkr", value=v, source_table="TAB6684",
                 table_updated=updated) for y, v in values.items()]  # fmt: skip
    rows.append(dict(base, year=2023, indicator="population", value=1000.0, unit="count", source_table="TAB6574",
                     table_updated="2026-03-24T07:00:00Z"))  # fmt: skip
    return pd.DataFrame(rows)


def test_a_rebased_series_is_reported_as_rebased_not_moved():
    rebasing = [t for t, s in recorded_specs().items() if s.constant_prices]
    assert rebasing == ["TAB6684"]  # from SCB's label "Constant prices"
    prev = _rows({2022: 250.0, 2023: 260.0}, "2025-01-20T07:00:00Z")
    curr = _rows({2022: 257.5, 2023: 267.8}, "2026-01-20T07:00:00Z")  # both years × 1.03
    curr.loc[curr.indicator == "population", "value"] = 1001.0
    out = compare_counts(prev, curr, rebasing_tables=rebasing)
    assert out["moved"]["indicator"].tolist() == ["population"]
    assert out["rebased"]["year"].tolist() == [2022, 2023]
    assert out["rebased"]["ratio"].round(3).tolist() == [1.03, 1.03]
    # without the knowledge every median counts as moved
    assert len(compare_counts(prev, curr)["moved"]) == 3


def test_an_unrevised_constant_price_table_that_moved_is_still_moved():
    prev = _rows({2023: 260.0}, "2026-01-20T07:00:00Z")
    curr = _rows({2023: 261.0}, "2026-01-20T07:00:00Z")
    out = compare_counts(prev, curr, rebasing_tables=["TAB6684"])
    assert out["moved"]["indicator"].tolist() == ["median_economic_standard_tkr"] and out["rebased"].empty
