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
from tests.support.catalogue_stubs import RecordingClient, stub_metadata


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
        [("0580R018", "2023", "tot", "1+2", "000007Y5", 10060.0, None),
         ("0580R018", "2023", "sv", "1+2", "000007Y5", 3826.0, None)],
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
    f = frame([("0580R001", "2023", lv, "000005MO", v, ".." if np.isnan(v) else None) for lv, v in zip(levels, vals, strict=True)],
              ["UtbildningsNiva", "ContentsCode"])  # fmt: skip
    row = indicator_rows(ind, f, ind.sources[0]).iloc[0]
    assert row["numerator"] == 100.0 and np.isnan(row["denominator"]) and np.isnan(row["value"])


def test_reconstructed_share_times_the_tables_own_persons_is_flagged(cat):
    """TAB6685 publishes the percentage and its number of persons (000008AE); the count is their product."""
    ind = cat.indicator("low_economic_standard_0_19")
    share = frame([("0580R018", "2022", "0-19", "000008AC", 62.0, None),
                   ("0580R018", "2022", "0-19", "000008AE", 2000.0, None)], ["Alder", "ContentsCode"])  # fmt: skip
    row = indicator_rows(ind, share, ind.sources[0], decimals=0).iloc[0]
    assert row["denominator"] == 2000.0
    assert row["value"] == 0.62 and row["numerator"] == 1240.0
    assert row["flags"] == "reconstructed" and row["source_table"] == "TAB6685"
    assert row["rounding"] == 0.005  # whole percent: ±0.5 percentage points


