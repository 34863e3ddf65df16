"""Builder tests on hand-made frames shaped like ScbClient.data output (synthetic numbers, not statistics)."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from segindicators.catalogue.builder import (
    COLUMNS,
    BuildError,
    build_counts,
    indicator_rows,
    parse_years,
    plan_requests,
)
from segindicators.catalogue.check import CatalogueMismatchError
from segindicators.catalogue.definitions import load_catalogue, parse_catalogue
from tests.catalogue_stubs import RecordingClient, synthetic_metadata


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def frame(rows, dims):
    """rows: (Region, Tid, *dim codes, value, status); region_version as ScbClient gives it."""
    df = pd.DataFrame(rows, columns=["Region", "Tid", *dims, "value", "status"])
    df.insert(1, "region_version", np.where(df["Tid"].astype(int) >= 2024, "RegSO2025", None))
    df.attrs["updated"] = "2025-03-20T07:00:00Z"
    return df


def test_share_is_numerator_over_denominator(cat):
    ind = cat.indicator("foreign_background_share")
    f = frame(
        [("0580R018", "2023", "1", "1+2", "000007Y4", 6000.0, None),
         ("0580R018", "2023", "2", "1+2", "000007Y4", 4000.0, None),
         ("0580R018", "2023", "SA", "1+2", "000007Y4", 10000.0, None)],
        ["UtlBakgrund", "Kon", "ContentsCode"],
    )  # fmt: skip
    out = indicator_rows(ind, f, ind.sources[0])
    row = out.iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (6000.0, 10000.0, 0.6)
    assert row["unit"] == "share" and row["source_table"] == "TAB6571" and row["flags"] == ""
    assert row["table_updated"] == "2025-03-20T07:00:00Z" and row["year"] == 2023


def test_minus_spec_gives_total_minus_born_in_sweden(cat):
    ind = cat.indicator("foreign_born_share")
    f = frame(
        [("0580R018", "2023", "tot", "1+2", "X", 10060.0, None),
         ("0580R018", "2023", "010", "1+2", "X", 3826.0, None)],
        ["Fodelseregion", "Kon", "ContentsCode"],
    )  # fmt: skip
    row = indicator_rows(ind, f, ind.sources[0]).iloc[0]
    assert row["numerator"] == 6234.0 and row["denominator"] == 10060.0
    assert row["value"] == pytest.approx(6234 / 10060)


def test_suppressed_cell_stays_nan_with_its_status(cat):
    ind = cat.indicator("foreign_background_share")
    f = frame(
        [("0580R001", "2023", "1", "1+2", "000007Y4", np.nan, ".."),
         ("0580R001", "2023", "SA", "1+2", "000007Y4", 900.0, None)],
        ["UtlBakgrund", "Kon", "ContentsCode"],
    )  # fmt: skip
    row = indicator_rows(ind, f, ind.sources[0]).iloc[0]
    assert np.isnan(row["numerator"]) and np.isnan(row["value"])
    assert row["denominator"] == 900.0
    assert row["status"] == ".." and row["flags"] == "suppressed"


def test_a_suppressed_part_makes_the_sum_nan_not_smaller(cat):
    ind = cat.indicator("education_compulsory_share")
    levels = ["21", "3+4", "5", "6", "US"]
    vals = [100.0, 300.0, np.nan, 200.0, 10.0]
    f = frame([("0580R001", "2023", lv, "X", v, ".." if np.isnan(v) else None) for lv, v in zip(levels, vals, strict=True)],
              ["UtbildningsNiva", "ContentsCode"])  # fmt: skip
    row = indicator_rows(ind, f, ind.sources[0]).iloc[0]
    assert row["numerator"] == 100.0 and np.isnan(row["denominator"]) and np.isnan(row["value"])


def test_reconstructed_share_times_persons_is_flagged(cat):
    ind = cat.indicator("low_economic_standard_0_19")
    share = frame([("0580R018", "2022", "0-19", "000008AC", 62.5, None)], ["Alder", "ContentsCode"])
    bands = ["0-4", "5-9", "10-14", "15-19"]
    persons = frame([("0580R018", "2022", b, "1+2", "000007Y7", 500.0, None) for b in bands],
                    ["Alder", "Kon", "ContentsCode"])  # fmt: skip
    base = cat.persons[ind.share_of.persons]
    row = indicator_rows(ind, share, ind.sources[0], persons_frame=persons, persons_base=base).iloc[0]
    assert row["denominator"] == 2000.0
    assert row["value"] == 0.625 and row["numerator"] == 1250.0
    assert row["flags"] == "reconstructed" and row["source_table"] == "TAB6685+TAB6574"


def test_ckm_rule_uses_the_tables_own_total_from_2025():
    raw = {
        "ckm_from": 2025,
        "geography_versions": {"2018": {"DeSO": "vs_DeSO2018", "RegSO": "vs_RegSO2020"},
                               "2025": {"DeSO": "vs_DeSO2025", "RegSO": "vs_RegSO2025"}},
        "persons": {"all": {"table": "TAB6574", "count": {"Alder": ["totalt"]}}},
        "indicators": [{
            "id": "rental", "name_sv": "Hyresrätt", "name_en": "Rental", "area": 4, "unit": "share",
            "direction": "neutral", "age_band": "dwellings",
            "sources": [{"table": "TAB6638", "first": 2024, "last": None, "geo_version": "2025"}],
            "selection": {}, "numerator": {"Upplatelseform": ["1"]},
            "denominator": {"Upplatelseform": ["1", "2", "3"]}, "total": {"Upplatelseform": ["TOT"]}}],
    }  # fmt: skip
    cat = parse_catalogue(raw)
    ind = cat.indicator("rental")
    rows = []
    for year, parts, tot in (("2024", (40, 30, 30), 100), ("2025", (41, 30, 31), 100)):  # CKM: 102 != 100
        rows += [
            ("0580R001", year, code, float(v), None) for code, v in zip(["1", "2", "3"], parts, strict=True)
        ]
        rows.append(("0580R001", year, "TOT", float(tot), None))
    out = indicator_rows(ind, frame(rows, ["Upplatelseform"]), ind.sources[0], ckm_from=cat.ckm_from)
    got = out.set_index("year")
    assert got.loc[2024, "denominator"] == 100.0  # sum of parts (= total before CKM)
    assert got.loc[2025, "denominator"] == 100.0  # the table's total, not 102
    assert got.loc[2025, "value"] == 0.41


def test_break_years_and_break_series_are_flagged(cat):
    edu = cat.indicator("education_post_secondary_3plus_share")
    rows = [("0580R001", "2024", lv, "X", 10.0, None) for lv in ["21", "3+4", "5", "6", "US"]]
    out = indicator_rows(edu, frame(rows, ["UtbildningsNiva", "ContentsCode"]), edu.sources[1])
    assert out["flags"].tolist() == ["break"]
    rams = cat.indicator("employment_rate_20_64_rams")
    rows = [
        ("0580R001", "2019", s, "1+2", "20-64", "X", v, None) for s, v in (("FÖRV", 70.0), ("TOTALT", 100.0))
    ]
    out = indicator_rows(
        rams, frame(rows, ["Sysselsattning", "Kon", "Alder", "ContentsCode"]), rams.sources[0]
    )
    assert out["flags"].tolist() == ["break"] and out["value"].tolist() == [0.7]


def test_level_indicator_keeps_the_published_level(cat):
    ind = cat.indicator("area_type_official")
    out = indicator_rows(
        ind, frame([("0580R018", "2022", "000008IU", 1.0, None)], ["ContentsCode"]), ind.sources[0]
    )
    assert (
        out["value"].tolist() == [1.0] and out["numerator"].isna().all() and out["unit"].tolist() == ["class"]
    )


def test_unselected_variable_with_several_codes_is_an_error(cat):
    ind = cat.indicator("foreign_background_share")
    f = frame(
        [("0580R001", "2023", "1", "1+2", "000007Y4", "a", 1.0, None),
         ("0580R001", "2023", "1", "1+2", "000007Y4", "b", 1.0, None),
         ("0580R001", "2023", "SA", "1+2", "000007Y4", "a", 2.0, None)],
        ["UtlBakgrund", "Kon", "ContentsCode", "Extra"],
    )  # fmt: skip
    with pytest.raises(
        BuildError, match=r"indicator 'foreign_background_share' \(TAB6571\): variable\(s\) \['Extra'\]"
    ):
        indicator_rows(ind, f, ind.sources[0])


def test_code_absent_from_the_frame_is_an_error(cat):
    ind = cat.indicator("foreign_background_share")
    f = frame(
        [("0580R001", "2023", "1", "1+2", "000007Y4", 1.0, None)], ["UtlBakgrund", "Kon", "ContentsCode"]
    )
    with pytest.raises(BuildError, match=r"no cells for UtlBakgrund=\['SA'\]"):
        indicator_rows(ind, f, ind.sources[0])


# --------------------------------------------------------------------------- call plan, recording stub


@pytest.mark.parametrize("level", ["DeSO", "RegSO"])
def test_at_most_one_call_per_table_and_geography_version(cat, level):
    client = RecordingClient(synthetic_metadata(cat))
    out = build_counts(client, "0580", range(2018, 2026), level, catalogue=cat)
    keys = Counter((t, cl["Region"]) for t, _, cl in client.data_calls)
    assert max(keys.values()) == 1
    assert all(sel["Region"] == ["0580*"] for _, sel, _ in client.data_calls)
    assert Counter(client.metadata_calls).most_common(1)[0][1] == 1
    # both geography versions are asked for with their own codelist
    expected_lists = {"DeSO": {"vs_DeSO2018", "vs_DeSO2025"}, "RegSO": {"vs_RegSO2020", "vs_RegSO2025"}}[
        level
    ]
    assert {cl["Region"] for _, _, cl in client.data_calls} == expected_lists
    assert list(out.columns) == COLUMNS
    assert (out["kommun"] == "0580").all() and (out["level"] == level).all()
    built = set(out["indicator"])
    for ind in cat.indicators:
        if level in ind.levels:
            assert ind.id in built
    assert {"background.foreign", "employment_status.not_employed", "income_quartiles.q4"} <= built
    assert out["year"].dtype == "int64" and set(out["geo_version"]) == {"2018", "2025"}
    # years follow each indicator's source periods
    assert set(out.loc[out.indicator == "employment_rate_20_64", "year"]) == set(range(2020, 2026))
    assert set(out.loc[out.indicator == "employment_rate_20_64_rams", "year"]) == {2019}
    assert out.loc[out.indicator.str.startswith("low_economic"), "flags"].str.contains("reconstructed").all()


def test_call_plan_merges_indicators_sharing_a_table(cat):
    reqs = plan_requests(cat, "0580", [2023], "DeSO", indicators=["population", "low_economic_standard_0_19"],
                         groups=[])  # fmt: skip
    tab6574 = [r for r in reqs if r.table == "TAB6574"]
    assert len(tab6574) == 1
    assert {"totalt", "0-4", "15-19"} <= set(tab6574[0].selection["Alder"])
    assert tab6574[0].codelist == "vs_DeSO2018" and tab6574[0].selection["Tid"] == ["2023"]


def test_build_fails_before_any_data_call_when_a_code_was_renamed(cat, tmp_path):
    meta = synthetic_metadata(cat)
    idx = meta["TAB6680"]["dimension"]["ContentsCode"]["category"]["index"]
    idx["0000089Z"] = idx.pop("0000089X")
    client = RecordingClient(meta)
    with pytest.raises(CatalogueMismatchError, match="indicator 'employment_rate_20_64'"):
        build_counts(client, "0580", [2024], "RegSO", catalogue=cat)
    assert client.data_calls == []


def test_build_writes_parquet(cat, tmp_path):
    client = RecordingClient(synthetic_metadata(cat))
    path = tmp_path / "processed" / "counts.parquet"
    out = build_counts(client, "0580", [2024], "RegSO", catalogue=cat, indicators=["population"], groups=[],
                       out=path)  # fmt: skip
    back = pd.read_parquet(path)
    assert len(back) == len(out) == 2 and list(back.columns) == COLUMNS


def test_parse_years_rejects_garbage():
    assert parse_years("2020-2024") == [2020, 2021, 2022, 2023, 2024]
    with pytest.raises(ValueError, match="years"):
        parse_years("twenty")


def test_reconstructed_and_break_flags_join_in_contract_order(cat):
    ind = cat.indicator("low_economic_standard_share")
    share = frame([("0580R001", "2024", "tot", "000008AC", 10.0, None)], ["Alder", "ContentsCode"])
    persons = frame(
        [("0580R001", "2024", "totalt", "1+2", "000007Y7", 1000.0, None)], ["Alder", "Kon", "ContentsCode"]
    )
    base = cat.persons["all_ages"]
    out = indicator_rows(ind, share, ind.sources[1], persons_frame=persons, persons_base=base)
    assert out["flags"].tolist() == ["reconstructed;break"] and out["numerator"].tolist() == [100.0]


@pytest.mark.reference
def test_foreign_born_share_from_the_real_regso_export(cat, born_in_sweden):
    """SCB's own export (RegSO 2020, födelseregion Sverige/totalt) through the catalogue definition.

    Labels are mapped to the catalogue's codes here; the codes themselves are marked verify in the catalogue.
    """
    exp = born_in_sweden
    f = pd.DataFrame(
        {
            "Region": exp["region"],
            "region_version": None,
            "Tid": exp["year"].astype(str),
            "Fodelseregion": exp["födelseregion"].map({"Sverige": "010", "totalt": "tot"}),
            "Kon": "1+2",
            "ContentsCode": "X",
            "value": exp["value"],
            "status": exp["status"],
        }
    )
    ind = cat.indicator("foreign_born_share")
    out = indicator_rows(ind, f, ind.sources[0]).set_index(["area", "year"])
    row = out.loc[("Linköping (Skäggetorp-Tornby)", 2023)]
    assert (row["numerator"], row["denominator"]) == (6234.0, 10060.0)
    assert round(100 * row["value"], 1) == 62.0
    # the denominators add up to Sweden's official population (reference README)
    totals = out.groupby(level="year")["denominator"].sum()
    assert totals.to_dict() == {2020: 10379295.0, 2021: 10452326.0, 2022: 10521556.0, 2023: 10551707.0}
    assert len(out) == 4 * 3363


def test_a_table_scb_no_longer_has_is_named_with_its_indicators(cat):
    class Gone(Exception):
        status_code = 404

    class Client(RecordingClient):
        def metadata(self, table_id):
            if table_id == "TAB6685":
                raise Gone(f"404 {table_id}")
            return super().metadata(table_id)

    client = Client(synthetic_metadata(cat))
    with pytest.raises(
        CatalogueMismatchError,
        match=r"indicator 'low_economic_standard_65plus' \(TAB6685\): table TAB6685 not found",
    ):
        build_counts(client, "0580", [2023], "DeSO", catalogue=cat)
    assert client.data_calls == []
