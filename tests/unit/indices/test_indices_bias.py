"""Small-unit bias: bootstrap bias correction against a known population, closed forms, PySAL, the battery.

All counts are constructed for the tests (not SCB data).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segindicators.indices import (
    bootstrap_indices,
    bootstrap_nested,
    nested_decomposition,
    segregation_indices,
)
from segindicators.indices.inference import BOOTSTRAP_COLUMNS, _table_layout, _table_unit_totals
from tests.support.ci import import_or_fail

DHM = ["dissimilarity", "theil_h", "mutual_information"]


# ---------------------------------------------------------------- a known population, sampled in small units
def _population(units: int = 20, size: int = 100_000) -> tuple[np.ndarray, int]:
    """A city of 20 equal areas whose group shares run evenly from 10 % to 60 % (its indices are the truth)."""
    return np.rint(np.linspace(0.1, 0.6, units) * size).astype(np.int64), size


def _sampled(n: int, reps: int, resample: str, seed: int = 13) -> pd.DataFrame:
    """``reps`` independent samples of n persons per area (without replacement), all bootstrapped at once."""
    popx, size = _population()
    truth = segregation_indices(pd.DataFrame({"x": popx, "t": size}), group="x", total="t", indices=DHM)
    truth = truth.set_index("index")["value"]
    x = np.random.default_rng(seed).hypergeometric(popx, size - popx, n, size=(reps, len(popx)))
    df = pd.DataFrame({"rep": np.repeat(np.arange(reps), len(popx)), "x": x.ravel(), "t": n})
    r = bootstrap_indices(
        df,
        group="x",
        total="t",
        by="rep",
        indices=DHM,
        draws=400,
        rng=1,
        expected_random=None,
        resample=resample,
    )
    r["err_raw"] = r["value"] - r["index"].map(truth)
    r["err_corrected"] = r["value_bias_corrected"] - r["index"].map(truth)
    return r


@pytest.mark.parametrize("resample", ["units", "table"])
def test_correction_moves_small_unit_estimates_toward_the_known_truth(resample):
    # 20 areas of 30 sampled persons, 200 samples: raw D, H, M are clearly too high (D by ~0.03)
    r = _sampled(30, 200, resample)
    for name, sub in r.groupby("index"):
        bias_raw, bias_corr = sub["err_raw"].mean(), sub["err_corrected"].mean()
        assert bias_raw > 0.01, name  # the small-unit bias is there ...
        assert abs(bias_corr) < 0.2 * bias_raw, name  # ... and the correction removes most of it
        assert sub["err_corrected"].abs().mean() < sub["err_raw"].abs().mean(), name
        assert np.sqrt((sub["err_corrected"] ** 2).mean()) < np.sqrt((sub["err_raw"] ** 2).mean()), name
        assert (sub["err_corrected"].abs() < sub["err_raw"].abs()).mean() > 0.55, name


def test_atkinson_small_b_over_correction_is_flagged():
    # b = 0.1 weighs the group's share as p^0.1: with ~3 members an area the bootstrap over-shoots (the bias
    # changes sign and the average error grows); the rows say so. D, H and M carry no such flag.
    popx, size = _population()
    x = np.random.default_rng(13).hypergeometric(popx, size - popx, 30, size=(100, len(popx)))
    df = pd.DataFrame({"rep": np.repeat(np.arange(100), len(popx)), "x": x.ravel(), "t": 30})
    names = ["atkinson_0.1", "atkinson_0.5", *DHM]
    r = bootstrap_indices(df, group="x", total="t", by="rep", indices=names, draws=300, rng=1)
    truth = segregation_indices(pd.DataFrame({"x": popx, "t": size}), group="x", total="t", indices=names)
    a = r[r["index"] == "atkinson_0.1"]
    true_a = truth.set_index("index")["value"]["atkinson_0.1"]
    assert (a["value_bias_corrected"] - true_a).abs().mean() > (a["value"] - true_a).abs().mean()
    assert (
        a["flags"].str.contains("bias_correction_unreliable").mean() > 0.8
    )  # most samples have such an area
    others = r[r["index"] != "atkinson_0.1"]
    assert not others["flags"].str.contains("bias_correction_unreliable").any()
    # with 3,000 persons an area nothing is sparse
    xb = np.random.default_rng(14).hypergeometric(popx, size - popx, 3000, size=(100, len(popx)))
    big = pd.DataFrame({"rep": np.repeat(np.arange(100), len(popx)), "x": xb.ravel(), "t": 3000})
    big = bootstrap_indices(big, group="x", total="t", by="rep", indices="atkinson_0.1", draws=20, rng=1)
    assert not big["flags"].str.contains("bias_correction_unreliable").any()


def test_correction_changes_nothing_material_for_large_units():
    r = _sampled(5000, 100, "units")
    for name, sub in r.groupby("index"):
        assert (sub["value"] - sub["value_bias_corrected"]).abs().max() < 0.002, name
        assert abs(sub["err_raw"].mean()) < 0.001 and abs(sub["err_corrected"].mean()) < 0.001, name


def test_multigroup_m_correction_toward_truth():
    # three groups, 15 areas of 40 persons sampled from a known population
    size, areas = 50_000, 15
    shares = np.column_stack([np.linspace(0.1, 0.5, areas), np.linspace(0.5, 0.1, areas)])
    shares = np.column_stack([shares, 1 - shares.sum(1)])
    pop = np.rint(shares * size)
    truth = segregation_indices(pd.DataFrame(pop, columns=list("abc")), group=list("abc"),
                                indices="multigroup_mutual_information")["value"].item()  # fmt: skip
    rng = np.random.default_rng(5)
    reps = 150
    draws = np.concatenate(
        [rng.multivariate_hypergeometric(p.astype(np.int64), 40, size=reps)[:, None, :] for p in pop], axis=1
    )
    df = pd.DataFrame(draws.reshape(-1, 3), columns=list("abc")).assign(rep=np.repeat(np.arange(reps), areas))
    r = bootstrap_indices(df, group=list("abc"), by="rep", indices="multigroup_mutual_information", draws=300,
                          rng=2, expected_random=None)  # fmt: skip
    bias_raw = (r["value"] - truth).mean()
    bias_corr = (r["value_bias_corrected"] - truth).mean()
    assert bias_raw > 0.02 and abs(bias_corr) < 0.2 * bias_raw


# ---------------------------------------------------------------- closed forms and exact cases
def _mixed_table(units: int = 20, size: int = 200) -> pd.DataFrame:
    p = np.linspace(0.2, 0.8, units)
    return pd.DataFrame({"x": np.rint(p * size), "t": float(size)})


@pytest.mark.parametrize("resample", ["units", "table"])
def test_bootstrap_bias_of_m_is_the_miller_madow_term(resample):
    # first-order bias of the plug-in M: (I − 1)(K − 1) / (2N); here I = 20, K = 2, N = 4,000 → 0.002375
    df = _mixed_table()
    r = bootstrap_indices(df, group="x", total="t", indices="mutual_information", draws=4000, rng=2,
                          resample=resample, random_draws=2000).iloc[0]  # fmt: skip
    assert r["bias"] == pytest.approx(19 / 8000, rel=0.1)
    # under random allocation 2N·M is about χ² with (I − 1)(K − 1) degrees of freedom: E[M] ≈ the same term
    assert r["expected_random"] == pytest.approx(19 / 8000, rel=0.1)
    # three groups: (I − 1)(K − 1) = 38
    t = df["t"].to_numpy()
    a, b = np.rint(np.linspace(0.2, 0.5, 20) * t), np.rint(np.linspace(0.5, 0.2, 20) * t)
    df3 = pd.DataFrame({"a": a, "b": b, "c": t - a - b})
    r3 = bootstrap_indices(df3, group=["a", "b", "c"], indices="multigroup_mutual_information", draws=4000,
                           rng=2, resample=resample).iloc[0]  # fmt: skip
    assert r3["bias"] == pytest.approx(38 / 8000, rel=0.1)


def test_complete_segregation_has_no_bias_and_columns_relate():
    # every area holds one group only: every draw reproduces the table, so bias = 0 exactly
    df = pd.DataFrame({"x": [30, 0, 12, 0], "t": [30, 25, 12, 40]})
    r = bootstrap_indices(df, group="x", total="t", indices=DHM, draws=50, rng=0).set_index("index")
    assert (r["bias"].abs() < 1e-15).all()  # the mean of 50 equal draws, to rounding
    np.testing.assert_allclose(r["value_bias_corrected"], r["value"], rtol=0, atol=1e-15)
    assert r.loc["mutual_information", "value"] == pytest.approx(
        -(42 / 107) * np.log(42 / 107) - (65 / 107) * np.log(65 / 107), abs=1e-15
    )  # M = E when every area is pure
    # relations between the columns on mixed data
    df = _mixed_table(size=40)
    for resample in ("units", "table"):
        r = bootstrap_indices(df, group="x", total="t", draws=200, rng=3, resample=resample)
        assert list(r.columns)[:8] == ["index", "value", *BOOTSTRAP_COLUMNS]
        np.testing.assert_allclose(r["value_bias_corrected"], r["value"] - r["bias"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(r["ci_low_bias_corrected"], 2 * r["value"] - r["ci_high"], atol=1e-15)
        np.testing.assert_allclose(r["ci_high_bias_corrected"], 2 * r["value"] - r["ci_low"], atol=1e-15)
        evenness = r[r["index"].isin(DHM)]
        assert (evenness["bias"] > 0).all() and (evenness["value_bias_corrected"] < evenness["value"]).all()
        assert r.attrs["resample"] == resample


def test_even_city_corrects_below_zero_and_says_so():
    df = pd.DataFrame({"x": [15] * 12, "t": [30] * 12})
    r = bootstrap_indices(df, group="x", total="t", indices=DHM, draws=200, rng=1).set_index("index")
    assert (r["value"].abs() < 1e-15).all()
    assert (r["value_bias_corrected"] < 0).all()  # not truncated: "indistinguishable from zero"
    assert r["flags"].str.contains("bias_corrected_below_zero").all()


def test_undefined_draws_are_counted():
    # one member of the group in the whole city: some unit draws lose it, D is then undefined
    df = pd.DataFrame({"x": [1, 0, 0], "t": [3, 40, 40]})
    r = bootstrap_indices(df, group="x", total="t", indices="dissimilarity", draws=100, rng=0).iloc[0]
    assert "undefined_draws=" in r["flags"]
    assert np.isfinite(r["value_bias_corrected"])


def test_table_resampling_keeps_segment_totals_and_unit_means():
    # three segments of 1, 5 and 37 units (three size classes); draws of unit sizes keep each segment's total
    rng = np.random.default_rng(0)
    sizes = [1, 5, 37]
    c = np.repeat(np.arange(3), sizes)
    ti = rng.integers(1, 60, size=len(c))
    tt = _table_unit_totals(np.random.default_rng(1), _table_layout(ti, c, 3), 4000, len(c))
    seg_tot = np.stack([np.bincount(c, weights=row, minlength=3) for row in tt[:5]])
    np.testing.assert_array_equal(seg_tot, np.tile(np.bincount(c, weights=ti, minlength=3), (5, 1)))
    assert (tt[:, 0] == ti[0]).all()  # a one-unit segment cannot change
    np.testing.assert_allclose(tt.mean(axis=0), ti, rtol=0.1, atol=1.0)


def test_bias_correction_of_d_agrees_with_pysal():
    """PySAL's BiasCorrectedDissim (Allen et al. 2015; group totals fixed) against ours (unit sizes fixed)."""
    import_or_fail("segregation")
    from segregation.singlegroup.bias_corrected_dissim import _bias_corrected_dissim

    t = np.full(25, 40)
    x = np.random.default_rng(3).binomial(t, np.linspace(0.1, 0.6, 25))
    df = pd.DataFrame({"x": x, "t": t})
    state = np.random.get_state()  # noqa: NPY002 - PySAL draws from numpy's legacy global generator
    try:
        np.random.seed(0)  # noqa: NPY002
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = _bias_corrected_dissim(df, "x", "t", B=4000)[0]
    finally:
        np.random.set_state(state)  # noqa: NPY002
    raw = segregation_indices(df, group="x", total="t", indices="dissimilarity")["value"].item()
    assert raw - ref > 0.015  # a sizeable correction ...
    for resample in ("units", "table"):
        r = bootstrap_indices(df, group="x", total="t", indices="dissimilarity", draws=4000, rng=0,
                              expected_random=None, resample=resample).iloc[0]  # fmt: skip
        assert r["value_bias_corrected"] == pytest.approx(
            ref, abs=0.002
        )  # ... of the same size (within 10 %)


