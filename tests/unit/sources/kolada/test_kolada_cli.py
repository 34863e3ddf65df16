"""`segindicators kolada fetch|kpi` against the fake Kolada server, then `plan status` on the written file.

Synthetic numbers only (labelled synthetic in each value's status); the KPI metadata are the real v3 records
of the plan's KPIs (recorded, shipped in segindicators/testing/kolada_records.json).
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from segindicators.sources.kolada import cli as kolada_cli
from segindicators.plan.cli import build_status
from segindicators.testing import FakeKolada
from tests.support.plan_samples import synthetic_processed

YEARS = list(range(2018, 2025))


def make_fake() -> FakeKolada:
    fake = FakeKolada(page_size=3)
    for kpi, slope in (("N15428", 1.0), ("N31807", -0.5), ("N05401", 0.2)):
        record = fake.add_recorded_kpi(kpi)
        genders = {"T": 0.0, "K": 1.0, "M": -1.0} if record["is_divided_by_gender"] else {"T": 0.0}
        for muni, base in (("0580", 70.0), ("0000", 72.0)):
            for g, shift in genders.items():
                if kpi == "N05401":  # election KPI: each year repeats the latest election (2014, 2018, 2022)
                    elections = {e: base + shift + slope * (e - 2018) for e in (2014, 2018, 2022)}
                    fake.add_election_series(kpi, muni, YEARS, elections, gender=g)
                else:
                    fake.add_values(
                        kpi, muni, YEARS, [base + shift + slope * (y - 2018) for y in YEARS], gender=g
                    )
    return fake  # synthetic numbers


def test_fetch_writes_plan_input_then_offline_and_plan_status(tmp_path):
    runner = CliRunner()
    processed = synthetic_processed(tmp_path / "processed")
    out = processed / "kolada.parquet"
    cache = tmp_path / "raw"
    with make_fake() as fake:
        base = ["--cache-dir", str(cache), "--base-url", fake.url]
        args = ["fetch", "--kpi", "N15428,N31807", "--municipality", "0580", "--years", "2018-2024", *base]
        args += ["--max-calls", "200"]  # the fake allows 1000 per second
        result = runner.invoke(kolada_cli.app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        # 2 KPIs × 2 municipalities × 7 years = 28 records; N15428 is divided by gender (T, K, M) → 56 rows
        assert "56 rows" in result.output
        assert (
            "N15428: Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)" in result.output
        )
        assert "labelled 'Syntetiska exempeldata" in result.output  # the fake's numbers are labelled
        paths = {r.path for r in fake.data_requests()}
        assert paths == {
            "/v3/data/kpi/N15428,N31807/municipality/0000,0580/year/" + ",".join(map(str, YEARS))
        }
        assert len(fake.data_requests()) == 10  # 28 records, 3 per page
        n = fake.request_count
        # A second KPI later, offline from an empty cache: a clear error naming it, no HTTP call.
        result = runner.invoke(kolada_cli.app, [*args[:2], "N05401", *args[3:], "--offline", "-o", str(out)])
        assert result.exit_code == 1 and "N05401" in result.output and fake.request_count == n
        # Online it is added to the same file (merge), the first two KPIs stay.
        result = runner.invoke(kolada_cli.app, [*args[:2], "N05401", *args[3:], "-o", str(out)])
        assert result.exit_code == 0, result.output
        # 2 municipalities × 3 genders × 5 non-election years (2019-2021, 2023-2024)
        assert "30 values repeat the latest election" in result.output
        result = runner.invoke(kolada_cli.app, ["kpi", "N31807", *base, "--offline"])
        assert result.exit_code == 1 and "metadata of KPI N31807" in result.output  # fetched as a pair only
        result = runner.invoke(kolada_cli.app, ["kpi", "N15428,N31807", *base, "--offline"])
        assert result.exit_code == 0 and "N31807" in result.output
        assert not fake.unmatched
    stored = pd.read_parquet(out)
    assert sorted(stored["kpi"].unique()) == ["N05401", "N15428", "N31807"]
    assert len(stored) == (3 + 1 + 3) * 2 * len(YEARS)
    status = build_status("linkoping_2023", processed)
    kolada = status[status["indicator"].str.startswith("kolada:")]
    latest = kolada.sort_values("year").drop_duplicates("indicator", keep="last")
    by_kpi = dict(zip(latest["indicator"], zip(latest["year"], latest["status"], strict=True), strict=True))
    # Changed: N05401's last observation is the 2022 election; 2023-2024 repeat it and are not observations.
    assert by_kpi == {
        "kolada:N15428": (2024, "on track"),  # increase wanted, values rise
        "kolada:N31807": (2024, "on track"),  # decrease wanted, values fall
        "kolada:N05401": (2022, "on track"),  # baseline 2018 → 2022 election, turnout up
    }
    assert sorted(kolada.loc[kolada["indicator"] == "kolada:N05401", "year"]) == [2018, 2022]
    n15428 = latest[latest["indicator"] == "kolada:N15428"]
    assert n15428["gap_to_sweden"].round(9).tolist() == [-2.0]


def test_unknown_kpi_and_bad_output(tmp_path):
    runner = CliRunner()
    with make_fake() as fake:
        base = ["--cache-dir", str(tmp_path), "--base-url", fake.url]
        result = runner.invoke(
            kolada_cli.app,
            ["fetch", "-k", "N99999", "-m", "0580", "-y", "2024", *base, "-o", str(tmp_path / "k.parquet")],
        )
        assert result.exit_code == 1 and "does not know KPI N99999" in result.output
        assert [(r.path, r.status) for r in fake.kpi_requests()] == [("/v3/kpi/N99999", 200)]  # 200, empty
        result = runner.invoke(
            kolada_cli.app,
            ["fetch", "-k", "N15428", "-m", "0580", "-y", "2024", *base, "-o", str(tmp_path / "k.txt")],
        )
        assert result.exit_code != 0 and fake.data_requests() == []


def test_fetch_kpis_named_by_the_plan(tmp_path):
    runner = CliRunner()
    out = tmp_path / "kolada.parquet"
    with make_fake() as fake:
        base = ["--cache-dir", str(tmp_path / "raw"), "--base-url", fake.url, "--max-calls", "200"]
        result = runner.invoke(
            kolada_cli.app, ["fetch", "--plan", "linkoping_2023", "-y", "2022-2024", *base, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert [r.path for r in fake.kpi_requests()] == ["/v3/kpi/N05401,N15428,N31807"]
        assert {r.path.split("/municipality/")[1] for r in fake.data_requests()} == {
            "0000,0580/year/2022,2023,2024"
        }
    assert sorted(pd.read_parquet(out)["kpi"].unique()) == ["N05401", "N15428", "N31807"]
    with make_fake() as fake:
        del fake.kpis["N31807"]  # a plan id Kolada does not know: named, and no data request is made
        base = ["--cache-dir", str(tmp_path / "raw2"), "--base-url", fake.url]
        result = runner.invoke(
            kolada_cli.app, ["fetch", "--plan", "linkoping_2023", "-y", "2024", *base, "-o", str(out)]
        )
        assert result.exit_code == 1 and "N31807" in result.output and not fake.data_requests()
