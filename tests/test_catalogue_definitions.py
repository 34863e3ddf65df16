import copy
from importlib import resources

import pytest
import yaml

from segindicators.catalogue.definitions import (
    CatalogueError,
    catalogue_table,
    load_catalogue,
    parse_catalogue,
)

FIXED_IDS = [
    "population", "foreign_background_share", "foreign_born_share", "employment_rate_20_64",
    "employment_rate_20_64_rams", "low_economic_standard_share", "low_economic_standard_0_19",
    "low_economic_standard_20_64", "low_economic_standard_65plus", "high_economic_standard_share",
    "median_economic_standard_tkr", "median_income_tkr", "income_q1_share", "income_q4_share",
    "education_compulsory_share", "education_post_secondary_3plus_share", "rental_dwellings_share",
    "rental_persons_share", "area_type_official", "socioeconomic_index_official",
    "socioeconomic_v1_low_economic_standard_official", "socioeconomic_v2_pre_upper_secondary_official",
    "socioeconomic_v3_assistance_or_unemployed_official",
]  # fmt: skip
GROUP_IDS = ["background", "birth_region", "income_quartiles", "economic_standard_low_high", "education_levels",
             "tenure", "employment_status"]  # fmt: skip


def _raw():
    text = resources.files("segindicators.catalogue").joinpath("indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_every_fixed_indicator_and_group_id_is_present():
    cat = load_catalogue()
    assert sorted(i.id for i in cat.indicators) == sorted(FIXED_IDS)
    assert sorted(g.id for g in cat.groups) == sorted(GROUP_IDS)


def test_facts_from_the_design_are_encoded():
    cat = load_catalogue()
    emp = cat.indicator("employment_rate_20_64")
    assert emp.numerator.codes == {"ContentsCode": ("0000089X",)}
    assert emp.denominator.codes == {"ContentsCode": ("0000089Y",)}
    assert emp.sources[0].first == 2020
    edu = cat.indicator("education_compulsory_share")
    assert [(p.table, p.first, p.last, p.geo_version) for p in edu.sources] == [
        ("TAB5956", 2015, 2023, "2018"), ("TAB6534", 2024, None, "2025")]  # fmt: skip
    assert 2024 in edu.break_years()
    rent = cat.indicator("rental_dwellings_share")
    assert [p.table for p in rent.sources] == ["TAB6258", "TAB6638"]
    child = cat.indicator("low_economic_standard_0_19")
    assert child.kind == "reconstructed" and child.age_band == "0-19"
    assert any("0–17" in c for c in child.caveats)
    assert cat.indicator("employment_rate_20_64_rams").flags == ("break",)
    assert not hasattr(
        cat, "codelist"
    )  # Region codelists are the tables' own (vs_DeSoHE in TAB5956), not the catalogue's
    bg = cat.group("background")
    assert bg.members["foreign"].codes == {"UtlBakgrund": ("1",)} and bg.total.codes == {
        "UtlBakgrund": ("SA",)
    }


def test_catalogue_table_lists_tables_years_and_breaks():
    t = catalogue_table()
    assert list(t.columns[:4]) == ["id", "name_sv", "name_en", "area"]
    assert len(t) == len(FIXED_IDS)
    row = t.set_index("id").loc["employment_rate_20_64"]
    assert row["tables"] == "TAB6680 2020–2023 (geo 2018); TAB6680 2024– (geo 2025)"
    assert row["first_year"] == 2020 and "BAS" in row["breaks"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["indicators"][3].update(direction="up"),
            "indicator 'employment_rate_20_64': field 'direction'",
        ),
        (lambda r: r["indicators"][0].update(area=7), "indicator 'population': field 'area'"),
        (
            lambda r: r["indicators"][1]["sources"][0].update(geo_version=2018),
            "field 'sources[0].geo_version'",
        ),
        (lambda r: r["indicators"][5]["share_of"].update(persons="nobody"), "field 'share_of.persons'"),
        (
            lambda r: r["indicators"][1].update(numerator={"UtlBakgrund": "1"}),
            "field 'numerator.UtlBakgrund'",
        ),
        (
            lambda r: r["indicators"].append(copy.deepcopy(r["indicators"][0])),
            "duplicate indicator ids ['population']",
        ),
        (lambda r: r["groups"][0]["members"].pop("swedish"), "group 'background': field 'members'"),
    ],
)
def test_schema_errors_name_the_indicator_and_field(mutate, expected):
    raw = _raw()
    mutate(raw)
    with pytest.raises(CatalogueError, match=expected.replace("(", r"\(").replace("[", r"\[")):
        parse_catalogue(raw)


def test_overlapping_periods_are_rejected():
    raw = _raw()
    raw["indicators"][0]["sources"][0]["last"] = 2024
    with pytest.raises(CatalogueError, match="do not overlap"):
        parse_catalogue(raw)
