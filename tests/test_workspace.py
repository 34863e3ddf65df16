"""open_workspace: the notebooks' entry point to processed outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from segindicators._io import write_frame
from segindicators.workspace import find_processed_dir, open_workspace


def _counts() -> pd.DataFrame:
    # synthetic rows (not official statistics)
    return pd.DataFrame(
        {
            "kommun": ["9999", "9999"], "level": ["RegSO", "kommun"], "geo_version": ["2025", "2025"],
            "area": ["9999R001", "9999"], "year": [2024, 2024], "indicator": ["population"] * 2,
            "numerator": [10.0, 20.0], "denominator": [float("nan")] * 2, "value": [10.0, 20.0],
        }
    )  # fmt: skip


def test_reads_a_processed_folder(tmp_path):
    processed = tmp_path / "data" / "processed"
    write_frame(_counts(), processed / "counts.parquet")
    (processed / "SYNTETISKA_DATA.txt").write_text("Syntetiska exempeldata")
    ws = open_workspace(processed)
    assert ws.kommuner == ["9999"] and ws.synthetic and ws.indices is None
    assert ws.label.startswith("Syntetiska exempeldata")
    assert find_processed_dir(tmp_path) == processed
    assert find_processed_dir(tmp_path / "notebooks") == processed  # notebooks run from notebooks/


def test_missing_counts_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="counts.parquet.*segindicators refresh"):
        open_workspace(tmp_path)
