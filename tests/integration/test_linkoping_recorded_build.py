"""A Linköping build over HTTP through the fake generated from SCB's recorded metadata (synthetic values).

Region codes are Linköping's real DeSO/RegSO (SCB's kopplingstabeller in shared/reference/lookups); every
variable, code, label, unit and elimination flag is SCB's recorded metadata; every number is synthetic
(Syntetiska exempeldata – inte officiell statistik).
"""

from __future__ import annotations

import numpy as np
import pytest

from segindicators.catalogue.builder import build_counts
from segindicators.catalogue.definitions import load_catalogue
from segindicators.geography import read_reference_lookups
from segindicators.geography.kommun import kommun_series
from segindicators.sources.scb import ScbClient
from segindicators.testing import synthetic_server

pytestmark = pytest.mark.reference

NO_KOMMUN_ROWS = {"TAB6680", "TAB6258", "TAB6638"}  # reference metadata: DeSO/RegSO only


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.fixture(scope="module")
def server(lookup):
    with synthetic_server(lookup, ["0580"], seed=580, max_calls=1000) as fake:
        yield fake


def _build(server, tmp_path, years):
    client = ScbClient(base_url=server.url, cache_dir=tmp_path / "raw")
    n0 = len(server.data_requests())
    out = build_counts(client, "0580", years)
    return out, server.data_requests()[n0:]


@pytest.fixture(scope="module")
def built(server, tmp_path_factory):
    return _build(server, tmp_path_factory.mktemp("lkp"), range(2019, 2025))


def test_every_indicator_and_group_at_deso_and_regso_in_one_call_per_table(built, lookup):
    out, requests = built
    cat = load_catalogue()
    tables = [r.path.split("/")[-2] for r in requests]
    assert len(tables) == len(set(tables)) == 14  # one call per table: all levels and both versions in it
    for level in ("DeSO", "RegSO"):
        have = set(out.loc[out["level"] == level, "indicator"])
        for ind in cat.indicators:
            if level in ind.levels:
                assert ind.id in have, (level, ind.id)
        for grp in cat.groups:
            for member in grp.members:
                assert f"{grp.id}.{member}" in have, (level, grp.id, member)
    lk = lookup[lookup["kommun"] == "0580"]
    deso = out[(out["level"] == "DeSO") & (out["indicator"] == "population")]
    assert deso.groupby("geo_version")["area"].nunique().to_dict() == {"2018": 94, "2025": 98}
    assert set(deso["area"]) == set(lk["deso"])
    regso = out[(out["level"] == "RegSO") & (out["indicator"] == "population")]
    assert regso.groupby("geo_version")["area"].nunique().to_dict() == {"2018": 32, "2025": 32}


def test_no_value_comes_from_a_2025_codes_pre_2024_zero(built):
    out, _ = built
    areal = out[out["level"].isin(["DeSO", "RegSO"])]
    assert (areal.loc[areal["geo_version"] == "2025", "year"] >= 2024).all()
    assert (areal.loc[areal["geo_version"] == "2018", "year"] <= 2023).all()
    pop = out[out["indicator"] == "population"]
    assert (pop["value"] > 0).all()  # the fake answers 0 for those cells: none got through


def test_reconstructed_counts_carry_the_published_rounding(built, server):
    out, _ = built
    rows = out[(out["indicator"] == "low_economic_standard_0_19") & out["value"].notna()]
    assert rows["flags"].str.contains("reconstructed").all()
    assert (rows["rounding"] == 0.005).all()  # TAB6685's unit decimals 0: whole percent, ±0.5 points
    assert np.allclose(rows["value"] * 100, np.round(rows["value"] * 100))  # published whole percent
    assert out.loc[out["indicator"] == "population", "rounding"].isna().all()


def test_kommun_rows_of_tables_without_them_are_pooled_and_flagged(built, lookup):
    out, _ = built
    own = out[out["level"] == "kommun"]
    assert not set(own["source_table"]) & NO_KOMMUN_ROWS
    assert "TAB6685" in set(own["source_table"])  # SCB's own kommun figure where it publishes one
    deso = out[out["level"] == "DeSO"]
    kommun = kommun_series(deso, own, lookup, unvouched_tables=out.attrs["unvouched_tables"])
    pooled = kommun[kommun["flags"].str.contains("pooled")]
    # TAB5880 (RAMS) has no recorded metadata: its spec assumes DeSO/RegSO only (x-verify), so it is pooled too
    assert set(pooled["source_table"]) == NO_KOMMUN_ROWS | {"TAB5880"}
    emp = pooled[pooled["source_table"] == "TAB6680"]
    assert len(emp) and emp["flags"].str.contains("unvouched_sum").all()  # aggregallowed: false
    assert not pooled.loc[pooled["source_table"] != "TAB6680", "flags"].str.contains("unvouched_sum").any()
    # the area type is a class: never pooled
    assert "area_type_official" not in set(kommun["indicator"])


def test_riket_rows_wherever_scb_publishes_them(built):
    out, requests = built
    riket = out[out["level"] == "riket"]
    assert not set(riket["source_table"]) & (NO_KOMMUN_ROWS | {"TAB6586"})
    assert {"TAB6574", "TAB6571", "TAB6572", "TAB6685", "TAB6684", "TAB6253"} <= set(riket["source_table"])
    regions = {r.path.split("/")[-2]: r.body["selection"][0]["valueCodes"] for r in requests}
    assert regions["TAB6680"] == ["0580*"] and regions["TAB6685"] == ["0580*", "00"]


def test_2025_completes_with_each_tables_unpublished_years_reported(server, tmp_path):
    out, requests = _build(server, tmp_path, range(2019, 2026))
    missing = {(u["table"], tuple(u["years"])) for u in out.attrs["unpublished"]}
    for table in ("TAB6685", "TAB6684", "TAB6679", "TAB6680", "TAB6586"):
        assert (table, (2025,)) in missing
    assert not any(t in ("TAB6574", "TAB6571", "TAB6534", "TAB6638", "TAB6253") for t, _ in missing)
    assert 2025 in set(out.loc[out["indicator"] == "population", "year"])
    for r in requests:  # no table is asked for a year its metadata does not list
        tid = {s["variableCode"]: s["valueCodes"] for s in r.body["selection"]}["Tid"]
        if r.path.split("/")[-2] in ("TAB6685", "TAB6680"):
            assert "2025" not in tid
    assert server.unmatched == []


def test_aggregallowed_false_tables_are_listed(built):
    out, _ = built
    assert out.attrs["unvouched_tables"] == ["TAB6586", "TAB6680"]
