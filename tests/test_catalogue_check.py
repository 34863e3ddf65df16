import json

import pytest

from segindicators.catalogue.check import (
    CatalogueMismatchError,
    assert_catalogue_matches,
    check_catalogue,
    metadata_codes,
)
from segindicators.catalogue.definitions import load_catalogue, parse_catalogue
from tests.catalogue_stubs import synthetic_metadata


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture
def meta(cat):
    return synthetic_metadata(cat)


def test_catalogue_matches_metadata_holding_its_codes(cat, meta):
    assert check_catalogue(cat, meta) == []


def test_renamed_value_code_names_the_indicator_and_the_code(cat, meta):
    index = meta["TAB6680"]["dimension"]["ContentsCode"]["category"]["index"]
    index["0000089Z"] = index.pop("0000089X")  # SCB renames the 'sysselsatta' content
    with pytest.raises(CatalogueMismatchError) as err:
        assert_catalogue_matches(cat, meta)
    msg = str(err.value)
    assert (
        "indicator 'employment_rate_20_64' (TAB6680): variable 'ContentsCode' has no value code '0000089X'"
        in msg
    )
    assert "group 'employment_status' (TAB6680)" in msg
    assert "population" not in msg


def test_renumbered_table_is_named(cat, meta):
    del meta["TAB6685"]  # as when TAB6436 became TAB6685
    problems = check_catalogue(cat, meta, indicators=["low_economic_standard_0_19"], groups=[])
    assert len(problems) == 2  # both periods
    assert problems[0].owner == "indicator 'low_economic_standard_0_19'"
    assert "table TAB6685 not found" in str(problems[0])


def test_missing_variable_and_codelist(cat, meta):
    m = meta["TAB6571"]
    m["id"].remove("UtlBakgrund")
    m["dimension"]["Region"]["extension"]["codelists"] = [{"id": "vs_DeSO2018"}]
    problems = [
        str(p) for p in check_catalogue(cat, meta, indicators=["foreign_background_share"], groups=[])
    ]
    assert any("variable 'UtlBakgrund' missing" in p for p in problems)
    assert any("Region codelist 'vs_RegSO2025' missing" in p for p in problems)


def test_persons_base_is_checked_under_the_indicators_name(cat, meta):
    del meta["TAB6574"]["dimension"]["Alder"]["category"]["index"]["15-19"]
    problems = [
        str(p) for p in check_catalogue(cat, meta, indicators=["low_economic_standard_0_19"], groups=[])
    ]
    assert problems and all("persons base 'age_0_19'" in p for p in problems)
    assert "variable 'Alder' has no value code '15-19'" in problems[0]


@pytest.mark.reference
def test_metadata_codes_reads_real_pxweb_v2_metadata(reference_dir):
    meta = json.loads((reference_dir / "scb-api-v2" / "TAB6471_metadata.json").read_text("utf-8"))
    codes = metadata_codes(meta)
    assert list(codes) == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert {"TotSa", "1", "2"} == codes["Kon"]
    assert codes["ContentsCode"] == {"000007SF"}
    assert "0580" in codes["Region"]
    # a one-indicator catalogue checked against this real document: codes SCB has pass, others are named
    raw = {
        "ckm_from": 2025,
        "geography_versions": {
            "2018": {"DeSO": "vs_DeSO2018", "RegSO": "vs_RegSO2020"},
            "2025": {"DeSO": "vs_DeSO2025", "RegSO": "vs_RegSO2025"},
        },
        "persons": {"all": {"table": "TAB6471", "count": {"Alder": ["TotSA"]}}},
        "indicators": [
            {
                "id": "monthly_population",
                "name_sv": "Folkmängd",
                "name_en": "Population",
                "area": 1,
                "unit": "count",
                "direction": "neutral",
                "age_band": "all ages",
                "sources": [{"table": "TAB6471", "first": 2025, "last": None, "geo_version": "2025"}],
                "selection": {"Kon": ["1+2"], "ContentsCode": ["000007SF"]},
                "numerator": {"Alder": ["TotSA"]},
            }
        ],
    }
    problems = [str(p) for p in check_catalogue(parse_catalogue(raw), {"TAB6471": meta})]
    assert problems == [
        "indicator 'monthly_population' (TAB6471): variable 'Kon' has no value code '1+2'",
        problems[1],
        problems[2],
    ]
    assert "Region codelist 'vs_DeSO2025' missing" in problems[1]
    assert "Region codelist 'vs_RegSO2025' missing" in problems[2]
