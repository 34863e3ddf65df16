"""Shared fixtures.

Reference data (real SCB material) lives outside the repository in ``../shared/reference`` (or
``$SEGINDICATORS_REFERENCE_DIR``). Tests that need it use the ``reference_dir`` fixture: it skips on a
developer machine without the folder, and fails when ``CI=true`` so a CI run can never pass by skipping.

``demo_refresh`` is one full refresh of the synthetic demo (every stage: charts and the report included) over
HTTP against the fake servers, run once per test session and shared by the chart and report tests.
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
    from segindicators.sources.scb import read_export_csv

    return read_export_csv(reference_dir / "scb-export-csv" / "regso2020_born_in_sweden_2020_2023.csv")


@pytest.fixture(scope="session")
def demo_refresh(tmp_path_factory):
    """One refresh of the synthetic demo (all stages, charts and report included) over HTTP against the fake SCB,
    WFS and Kolada servers, as ``segindicators demo`` runs it."""
    from segindicators.demo import synthetic as syn
    from segindicators.demo.kolada import demo_kolada
    from segindicators.demo.profile import demo_plan, demo_profile
    from segindicators.demo.serve import demo_server
    from segindicators.sources.http import RetryPolicy
    from segindicators.sources.kolada.fetch import plan_kpis
    from segindicators.pipeline import refresh as rf
    from segindicators.testing.fake_wfs import FakeWfs

    demo = syn.generate()
    home = tmp_path_factory.mktemp("demo-home")
    years = tuple(range(2015, 2025))
    kolada = demo_kolada(plan_kpis(demo_plan()), years)
    with demo_server(demo=demo) as fake, FakeWfs.from_synthetic(demo) as wfs, kolada:
        options = rf.RefreshOptions(
            kommun="9999", years=years, base_url=fake.url, wfs_url=wfs.url, kolada_url=kolada.url, home=home,
            profile=demo_profile(), plan=demo_plan(), synthetic=True,
            retry=RetryPolicy(max_tries=2, backoff_base=0.0, jitter=0.0), bootstrap_draws=99,
        )  # fmt: skip
        result = rf.run_refresh(options)
        assert fake.unmatched == []
    return result
