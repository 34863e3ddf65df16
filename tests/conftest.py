"""Shared fixtures.

Reference data (real SCB material) lives outside the repository in ``../shared/reference`` (or
``$SEGINDICATORS_REFERENCE_DIR``). Tests that need it use the ``reference_dir`` fixture: it skips on a
developer machine without the folder, and fails when ``CI=true`` so a CI run can never pass by skipping.

``demo_env`` is the demo environment (the fake PxWeb, WFS and Kolada of ``segindicators demo``), started once
per test session and shared by every test that runs the refresh on the demo; ``demo_refresh`` is one full
refresh of the synthetic demo through it (every stage: charts and the report included), shared by the chart
and report tests.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import matplotlib
import pytest

from tests.support.ci import skip_or_fail

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
        skip_or_fail(msg, "CI=true: reference tests must run, not skip")
    return path


@pytest.fixture(scope="session")
def born_in_sweden(reference_dir: Path):
    """The national RegSO 2020 export of population by birth region (Sverige / totalt), 2020–2023."""
    from segindicators.sources.scb import read_export_csv

    return read_export_csv(reference_dir / "scb-export-csv" / "regso2020_born_in_sweden_2020_2023.csv")


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory):
    """The demo environment for the whole session (:func:`segindicators.demo.environment.demo_environment`):
    the synthetic municipality served by the fake PxWeb, WFS and Kolada, and the demo's refresh options
    (fast retries) into a session folder, where ``demo_refresh`` runs. Tests vary ``demo_env.options`` with
    :func:`dataclasses.replace` (their own home, offline, charts off) and count requests as differences of
    ``demo_env.requests``: the servers are shared."""
    from segindicators.demo.environment import demo_environment
    from segindicators.sources.http import RetryPolicy

    fast = RetryPolicy(max_tries=2, backoff_base=0.0, jitter=0.0)
    with demo_environment(tmp_path_factory.mktemp("demo-home"), retry=fast) as env:
        yield env


@pytest.fixture(scope="session")
def demo_refresh(demo_env):
    """One refresh of the synthetic demo (all stages, charts and report included) over HTTP against the fake SCB,
    WFS and Kolada servers, as ``segindicators demo`` runs it."""
    from segindicators.pipeline import refresh as rf

    result = rf.run_refresh(replace(demo_env.options, bootstrap_draws=99))
    assert demo_env.pxweb.unmatched == []
    return result
