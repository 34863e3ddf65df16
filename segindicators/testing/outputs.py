"""What a refresh left behind: output digests and comparisons, leftovers, and the raw cache's validity.

The fault matrix (:mod:`segindicators.testing.faults`) and the kill test compare a run's ``data/processed``
and ``reports/<year>`` with those of a previous run (:func:`outputs_match`), look for staging folders and
commit journals left behind (:func:`leftovers`) and check every ``data/raw`` entry (:func:`raw_problems`).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segindicators.sources.http import RawCache
from segindicators.tables import TABLES

__all__ = ["KOLADA_OUTPUTS", "RAW_DIRS", "digests", "leftovers", "outputs_match", "raw_problems"]

#: ``data/raw`` sub-folder each stage caches into (emptied before its cell, so the stage must ask again).
RAW_DIRS = {"geometry": "wfs", "fetch": "scb", "kolada": "kolada"}
#: Files of data/processed that hold Kolada values (they differ when Kolada fails, which is a warning).
KOLADA_OUTPUTS = (*TABLES["kolada"].files, *TABLES["plan_status"].files)


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path ({} when the folder is missing)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _xlsx_cells(path: Path) -> list[Any]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def _stable_manifest(path: Path, ignore_outputs: Sequence[str] = ()) -> dict[str, Any]:
    """What a manifest says about the outputs: parameters, versions, output hashes, report files.

    Left out: times, the run block, and the inputs with ``run_id`` (which hashes them): answers fetched
    again carry new retrieval times, and a selection the server made the client split arrives as more,
    smaller answers. The figures those inputs gave are compared through the output hashes.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    drop = ("run_started", "run_finished", "run", "run_id", "inputs")
    out = {k: v for k, v in doc.items() if k not in drop}
    out["outputs"] = {
        k: v for k, v in (doc.get("outputs") or {}).items() if k.rsplit("/", 1)[-1] not in ignore_outputs
    }
    return out


def outputs_match(before: Path, after: Path, *, exact: bool, ignore: Sequence[str] = ()) -> list[str]:
    """Differences between two output folders (empty: they match).

    Parameters
    ----------
    before, after
        ``data/processed`` or ``reports/<year>`` folders.
    exact
        Byte for byte (the previous outputs after a failed run). Otherwise the same files with the same
        content: ``manifest.json`` may differ in its run block and its inputs (see :func:`_stable_manifest`;
        its output hashes must be equal), xlsx files in their creation time (their cells must be equal).
    ignore
        File names allowed to differ or to be missing on one side (also in the manifest's output hashes).
    """
    a, b = digests(before), digests(after)
    problems = []
    for name in sorted(set(a) | set(b)):
        if name.rsplit("/", 1)[-1] in ignore or a.get(name) == b.get(name):
            continue
        if name not in a or name not in b:
            problems.append(f"{after}/{name}: {'new' if name not in a else 'missing'}")
        elif exact:
            problems.append(f"{after}/{name}: changed")
        elif name.endswith("manifest.json"):
            if _stable_manifest(before / name, ignore) != _stable_manifest(after / name, ignore):
                problems.append(f"{after}/{name}: differs beyond its run block")
        elif name.endswith(".xlsx"):
            if _xlsx_cells(before / name) != _xlsx_cells(after / name):
                problems.append(f"{after}/{name}: cells differ")
        else:
            problems.append(f"{after}/{name}: changed")
    return problems


def leftovers(home: Path) -> list[str]:
    """Staging folders, outputs moved aside and commit journals under ``home`` (none after a finished run)."""
    found = []
    for folder in (home / "data", home / "reports"):
        if folder.is_dir():
            found += [str(p) for p in folder.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    found += [str(p) for p in (home / "data").glob(".refresh-commit.json*")]
    return found


def raw_problems(home: Path) -> list[str]:
    """Every invalid entry under ``home/data/raw`` (sha256, provenance, leftovers), plus bodies that do not
    parse as what they claim to be (JSON for SCB and Kolada, GeoPackage for the WFS)."""
    out = []
    raw = home / "data" / "raw"
    for sub in sorted(p for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []:
        cache = RawCache(sub)
        out += cache.verify()
        for folder in sorted(p for p in sub.glob("*/*") if p.is_dir()):
            for entry in cache.entries(folder.name):
                body = entry.body_path.read_bytes()
                if sub.name == "wfs":
                    ok = body.startswith(b"SQLite format 3\x00")
                else:
                    try:
                        json.loads(body)
                        ok = True
                    except ValueError:
                        ok = False
                if not ok:
                    out.append(f"{entry.body_path}: not a valid {sub.name} answer")
    return out
