"""TableSpec from SCB's metadata, and the shipped copies checked against the recorded reference answers."""

from __future__ import annotations

import json

import pytest

from segindicators.sources.scb.metadata import (
    level_of_code,
    read_reference_metadata,
    recorded_metadata,
    recorded_specs,
    table_spec,
)

pytestmark = pytest.mark.reference


def test_shipped_metadata_equals_the_reference(reference_dir):
    """Every shipped document made from the reference is byte-for-byte the parse of the reference excerpts."""
    ref = read_reference_metadata(reference_dir / "scb-api-v2" / "metadata")
    shipped = recorded_metadata()
    assert len(ref) == 12
    for table, doc in ref.items():
        assert json.dumps(shipped[table], sort_keys=True) == json.dumps(doc, sort_keys=True), table
    unrecorded = sorted(set(shipped) - set(ref))
    assert unrecorded == ["TAB5880", "TAB6679"]
    for table in unrecorded:
        assert shipped[table]["x-verify"].startswith("No recorded metadata")


def test_reference_facts_read_from_the_metadata(reference_dir):
    specs = {
        t: table_spec(d)
        for t, d in read_reference_metadata(reference_dir / "scb-api-v2" / "metadata").items()
    }
    # which levels each table has (reference README: TAB6680/6258/6638 DeSO+RegSO only, TAB6586 RegSO only)
    assert sorted(specs["TAB6680"].levels) == ["DeSO", "RegSO"]
    assert sorted(specs["TAB6258"].levels) == ["DeSO", "RegSO"]
    assert sorted(specs["TAB6638"].levels) == ["DeSO", "RegSO"]
    assert sorted(specs["TAB6586"].levels) == ["RegSO"]
    assert {"riket", "kommun"} <= specs["TAB6685"].levels
    # aggregallowed, decimals, years
    assert not specs["TAB6680"].aggregallowed and not specs["TAB6586"].aggregallowed
    assert specs["TAB6684"].aggregallowed
    assert specs["TAB6685"].variable("ContentsCode").decimals("000008AC") == 0
    assert specs["TAB6684"].variable("ContentsCode").labels["000008A9"].startswith("Quartile 4")
    assert specs["TAB6684"].variable("ContentsCode").labels["000008AB"].startswith("Median")
    assert specs["TAB5956"].years[-1] == 2023 and specs["TAB6574"].years[-1] == 2025
    assert specs["TAB5956"].region_codelists[-2:] == ("vs_DeSoHE", "vs_RegSo1")
    assert specs["TAB6253"].variable("Upplatelseform").elimination is False
    assert specs["TAB6680"].variable("Alder").elimination is False


def test_head_region_codes_agree_with_the_codelist_levels(reference_dir):
    """Where the excerpt shows Region codes, their levels are among the levels read from the codelists."""
    docs = read_reference_metadata(reference_dir / "scb-api-v2" / "metadata")
    for table, doc in docs.items():
        spec = table_spec(doc)
        for code in doc.get("x-region-head", []):
            level, version = level_of_code(code)
            assert level in spec.levels, (table, code)
            if version:
                assert version in spec.geo_versions, (table, code)


def test_live_region_codes_decide_the_levels():
    doc = {
        "id": ["Region", "Tid"],
        "dimension": {
            "Region": {"category": {"index": {"0580A0010": 0, "0580R001_RegSO2025": 1}}},
            "Tid": {"category": {"index": {"2024": 0}}},
        },
        "extension": {"px": {"tableid": "TABX", "aggregallowed": False}},
    }
    spec = table_spec(doc)
    assert sorted(spec.levels) == ["DeSO", "RegSO"] and sorted(spec.geo_versions) == ["2018", "2025"]
    assert spec.years == (2024,) and spec.aggregallowed is False


def test_recorded_specs_cover_every_catalogue_table():
    from segindicators.catalogue.definitions import load_catalogue

    cat = load_catalogue()
    tables = {p.table for i in cat.indicators for p in i.sources} | {
        p.table for g in cat.groups for p in g.sources
    }
    assert tables <= set(recorded_specs())
