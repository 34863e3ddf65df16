"""Refresh building blocks: all-or-nothing output folders, manifests, change reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from segindicators.pipeline.changes import compare_counts
from segindicators.pipeline.manifest import build_manifest, raw_inputs
from segindicators.pipeline.staging import staged_directory


def test_failed_run_keeps_previous_output(tmp_path):
    target = tmp_path / "processed"
    with staged_directory(target) as d:
        (d / "counts.parquet").write_bytes(b"v1")
    with pytest.raises(KeyboardInterrupt):
        with staged_directory(target) as d:
            (d / "counts.parquet").write_bytes(b"v2-half")
            raise KeyboardInterrupt
    assert (target / "counts.parquet").read_bytes() == b"v1"
    assert not list(tmp_path.glob(".processed.staging-*"))
    with staged_directory(target) as d:
        (d / "counts.parquet").write_bytes(b"v2")
    assert (target / "counts.parquet").read_bytes() == b"v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]


def test_manifest_run_id_is_stable(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("x")
    kw = dict(
        parameters={"kommun": "0580"},
        inputs=[{"url": "u", "sha256": "s"}],
        outputs={"a": out},
        base_dir=tmp_path,
    )
    m1 = build_manifest(**kw, started=datetime(2026, 1, 1, tzinfo=UTC))
    m2 = build_manifest(**kw, started=datetime(2026, 2, 1, tzinfo=UTC))
    assert m1["run_id"] == m2["run_id"]
    assert m1["outputs"]["a"]["path"] == "a.txt"
    out.write_text("y")
    m3 = build_manifest(**kw, started=datetime(2026, 2, 1, tzinfo=UTC))
    assert m3["run_id"] != m1["run_id"]


def _counts(rows):
    base = dict(
        kommun="9999",
        level="DeSO",
        geo_version="2025",
        indicator="i",
        status=None,
        flags="",
        source_table="T",
    )
    return pd.DataFrame([dict(base, **r) for r in rows])


def test_compare_counts_reports_moves_revisions_and_areas():
    prev = _counts(
        [
            dict(area="A", year=2023, value=0.5, table_updated="2025-01-01"),
            dict(area="B", year=2023, value=0.2, table_updated="2025-01-01"),
            dict(area="C", year=2023, value=np.nan, table_updated="2025-01-01"),
        ]
    )
    curr = _counts(
        [
            dict(area="A", year=2023, value=0.5, table_updated="2025-03-01"),
            dict(area="C", year=2023, value=0.3, table_updated="2025-03-01"),
            dict(area="D", year=2023, value=0.1, table_updated="2025-03-01"),
        ]
    )
    r = compare_counts(prev, curr)
    assert r["moved"]["area"].tolist() == ["C"]  # missing → 0.3 is a move; A unchanged
    assert r["new_areas"]["area"].tolist() == ["D"]
    assert r["vanished_areas"]["area"].tolist() == ["B"]
    assert r["revised_tables"].to_dict("records") == [
        {"source_table": "T", "updated_previous": "2025-01-01", "updated_current": "2025-03-01"}
    ]
    with pytest.raises(ValueError, match="missing"):
        compare_counts(prev.drop(columns="year"), curr)


def test_raw_inputs_name_the_raw_file_even_when_the_provenance_has_a_path(tmp_path):
    # Kolada's provenance records carry the API path ("data/kpi/..."); the manifest must point at the raw file.
    folder = tmp_path / "data" / "raw" / "kolada" / "ab" / "abcd"
    folder.mkdir(parents=True)
    (folder / "20260101T000000Z_x.body").write_bytes(b"{}")
    record = {
        "what": "KPI N00945 for municipality 0580",
        "path": "data/kpi/N00945/municipality/0580",
        "sha256": "0" * 64,
    }
    (folder / "20260101T000000Z_x.json").write_text(json.dumps(record), encoding="utf-8")
    (entry,) = raw_inputs(tmp_path / "data" / "raw", tmp_path)
    assert entry["path"] == "data/raw/kolada/ab/abcd/20260101T000000Z_x.body"
    assert (tmp_path / entry["path"]).is_file()
    assert entry["request_path"] == "data/kpi/N00945/municipality/0580"
