"""Concentrated affluence/deprivation: ICE, LQ, EB shrinkage, ranks, distances and flags for every area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.demo import AFFLUENT_AREAS, FOCUS_AREAS
from segindicators.typology.affluence import MEASURES, Thresholds, affluence_measures, eb_shrink
from segindicators.typology.table import affluence_table
from tests.support.typology_samples import synthetic_processed


def _eb_loop(x, n, codes):
    """Beta-binomial method-of-moments shrinkage written out per segment with Python loops (independent)."""
    out = np.full(len(x), np.nan)
    for s in set(codes.tolist()):
        idx = [i for i in range(len(x)) if codes[i] == s and n[i] > 0 and not np.isnan(x[i])]
        N = sum(n[i] for i in idx)
        mu = sum(x[i] for i in idx) / N
        k = len(idx)
        S = sum(n[i] * (x[i] / n[i] - mu) ** 2 for i in idx)
        denom = N - sum(n[i] ** 2 for i in idx) / N - (k - 1)
        tau2 = min(max((S - (k - 1) * mu * (1 - mu)) / denom, 0.0), mu * (1 - mu))
        for i in idx:
            if tau2 == 0:
                out[i] = mu
            else:
                M = max(mu * (1 - mu) / tau2 - 1, 0.0)
                B = M / (n[i] + M)
                out[i] = B * mu + (1 - B) * x[i] / n[i]
    return out


def test_eb_matches_loop_and_lies_between_share_and_prior():
    rng = np.random.default_rng(11)
    n = rng.integers(50, 3000, 60).astype(float)
    codes = np.repeat(np.arange(3), 20)
    p_true = np.clip(rng.normal([0.1, 0.3, 0.5], 0.08, (20, 3)).T.reshape(-1), 0.01, 0.99)
    x = rng.binomial(n.astype(int), p_true).astype(float)
    x[5] = np.nan  # a suppressed cell: left out, stays NaN
    shrunk, mu, tau2 = eb_shrink(x, n, codes, 3)
    np.testing.assert_allclose(shrunk, _eb_loop(x, n, codes), rtol=1e-12, equal_nan=True)
    p = x / n
    lo, hi = np.minimum(p, mu[codes]), np.maximum(p, mu[codes])
    ok = ~np.isnan(p)
    assert np.all((shrunk[ok] >= lo[ok] - 1e-15) & (shrunk[ok] <= hi[ok] + 1e-15))
    assert np.isnan(shrunk[5]) and (tau2 > 0).all()


def test_eb_larger_area_shrinks_less():
    x = np.array([30.0, 300.0, 100.0, 1000.0])  # same share 0.3 in a small and a large area
    n = np.array([100.0, 1000.0, 200.0, 2000.0])
    s, mu, _ = eb_shrink(x, n, np.zeros(4, dtype=np.intp), 1)
    assert abs(s[0] - mu[0]) < abs(0.3 - mu[0]) and abs(s[0] - 0.3) > abs(s[1] - 0.3)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.floats(0, 1)), min_size=2, max_size=30))
def test_eb_property_within_range(data):
    n = np.array([d[0] for d in data], float)
    x = np.round(n * np.array([d[1] for d in data]))
    s, mu, _ = eb_shrink(x, n, np.zeros(len(n), dtype=np.intp), 1)
    p = x / n
    assert np.all(s >= np.minimum(p, mu[0]) - 1e-12) and np.all(s <= np.maximum(p, mu[0]) + 1e-12)


def test_eb_between_area_variance_estimate_is_close_in_a_large_simulation():
    rng = np.random.default_rng(3)
    mu, tau = 0.2, 0.05
    a = mu * (mu * (1 - mu) / tau**2 - 1)
    b = (1 - mu) * (mu * (1 - mu) / tau**2 - 1)
    n = rng.integers(100, 2000, 4000).astype(float)
    x = rng.binomial(n.astype(int), rng.beta(a, b, 4000)).astype(float)
    _, m, tau2 = eb_shrink(x, n, np.zeros(4000, dtype=np.intp), 1)
    assert tau2[0] == pytest.approx(tau**2, rel=0.1) and m[0] == pytest.approx(mu, abs=0.01)


def test_every_area_every_measure_in_one_call():
    counts = synthetic_processed()
    for level, n_areas in (("RegSO", 12), ("DeSO", None)):
        m = affluence_measures(counts, level=level)
        per = m.groupby(["geo_version", "year", "measure"])["area"].nunique()
        areas = counts[(counts["level"] == level)].groupby(["geo_version", "year"])["area"].nunique()
        for (gv, year, _), k in per.items():
            assert k == areas[(gv, year)]
        assert set(m["measure"]) == set(MEASURES)
        if n_areas:
            assert (per == n_areas).all()


def _independent(counts, level, year, geo_version="2018"):
    c = counts[(counts["level"] == level) & (counts["year"] == year) & (counts["geo_version"] == geo_version)]
    num = c.pivot(index="area", columns="indicator", values="numerator")
    den = c.pivot(index="area", columns="indicator", values="denominator")
    return num, den


def test_ice_and_lq_equal_an_independent_computation():
    counts = synthetic_processed()
    m = affluence_measures(counts, level="RegSO")
    m = m[(m["year"] == 2021)].set_index(["measure", "area"])
    num, den = _independent(counts, "RegSO", 2021)
    q1, q4, t = num["income_q1_share"], num["income_q4_share"], den["income_q1_share"]
    np.testing.assert_allclose(m.loc["ice_income", "value"].sort_index(), ((q4 - q1) / t).sort_index())
    f, tf = num["foreign_background_share"], den["foreign_background_share"]
    np.testing.assert_allclose(
        m.loc["ice_background", "value"].sort_index(), ((tf - 2 * f) / tf).sort_index()
    )
    e3, e0, te = (
        num["education_post_secondary_3plus_share"],
        num["education_compulsory_share"],
        den["education_compulsory_share"],
    )
    np.testing.assert_allclose(m.loc["ice_education", "value"].sort_index(), ((e3 - e0) / te).sort_index())
    h, th = num["high_economic_standard_share"], den["high_economic_standard_share"]
    np.testing.assert_allclose(
        m.loc["lq_high_economic_standard", "value"].sort_index(),
        ((h / th) / (h.sum() / th.sum())).sort_index(),
    )
    assert m.loc["ice_income", "kommun_value"].iloc[0] == pytest.approx((q4.sum() - q1.sum()) / t.sum())
    # national value from the riket rows
    nat = counts[
        (counts["level"] == "riket") & (counts["year"] == 2021) & (counts["geo_version"] == "2018")
    ].set_index("indicator")
    expected = (
        nat.loc["foreign_background_share", "denominator"]
        - 2 * nat.loc["foreign_background_share", "numerator"]
    ) / nat.loc["foreign_background_share", "denominator"]
    assert m.loc["ice_background", "national_value"].iloc[0] == pytest.approx(expected)
    d = m.loc["ice_background"]
    np.testing.assert_allclose(d["diff_national"], d["value"] - expected)


def test_synthetic_affluent_and_focus_areas_are_flagged():
    m = affluence_measures(synthetic_processed(), level="RegSO")
    c = m[(m["year"] == 2022) & (m["measure"] == "ice_income")].set_index("area")
    for a in AFFLUENT_AREAS:
        assert (
            c.loc[a, "concentration"] == "koncentrerat välstånd"
            and "concentrated_affluence" in c.loc[a, "flags"]
        )
    for a in FOCUS_AREAS:
        assert c.loc[a, "concentration"] == "koncentrerad fattigdom"
    assert c.loc[list(AFFLUENT_AREAS), "rank"].max() <= 3 and c.loc[list(FOCUS_AREAS), "rank"].min() >= 10


def _hand(areas):
    """Processed rows for a hand-made kommun: areas = {code: (q1, q4, comp, post3, foreign, high, persons)}."""
    rows = []
    inds = ["income_q1_share", "income_q4_share", "education_compulsory_share",
            "education_post_secondary_3plus_share", "foreign_background_share", "high_economic_standard_share"]  # fmt: skip
    for code, vals in areas.items():
        n = vals[-1]
        for ind, v in zip(inds, vals[:-1], strict=True):
            rows.append({"kommun": "0001", "level": "RegSO", "geo_version": "2018", "area": code, "area_name": code,
                         "year": 2022, "indicator": ind, "numerator": v * n, "denominator": float(n), "value": v})  # fmt: skip
    return pd.DataFrame(rows)


HAND = {
    "R1": (0.10, 0.45, 0.03, 0.60, 0.05, 0.20, 4000),  # affluent on all three
    "R2": (0.45, 0.10, 0.30, 0.10, 0.80, 0.01, 4000),  # deprived on all three
    "R3": (0.25, 0.25, 0.10, 0.35, 0.25, 0.07, 4000),
    "R4": (0.25, 0.25, 0.10, 0.35, 0.25, 0.07, 300),  # same shares, tiny base
}


def test_flags_thresholds_and_small_areas_on_a_hand_made_kommun():
    m = affluence_measures(_hand(HAND), shrink=False)
    c = m[m["measure"] == "ice_income"].set_index("area")
    assert c.loc["R1", "concentration"] == "koncentrerat välstånd"
    assert c.loc["R2", "concentration"] == "koncentrerad fattigdom"
    assert c.loc["R3", "concentration"] == "" and "small_area" in c.loc["R4", "flags"]
    assert (
        c.loc["R1", "value"] == pytest.approx(0.35) and c.loc["R1", "rank"] == 1 and c.loc["R2", "rank"] == 4
    )
    assert c.loc["R3", "rank"] == c.loc["R4", "rank"] == 2  # ties share the better rank
    strict = affluence_measures(_hand(HAND), shrink=False, thresholds=Thresholds(ice_margin=0.5))
    assert (strict["concentration"] == "").all()
    absolute = affluence_measures(_hand(HAND), shrink=False, thresholds=Thresholds(reference="absolute"))
    a = absolute[absolute["measure"] == "ice_income"].set_index("area")
    # absolute: ICE background of R3 is 0.5 and education 0.25 ≥ 0.2 → two dimensions → flagged
    assert a.loc["R3", "concentration"] == "koncentrerat välstånd"
    with pytest.raises(ValueError, match="riket"):
        affluence_measures(_hand(HAND), thresholds=Thresholds(reference="national"))
    with pytest.raises(ValueError, match="min_dimensions"):
        Thresholds(min_dimensions=4)


def test_suppressed_input_is_nan_flagged_and_not_ranked():
    counts = _hand(HAND)
    hide = (counts["area"] == "R3") & (counts["indicator"] == "income_q4_share")
    counts.loc[hide, ["numerator", "value"]] = np.nan
    m = affluence_measures(counts)
    c = m[m["measure"] == "ice_income"].set_index("area")
    assert (
        np.isnan(c.loc["R3", "value"])
        and np.isnan(c.loc["R3", "rank"])
        and "suppressed" in c.loc["R3", "flags"]
    )
    assert (c["n_ranked"] == 3).all()
    other = m[m["measure"] == "ice_background"].set_index("area")
    assert not np.isnan(other.loc["R3", "value"])


def test_shrinkage_moves_the_small_area_more():
    areas = dict(HAND)
    areas["R4"] = (0.05, 0.60, 0.02, 0.70, 0.02, 0.30, 150)  # extreme but tiny
    m = affluence_measures(_hand(areas))
    c = m[m["measure"] == "share_high_economic_standard"].set_index("area")
    move = (c["value"] - c["value_eb"]).abs() / (c["value"] - c["kommun_value"]).abs()
    assert move["R4"] > move["R1"]


def test_affluence_table_puts_flagged_and_focus_areas_side_by_side():
    m = affluence_measures(synthetic_processed())
    focus = {a: f"fokus {a}" for a in FOCUS_AREAS}
    t = affluence_table(m, kommun="9999", year=2022, focus=focus)
    groups = t.groupby("Grupp", sort=False)["Kod"].apply(list).to_dict()
    assert set(AFFLUENT_AREAS) <= set(groups["Koncentrerat välstånd"])
    assert groups["Fokusområde"] == list(FOCUS_AREAS)
    assert groups["Kommunen (alla områden)"] == ["9999"] and groups["Riket"] == ["riket"]
    assert t.loc[t["Kod"] == "9999", "LQ svensk bakgrund"].item() == 1.0
    with pytest.raises(ValueError, match="years available"):
        affluence_table(m, kommun="9999", year=1999)


def test_two_municipalities_in_one_call_equal_separate_calls():
    a = _hand(HAND)
    other = {k: tuple(v * 0.9 if i < 6 else v for i, v in enumerate(vals)) for k, vals in HAND.items()}
    b = _hand(other).assign(kommun="0002")
    both = affluence_measures(pd.concat([a, b], ignore_index=True))
    for k, frame in (("0001", a), ("0002", b)):
        alone = affluence_measures(frame).reset_index(drop=True)
        joint = both[both["kommun"] == k].reset_index(drop=True)
        cols = ["area", "measure", "value", "value_eb", "kommun_value", "rank", "concentration", "flags"]
        pd.testing.assert_frame_equal(joint[cols], alone[cols])


def test_table_uses_the_years_own_geography_when_harmonised_rows_exist():
    own = _hand(HAND)
    harmonised = _hand({k: (v[0], 0.99 * v[1], *v[2:]) for k, v in HAND.items()}).assign(
        geo_version="harmonised"
    )
    m = affluence_measures(pd.concat([own, harmonised], ignore_index=True))
    assert set(m["geo_version"]) == {"2018", "harmonised"}
    t = affluence_table(m.assign(kommun="0001"), kommun="0001", year=2022, focus={"R2": "R2"})
    expected = m[(m["geo_version"] == "2018") & (m["measure"] == "ice_income") & (m["area"] == "R1")][
        "value"
    ].item()
    assert t.loc[t["Kod"] == "R1", "Kvartils-ICE inkomst"].item() == pytest.approx(expected)
