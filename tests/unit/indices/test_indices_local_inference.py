"""Local indices, ICE, nested decomposition, bootstrap inference and change decomposition."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segindicators.indices import (
    bootstrap_indices,
    change_decomposition,
    ice,
    ice_summary,
    ipf,
    local_indices,
    nested_theil,
    segregation_indices,
)
from tests.support.indices_samples import deso_in_regso


def _v(frame: pd.DataFrame, **match) -> float:
    sel = frame
    for k, val in match.items():
        sel = sel[sel[k] == val]
    assert len(sel) == 1, (match, sel)
    return float(sel["value"].iloc[0])


# ---------------------------------------------------------------- local
def test_local_indices_hand_and_contributions_sum_to_h():
    df = pd.DataFrame(
        {
            "k": ["A"] * 4 + ["B"] * 3,
            "area": ["a1", "a2", "a3", "a4", "b1", "b2", "b3"],
            "x": [100, 60, 40, 0, 3, 30, 9],
            "t": [100, 100, 100, 100, 10, 60, 90],
        }
    )
    r = local_indices(df, group="x", total="t", unit="area", by="k")
    assert list(r.columns) == ["k", "area", "index", "value"]
    assert _v(r, area="a2", index="location_quotient") == pytest.approx(1.2)
    # a3: p = 0.4, E_i/ln2 by hand
    e = -(0.4 * math.log(0.4) + 0.6 * math.log(0.6)) / math.log(2)
    assert _v(r, area="a3", index="local_entropy") == pytest.approx(e, abs=1e-15)
    h = segregation_indices(df, group="x", total="t", by="k", indices="theil_h")
    contrib = r[r["index"] == "theil_h_contribution"].groupby("k")["value"].sum()
    np.testing.assert_allclose(contrib.to_numpy(), h["value"].to_numpy(), rtol=0, atol=1e-14)


def test_local_multigroup_contributions_sum_to_m():
    df = pd.DataFrame({"area": list("abcd"), "g1": [5, 50, 10, 0], "g2": [40, 5, 10, 3], "g3": [1, 2, 30, 9]})
    r = local_indices(df, group=["g1", "g2", "g3"], unit="area")
    m = segregation_indices(df, group=["g1", "g2", "g3"], indices="multigroup_theil_h")["value"].iloc[0]
    assert r[r["index"] == "multigroup_theil_h_contribution"]["value"].sum() == pytest.approx(m, abs=1e-14)
    ent = r[r["index"] == "local_entropy"]["value"]
    assert ((ent >= 0) & (ent <= 1)).all()


# ---------------------------------------------------------------- ICE
def test_ice_by_hand_and_summary():
    df = pd.DataFrame(
        {
            "k": ["A"] * 4,
            "area": ["a", "b", "c", "d"],
            "rich": [60, 10, 25, 30],
            "poor": [10, 50, 25, 5],
            "n": [100, 100, 100, 200],
        }
    )
    r = ice(df, privileged="rich", deprived="poor", total="n", unit="area", by="k")
    # (60−10)/100 = .5; (10−50)/100 = −.4; 0; (30−5)/200 = .125
    np.testing.assert_allclose(r["value"], [0.5, -0.4, 0.0, 0.125], atol=1e-15)
    s = ice_summary(df, privileged="rich", deprived="poor", total="n", by="k")
    assert _v(s, index="ice_mean") == pytest.approx((125 - 90) / 500)
    assert _v(s, index="ice_share_high") == pytest.approx(100 / 500)  # only a (.125 < .2)
    assert _v(s, index="ice_share_low") == pytest.approx(100 / 500)
    s2 = ice_summary(df, privileged="rich", deprived="poor", total="n", by="k", high=0.1, low=-0.5)
    assert _v(s2, index="ice_share_high") == pytest.approx(300 / 500)
    assert _v(s2, index="ice_share_low") == 0.0


def test_ice_extremes_above_total_is_an_error():
    df = pd.DataFrame({"area": ["a"], "rich": [60], "poor": [50], "n": [100]})
    with pytest.raises(ValueError, match="sum to more than total"):
        ice(df, privileged="rich", deprived="poor", total="n", unit="area")


# ---------------------------------------------------------------- nested decomposition


def test_nested_identity_and_parts():
    df = deso_in_regso()
    r = nested_theil(df, group="x", total="t", parent="regso", by="kommun")
    for k in ("K1", "K2"):
        h = _v(r, kommun=k, index="theil_h")
        hb = _v(r, kommun=k, index="theil_h_between")
        hw = _v(r, kommun=k, index="theil_h_within")
        assert abs(h - (hb + hw)) < 1e-12
    # between = H of the RegSO aggregates; H equals the plain DeSO-level H
    agg = df.groupby(["kommun", "regso"], as_index=False)[["x", "t"]].sum()
    hb_ref = segregation_indices(agg, group="x", total="t", by="kommun", indices="theil_h")
    h_ref = segregation_indices(df, group="x", total="t", by="kommun", indices="theil_h")
    assert _v(r, kommun="K1", index="theil_h_between") == pytest.approx(hb_ref["value"].iloc[0], abs=1e-15)
    assert _v(r, kommun="K1", index="theil_h") == pytest.approx(h_ref["value"].iloc[0], abs=1e-15)
    # K2: S2 has no group members (E_r = 0): weight 0, no NaN leaks; S1 is internally even (H_r = 0)
    assert _v(r, kommun="K2", index="theil_h_within") == pytest.approx(0.0, abs=1e-15)
    assert _v(r, kommun="K2", index="theil_h_within_share") == pytest.approx(0.0, abs=1e-15)
    # K1 within by hand: R1 = {90,10 of 100}: P=.5, E_r = ln 2
    e = lambda p: -(p * math.log(p) + (1 - p) * math.log(1 - p)) if 0 < p < 1 else 0.0  # noqa: E731
    h_r1 = 1 - (e(0.9) + e(0.1)) / 2 / e(0.5)
    p2 = 95 / 240
    h_r2 = 1 - (100 * e(0.5) + 80 * e(0.5) + 60 * e(5 / 60)) / (240 * e(p2))
    P = 195 / 440
    within = (200 * e(0.5) * h_r1 + 240 * e(p2) * h_r2) / (440 * e(P))
    assert _v(r, kommun="K1", index="theil_h_within") == pytest.approx(within, abs=1e-14)


def test_nested_multigroup_identity():
    df = deso_in_regso().assign(z=lambda d: (d.t - d.x) // 3).assign(y=lambda d: d.t - d.x - d.z)
    r = nested_theil(df, group=["x", "y", "z"], parent="regso", by="kommun")
    for k in ("K1", "K2"):
        h = _v(r, kommun=k, index="multigroup_theil_h")
        assert (
            abs(
                h
                - _v(r, kommun=k, index="multigroup_theil_h_between")
                - _v(r, kommun=k, index="multigroup_theil_h_within")
            )
            < 1e-12
        )


# ---------------------------------------------------------------- inference
def _boot_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)  # synthetic counts for the test, not SCB data
    t = rng.integers(20, 3000, size=60)
    x = rng.binomial(t, rng.uniform(0.05, 0.6, size=60))
    return pd.DataFrame({"k": np.repeat(["A", "B", "C"], 20), "x": x, "t": t})


def test_bootstrap_columns_seed_and_chunking():
    df = _boot_frame()
    kw = dict(group="x", total="t", by="k", indices=["dissimilarity", "theil_h", "gini"], draws=120)
    a = bootstrap_indices(df, rng=7, **kw)
    b = bootstrap_indices(df, rng=7, max_cells=20 * 7, **kw)  # 7 draws per chunk: same stream, same answer
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        "k", "index", "value", "value_bias_corrected", "bias", "ci_low", "ci_high", "ci_low_bias_corrected",
        "ci_high_bias_corrected", "expected_random", "flags",
    ]  # fmt: skip
    assert (a["ci_low"] <= a["ci_high"]).all()
    point = segregation_indices(df, group="x", total="t", by="k", indices=kw["indices"])
    np.testing.assert_array_equal(a["value"].to_numpy(), point["value"].to_numpy())
    assert a.loc[a["index"] == "gini", "expected_random"].isna().all()
    assert a.loc[a["index"] == "gini", "flags"].str.contains("expected_random_not_computed").all()
    d = a[a["index"] == "dissimilarity"]
    assert (d["expected_random"] < d["value"]).all()  # strongly segregated synthetic data
    assert a["flags"].str.contains("small_units=").any()  # units of 20–49 residents exist


def test_random_allocation_expectation_near_zero_for_even_city():
    # every unit has the same share: D is 0, random allocation gives small positive D (chance alone)
    df = pd.DataFrame({"x": [500] * 30, "t": [1000] * 30})
    r = bootstrap_indices(df, group="x", total="t", indices=["dissimilarity", "theil_h"], draws=200, rng=1)
    d = r[r["index"] == "dissimilarity"].iloc[0]
    assert d["value"] == pytest.approx(0.0, abs=1e-15)
    # E|Bin(1000,.5)/1000 − .5| ≈ sqrt(2/π)·sqrt(.25/1000) = 0.0126; D_random ≈ that / (2·.25) ≈ 0.025
    assert 0.015 < d["expected_random"] < 0.035


def test_bootstrap_multigroup_and_errors():
    df = _boot_frame().assign(z=lambda d: (d.t - d.x) // 2)
    r = bootstrap_indices(
        df, group=["x", "z"], total="t", by="k", draws=50, rng=3, expected_random="multigroup_dissimilarity"
    )
    assert set(r["index"]) == {
        "multigroup_dissimilarity",
        "multigroup_theil_h",
        "multigroup_mutual_information",
    }
    assert (r["ci_low"] <= r["ci_high"]).all()
    with pytest.raises(ValueError, match="whole-number"):
        bootstrap_indices(df.assign(t=df.t + 0.5), group="x", total="t", draws=5)


# ---------------------------------------------------------------- change decomposition
def _two_years(b_x, b_t, a_x=(80, 20, 5, 40), a_t=(100, 100, 50, 70)) -> pd.DataFrame:
    a = pd.DataFrame({"year": 2020, "area": list("abcd"), "x": a_x, "t": a_t})
    b = pd.DataFrame({"year": 2023, "area": list("abcd"), "x": b_x, "t": b_t})
    return pd.concat([a, b], ignore_index=True)


def test_change_parts_add_up_and_reverse():
    df = _two_years((90, 60, 5, 20), (200, 100, 80, 60))
    kw = dict(group="x", total="t", unit="area", indices=["theil_h", "dissimilarity"])
    r = change_decomposition(df, from_year=2020, to_year=2023, **kw)
    back = change_decomposition(df, from_year=2023, to_year=2020, **kw)
    for idx in ("theil_h", "dissimilarity"):
        s = r[r["index"] == idx].set_index("component")["value"]
        assert s["total"] == pytest.approx(
            s["unit_marginal"] + s["group_marginal"] + s["structural"], abs=1e-12
        )
        h = segregation_indices(df, group="x", total="t", by="year", indices=idx)["value"]
        assert s["total"] == pytest.approx(h.iloc[1] - h.iloc[0], abs=1e-12)
        sb = back[back["index"] == idx].set_index("component")["value"]
        np.testing.assert_allclose(sb.to_numpy(), -s.to_numpy(), atol=1e-9)


def test_change_same_margins_is_all_structural_and_same_structure_all_marginal():
    a_x, a_t = np.array([80.0, 20, 5, 40]), np.array([100.0, 100, 50, 70])
    A = np.column_stack([a_x, a_t - a_x])
    codes = np.zeros(4, dtype=int)
    # B1: another structure fitted to A's margins → only the structure differs
    B1, ok = ipf(np.array([[50.0, 50], [20, 80], [1, 9], [30, 40]]), A.sum(1), A.sum(0)[None], codes, 1)
    assert ok
    r1 = change_decomposition(
        _two_years(B1[:, 0], B1.sum(1), a_x, a_t),
        group="x",
        total="t",
        unit="area",
        from_year=2020,
        to_year=2023,
    )
    s1 = r1.set_index("component")["value"]
    assert abs(s1["unit_marginal"]) < 1e-9 and abs(s1["group_marginal"]) < 1e-9
    assert s1["structural"] == pytest.approx(s1["total"], abs=1e-9)
    # B2: A's structure fitted to new margins → no structural change
    B2, ok = ipf(A, np.array([300.0, 80, 60, 90]), np.array([[200.0, 330]]), codes, 1)
    r2 = change_decomposition(
        _two_years(B2[:, 0], B2.sum(1), a_x, a_t),
        group="x",
        total="t",
        unit="area",
        from_year=2020,
        to_year=2023,
    )
    s2 = r2.set_index("component")["value"]
    assert abs(s2["structural"]) < 1e-9
    assert s2["unit_marginal"] + s2["group_marginal"] == pytest.approx(s2["total"], abs=1e-9)


def test_change_by_segments_and_unmatched_warning():
    df = pd.concat(
        [
            _two_years((90, 60, 5, 20), (200, 100, 80, 60)).assign(k="A"),
            _two_years((9, 6, 5, 2), (20, 10, 8, 6)).assign(k="B"),
        ]
    )
    extra = pd.DataFrame({"year": [2023], "area": ["new"], "x": [3], "t": [10], "k": ["A"]})
    with pytest.warns(UserWarning, match="no partner"):
        r = change_decomposition(
            pd.concat([df, extra]), group="x", total="t", unit="area", by="k", from_year=2020, to_year=2023
        )
    assert r.attrs["unmatched_units"] == 1
    only_a = change_decomposition(
        df[df.k == "A"], group="x", total="t", unit="area", from_year=2020, to_year=2023
    )
    np.testing.assert_allclose(r[r.k == "A"]["value"].to_numpy(), only_a["value"].to_numpy(), atol=1e-12)
