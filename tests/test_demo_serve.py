"""The synthetic municipality served over HTTP: the real builder's numbers equal the synthetic truth."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from segindicators.catalogue.builder import build_counts
from segindicators.demo import synthetic as syn
from segindicators.demo.serve import AGE_SPLITS, demo_server, split_counts
from segindicators.scb import ScbClient

YEARS = list(range(2015, 2025))


@pytest.fixture(scope="module")
def demo() -> syn.SyntheticMunicipality:
    return syn.generate()


@pytest.fixture(scope="module")
def built(demo, tmp_path_factory) -> dict[str, pd.DataFrame]:
    fake = demo_server(demo=demo)
    out = {}
    with fake:
        client = ScbClient(base_url=fake.url, cache_dir=tmp_path_factory.mktemp("raw"))
        for level in ("DeSO", "RegSO"):
            out[level] = build_counts(client, syn.KOMMUN, YEARS, level)
        out["requests"] = fake.requests
        out["unmatched"] = fake.unmatched
    return out


def _truth(demo: syn.SyntheticMunicipality, level: str) -> pd.DataFrame:
    c = demo.counts[demo.counts["level"] == level]
    wide = c.set_index(["region", "year", "variable", "category"])["value"].unstack(["variable", "category"])
    return wide


def _get(built: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return built[built["indicator"] == indicator].set_index(["area", "year"])


def _assert_same(got: pd.Series, want: pd.Series, what: str) -> None:
    got = got.reindex(want.index)
    np.testing.assert_array_equal(np.isnan(got.to_numpy(float)), np.isnan(want.to_numpy(float)), err_msg=what)
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=0, atol=1e-9, err_msg=what)


def test_split_counts_adds_up_exactly():
    n = np.arange(0, 500, dtype=float)
    for splits in AGE_SPLITS.values():
        parts = split_counts(n, [w for _, w in splits])
        assert (parts == np.floor(parts)).all()
        np.testing.assert_array_equal(parts.sum(axis=1), n)


def test_only_served_routes_were_requested(built):
    assert built["unmatched"] == []
    data = [r for r in built["requests"] if r.method == "POST"]
    # every data request selects Region with a codelist and the kommun wildcard
    for r in data:
        region = next(s for s in r.body["selection"] if s["variableCode"] == "Region")
        assert region["valueCodes"] == ["9999*"]
        assert region["codelist"] in {"vs_DeSO2018", "vs_DeSO2025", "vs_RegSO2020", "vs_RegSO2025"}
    # at most one data call per table × geography codelist (DeSO and RegSO levels each have their own codelist)
    calls = Counter(
        (r.path, next(s["codelist"] for s in r.body["selection"] if s["variableCode"] == "Region"))
        for r in data
    )
    assert calls and max(calls.values()) == 1, calls.most_common(3)


@pytest.mark.parametrize("level", ["DeSO", "RegSO"])
def test_counts_equal_synthetic_truth(demo, built, level):
    b = built[level]
    w = _truth(demo, level)
    w.index = w.index.rename(["area", "year"])
    # every synthetic area of the level is built, for every year
    assert set(b["area"]) == set(w.index.get_level_values("area"))
    assert sorted(_get(b, "population").index) == sorted(w.index)
    pairs = {
        "population": (w["population_age", "total"], None),
        "foreign_background_share": (w["background", "foreign"], w["background", "total"]),
        "foreign_born_share": (
            w["birth_region", "total"] - w["birth_region", "sweden"],
            w["birth_region", "total"],
        ),
        "employment_rate_20_64": (w["employment_20_64", "employed"], w["employment_20_64", "total"]),
        "education_compulsory_share": (
            w["education_25_64", "compulsory"].fillna(w["education_25_65", "compulsory"]),
            None,
        ),
        "rental_persons_share": (w["persons_tenure", "rental"], None),
        "rental_dwellings_share": (w["dwellings_tenure", "rental"], None),
    }
    for ind, (num, den) in pairs.items():
        got = _get(b, ind)
        _assert_same(got["numerator"], num.reindex(got.index), f"{level} {ind} numerator")
        if den is not None:
            _assert_same(got["denominator"], den.reindex(got.index), f"{level} {ind} denominator")
    # suppressed leaf cells arrive as NaN with status ".." and the suppressed flag, never 0
    edu = _get(b, "education_levels.compulsory")
    sup = edu["numerator"].isna()
    assert (edu.loc[sup, "status"] == "..").all()
    assert edu.loc[sup, "flags"].str.contains("suppressed").all()
    # medians are passed through as levels
    for ind, var in (("median_income_tkr", "median_income_tkr"),
                     ("median_economic_standard_tkr", "median_economic_standard_tkr")):  # fmt: skip
        got = _get(b, ind)
        _assert_same(got["value"], w[var, "total"].reindex(got.index), f"{level} {ind}")


@pytest.mark.parametrize("level", ["DeSO", "RegSO"])
def test_reconstructed_shares_follow_the_published_percentages(demo, built, level):
    b = built[level]
    w = _truth(demo, level)
    w.index = w.index.rename(["area", "year"])
    for ind, g, base in (
        ("low_economic_standard_share", "all", w["population_age", "total"]),
        ("low_economic_standard_0_19", "0_19", w["population_age", "0-19"]),
        ("low_economic_standard_20_64", "20_64", w["population_age", "20-24"] + w["population_age", "25-64"]),
        ("low_economic_standard_65plus", "65plus", w["population_age", "65-79"] + w["population_age", "80+"]),
    ):
        got = _get(b, ind)
        pct = (
            np.round(100 * w[f"economic_standard_{g}", "low"] / w[f"economic_standard_{g}", "total"], 1) / 100
        )
        _assert_same(got["value"], pct.reindex(got.index), f"{level} {ind} value")
        _assert_same(got["denominator"], base.reindex(got.index), f"{level} {ind} persons")
        assert got["flags"].str.contains("reconstructed").all()


def test_area_type_only_at_regso(demo, built):
    assert "area_type_official" not in set(built["DeSO"]["indicator"])
    w = _truth(demo, "RegSO")
    w.index = w.index.rename(["area", "year"])
    got = _get(built["RegSO"], "area_type_official")
    _assert_same(got["value"], w["area_type_official", "total"].reindex(got.index), "area type")


def test_tables_are_labelled_synthetic_and_serve_riket():
    fake = demo_server()
    assert all(t.label.startswith("Syntetiska exempeldata – ") for t in fake.tables.values())
    assert all(t.source == syn.SYNTHETIC_LABEL for t in fake.tables.values())
    regions = fake.tables["TAB6574"].variable("Region").codes
    assert "00" in regions and "9999" in regions