# ---------------------------------------------------------------- the nested decomposition
def _deso(scale: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommun": ["K1"] * 6 + ["K2"] * 4,
            "regso": ["R1", "R1", "R1", "R2", "R2", "R2", "S1", "S1", "S2", "S2"],
            "x": np.array([18, 6, 9, 3, 12, 2, 10, 5, 7, 15]) * scale,
            "t": np.array([30, 30, 30, 30, 30, 30, 25, 25, 25, 25]) * scale,
        }
    )


@pytest.mark.parametrize("multigroup", [False, True])
def test_bootstrap_nested_identity_holds_for_corrected_values(multigroup):
    df = _deso().assign(y=lambda d: (d.t - d.x) // 2)
    group = ["x", "y"] if multigroup else "x"
    pre = "multigroup_" if multigroup else ""
    r = bootstrap_nested(df, group=group, total="t", parent="regso", by="kommun", draws=300, rng=4)
    point = nested_decomposition(df, group=group, total="t", parent="regso", by="kommun")
    np.testing.assert_array_equal(r["value"].to_numpy(), point["value"].to_numpy())
    for col in ("value", "value_bias_corrected", "bias"):
        v = r.set_index(["kommun", "index"])[col]
        for k in ("K1", "K2"):
            for ix in ("theil_h", "mutual_information"):
                assert v[k, pre + ix] == pytest.approx(
                    v[k, f"{pre}{ix}_between"] + v[k, f"{pre}{ix}_within"], abs=1e-12
                ), (col, k, ix)
    # the small DeSO (30 persons) carry the bias: the within part is corrected down, more than the between part
    b = r.set_index(["kommun", "index"])["bias"]
    assert (b.xs(f"{pre}mutual_information_within", level="index") > 0).all()
    assert (
        b.xs(f"{pre}mutual_information_within", level="index")
        > b.xs(f"{pre}mutual_information_between", level="index")
    ).all()
    # the undivided rows agree with bootstrap_indices up to Monte Carlo error
    flat = bootstrap_indices(df, group=group, total="t", by="kommun", indices=f"{pre}mutual_information",
                             draws=300, rng=4)  # fmt: skip
    got = r[r["index"] == f"{pre}mutual_information"]["value_bias_corrected"].to_numpy()
    np.testing.assert_allclose(got, flat["value_bias_corrected"].to_numpy(), atol=0.01)


def test_bootstrap_nested_table_resampling_runs_and_shrinks_with_size():
    small = bootstrap_nested(_deso(), group="x", total="t", parent="regso", by="kommun", draws=200, rng=1,
                             resample="table")  # fmt: skip
    large = bootstrap_nested(_deso(100), group="x", total="t", parent="regso", by="kommun", draws=200, rng=1,
                             resample="table")  # fmt: skip
    sel = lambda r: r[r["index"] == "mutual_information_within"]["bias"].to_numpy()  # noqa: E731
    assert (sel(small) > 10 * np.abs(sel(large))).all()


# ---------------------------------------------------------------- the battery: raw and corrected side by side
def _counts() -> pd.DataFrame:
    areas = {"A1": ("R1", 45, 5), "A2": ("R1", 35, 15), "A3": ("R2", 10, 40), "A4": ("R2", 5, 45)}
    rows = []
    for kommun, scale in [("9998", 1), ("9999", 20)]:
        for area, (_, foreign, swedish) in areas.items():
            for member, v in [("foreign", foreign * scale), ("swedish", swedish * scale)]:
                rows.append(dict(kommun=kommun, level="DeSO", geo_version="2025", area=area, year=2024,
                                 indicator=f"background.{member}", numerator=float(v),
                                 denominator=float((foreign + swedish) * scale), flags=""))  # fmt: skip
    lookup = pd.DataFrame([dict(geo_version="2025", deso=a, regso=r) for a, (r, _, _) in areas.items()])
    return pd.DataFrame(rows), lookup


def test_battery_reports_raw_and_corrected_for_every_citywide_index():
    from segindicators.indices.battery import citywide_battery

    counts, lookup = _counts()
    res = citywide_battery(counts, draws=200, rng=1, lookup=lookup)
    assert list(res.columns) == [
        "kommun", "level", "geo_version", "year", "group", "index", "value", *BOOTSTRAP_COLUMNS,
        "expected_random", "units", "units_dropped", "flags",
    ]  # fmt: skip
    b = res[res["group"] == "background"].set_index(["kommun", "index"])
    seg = b[~b.index.get_level_values("index").str.startswith("ice")]
    assert seg["value_bias_corrected"].notna().all() and seg["bias"].notna().all()
    assert {"mutual_information", "mutual_information_between", "mutual_information_within"} <= set(
        b.index.get_level_values("index")
    )
    for k in ("9998", "9999"):
        for col in ("value", "value_bias_corrected"):
            assert b.loc[(k, "mutual_information"), col] == pytest.approx(
                b.loc[(k, "mutual_information_between"), col] + b.loc[(k, "mutual_information_within"), col],
                abs=1e-12,
            )
    # same composition, 20× the people: the small municipality's D carries the larger bias
    assert b.loc[("9998", "dissimilarity"), "bias"] > 5 * b.loc[("9999", "dissimilarity"), "bias"]
    for ix in DHM:
        assert np.isfinite(b.loc[("9998", ix), "expected_random"])
    # ICE: linear in the counts, no bias; the threshold shares get no correction and say why
    assert b.loc[("9998", "ice"), "value_bias_corrected"] == b.loc[("9998", "ice"), "value"]
    assert b.loc[("9998", "ice"), "bias"] == 0.0
    shares = b[b.index.get_level_values("index").str.startswith("ice_share")]
    assert shares["value_bias_corrected"].isna().all()
    assert shares["flags"].str.contains("bias_correction_not_applicable").all()
    # draws=0: no inference, the new columns exist and are empty
    plain = citywide_battery(counts, draws=0, lookup=lookup)
    assert list(plain.columns) == list(res.columns)
    plain_seg = plain[~plain["index"].str.startswith("ice")]
    assert plain_seg["value_bias_corrected"].isna().all()
    np.testing.assert_allclose(plain["value"].to_numpy(), res["value"].to_numpy(), rtol=0, atol=1e-15)
