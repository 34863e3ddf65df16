"""The Mutual Information Index M: hand cases, M = H·E, local scores, nested decomposition, PySAL oracle.

All counts here are constructed for the tests (not SCB data), except the reference test on SCB's national
RegSO export.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.indices import (
    change_decomposition,
    local_indices,
    mutual_local,
    mutual_within,
    nested_decomposition,
    nested_mutual_information,
    nested_theil,
    segregation_indices,
)
from segindicators.indices.kernels import (
    MULTIGROUP,
    TWO_GROUP,
    multigroup_mutual_information,
    multigroup_theil_h,
    mutual_information,
    theil_h,
)
from tests.support.ci import import_or_fail
from tests.support.indices_samples import deso_in_regso

LN2 = math.log(2)


def _e(*shares: float) -> float:
    """Entropy of a distribution by hand (natural log, 0 ln 0 = 0)."""
    return -sum(p * math.log(p) for p in shares if p > 0)


def _m(result: pd.DataFrame) -> dict[str, float]:
    return dict(zip(result["index"], result["value"], strict=True))


def _one(x, t, kernel=mutual_information) -> float:
    x, t = np.asarray(x, float), np.asarray(t, float)
    return float(kernel(x, t, np.zeros(len(t), dtype=int), 1)[0])


# ---------------------------------------------------------------- hand cases
def test_registered_next_to_h():
    assert list(TWO_GROUP).index("mutual_information") == list(TWO_GROUP).index("theil_h") + 1
    assert "multigroup_mutual_information" in MULTIGROUP


def test_complete_segregation_of_two_equal_groups_is_ln2():
    # two units, each holds one of two equal groups: M = Σ_i p_i · ln(1 / ½) = ln 2, H = M / E = ln 2 / ln 2
    df = pd.DataFrame({"x": [100.0, 0], "t": [100.0, 100]})
    v = _m(segregation_indices(df, group="x", total="t", indices=["mutual_information", "theil_h"]))
    assert v["mutual_information"] == pytest.approx(LN2, abs=1e-15)
    assert v["theil_h"] == pytest.approx(1.0, abs=1e-15)
    mg = _m(segregation_indices(df.assign(y=df.t - df.x), group=["x", "y"]))
    assert mg["multigroup_mutual_information"] == pytest.approx(LN2, abs=1e-15)


def test_k_groups_each_alone_is_ln_k_and_no_segregation_is_zero():
    x = np.diag([10.0, 10, 10, 10])  # four equal groups, one unit each
    assert _one(x, x.sum(1), multigroup_mutual_information) == pytest.approx(math.log(4), abs=1e-15)
    # every unit has the city's composition (1 : 2 : 5): M = 0 exactly, H = 0
    same = np.array([[1.0, 2, 5], [10, 20, 50], [3, 6, 15]])
    assert _one(same, same.sum(1), multigroup_mutual_information) == pytest.approx(0.0, abs=1e-15)
    assert _one([30, 3, 12], [100, 10, 40]) == pytest.approx(0.0, abs=1e-15)


def test_mixed_unit_next_to_a_pure_one_by_hand():
    # unit 1: 50/50, unit 2: 100/0 → P = 3/4; M = E − Σ_i p_i E_i = E(¾, ¼) − ½ ln 2
    hand = _e(0.75, 0.25) - 0.5 * LN2
    assert _one([50, 100], [100, 100]) == pytest.approx(hand, abs=1e-15)
    assert hand == pytest.approx(0.2157615543388357, abs=1e-15)
    # cellwise form Σ_i Σ_g p_ig ln(p_ig / (p_i· p_·g)) with the joint shares written out
    cells = {(0, 0): 0.25, (0, 1): 0.25, (1, 0): 0.5, (1, 1): 0.0}
    row, col = {0: 0.5, 1: 0.5}, {0: 0.75, 1: 0.25}
    joint = sum(p * math.log(p / (row[i] * col[g])) for (i, g), p in cells.items() if p > 0)
    assert _one([50, 100], [100, 100]) == pytest.approx(joint, abs=1e-15)


def test_one_group_only_is_undefined_like_h():
    df = pd.DataFrame({"k": ["none", "none", "ok", "ok"], "x": [0, 0, 3, 1], "t": [10, 5, 10, 5]})
    with pytest.warns(UserWarning, match="undefined"):
        r = segregation_indices(df, group="x", total="t", by="k", indices=["mutual_information", "theil_h"])
    none = r[r.k == "none"]
    assert none["value"].isna().all() and (none["flags"] == "undefined").all()
    assert r[r.k == "ok"]["value"].notna().all()


# ---------------------------------------------------------------- M = H · E and other identities
two_st = st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=2, max_size=15).filter(
    lambda rows: (
        sum(r[0] for r in rows) > 0 and sum(r[1] for r in rows) > 0 and all(a + b > 0 for a, b in rows)
    )
)  # the kernels take units with residents (segregation_indices drops empty ones before)


@settings(max_examples=80, deadline=None)
@given(two_st)
def test_m_equals_h_times_e_two_groups(rows):
    x = np.array([r[0] for r in rows], float)
    t = x + np.array([r[1] for r in rows], float)
    P = x.sum() / t.sum()
    m, h = _one(x, t), _one(x, t, theil_h)
    assert m == pytest.approx(h * _e(P, 1 - P), abs=1e-12)
    assert -1e-15 <= m <= LN2 + 1e-12
    # the multigroup kernel on (x, t − x) is the same number
    F = np.column_stack([x, t - x])
    assert _one(F, t, multigroup_mutual_information) == pytest.approx(m, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_m_equals_h_times_e_multigroup_and_is_symmetric(k, n, seed):
    rng = np.random.default_rng(seed)
    F = rng.integers(0, 200, size=(n, k)).astype(float)
    F[0] += 1  # every group and unit present
    F[:, 0] += 1
    t = F.sum(1)
    Pk = F.sum(0) / F.sum()
    m = _one(F, t, multigroup_mutual_information)
    assert m == pytest.approx(_one(F, t, multigroup_theil_h) * _e(*Pk), abs=1e-12)
    # M treats units and groups alike (mutual information is symmetric): the transposed table gives M again
    assert _one(F.T, F.T.sum(1), multigroup_mutual_information) == pytest.approx(m, abs=1e-12)
    assert -1e-15 <= m <= math.log(min(k, n)) + 1e-12


def test_m_by_segments_in_one_pass_matches_separate_calls():
    rng = np.random.default_rng(4)
    t = rng.integers(10, 500, size=30)
    df = pd.DataFrame({"k": np.repeat(list("ABC"), 10), "x": rng.binomial(t, 0.3), "t": t})
    r = segregation_indices(df, group="x", total="t", by="k", indices="mutual_information")
    for key in "ABC":
        sep = segregation_indices(df[df.k == key], group="x", total="t", indices="mutual_information")
        assert r[r.k == key]["value"].item() == pytest.approx(sep["value"].item(), abs=1e-15)


# ---------------------------------------------------------------- local scores
def _local_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": ["A"] * 4 + ["B"] * 3,
            "area": ["a1", "a2", "a3", "a4", "b1", "b2", "b3"],
            "g1": [5, 50, 10, 0, 3, 30, 9],
            "g2": [40, 5, 10, 3, 7, 30, 1],
            "g3": [1, 2, 30, 9, 0, 0, 20],
        }
    )


def test_local_scores_by_hand():
    # two areas, (group, rest): a = (30, 10), b = (10, 50); T = 100, p_a = .4, p_b = .6, P = .4
    df = pd.DataFrame({"area": ["a", "b"], "x": [30, 10], "t": [40, 60]})
    u = mutual_local(df, group="x", total="t", unit="area").set_index(["area", "index"])["value"]
    la = 0.75 * math.log(0.75 / 0.4) + 0.25 * math.log(0.25 / 0.6)
    lb = (1 / 6) * math.log((1 / 6) / 0.4) + (5 / 6) * math.log((5 / 6) / 0.6)
    assert u["a", "local_segregation"] == pytest.approx(la, abs=1e-15)
    assert u["b", "local_segregation"] == pytest.approx(lb, abs=1e-15)
    assert u["a", "population_share"] == pytest.approx(0.4, abs=1e-15)
    g = mutual_local(df, group="x", total="t", unit="area", per="group").set_index(["group", "index"])[
        "value"
    ]
    # group x: 30 of its 40 in a (p_a = .4), 10 in b (p_b = .6); the rest: 10 of 60 in a, 50 in b
    lx = 0.75 * math.log(0.75 / 0.4) + 0.25 * math.log(0.25 / 0.6)
    ly = (1 / 6) * math.log((1 / 6) / 0.4) + (5 / 6) * math.log((5 / 6) / 0.6)
    assert g["x", "local_segregation"] == pytest.approx(lx, abs=1e-15)
    assert g["other", "local_segregation"] == pytest.approx(ly, abs=1e-15)
    assert g["x", "population_share"] == pytest.approx(0.4, abs=1e-15)
    m = _one([30, 10], [40, 60])
    assert 0.4 * la + 0.6 * lb == pytest.approx(m, abs=1e-15)
    assert 0.4 * lx + 0.6 * ly == pytest.approx(m, abs=1e-15)


def test_local_scores_sum_to_m_per_unit_and_per_group():
    df = _local_frame()
    groups = ["g1", "g2", "g3"]
    m = segregation_indices(df, group=groups, by="k", indices="multigroup_mutual_information")
    m = m.set_index("k")["value"]
    u = mutual_local(df, group=groups, unit="area", by="k")
    assert list(u.columns) == ["k", "area", "index", "value"]
    w = u.pivot_table(index=["k", "area"], columns="index", values="value")
    by_unit = (w["local_segregation"] * w["population_share"]).groupby("k").sum()
    np.testing.assert_allclose(by_unit[m.index], m, rtol=0, atol=1e-15)
    assert np.allclose(w["population_share"].groupby("k").sum(), 1.0, atol=1e-15)
    g = mutual_local(df, group=groups, unit="area", by="k", per="group")
    assert list(g.columns) == ["k", "group", "index", "value"]
    wg = g.pivot_table(index=["k", "group"], columns="index", values="value")
    by_group = (wg["local_segregation"] * wg["population_share"]).groupby("k").sum()
    np.testing.assert_allclose(by_group[m.index], m, rtol=0, atol=1e-15)
    # the area's term of H is p_i L_i / E
    c = local_indices(df, group=groups, unit="area", by="k")
    contrib = c[c["index"] == "multigroup_theil_h_contribution"].set_index(["k", "area"])["value"]
    h = segregation_indices(df, group=groups, by="k", indices="multigroup_theil_h").set_index("k")["value"]
    e = (m / h).rename("E")  # E = M / H
    lhs = w["local_segregation"] * w["population_share"] / e.reindex(w.index.get_level_values("k")).to_numpy()
    np.testing.assert_allclose(lhs.to_numpy(), contrib.loc[w.index].to_numpy(), rtol=0, atol=1e-14)


def test_local_group_absent_is_nan_and_residual_is_named_other():
    df = pd.DataFrame({"area": ["a", "b"], "x": [0, 0], "y": [5, 3], "t": [10, 10]})
    g = mutual_local(df, group=["x", "y"], total="t", unit="area", per="group")
    ls = g[g["index"] == "local_segregation"].set_index("group")["value"]
    assert list(ls.index) == ["x", "y", "other"]
    assert np.isnan(ls["x"]) and np.isfinite(ls["y"])
    with pytest.raises(ValueError, match="per must be"):
        mutual_local(df, group="y", total="t", unit="area", per="area")


# ---------------------------------------------------------------- nested decomposition


def test_nested_hand_cases_between_only_and_within_only():
    # between only: each RegSO is homogeneous inside and they differ completely: M = M_between = ln 2
    between = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [100, 100, 0, 0], "t": [100] * 4})
    v = _m(nested_mutual_information(between, group="x", total="t", parent="regso"))
    assert v["mutual_information"] == pytest.approx(LN2, abs=1e-15)
    assert v["mutual_information_between"] == pytest.approx(LN2, abs=1e-15)
    assert v["mutual_information_within"] == pytest.approx(0.0, abs=1e-15)
    # within only: both RegSO are 50/50, R1 split 100/0 inside: M_R1 = ln 2, weight ½; R2 even inside
    within = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [100, 0, 50, 50], "t": [100] * 4})
    v = _m(nested_mutual_information(within, group="x", total="t", parent="regso"))
    assert v["mutual_information_between"] == pytest.approx(0.0, abs=1e-15)
    assert v["mutual_information_within"] == pytest.approx(0.5 * LN2, abs=1e-15)
    assert v["mutual_information_within_share"] == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("multigroup", [False, True])
def test_nested_identity_weights_and_agreement_with_h(multigroup):
    df = deso_in_regso().assign(z=lambda d: (d.t - d.x) // 3).assign(y=lambda d: d.t - d.x - d.z)
    group, total = (["x", "y", "z"], None) if multigroup else ("x", "t")
    pre = "multigroup_" if multigroup else ""
    r = nested_decomposition(df, group=group, total=total, parent="regso", by="kommun")
    assert set(r["index"]) == {
        pre + n
        for n in (
            "theil_h",
            "theil_h_between",
            "theil_h_within",
            "theil_h_within_share",
            "mutual_information",
        )
    } | {pre + f"mutual_information_{p}" for p in ("between", "within", "within_share")}
    v = r.set_index(["kommun", "index"])["value"]
    M = segregation_indices(df, group=group, total=total, by="kommun", indices=f"{pre}mutual_information")
    agg = df.groupby(["kommun", "regso"], as_index=False)[["x", "y", "z", "t"]].sum()
    Mb = segregation_indices(agg, group=group, total=total, by="kommun", indices=f"{pre}mutual_information")
    detail = mutual_within(df, group=group, total=total, parent="regso", by="kommun")
    d = detail.pivot_table(index=["kommun", "regso"], columns="index", values="value")
    for k, m_total, m_between in zip(M["kommun"], M["value"], Mb["value"], strict=True):
        # exact identity M = M_between + Σ_r (T_r/T) M_r, each part computed on its own
        assert v[k, f"{pre}mutual_information"] == pytest.approx(m_total, abs=1e-15)
        assert v[k, f"{pre}mutual_information_between"] == pytest.approx(m_between, abs=1e-15)
        within = (d.loc[k, "population_share"] * d.loc[k, "mutual_information"]).sum()
        assert v[k, f"{pre}mutual_information_within"] == pytest.approx(within, abs=1e-15)
        assert m_total == pytest.approx(m_between + within, abs=1e-12)
        # H's within part with the entropy-ratio weights, and the within shares of H and M agree
        h_within = (
            d.loc[k, "population_share"] * d.loc[k, "entropy_ratio"] * d.loc[k, "theil_h"].fillna(0)
        ).sum()
        assert v[k, f"{pre}theil_h_within"] == pytest.approx(h_within, abs=1e-14)
        assert v[k, f"{pre}theil_h_within_share"] == pytest.approx(
            v[k, f"{pre}mutual_information_within_share"], abs=1e-12
        )
        # every part of M is E times the part of H (E = the kommun's group entropy)
        e = m_total / v[k, f"{pre}theil_h"]
        for part in ("between", "within"):
            assert v[k, f"{pre}mutual_information_{part}"] == pytest.approx(
                e * v[k, f"{pre}theil_h_{part}"], abs=1e-12
            )
    # nested_theil is unchanged: its rows are the H rows of the full decomposition
    h = nested_theil(df, group=group, total=total, parent="regso", by="kommun").set_index(["kommun", "index"])
    np.testing.assert_array_equal(h["value"].to_numpy(), v.loc[h.index].to_numpy())


def test_within_detail_pure_parent():
    # K2's S2 has no group members: M_r = 0 (nothing to segregate), H_r undefined, weight E_r/E = 0
    d = mutual_within(deso_in_regso(), group="x", total="t", parent="regso", by="kommun")
    s2 = d[d["regso"] == "S2"].set_index("index")["value"]
    assert s2["mutual_information"] == 0.0 and np.isnan(s2["theil_h"]) and s2["entropy_ratio"] == 0.0
    assert s2["population_share"] == pytest.approx(100 / 300, abs=1e-15)


def test_change_decomposition_of_m_adds_up():
    a = pd.DataFrame({"year": 2020, "area": list("abcd"), "x": [80, 20, 5, 40], "t": [100, 100, 50, 70]})
    b = pd.DataFrame({"year": 2023, "area": list("abcd"), "x": [90, 60, 5, 20], "t": [200, 100, 80, 60]})
    r = change_decomposition(
        pd.concat([a, b]), group="x", total="t", unit="area", from_year=2020, to_year=2023,
        indices="mutual_information",
    )  # fmt: skip
    s = r.set_index("component")["value"]
    assert s["total"] == pytest.approx(s["unit_marginal"] + s["group_marginal"] + s["structural"], abs=1e-12)
    m = segregation_indices(pd.concat([a, b]), group="x", total="t", by="year", indices="mutual_information")
    assert s["total"] == pytest.approx(m["value"].iloc[1] - m["value"].iloc[0], abs=1e-12)


# ---------------------------------------------------------------- oracle: PySAL's MultiDivergence (= M)
def test_oracle_pysal_divergence_synthetic():
    import_or_fail("segregation")
    from segregation.multigroup.multi_divergence import _multi_divergence

    df = _local_frame()
    groups = ["g1", "g2", "g3"]
    ours = segregation_indices(df, group=groups, by="k", indices="multigroup_mutual_information")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, sub in df.groupby("k"):
            ref = _multi_divergence(sub.reset_index(drop=True), groups)[0]
            assert ours.set_index("k")["value"][k] == pytest.approx(ref, abs=1e-12)


@pytest.mark.reference
def test_oracle_pysal_divergence_national(born_in_sweden):
    """M on SCB's national RegSO data (foreign-born vs born in Sweden) against PySAL for all 1,160 segments."""
    import_or_fail("segregation")
    from segregation.multigroup.multi_divergence import _multi_divergence

    from tests.support.reference_frames import national_frame

    w = national_frame(born_in_sweden)
    ours = segregation_indices(w, group="foreign", total="totalt", by=["kommun", "year"], indices=[
        "mutual_information", "theil_h"])  # fmt: skip
    got = ours.set_index(["kommun", "year", "index"])["value"]
    worst, n = 0.0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (kommun, year), sub in w.groupby(["kommun", "year"]):
            ref = _multi_divergence(sub.reset_index(drop=True), ["foreign", "Sverige"])[0]
            worst = max(worst, abs(got[(kommun, year, "mutual_information")] - ref))
            n += 1
    assert n == 290 * 4 and worst < 1e-12
    # and M = H · E on every segment
    tot = w.groupby(["kommun", "year"])[["foreign", "totalt"]].sum()
    P = tot["foreign"] / tot["totalt"]
    E = -(P * np.log(P) + (1 - P) * np.log(1 - P))
    h = ours[ours["index"] == "theil_h"].set_index(["kommun", "year"])["value"]
    m = ours[ours["index"] == "mutual_information"].set_index(["kommun", "year"])["value"]
    np.testing.assert_allclose(m.to_numpy(), (h * E.loc[h.index]).to_numpy(), rtol=0, atol=1e-12)