def test_ckm_rule_uses_the_tables_own_total_from_2025():
    raw = {
        "ckm_from": 2025,
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
    rows = [("0580R001", "2024", lv, "000007Z6", 10.0, None) for lv in ["21", "3+4", "5", "6", "US"]]
    out = indicator_rows(edu, frame(rows, ["UtbildningsNiva", "ContentsCode"]), edu.sources[1])
    assert out["flags"].tolist() == ["break"]
    rams = cat.indicator("employment_rate_20_64_rams")
    rows = [
        ("0580R001", "2019", s, "1+2", "00000569", v, None) for s, v in (("FÖRV", 70.0), ("total", 100.0))
    ]
    out = indicator_rows(rams, frame(rows, ["Sysselsattning", "Kon", "ContentsCode"]), rams.sources[0])
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


def test_one_call_per_table_brings_every_level_and_version(cat):
    client = RecordingClient(stub_metadata())
    out = build_counts(client, "0580", range(2018, 2026), catalogue=cat)
    calls = Counter(t for t, _, _ in client.data_calls)
    assert max(calls.values()) == 1 and len(calls) == 14
    assert all(cl == {} for _, _, cl in client.data_calls)  # the table's own Region codes, no codelist
    regions = {t: sel["Region"] for t, sel, _ in client.data_calls}
    assert regions["TAB6574"] == ["0580*", "00"] and regions["TAB6685"] == ["0580*", "00"]
    for t in ("TAB6680", "TAB6258", "TAB6638", "TAB6586"):  # no riket rows at SCB: not asked for
        assert regions[t] == ["0580*"]
    assert Counter(client.metadata_calls).most_common(1)[0][1] == 1
    assert list(out.columns) == COLUMNS
    assert set(out["level"]) == {"DeSO", "RegSO", "kommun", "riket"}
    assert (out.loc[out.level != "riket", "kommun"] == "0580").all()
    assert (out.loc[out.level == "riket", ["kommun", "area"]] == "00").all().all()
    built = set(out["indicator"])
    assert {i.id for i in cat.indicators} <= built
    assert {"background.foreign", "employment_status.not_employed", "income_quartiles.q4"} <= built
    assert out["year"].dtype == "int64" and set(out["geo_version"]) == {"2018", "2025"}
    # years follow each indicator's source periods and what the table publishes
    emp = out[out.indicator == "employment_rate_20_64"]
    assert set(emp["year"]) == set(range(2020, 2025))
    assert set(emp["level"]) == {"DeSO", "RegSO"}  # TAB6680 has no kommun or riket rows
    assert set(out.loc[out.indicator == "employment_rate_20_64_rams", "year"]) == {2019}
    assert {"indicator": "employment_rate_20_64", "table": "TAB6680", "years": [2025]} in out.attrs[
        "unpublished"
    ]
    assert out.attrs["unvouched_tables"] == ["TAB6586", "TAB6680"]
    assert out.loc[out.indicator.str.startswith("low_economic"), "flags"].str.contains("reconstructed").all()
    assert (out.loc[out.indicator.str.startswith("low_economic"), "rounding"].dropna() == 0.005).all()


def test_no_value_comes_from_a_2025_codes_pre_2024_zero(cat):
    """SCB answers 0 for a 2025-version code asked for a year before 2024; such cells never become rows."""
    client = RecordingClient(stub_metadata())
    out = build_counts(
        client, "0580", [2022, 2023, 2024], catalogue=cat, indicators=["population"], groups=[]
    )
    assert set(out.loc[out.geo_version == "2025", "year"]) == {2024}
    assert set(out.loc[out.geo_version == "2018", "year"]) == {2022, 2023}
    assert (out["value"] > 0).all()
    assert "0580C1191" in set(out.loc[out.geo_version == "2025", "area"])


def test_call_plan_merges_indicators_sharing_a_table(cat):
    from segindicators.sources.scb.metadata import recorded_specs

    reqs = plan_requests(cat, "0580", [2023, 2024], specs=recorded_specs(),
                         indicators=["low_economic_standard_share", "low_economic_standard_0_19"], groups=[])  # fmt: skip
    assert [r.table for r in reqs] == ["TAB6685"]
    sel = reqs[0].selection
    assert sel["Alder"] == ["0-19", "tot"] and sel["ContentsCode"] == ["000008AC", "000008AE"]
    assert sel["Tid"] == ["2023", "2024"]


def test_build_fails_before_any_data_call_when_a_code_was_renamed(cat, tmp_path):
    meta = stub_metadata()
    idx = meta["TAB6680"]["dimension"]["ContentsCode"]["category"]["index"]
    idx["0000089Q"] = idx.pop("0000089X")
    client = RecordingClient(meta)
    with pytest.raises(CatalogueMismatchError, match="indicator 'employment_rate_20_64'"):
        build_counts(client, "0580", [2024], catalogue=cat)
    assert client.data_calls == []


def test_build_writes_parquet(cat, tmp_path):
    client = RecordingClient(stub_metadata())
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
    share = frame([("0580R001", "2024", "tot", "000008AC", 10.0, None),
                   ("0580R001", "2024", "tot", "000008AE", 1000.0, None)], ["Alder", "ContentsCode"])  # fmt: skip
    out = indicator_rows(ind, share, ind.sources[1])
    assert out["flags"].tolist() == ["reconstructed;break"] and out["numerator"].tolist() == [100.0]


@pytest.mark.reference
def test_foreign_born_share_from_the_real_regso_export(cat, born_in_sweden):
    """SCB's own export (RegSO 2020, födelseregion Sverige/totalt) through the catalogue definition.

    Labels are mapped to the catalogue's codes here (TAB6572 Fodelseregion sv / tot in SCB's metadata).
    """
    exp = born_in_sweden
    f = pd.DataFrame(
        {
            "Region": exp["region"],
            "region_version": None,
            "Tid": exp["year"].astype(str),
            "Fodelseregion": exp["födelseregion"].map({"Sverige": "sv", "totalt": "tot"}),
            "Kon": "1+2",
            "ContentsCode": "000007Y5",
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

    client = Client(stub_metadata())
    with pytest.raises(
        CatalogueMismatchError,
        match=r"indicator 'low_economic_standard_65plus' \(TAB6685\): table TAB6685 not found",
    ):
        build_counts(client, "0580", [2023], "DeSO", catalogue=cat)
    assert client.data_calls == []


def test_years_no_source_covers_give_an_empty_frame_in_the_contract(cat):
    client = RecordingClient(stub_metadata())
    out = build_counts(client, "0580", [1990], catalogue=cat)
    assert out.empty and list(out.columns) == COLUMNS and client.data_calls == []
