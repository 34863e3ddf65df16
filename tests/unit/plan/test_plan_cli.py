"""`segindicators plan status` on a small SYNTHETIC processed folder (not official statistics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from segindicators.cli import app
from tests.support.plan_samples import synthetic_processed

SYNTHETIC = "Syntetiska exempeldata – inte officiell statistik"


def test_plan_status_cli_offline(tmp_path):
    folder = synthetic_processed(tmp_path / "processed")
    result = CliRunner().invoke(
        app, ["plan", "status", "--plan", "linkoping_2023", "--processed-dir", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert "Plan status" in result.output
    assert "i fas" in result.output and "otillräckliga data" not in result.output.split("wrote")[-1]
    out = pd.read_parquet(folder / "plan_status.parquet")
    assert (folder / "plan_status.csv").exists()
    latest = out[out.year == 2023].set_index(["indicator", "area"])
    assert latest.loc[("employment_rate_20_64", "0580R001"), "status"] == "on track"  # +9 points on 3,000
    # Ryd: gap -0.30 in 2020 and 2023, sub-goal halves it by 2030 -> behind the path, significantly
    assert latest.loc[("employment_rate_20_64", "0580R017"), "status"] == "off track"
    # no sub-goal, unchanged value: no significant change
    assert latest.loc[("low_economic_standard_20_64", "0580R018"), "status"] == "no significant change"
    # gap sub-goal with no gap at baseline: the path stays at 0 and the area is on it; parity already
    assert latest.loc[("education_compulsory_share", "0580R018"), "status"] == "on track"
    assert latest.loc[("education_compulsory_share", "0580R018"), "parity_year"] == 2023
    assert latest.loc[("index:dissimilarity:background", "0580"), "status"] == "on track"
    # Kolada KPIs have no data yet: listed as insufficient data, never invented
    kolada = out[out.indicator.str.startswith("kolada:")]
    assert len(kolada) == 3 and set(kolada.status) == {"insufficient data"} and kolada.value.isna().all()
    assert "*" in result.output  # Berga's significant change is starred
    assert np.isclose(latest.loc[("employment_rate_20_64", "0580R001"), "gap_to_municipality"], 0.59 - 0.80)


def test_plan_status_cli_year_filter(tmp_path):
    folder = synthetic_processed(tmp_path / "processed")
    result = CliRunner().invoke(app, ["plan", "status", "--processed-dir", str(folder), "--year", "2021"])
    assert result.exit_code == 0, result.output
    out = pd.read_parquet(folder / "plan_status.parquet")
    assert out.year.max() == 2021


def test_plan_status_cli_missing_counts(tmp_path):
    result = CliRunner().invoke(app, ["plan", "status", "--processed-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "no counts.parquet" in result.output


def test_plan_status_cli_bad_plan(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: {municipality: '0580', year: 2023}\ndevelopment_areas: []\n", encoding="utf-8")
    folder = synthetic_processed(tmp_path / "processed")
    result = CliRunner().invoke(app, ["plan", "status", "--plan", str(bad), "--processed-dir", str(folder)])
    assert result.exit_code == 1
    assert "development_areas must be a non-empty list" in result.output


def test_plan_measures_cli():
    result = CliRunner().invoke(app, ["plan", "measures"])
    assert result.exit_code == 0, result.output
    assert "2022" in result.output and "60" in result.output and "39" in result.output
