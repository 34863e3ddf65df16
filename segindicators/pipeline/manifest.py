"""The run manifest: what went into a refresh and what came out.

A manifest lists every input file with its provenance record and sha256, every output with its sha256,
the package and dependency versions and the run parameters. The run id is a hash of inputs, parameters
and versions, so two runs on the same inputs have the same id and the same manifest apart from
``run_started``/``run_finished``. :func:`raw_inputs` lists the raw answers a run used (their provenance
records under ``data/raw``), :func:`newest_retrieval` the date of the newest one.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from segindicators import __version__
from segindicators._io import atomic_write_text

__all__ = [
    "DEPENDENCIES",
    "build_manifest",
    "file_sha256",
    "newest_retrieval",
    "raw_inputs",
    "report_entries",
    "write_manifest",
]

#: Distributions whose versions are recorded in every manifest.
DEPENDENCIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "httpx",
    "matplotlib",
    "geopandas",
    "shapely",
    "mapclassify",
    "openpyxl",
    "papermill",
    "python-docx",
)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"segindicators": __version__, "python": platform.python_version()}
    for dist in DEPENDENCIES:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def build_manifest(
    *,
    parameters: Mapping[str, Any],
    inputs: Iterable[Mapping[str, Any]],
    outputs: Mapping[str, str | os.PathLike[str]],
    base_dir: str | os.PathLike[str],
    started: datetime,
    finished: datetime | None = None,
) -> dict[str, Any]:
    """Assemble a manifest dictionary.

    Parameters
    ----------
    parameters
        The run's parameters (kommun, years, offline, report year, ...); must be JSON-serialisable.
    inputs
        One mapping per input (for SCB responses: the provenance record: url, body, table, updated,
        sha256, retrieved).
    outputs
        Output name → path; each is hashed. Paths are stored relative to ``base_dir``.
    base_dir
        Folder that output paths are made relative to.
    started, finished
        Run times (UTC).

    Returns
    -------
    dict
        With ``run_id`` (sha256 over parameters, inputs, versions and output hashes; stable across
        identical runs), ``run_started``, ``run_finished``, ``parameters``, ``versions``, ``inputs``,
        ``outputs``.
    """
    base = Path(base_dir)
    input_list = sorted((dict(i) for i in inputs), key=lambda d: json.dumps(d, sort_keys=True, default=str))
    output_map = {}
    for name, path in sorted(outputs.items()):
        p = Path(path)
        try:
            rel = p.relative_to(base).as_posix()
        except ValueError:
            rel = p.as_posix()
        output_map[name] = {"path": rel, "sha256": file_sha256(p)}
    versions = _versions()
    stable = {
        "parameters": dict(parameters),
        "versions": versions,
        "inputs": input_list,
        "outputs": output_map,
    }
    run_id = hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]
    finished = finished or datetime.now(UTC)
    return {
        "run_id": run_id,
        "run_started": started.isoformat(timespec="seconds"),
        "run_finished": finished.isoformat(timespec="seconds"),
        **stable,
    }


def report_entries(
    files: Mapping[str, str | os.PathLike[str]], base_dir: str | os.PathLike[str]
) -> dict[str, Any]:
    """The manifest's ``report`` block: each report file (``html``, ``docx``) with its path and sha256.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "index.html").write_text("<p>")
    >>> report_entries({"html": d / "index.html"}, d)["html"]["path"]
    'index.html'
    """
    base = Path(base_dir)
    return {
        kind: {"path": Path(p).relative_to(base).as_posix(), "sha256": file_sha256(p)}
        for kind, p in sorted(files.items())
    }


def write_manifest(manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the manifest as pretty, key-sorted JSON (atomic)."""
    return atomic_write_text(
        path, json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    )


_SKIP_WHAT = ("config", "manifest")


def raw_inputs(raw: Path, home: Path) -> list[dict[str, Any]]:
    """Provenance of the newest raw answer per request under ``raw`` (SCB data, metadata, codelists, WFS, Kolada).

    Each entry's ``path`` is the raw answer's file relative to ``home`` (a provenance record's own ``path``,
    Kolada's API path, is kept as ``request_path``).

    Freshness checks (``/tables/{id}``), ``/config`` and the SCB client's own selection manifests are left
    out: they are not inputs of the figures.
    """
    out = []
    for folder in sorted(p for p in raw.glob("*/*/*") if p.is_dir()):
        records = sorted(folder.glob("*.json"))
        if not records:
            continue
        latest = records[-1]
        prov = json.loads(latest.read_text(encoding="utf-8"))
        what = str(prov.get("what", ""))
        if what in _SKIP_WHAT or what.startswith(("table ", "search")):
            continue
        body = latest.with_suffix(".body")
        try:
            rel = body.relative_to(home).as_posix()
        except ValueError:
            rel = body.as_posix()
        entry = {k: v for k, v in prov.items() if k != "path"}
        if "path" in prov:  # Kolada's provenance names its API path; the manifest's path is the raw file
            entry["request_path"] = prov["path"]
        out.append({**entry, "path": rel})
    return out


def newest_retrieval(raw: Path, home: Path) -> str | None:
    """The date of the newest raw answer used (ISO ``YYYY-MM-DD``), e.g. for the charts' xlsx metadata.

    None when there is none, or when the raw folder cannot be read.
    """
    try:
        stamps = [str(i.get("stored_at", "")) for i in raw_inputs(raw, home)]
        stamps = [s for s in stamps if re.match(r"^\d{4}-\d{2}-\d{2}", s)]
        return max(stamps)[:10] if stamps else None
    except (OSError, ValueError):
        return None
