"""Shared fixtures.

Reference data (real SCB material) lives outside the repository in ``../shared/reference`` (or
``$SEGINDICATORS_REFERENCE_DIR``). Tests that need it use the ``reference_dir`` fixture: it skips on a
developer machine without the folder, and fails when ``CI=true`` so a CI run can never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


def _reference_path() -> Path:
    env = os.environ.get("SEGINDICATORS_REFERENCE_DIR")
    return Path(env) if env else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Path to the real SCB reference material; fails instead of skipping under CI."""
    path = _reference_path()
    if not (path / "README.md").exists():
        msg = (
            f"reference data not found at {path}; set SEGINDICATORS_REFERENCE_DIR to the folder holding "
            "scb-export-csv/, lookups/ and scb-api-v2/"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: reference tests must run, not skip)")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def born_in_sweden(reference_dir: Path):
    """The national RegSO 2020 export of population by birth region (Sverige / totalt), 2020–2023."""
    from segindicators.scb import read_export_csv

    return read_export_csv(reference_dir / "scb-export-csv" / "regso2020_born_in_sweden_2020_2023.csv")
