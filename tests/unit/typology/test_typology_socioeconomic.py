"""Open-data socio-economic index, SD-band area types and agreement with the official types."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segindicators.typology import official_area_types
from segindicators.typology.socioeconomic import (
    INDEX_NAME,
    BandRule,
    agreement,
    area_types,
    band_types,
    compare_rules,
    socioeconomic_index,
)
from tests.support.typology_samples import synthetic_processed

MU, SIGMA = 18.0, 4.0  # exact in binary floating point, as are MU + k * SIGMA for the k used below


def test_band_edges_exact_with_known_mu_sigma():
    rule = BandRule()
    at_edges = MU + SIGMA * np.array(rule.edges)  # 14, 18, 22, 26
    assert band_types(at_edges, MU, SIGMA).tolist() == [
        5.0,
        4.0,
        3.0,
        2.0,
    ]  # an edge belongs to the better type
    just_above = np.nextafter(at_edges, np.inf)
    assert band_types(just_above, MU, SIGMA).tolist() == [4.0, 3.0, 2.0, 1.0]
    assert band_types(np.array([0.0, 100.0]), MU, SIGMA).tolist() == [5.0, 1.0]


def _index_frame(values, kommun="9999"):
    n = len(values)
    return pd.DataFrame(
        {
            "kommun": kommun, "level": "RegSO", "geo_version": "2018", "year": np.int64(2022),
            "area": [f"{kommun}R{i:03d}" for i in range(n)], "area_name": pd.NA, "index": INDEX_NAME,
            "value": np.asarray(values, float), "flags": "v3_proxy",
        }
    )  # fmt: skip


def test_area_types_estimate_mu_sigma_from_a_sample_with_known_moments():
    z = np.array([-2.0, 2.0, 0, 0, 0, 0, 0, 0, -1, 1, -1, 1])  # mean 0, population SD exactly 1
    t = area_types(_index_frame(MU + SIGMA * z), relative_to="kommun")
    assert (t["mu"] == MU).all() and (t["sigma"] == SIGMA).all()
    np.testing.assert_array_equal(t["z"], z)
    assert t["value"].tolist() == [5, 2, 4, 4, 4, 4, 4, 4, 5, 3, 5, 3]
    t1 = area_types(_index_frame(MU + SIGMA * z), relative_to="kommun", rule=BandRule(ddof=1))
    assert t1["sigma"].iloc[0] == pytest.approx(SIGMA * np.sqrt(12 / 11))


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=40), st.floats(-0.5, 0.5))
def test_band_types_monotone_and_in_range(values, shift):
    v = np.array(values)
    sigma = v.std()
    types = band_types(
        v, v.mean(), sigma if sigma > 0 else 1.0, (-1 + shift, 0 + shift, 1 + shift, 2 + shift)
    )
    assert set(types.tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    order = np.argsort(v, kind="mergesort")
    assert np.all(np.diff(types[order]) <= 0)  # a higher index never gets a better type


def test_kommun_relative_differs_from_pooled_national():
    a = _index_frame([10, 12, 14, 16], kommun="0001")
    b = _index_frame([30, 32, 34, 36], kommun="0002")
    both = pd.concat([a, b], ignore_index=True)
    nat = area_types(both, relative_to="national")
    kom = area_types(both, relative_to="kommun")
    # pooled: mean 23, SD sqrt(105) ≈ 10.25, so z = ±0.68, ±0.88, ±1.07, ±1.27
    assert nat["value"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2]
    assert kom["value"].tolist()[:4] == kom["value"].tolist()[4:]  # same pattern within each kommun
    assert nat["flags"].str.contains("pooled_reference").all()  # two kommuner are not the country
    assert not kom["flags"].str.contains("pooled_reference").any()
    assert kom["flags"].str.contains("v3_proxy").all()
    explicit = area_types(both, national=pd.DataFrame({"year": [2022], "mu": [MU], "sigma": [SIGMA]}))
    assert explicit["value"].tolist() == band_types(both["value"].to_numpy(), MU, SIGMA).tolist()
    assert not explicit["flags"].str.contains("pooled_reference").any()


def _counts(rows):
    base = {"kommun": "9999", "level": "RegSO", "geo_version": "2018", "area_name": pd.NA,
            "numerator": np.nan, "denominator": np.nan}  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows])


def test_index_components_proxy_break_and_missing():
    rows = []
    for area, year, v1, v2, emp, rams in [("A", 2022, 0.3, 0.2, 0.7, None), ("B", 2019, 0.1, 0.1, None, 0.85),
                                          ("C", 2022, np.nan, 0.1, 0.8, None)]:  # fmt: skip
        rows += [
            {"area": area, "year": year, "indicator": "low_economic_standard_share", "value": v1},
            {"area": area, "year": year, "indicator": "education_compulsory_share", "value": v2},
        ]
        if emp is not None:
            rows.append({"area": area, "year": year, "indicator": "employment_rate_20_64", "value": emp})
        if rams is not None:
            rows.append(
                {"area": area, "year": year, "indicator": "employment_rate_20_64_rams", "value": rams}
            )
    idx = socioeconomic_index(_counts(rows))
    got = idx[idx["index"] == INDEX_NAME].set_index("area")
    assert got.loc["A", "value"] == pytest.approx((30 + 20 + 30) / 3)
    assert got.loc["B", "value"] == pytest.approx((10 + 10 + 15) / 3)
    assert np.isnan(got.loc["C", "value"]) and "suppressed" in got.loc["C", "flags"]
    assert got.loc["B", "flags"] == "v3_proxy;break"
    v3 = idx[idx["index"] == "v3_not_employed_20_64_proxy"]
    assert v3["flags"].str.startswith("v3_proxy").all()
    assert "proxy" in idx.attrs["note"] and "ekonomiskt bistånd" in idx.attrs["note"]


def _kappa_by_definition(a, b):
    """Cohen's kappa with explicit loops (independent of the vectorised implementation)."""
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((sum(x == k for x in a) / n) * (sum(y == k for y in b) / n) for k in range(1, 6))
    return (po - pe) / (1 - pe)


