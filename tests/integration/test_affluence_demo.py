"""`segindicators affluence` on the offline demo's processed data (built through the fake SCB servers)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from segindicators.cli import app
from segindicators.demo.synthetic import AFFLUENT_AREAS, FOCUS_AREAS
from segindicators.workspace import demo_processed_dir


def test_affluence_command_on_demo_data(tmp_path):
    processed = demo_processed_dir()  # the same cached demo build the notebooks use
    result = CliRunner().invoke(
        app,
        ["affluence", "--kommun", "9999", "--year", "2024", "--processed-dir", str(processed),
         "--out-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Syntetiska exempeldata" in result.output
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".csv", ".parquet", ".xlsx"]
    table = pd.read_parquet(next(tmp_path.glob("*.parquet")))
    codes = set(table["Kod"])
    # the three focus areas are listed whether flagged or not; the generator's affluent areas are flagged
    assert set(FOCUS_AREAS) <= codes and set(AFFLUENT_AREAS) <= codes
    groups = table.set_index("Kod")["Grupp"]
    assert all("välstånd" in groups[c].lower() for c in AFFLUENT_AREAS)
