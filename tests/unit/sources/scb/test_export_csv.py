"""read_export_csv on the real Statistikdatabasen exports in ../shared/reference."""

from __future__ import annotations

import numpy as np
import pytest

from segindicators.sources.scb import read_export_csv

pytestmark = pytest.mark.reference

OFFICIAL_POPULATION = {2020: 10_379_295, 2021: 10_452_326, 2022: 10_521_556, 2023: 10_551_707}


def test_population_totals_match_official(born_in_sweden):
    df = born_in_sweden
    assert list(df.columns) == ["region", "födelseregion", "kön", "contents", "year", "value", "status"]
    totals = df[df["födelseregion"] == "totalt"].groupby("year")["value"].sum()
    assert totals.to_dict() == OFFICIAL_POPULATION
    assert df["region"].nunique() == 3363
    assert set(df["contents"]) == {"Antal"}


def test_omradestyp_file_and_footer(reference_dir):
    df = read_export_csv(reference_dir / "scb-export-csv" / "regso2020_omradestyp_2022.csv")
    assert len(df) == 3363
    row = df[df["stub0"] == "Linköping (Skäggetorp-Tornby)"]
    assert row["value"].tolist() == [1.0] and row["year"].tolist() == [2022]
    assert df.loc[df["stub0"] == "Linköping (Berga)", "value"].item() == 2
    assert df.loc[df["stub0"] == "Linköping (Ryd)", "value"].item() == 2
    notes = df.attrs["notes"]
    for needle in (
        "Källa:",
        "SCB",
        "Områdestyp 1 – områden med stora socioekonomiska utmaningar",
        "Områdestyp 5",
    ):
        assert needle in notes
    # the footer never leaks into the data
    assert not df["stub0"].str.contains("Källa").any()


def test_income_label_with_trailing_space(reference_dir):
    df = read_export_csv(reference_dir / "scb-export-csv" / "regso2020_mean_wage_income_2020_2023.csv")
    assert set(df["inkomstkomponent"]) == {"löneinkomst "}
    assert set(df["contents"]) == {"Medelvärde för samtliga, tkr"}
    v = df.loc[(df["region"] == "Upplands Väsby (Bollstanäs)") & (df["year"] == 2021), "value"].item()
    assert v == pytest.approx(449.7)


def test_windows_1252_copy_reads_the_same(reference_dir, tmp_path):
    src = reference_dir / "scb-export-csv" / "regso2020_born_in_sweden_2020_2023.csv"
    text = src.read_bytes().decode("utf-8-sig")
    copy = tmp_path / "cp1252.csv"
    copy.write_bytes(text.encode("cp1252"))
    a = read_export_csv(src)
    b = read_export_csv(copy)
    assert a.drop(columns=[]).equals(b)


def test_symbols_and_errors(tmp_path):
    p = tmp_path / "sym.csv"
    p.write_text('"region","Antal 2020","Antal 2021","Antal 2022"\n"X",..,-,.\n', encoding="utf-8")
    df = read_export_csv(p)
    assert np.isnan(df["value"].iloc[0]) and df["status"].iloc[0] == ".."
    assert df["value"].iloc[1] == 0.0 and df["status"].iloc[1] == "-"
    assert np.isnan(df["value"].iloc[2]) and df["status"].iloc[2] == "."
    bad = tmp_path / "bad.csv"
    bad.write_text('"region","Antal 2020"\n"X",abc\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2, column 'Antal 2020'.*'abc'"):
        read_export_csv(bad)
    noyear = tmp_path / "noyear.csv"
    noyear.write_text('"region","Antal"\n"X",1\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no year column"):
        read_export_csv(noyear)


def test_semicolon_decimal_comma(tmp_path):
    p = tmp_path / "sv.csv"
    p.write_text('"region";"Medelvärde 2020"\n"X";"12,5"\n', encoding="utf-8")
    assert read_export_csv(p)["value"].item() == 12.5