def test_agreement_matches_definition():
    rng = np.random.default_rng(5)
    off = rng.integers(1, 6, 200).astype(float)
    rep = np.where(rng.random(200) < 0.6, off, rng.integers(1, 6, 200)).astype(float)
    frame = lambda v: pd.DataFrame({"area": [f"a{i}" for i in range(200)], "year": 2022, "value": v})  # noqa: E731
    a = agreement(frame(rep), frame(off))
    assert a.kappa == pytest.approx(_kappa_by_definition(rep.tolist(), off.tolist()), abs=1e-12)
    assert a.share_agreeing == pytest.approx(np.mean(rep == off))
    assert int(a.confusion.to_numpy().sum()) == 200
    for i, j in itertools.product(range(5), range(5)):
        assert a.confusion.iloc[i, j] == np.sum((off == i + 1) & (rep == j + 1))
    perfect = agreement(frame(off), frame(off))
    assert perfect.kappa == pytest.approx(1.0) and perfect.share_agreeing == 1.0


def test_reproduction_agreement_on_synthetic_data():
    """Measured on the synthetic municipality (its 'official' type is made from low economic standard only):
    the figure tests the machinery; it says nothing about agreement with SCB's real types."""
    counts = synthetic_processed()
    idx = socioeconomic_index(counts)
    assert set(idx["level"]) == {"RegSO", "DeSO"}
    official = official_area_types(counts)
    table = compare_rules(idx, official, {"default": BandRule(), "narrow": BandRule((-1, -0.5, 0.5, 1.5))})
    best = table.iloc[0]
    assert best["rule"] == "default" and best["n"] == 120  # 12 RegSO x 10 years
    assert best["share_agreeing"] >= 0.85 and best["kappa"] >= 0.8
    deso = area_types(idx[idx["level"] == "DeSO"], relative_to="kommun")
    assert deso["value"].notna().all() and set(deso["value"]) <= {1.0, 2.0, 3.0, 4.0, 5.0}
