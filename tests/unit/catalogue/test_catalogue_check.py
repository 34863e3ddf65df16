import json
from importlib import resources

import pytest
import yaml

from segindicators.catalogue.check import (
    CatalogueMismatchError,
    assert_catalogue_matches,
    check_catalogue,
    label_means,
    metadata_codes,
)
from segindicators.catalogue.definitions import load_catalogue, parse_catalogue
from tests.support.catalogue_stubs import stub_metadata


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture
def meta():
    return stub_metadata()


def _raw():
    return yaml.safe_load(
        resources.files("segindicators.catalogue").joinpath("indicators.yaml").read_text("utf-8")
    )


def test_catalogue_matches_scbs_recorded_metadata(cat, meta):
    assert check_catalogue(cat, meta) == []


def test_renamed_value_code_names_the_indicator_and_the_code(cat, meta):
    index = meta["TAB6680"]["dimension"]["ContentsCode"]["category"]["index"]
    index["0000089Q"] = index.pop("0000089X")  # SCB renames the 'sysselsatta' content
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


def test_missing_variable_is_named(cat, meta):
    m = meta["TAB6571"]
    m["id"].remove("UtlBakgrund")
    del m["dimension"]["UtlBakgrund"]
    problems = [
        str(p) for p in check_catalogue(cat, meta, indicators=["foreign_background_share"], groups=[])
    ]
    assert problems and all("variable 'UtlBakgrund' missing" in p for p in problems)


def test_a_median_pointing_at_a_quartile_share_is_rejected(meta):
    """The old catalogue's error: TAB6684 000008A9 is SCB's 'Quartile 4, share of persons, percent'."""
    raw = _raw()
    ind = next(i for i in raw["indicators"] if i["id"] == "median_economic_standard_tkr")
    ind["level"] = {"ContentsCode": {"000008A9": "median"}}
    with pytest.raises(CatalogueMismatchError) as err:
        assert_catalogue_matches(parse_catalogue(raw), meta, indicators=[ind["id"]], groups=[])
    msg = str(err.value)
    assert "indicator 'median_economic_standard_tkr' (TAB6684)" in msg
    assert "ContentsCode='000008A9' should mean 'median'" in msg
    assert "SCB's label is 'Quartile 4, share of persons, percent'" in msg


def test_a_code_without_a_stated_meaning_is_a_problem(meta):
    raw = _raw()
    ind = next(i for i in raw["indicators"] if i["id"] == "population")
    ind["numerator"] = {"Alder": ["totalt"]}
    problems = [
        str(p) for p in check_catalogue(parse_catalogue(raw), meta, indicators=["population"], groups=[])
    ]
    assert problems and all("Alder='totalt' states no meaning" in p for p in problems)


def test_a_non_eliminable_variable_left_out_is_a_problem(meta):
    """TAB6680's Alder has elimination: false in SCB's metadata: the API refuses a call without it."""
    raw = _raw()
    ind = next(i for i in raw["indicators"] if i["id"] == "employment_rate_20_64")
    ind["selection"].pop("Alder")
    problems = check_catalogue(parse_catalogue(raw), meta, indicators=[ind["id"]], groups=[])
    assert problems and all("variable 'Alder' must be selected" in str(p) for p in problems)


def test_swedish_and_english_labels_both_match():
    assert label_means("Medianvärde, tkr", ["median"]) and label_means(
        "Median value, SEK thousands", ["median"]
    )
    assert label_means("Kvartil 1, andel personer, procent", ["quartile 1", "kvartil 1"])
    assert not label_means("Kvartil 10", ["kvartil 1"])
    assert not label_means("antal arbetslösa", ["sysselsatta"]) and not label_means(
        "unemployed", ["employed"]
    )


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
                "selection": {
                    "Kon": {"1+2": "total"},
                    "ContentsCode": {"000007SF": "population | folkmängd"},
                },
                "numerator": {"Alder": {"TotSA": "total"}},
            }
        ],
    }
    problems = [str(p) for p in check_catalogue(parse_catalogue(raw), {"TAB6471": meta})]
    assert problems[0] == "indicator 'monthly_population' (TAB6471): variable 'Kon' has no value code '1+2'"
    labels = meta["dimension"]["ContentsCode"]["category"]["label"]
    assert any("000007SF" in p for p in problems) == (
        not label_means(labels["000007SF"], ["population", "folkmängd"])
    )
