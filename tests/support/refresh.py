"""Shared helpers of the refresh tests: the demo years, a fast retry policy, copying a home, reading its manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from segindicators.sources.http import RetryPolicy

YEARS = tuple(range(2015, 2025))
FAST = RetryPolicy(max_tries=2, backoff_base=0.0, jitter=0.0)


def copy_home(home: Path, tmp_path: Path) -> Path:
    """A copy of a refresh home under ``tmp_path`` (to run a second refresh on without touching the first)."""
    target = tmp_path / "home"
    shutil.copytree(home, target)
    return target


def read_manifest(home: Path) -> dict:
    """The 2024 report's ``manifest.json``."""
    return json.loads((home / "reports" / "2024" / "manifest.json").read_text(encoding="utf-8"))


def stable_manifest(manifest: dict) -> dict:
    """The manifest without the fields that change on every run (times, run id, report paths)."""
    return {k: v for k, v in manifest.items() if k not in ("run_started", "run_finished", "run", "reports")}
