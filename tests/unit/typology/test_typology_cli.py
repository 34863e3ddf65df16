"""`segindicators affluence` on a small processed file (synthetic, labelled) with typer's CliRunner."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from segindicators._io import write_frame
from segindicators.demo import AFFLUENT_AREAS, FOCUS_AREAS, SYNTHETIC_LABEL
from segindicators.typology.cli import app
from tests.support.typology_samples import synthetic_processed

PROFILE = """kommun: "9999"
name: Exempelstad (syntetisk)
focus_areas:
  - {id: norrdalen, name: Norrdalen, level: RegSO, areas: ["9999R001"]}
  - {id: vasterby, name: Västerby, level: RegSO, areas: ["9999R002"]}
  - {id: asbacken, name: Åsbacken, level: RegSO, areas: ["9999R003"]}
"""


def _setup(tmp_path):
    processed = tmp_path / "processed"
    counts = synthetic_processed()
    write_frame(
        counts[counts["year"].isin([2021, 2022])].reset_index(drop=True), processed / "counts.parquet"
    )
    profile = tmp_path / "9999.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return processed, profile


def test_affluence_cli_prints_and_writes_three_formats(tmp_path):
    processed, profile = _setup(tmp_path)
    out = tmp_path / "reports"
    args = [
        "--kommun",
        "9999",
        "--processed-dir",
        str(processed),
        "--out-dir",
        str(out),
        "--profile",
        str(profile),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert SYNTHETIC_LABEL in res.output and "2022" in res.output  # latest year by default
    assert "Koncentrerat" in res.output and "Norrdalen" in res.output
    stem = out / "affluence_9999_RegSO_2022"
    table = pd.read_parquet(stem.with_suffix(".parquet"))
    assert set(AFFLUENT_AREAS) <= set(table.loc[table["Grupp"] == "Koncentrerat välstånd", "Kod"])
    assert table.loc[table["Grupp"] == "Fokusområde", "Kod"].tolist() == list(FOCUS_AREAS)
    assert table.loc[table["Kod"] == "9999R001", "Områdestyp (SCB)"].item() == 1.0
    csv = pd.read_csv(stem.with_suffix(".csv"), dtype={"Kod": str})
    assert csv["Kod"].tolist() == table["Kod"].tolist()
    xl = pd.read_excel(stem.with_suffix(".xlsx"), sheet_name=None)
    assert set(xl) == {"Välstånd", "Noter"} and SYNTHETIC_LABEL in xl["Noter"]["Not"].iloc[0]


def test_affluence_cli_year_level_and_errors(tmp_path):
    processed, profile = _setup(tmp_path)
    out = tmp_path / "r"
    base = ["--kommun", "9999", "--processed-dir", str(processed), "--out-dir", str(out)]
    res = CliRunner().invoke(app, [*base, "--year", "2021", "--level", "DeSO", "--all-areas"])
    assert res.exit_code == 0, res.output
    t = pd.read_parquet(out / "affluence_9999_DeSO_2021.parquet")
    assert len(t[~t["Grupp"].isin(["Kommunen (alla områden)", "Riket"])]) == 40  # every DeSO 2018
    res = CliRunner().invoke(app, [*base, "--year", "1999"])
    assert res.exit_code != 0 and "years available" in res.output
    res = CliRunner().invoke(app, ["--kommun", "0580", "--processed-dir", str(processed)])
    assert res.exit_code != 0 and "0580" in res.output
    res = CliRunner().invoke(app, ["--kommun", "9999", "--processed-dir", str(tmp_path / "nowhere")])
    assert res.exit_code != 0 and "counts.parquet" in res.output


def test_affluence_cli_deso_focus_areas_through_lookups(tmp_path):
    from segindicators.demo import generate

    processed, profile = _setup(tmp_path)
    lk = generate().lookup
    lookups = tmp_path / "lookups"
    lookups.mkdir()
    v18 = lk[lk["geo_version"] == "2018"]
    pd.DataFrame({"Kommun": v18["kommun"], "Kommunnamn": v18["kommun_name"], "DeSO_2018": v18["deso"],
                  "RegSO_2020": v18["regso_name"], "RegSOkod_2020": v18["regso"]}).to_csv(
        lookups / "koppling-deso2018-regso2020.csv", index=False, encoding="utf-8-sig")  # fmt: skip
    out = tmp_path / "r"
    base = [
        "--kommun",
        "9999",
        "--processed-dir",
        str(processed),
        "--out-dir",
        str(out),
        "--profile",
        str(profile),
    ]
    res = CliRunner().invoke(app, [*base, "--level", "DeSO"])
    assert res.exit_code == 0 and "--lookups" in res.output
    res = CliRunner().invoke(app, [*base, "--level", "DeSO", "--lookups", str(lookups)])
    assert res.exit_code == 0, res.output
    t = pd.read_parquet(out / "affluence_9999_DeSO_2022.parquet")
    focus = t[t["Grupp"] == "Fokusområde"]
    expected = sorted(v18.loc[v18["regso"].isin(FOCUS_AREAS), "deso"])
    assert (
        sorted(focus["Kod"]) == expected
        and focus["Område"].str.startswith(("Norrdalen", "Västerby", "Åsbacken")).all()
    )
