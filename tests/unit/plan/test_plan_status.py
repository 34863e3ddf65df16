"""Status rules on constructed series (synthetic numbers, hand-derivable)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.plan.definition import plan_from_dict
from segindicators.plan.intervals import mover_difference, wilson_interval
from segindicators.plan.status import (
    STATUS_SV,
    plan_status,
    series_from_counts,
    series_from_indices,
    series_from_kolada,
    status_rules,
)
from segindicators.plan.targets import parity_year


def make_plan(indicators, area_id=2):
    return plan_from_dict(
        {
            "plan": {"municipality": "0580", "year": 2023, "focus_areas": {"0580R001": "Berga"}},
            "development_areas": [{"id": area_id, "title": "Fler i arbete", "indicators": indicators}],
        }
    )


def counts(rows, indicator="employment_rate_20_64", unit="share"):
    """rows: (level, area, year, numerator, denominator)."""
    frame = pd.DataFrame(rows, columns=["level", "area", "year", "numerator", "denominator"])
    frame["kommun"] = "0580"
    frame["geo_version"] = "2025"
    frame["area_name"] = pd.NA
    frame["indicator"] = indicator
    frame["value"] = frame["numerator"] / frame["denominator"]
    frame["unit"] = unit
    frame["flags"] = ""
    return frame


EMPLOY = {
    "id": "employment_rate_20_64",
    "geography": "focus_areas",
    "baseline_year": 2020,
    "direction": "increase",
}


def test_improving_beyond_noise_is_on_track():
    c = counts([("RegSO", "0580R001", 2020, 500, 1000), ("RegSO", "0580R001", 2023, 600, 1000)])
    out = plan_status(make_plan([EMPLOY]), series_from_counts(c))
    last = out[out.year == 2023].iloc[0]
    assert last.change_since_baseline == pytest.approx(0.1)
    assert last.change_since_baseline_lo > 0
    assert bool(last.change_since_baseline_significant)
    assert last.status == "on track" and last.status_sv == "i fas"
    first = out[out.year == 2020].iloc[0]
    assert first.status == "insufficient data"


def test_worsening_beyond_noise_is_off_track():
    c = counts([("RegSO", "0580R001", 2020, 600, 1000), ("RegSO", "0580R001", 2023, 500, 1000)])
    out = plan_status(make_plan([EMPLOY]), series_from_counts(c), year=2023)
    assert out.status.tolist() == ["off track"]
    assert out.status_sv.tolist() == ["inte i fas"]


def test_change_inside_interval_is_no_significant_change():
    # 0.50 -> 0.52 on 1,000 people: Wilson half-widths ~0.031 each, MOVER half-width ~0.044 > 0.02
    c = counts([("RegSO", "0580R001", 2020, 500, 1000), ("RegSO", "0580R001", 2023, 520, 1000)])
    out = plan_status(make_plan([EMPLOY]), series_from_counts(c), year=2023).iloc[0]
    assert out.change_since_baseline_lo < 0 < out.change_since_baseline_hi
    assert out.status == "no significant change"
    assert out.status_sv == "ingen säkerställd förändring"
    # the same change on 100,000 people is significant
    c = counts([("RegSO", "0580R001", 2020, 50_000, 100_000), ("RegSO", "0580R001", 2023, 52_000, 100_000)])
    assert plan_status(make_plan([EMPLOY]), series_from_counts(c), year=2023).status.iloc[0] == "on track"


def test_ckm_noise_widens_the_interval():
    c = counts([("RegSO", "0580R001", 2026, 500, 1000)])
    plain = series_from_counts(c).iloc[0]
    noisy = series_from_counts(c, ckm_sd=20.0).iloc[0]
    assert noisy.lo < plain.lo and noisy.hi > plain.hi
    assert noisy.noise_basis == "wilson+ckm"
    # CKM term: z * sigma * sqrt(1 + p^2) / n added in quadrature
    ckm = 1.96 * 20 * np.sqrt(1 + 0.25) / 1000
    assert noisy.hi - 0.5 == pytest.approx(np.hypot(plain.hi - 0.5, ckm))


def test_missing_year_is_insufficient_data():
    c = counts([("RegSO", "0580R001", 2021, 500, 1000), ("RegSO", "0580R001", 2023, 600, 1000)])
    out = plan_status(make_plan([EMPLOY]), series_from_counts(c))
    assert set(out.status) == {"insufficient data"}
    assert "no baseline value" in set(out.reason)


def test_suppressed_value_stays_nan_and_is_insufficient():
    c = counts([("RegSO", "0580R001", 2020, 500, 1000), ("RegSO", "0580R001", 2023, np.nan, np.nan)])
    out = plan_status(make_plan([EMPLOY]), series_from_counts(c), year=2023).iloc[0]
    assert np.isnan(out.value)
    assert out.status == "insufficient data"


def test_subgoal_value_path_checked_year_by_year():
    # path from 0.50 (2020) to 0.60 (2025): 0.52, 0.54, 0.56, 0.58, 0.60
    ind = dict(EMPLOY, subgoals=[{"kind": "value", "target": 0.60, "year": 2025}])
    rows = [
        ("RegSO", "0580R001", 2020, 500, 1000),
        ("RegSO", "0580R001", 2021, 5_300, 10_000),  # 0.53 >= 0.52: on track
        ("RegSO", "0580R001", 2022, 5_300, 10_000),  # 0.53 < 0.54, interval [0.520, 0.540) wholly? see below
        ("RegSO", "0580R001", 2023, 50_000, 100_000),  # 0.50 << 0.56, tight interval: off track
        ("RegSO", "0580R001", 2024, 570, 1000),  # 0.57 < 0.58 but interval contains 0.58: within noise
        ("RegSO", "0580R001", 2026, 610, 1000),  # after target year: path held at 0.60; 0.61 on track
    ]
    out = plan_status(make_plan([ind]), series_from_counts(counts(rows))).set_index("year")
    np.testing.assert_allclose(
        out.loc[[2021, 2022, 2023, 2024, 2026], "subgoal_path"], [0.52, 0.54, 0.56, 0.58, 0.60]
    )
    lo22, hi22 = wilson_interval([5300], [10000])
    assert hi22[0] < 0.54  # so 2022 is significantly behind
    assert out.loc[2021, "status"] == "on track"
    assert out.loc[2022, "status"] == "off track"
    assert out.loc[2023, "status"] == "off track"
    assert out.loc[2024, "status"] == "no significant change"
    assert out.loc[2026, "status"] == "on track"


def test_subgoal_halve_gap_to_municipality():
    # focus area 0.50 vs kommun 0.70 in 2020 (gap -0.20); halve by 2030 -> path gap -0.20 + 0.01/yr
    ind = dict(
        EMPLOY, subgoals=[{"kind": "gap", "reference": "municipality", "reduce_gap_by": 0.5, "year": 2030}]
    )
    rows = [
        ("RegSO", "0580R001", 2020, 5_000, 10_000),
        ("kommun", "0580", 2020, 70_000, 100_000),
        ("RegSO", "0580R001", 2024, 5_500, 10_000),  # gap -0.15 vs path -0.16 -> on track
        ("kommun", "0580", 2024, 70_000, 100_000),
    ]
    out = plan_status(make_plan([ind]), series_from_counts(counts(rows)))
    r = out[(out.area == "0580R001") & (out.year == 2024)].iloc[0]
    assert r.gap_to_municipality == pytest.approx(-0.15)
    assert r.subgoal_path == pytest.approx(-0.16)
    assert r.status == "on track"
    # pace: |gap| 0.20 -> 0.15 over 4 years = 0.0125/yr; parity 2024 + 0.15/0.0125 = 2036
    assert r.gap_closing_per_year == pytest.approx(0.0125)
    assert r.parity_year == pytest.approx(2036.0)
    # the municipality row of a focus-area indicator is not followed
    assert set(out.area) == {"0580R001"}


def test_parity_year_by_hand():
    pace, parity = parity_year([-20.0, -20.0, 10.0, -4.0], [-14.0, -22.0, 0.0, 3.0], [2020] * 4, [2023] * 4)
    np.testing.assert_allclose(pace, [2.0, -2 / 3, 10 / 3, 1 / 3])
    assert parity[0] == 2030.0  # 2023 + 14 / 2
    assert np.isnan(parity[1])  # widening: never at this pace
    assert parity[2] == 2023.0  # gap closed
    assert parity[3] == 2023.0  # changed sign: parity passed


def test_mover_reduces_to_newcombe_method_10():
    # Newcombe (1998) Table II example (e): 56/70 - 48/80 = 0.2, method 10 interval 0.0524 to 0.3339
    lo1, hi1 = wilson_interval([56], [70])
    lo2, hi2 = wilson_interval([48], [80])
    d, lo, hi = mover_difference([56 / 70], lo1, hi1, [48 / 80], lo2, hi2)
    assert d[0] == pytest.approx(0.2)
    assert lo[0] == pytest.approx(0.0524, abs=5e-4)
    assert hi[0] == pytest.approx(0.3339, abs=5e-4)


def test_decrease_direction_and_gap_to_sweden():
    ind = {
        "id": "low_economic_standard_0_19",
        "geography": "focus_areas",
        "baseline_year": 2020,
        "direction": "decrease",
    }
    rows = [
        ("RegSO", "0580R001", 2020, 700, 1000),
        ("RegSO", "0580R001", 2022, 600, 1000),
        ("riket", "00", 2020, 200_000, 2_000_000),
        ("riket", "00", 2022, 200_000, 2_000_000),
    ]
    out = plan_status(
        make_plan([ind]), series_from_counts(counts(rows, "low_economic_standard_0_19")), year=2022
    )
    r = out.iloc[0]
    assert r.status == "on track"
    assert r.gap_to_sweden == pytest.approx(0.5)
    assert np.isnan(r.gap_to_municipality)


def test_segregation_index_enters_the_same_machinery():
    ind = {
        "id": "index:dissimilarity:background",
        "geography": "municipality",
        "baseline_year": 2020,
        "direction": "decrease",
    }
    idx = pd.DataFrame(
        {
            "year": [2020, 2022, 2023],
            "group": "background",
            "index": "dissimilarity",
            "value": [0.45, 0.44, 0.40],
            "ci_low": [0.43, 0.42, 0.38],
            "ci_high": [0.47, 0.46, 0.42],
        }
    )  # synthetic
    out = plan_status(make_plan([ind]), series_from_indices(idx, "0580")).set_index("year")
    assert out.loc[2022, "status"] == "no significant change"  # -0.01, interval +-0.028
    assert out.loc[2023, "status"] == "on track"  # -0.05, interval upper bound -0.05+0.028 < 0
    assert out.loc[2023, "noise_basis"] == "ci"
    assert out.loc[2023, "previous_year"] == 2022


def test_kolada_values_untested_point_rule():
    ind = {"id": "kolada:N15428", "geography": "municipality", "baseline_year": 2020, "direction": "increase"}
    k = pd.DataFrame(
        {
            "kpi": "N15428",
            "municipality": ["0580", "0580", "0000", "0000"],
            "year": [2020, 2022, 2020, 2022],
            "value": [80.0, 82.0, 85.0, 85.0],
        }
    )  # synthetic
    out = plan_status(make_plan([ind]), series_from_kolada(k, "0580"), year=2022).iloc[0]
    assert out.status == "on track"
    assert not out.significance_tested
    assert "not tested" in out.reason
    assert out.gap_to_sweden == pytest.approx(-3.0)


def test_vectorised_many_areas_and_year_filter():
    rng = np.random.default_rng(1)
    areas = [f"0580R{i:03d}" for i in range(1, 33)]
    rows = [("RegSO", a, y, float(rng.integers(400, 600)), 1000.0) for a in areas for y in (2020, 2021, 2022)]
    ind = dict(EMPLOY, geography="all_districts")
    out = plan_status(make_plan([ind]), series_from_counts(counts(rows)), year=2021)
    assert len(out) == 32 and set(out.year) == {2021}
    assert set(out.status) <= set(STATUS_SV)


def test_status_rules_table_matches_labels():
    rules = status_rules()
    assert list(rules.rule) == list(range(1, 9))
    assert set(STATUS_SV) <= set(rules.status) | {"on track / off track / no significant change"}


# --- property tests -------------------------------------------------------------------------------------------

pairs = st.integers(1, 50_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_wilson_contains_p_and_stays_in_unit_interval(xn):
    x, n = xn
    lo, hi = wilson_interval([x], [n])
    assert -1e-12 <= lo[0] <= x / n + 1e-12 <= hi[0] + 2e-12 <= 1 + 3e-12


@settings(max_examples=200, deadline=None)
@given(pairs, pairs)
def test_mover_interval_contains_the_difference(a, b):
    la, ua = wilson_interval([a[0]], [a[1]])
    lb, ub = wilson_interval([b[0]], [b[1]])
    d, lo, hi = mover_difference([a[0] / a[1]], la, ua, [b[0] / b[1]], lb, ub)
    assert lo[0] <= d[0] + 1e-12 and d[0] <= hi[0] + 1e-12


@settings(max_examples=20, deadline=None)
@given(pairs, pairs)
def test_status_symmetric_under_direction_and_complement(base, now):
    """A share moving up with direction 'increase' has the status of its complement moving down with
    direction 'decrease' (Wilson intervals are symmetric under p -> 1 - p)."""
    (x0, n0), (x1, n1) = base, now
    up = counts([("RegSO", "0580R001", 2020, x0, n0), ("RegSO", "0580R001", 2023, x1, n1)])
    down = counts([("RegSO", "0580R001", 2020, n0 - x0, n0), ("RegSO", "0580R001", 2023, n1 - x1, n1)])
    s_up = plan_status(make_plan([EMPLOY]), series_from_counts(up), year=2023).status.iloc[0]
    s_down = plan_status(make_plan([dict(EMPLOY, direction="decrease")]), series_from_counts(down), year=2023)
    assert s_up == s_down.status.iloc[0]


def test_gap_subgoal_without_reference_baseline_is_insufficient():
    ind = dict(
        EMPLOY, subgoals=[{"kind": "gap", "reference": "municipality", "reduce_gap_by": 0.5, "year": 2030}]
    )
    rows = [
        ("RegSO", "0580R001", 2020, 500, 1000),
        ("RegSO", "0580R001", 2023, 600, 1000),
        ("kommun", "0580", 2023, 7000, 10000),  # no kommun value in the baseline year
    ]
    out = plan_status(make_plan([ind]), series_from_counts(counts(rows)), year=2023).iloc[0]
    assert out.status == "insufficient data"
    assert out.gap_to_municipality == pytest.approx(-0.1)


def test_duplicate_keys_are_refused():
    s = series_from_counts(counts([("RegSO", "0580R001", 2020, 500, 1000)]))
    with pytest.raises(ValueError, match="repeat an indicator, level, area and year"):
        plan_status(make_plan([EMPLOY]), pd.concat([s, s]))
    idx = pd.DataFrame(
        {
            "year": [2020, 2020],
            "group": "background",
            "index": "dissimilarity",
            "value": [0.45, 0.41],
            "unit": ["DeSO", "RegSO"],
        }
    )
    with pytest.raises(ValueError, match=r"other key columns \['unit'\]"):
        series_from_indices(idx, "0580")
    by_level = idx.rename(columns={"unit": "level"})
    assert series_from_indices(by_level, "0580").value.tolist() == [0.45]


def test_several_subgoals_check_the_next_one_due():
    # 2025: 0.55 ; 2030: 0.65, both linear from the 2020 baseline 0.50
    ind = dict(
        EMPLOY,
        subgoals=[
            {"kind": "value", "target": 0.65, "year": 2030},
            {"kind": "value", "target": 0.55, "year": 2025},
        ],
    )
    rows = [
        ("RegSO", "0580R001", 2020, 5_000, 10_000),
        ("RegSO", "0580R001", 2024, 5_400, 10_000),  # path to 2025 goal: 0.54 -> on track
        ("RegSO", "0580R001", 2027, 5_300, 10_000),  # path to 2030 goal: 0.50 + 0.15 * 7/10 = 0.605 -> off
        ("RegSO", "0580R001", 2032, 6_600, 10_000),  # all passed: last target 0.65 held -> on track
    ]
    out = plan_status(make_plan([ind]), series_from_counts(counts(rows))).set_index("year")
    assert out.loc[2024, "subgoal_year"] == 2025 and out.loc[2024, "subgoal_path"] == pytest.approx(0.54)
    assert out.loc[2024, "status"] == "on track"
    assert out.loc[2027, "subgoal_year"] == 2030 and out.loc[2027, "subgoal_path"] == pytest.approx(0.605)
    assert out.loc[2027, "status"] == "off track"
    assert out.loc[2032, "subgoal_year"] == 2030 and out.loc[2032, "status"] == "on track"
    assert len(out) == 4  # one row per year, not per sub-goal
