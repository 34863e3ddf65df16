import numpy as np
import pandas as pd
import pytest

from segindicators.catalogue.validate import CountsValidationError, check_counts, coverage, validate_counts


def counts(**over):
    base = {
        "kommun": "0580", "level": "RegSO", "geo_version": "2018",
        "area": ["0580R001", "0580R017", "0580R001", "0580R017"],
        "year": [2023, 2023, 2023, 2023],
        "indicator": ["population", "population", "foreign_background_share", "foreign_background_share"],
        "numerator": [1000.0, 3000.0, 400.0, np.nan],
        "denominator": [np.nan, np.nan, 1000.0, 3000.0],
        "value": [1000.0, 3000.0, 0.4, np.nan],
        "unit": ["count", "count", "share", "share"],
        "status": [None, None, None, ".."],
        "flags": ["", "", "", "suppressed"],
    }  # fmt: skip
    base.update(over)
    return pd.DataFrame(base)


def test_valid_counts_pass_and_report_population_coverage():
    cov = check_counts(counts(), expected_years=[2023])
    row = cov.set_index("indicator").loc["foreign_background_share"]
    assert row["areas"] == 2 and row["areas_with_data"] == 1
    assert row["coverage"] == pytest.approx(1000 / 4000)  # only Berga's 1,000 of 4,000 residents have data


def test_group_larger_than_total_lists_the_area():
    c = counts(numerator=[1000.0, 3000.0, 1200.0, np.nan])
    with pytest.raises(
        CountsValidationError,
        match=r"group larger than its total in 1 row\(s\).*foreign_background_share/0580R001/2023",
    ):
        check_counts(c)


def test_negative_counts_are_errors():
    c = counts(numerator=[-5.0, 3000.0, 400.0, np.nan])
    with pytest.raises(
        CountsValidationError, match=r"negative counts in 1 row\(s\).*population/0580R001/2023"
    ):
        check_counts(c)


def test_unknown_area_codes_by_pattern_and_by_lookup():
    c = counts(area=["0580R001", "0580X17", "0580R001", "0580X17"])
    report = validate_counts(c)
    assert report.problems == [report.problems[0]] and "0580X17" in report.problems[0]
    report = validate_counts(counts(), known_areas=["0580R001"])
    assert "unknown area codes (1): 0580R017" in report.problems[0]


def test_missing_years_are_named_per_indicator():
    report = validate_counts(counts(), expected_years={"population": [2022, 2023]})
    assert report.problems == ["indicator 'population': missing years [2022]; the build did not return them"]


def test_suppressed_cell_with_a_value_is_an_error():
    c = counts(value=[1000.0, 3000.0, 0.4, 0.0])
    with pytest.raises(CountsValidationError, match="suppressed cells carry a value in 1 row"):
        check_counts(c)


def test_all_problems_are_reported_together():
    c = counts(numerator=[-5.0, 3000.0, 1200.0, np.nan], area=["0580R001", "bad", "0580R001", "bad"])
    assert len(validate_counts(c).problems) == 3


def test_coverage_without_population_rows_counts_areas():
    c = counts().query("indicator != 'population'")
    assert coverage(c)["coverage"].tolist() == [0.5]
