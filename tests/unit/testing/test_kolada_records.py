"""The shipped Kolada records equal what the real material says, and the recorded real rows round-trip.

``reference`` tests: they read ``shared/reference/kolada`` (rKolada's cache of the live v3 API). On a
developer machine without that folder they skip; under ``CI=true`` they fail (``tests/conftest.py``), so the
shipped copy ``segindicators/testing/kolada_records.json`` can never drift from the reference unnoticed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from segindicators.sources.kolada import KoladaClient, write_processed
from segindicators.testing import FakeKolada
from segindicators.testing.kolada_records import build_records, load_records
from tests.support.ci import skip_or_fail

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def kolada_reference(reference_dir: Path) -> Path:
    """``<reference>/kolada``; like ``reference_dir`` it fails instead of skipping under ``CI=true``."""
    path = reference_dir / "kolada"
    if not (path / "README.md").exists():
        msg = f"Kolada reference material not found at {path}; expected README.md and the rKolada v3 records"
        skip_or_fail(msg, "CI=true: reference tests must run, not skip")
    return path


def test_shipped_records_equal_the_reference(kolada_reference):
    shipped = load_records()
    assert shipped == build_records(kolada_reference), (
        "segindicators/testing/kolada_records.json differs from the reference; regenerate it with "
        "python -m segindicators.testing.kolada_records <reference>/kolada"
    )


def test_shipped_kpi_records_are_the_reference_records_verbatim(kolada_reference):
    raw = json.loads((kolada_reference / "rkolada_v3_kpi_records.json").read_text(encoding="utf-8"))
    shipped = load_records()["kpi"]
    assert shipped["records"] == {k: v for k, v in raw["records"].items() if v is not None}
    assert shipped["absent"] == ["N00914"] and raw["records"]["N00914"] is None
    assert raw["records"]["N05401"]["is_divided_by_gender"] is True
    assert raw["records"]["N02243"]["title"] == "Sysselsatta invånare 20-65 år, andel (%)"
    readme = (kolada_reference / "README.md").read_text(encoding="utf-8")
    assert "next_url" in readme and "isdeleted" in readme and "200 with an empty list" in readme


def test_shipped_copy_holds_no_statistics(kolada_reference):
    rows = (kolada_reference / "rkolada_v3_data_N00945_rows.csv").read_text(encoding="utf-8").splitlines()
    values = [r["value"] for r in csv.DictReader(line for line in rows if not line.startswith("#"))]
    text = json.dumps(load_records())
    assert values and not [v for v in values if v in text]


def test_recorded_real_rows_round_trip_through_fake_and_client_verbatim(kolada_reference, tmp_path):
    path = kolada_reference / "rkolada_v3_data_N00945_rows.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(line for line in text if not line.startswith("#")))
    fake = FakeKolada(page_size=25)
    assert fake.add_recorded_rows(path) == len(rows) == 63
    with fake, KoladaClient(fake.url, cache_dir=tmp_path / "raw", verify_kpis=False) as c:
        frame = c.data("N00945", ["0180", "1280", "1480"], "2000-2020")
        reqs = fake.data_requests()
        assert [r.path for r in reqs] == [
            "/v3/data/kpi/N00945/municipality/0180,1280,1480/year/" + ",".join(map(str, range(2000, 2021)))
        ] * 3  # 63 records, 25 per page
        assert [r.query["page"] for r in reqs] == [["1"], ["2"], ["3"]] and not fake.unmatched
    got = {(r.municipality, r.year): r.value for r in frame.itertuples()}
    assert got == {(r["municipality_id"], int(r["year"])): float(r["value"]) for r in rows}
    assert frame["status"].isna().all() and (frame["count"] == 1).all() and set(frame["gender"]) == {"T"}
    stored = write_processed(frame, tmp_path / "kolada.parquet")
    assert stored.exists()
