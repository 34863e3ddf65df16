"""`segindicators scb search|fetch` against the fake server (synthetic data)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from segindicators.cli import app
from segindicators.testing import FakePxWeb, region_valueset

DESO = [f"0580C{1000 + i}" for i in range(12)] + ["0581A1000"]


def make_fake() -> FakePxWeb:
    fake = FakePxWeb(max_cells=10, max_calls=1000, time_window=1.0)
    fake.add_table(
        "TAB9002",
        "Syntetisk tabell efter region och år",
        {"Region": DESO, "Tid": ["2024", "2025"]},
        values=list(range(len(DESO) * 2)),
        status={3: ".."},
        codelists={"Region": [region_valueset("vs_DeSO2025", DESO, "DeSO2025")]},
    )
    return fake


def test_fetch_split_then_offline_and_search(tmp_path):
    runner = CliRunner()
    cache = tmp_path / "raw"
    with make_fake() as fake:
        args = [
            "scb",
            "fetch",
            "TAB9002",
            "--select",
            "Region=0580*",
            "--select",
            "Tid=2024,2025",
            "--codelist",
            "Region=vs_DeSO2025",
            "--cache-dir",
            str(cache),
            "--base-url",
            fake.url,
        ]
        result = runner.invoke(app, [*args, "-o", str(tmp_path / "out.parquet")])
        assert result.exit_code == 0, result.output
        assert "24 rows of TAB9002" in result.output
        assert len(fake.data_requests()) == 3  # 24 cells, limit 10
        body = fake.data_requests()[0].body
        assert body["selection"][1] == {"variableCode": "Tid", "valueCodes": ["2024", "2025"]}
        n = fake.request_count
        result = runner.invoke(app, [*args, "--offline", "-o", str(tmp_path / "out.csv")])
        assert result.exit_code == 0, result.output
        assert fake.request_count == n  # offline: zero HTTP calls
        result = runner.invoke(
            app, ["scb", "search", "syntetisk", "--base-url", fake.url, "--cache-dir", str(cache)]
        )
        assert result.exit_code == 0 and "TAB9002" in result.output
        assert not fake.unmatched
    parquet = pd.read_parquet(tmp_path / "out.parquet")
    csv = pd.read_csv(tmp_path / "out.csv", dtype={"Region": str, "Tid": str}, encoding="utf-8-sig")
    assert parquet["Region"].tolist() == csv["Region"].tolist()
    assert parquet["value"].isna().sum() == 1 and parquet["status"].tolist().count("..") == 1


def test_fetch_errors_are_clear(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app, ["scb", "fetch", "TAB9002", "--select", "Region", "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code != 0 and "VAR=code" in result.output
    result = runner.invoke(
        app,
        [
            "scb",
            "fetch",
            "TAB9002",
            "--select",
            "Tid=2024",
            "--offline",
            "--cache-dir",
            str(tmp_path),
            "-o",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 1 and "not in the cache" in result.output
