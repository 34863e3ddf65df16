"""Open the processed outputs of a refresh for analysis (the notebooks' single entry point).

A notebook names a ``data_dir`` (its ``parameters`` cell; the refresh passes its own) and gets a
:class:`Workspace` with every processed table read once. With no ``data_dir`` it looks for
``data/processed`` under ``$SEGINDICATORS_HOME``, the current folder and its parent (notebooks run from
``notebooks/``); when none holds a refresh's output it builds the offline demo once into a cache folder
(the synthetic municipality, labelled as such), so the notebooks run on a fresh clone without network.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators import __version__
from segindicators.demo.profile import demo_plan, demo_profile
from segindicators.demo.serve import demo_server
from segindicators.demo.synthetic import generate
from segindicators.geography.profiles import load_profile
from segindicators.paths import ENV_HOME, is_synthetic
from segindicators.pipeline.refresh import STAGES, RefreshOptions, replace_stage, run_refresh
from segindicators.tables import SYNTHETIC_LABEL, TABLES, read_table, table_exists
from segindicators.testing.fake_wfs import FakeWfs

__all__ = ["Workspace", "demo_processed_dir", "find_processed_dir", "open_workspace"]


@dataclass
class Workspace:
    """The processed tables of one refresh run."""

    processed: Path
    counts: pd.DataFrame
    indices: pd.DataFrame | None = None
    plan_status: pd.DataFrame | None = None
    typology: pd.DataFrame | None = None
    area_types: pd.DataFrame | None = None
    kolada: pd.DataFrame | None = None
    lookup: pd.DataFrame | None = None
    geometry: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    synthetic: bool = False

    @property
    def kommuner(self) -> list[str]:
        """Municipalities with district rows in the counts."""
        rows = self.counts[self.counts["level"].isin(["DeSO", "RegSO"])]
        return sorted(rows["kommun"].astype(str).unique())

    def profile(self, kommun: str) -> Any:
        """The municipality profile (focus areas, peers); the demo's fictional kommun 9999 has one too."""
        return load_profile(kommun)

    @property
    def label(self) -> str:
        """``"Syntetiska exempeldata – inte officiell statistik"`` for the demo, else an empty string."""
        return SYNTHETIC_LABEL if self.synthetic else ""


def _has_counts(folder: Path) -> bool:
    return table_exists("counts", folder)


def find_processed_dir(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The first ``data/processed`` holding ``counts.parquet`` under $SEGINDICATORS_HOME, ``start`` or its parent."""
    base = Path(start) if start is not None else Path.cwd()
    candidates = []
    if os.environ.get(ENV_HOME):
        candidates.append(Path(os.environ[ENV_HOME]) / "data" / "processed")
    candidates += [base / "data" / "processed", base.parent / "data" / "processed"]
    return next((c for c in candidates if _has_counts(c)), None)


def demo_processed_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Build the offline demo once (fake SCB servers, real refresh code path) and return its data/processed.

    The result is cached per package version and code digest under ``cache_dir`` (default: the system temp folder); a lock
    file keeps two notebooks started together from building it twice. The notebooks and charts stages are
    skipped inside this run, and with them the report (the notebooks are what asks for the data, and they draw
    their own charts).
    """
    import fcntl

    root = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir())
    home = root / f"segindicators-demo-{__version__}-{_code_digest()}"
    processed = home / "data" / "processed"
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _has_counts(processed):
            _build_demo(home)
    return processed


def _code_digest() -> str:
    """Short hash of the package's code and data files: a changed package builds a fresh demo."""
    import hashlib

    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(pkg.rglob("*")):
        if path.suffix in {".py", ".yaml", ".yml"}:
            h.update(path.relative_to(pkg).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _build_demo(home: Path) -> None:
    def skip(ctx: Any) -> None:
        ctx.summary["skipped"] = "data built for the notebooks, which draw their own charts"

    synthetic = generate()
    with demo_server(demo=synthetic) as fake, FakeWfs.from_synthetic(synthetic) as wfs:
        options = RefreshOptions(
            kommun="9999", years=tuple(range(2015, 2025)), base_url=fake.url, wfs_url=wfs.url, home=home,
            profile=demo_profile(), plan=demo_plan(), synthetic=True,
        )  # fmt: skip
        stages = STAGES
        for name in ("notebooks", "charts", "report"):
            stages = replace_stage(stages, name, skip)
        run_refresh(options, stages=stages)


def _read(folder: Path, name: str) -> Any:
    """A declared table of ``folder``, checked against its contract (a broken file is a Failure naming it)."""
    return read_table(name, folder) if table_exists(name, folder) else None


def open_workspace(data_dir: str | os.PathLike[str] | None = None) -> Workspace:
    """Read a refresh's processed tables.

    Parameters
    ----------
    data_dir
        A ``data/processed`` folder. None: see :func:`find_processed_dir`, else the cached offline demo.

    Returns
    -------
    Workspace

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` is given but holds no ``counts.parquet`` (run ``segindicators refresh`` first).
    """
    if data_dir is None:
        folder = find_processed_dir() or demo_processed_dir()
    else:
        folder = Path(data_dir)
        if not _has_counts(folder):
            raise FileNotFoundError(
                f"data_dir={str(folder)!r}: expected a data/processed folder with {TABLES['counts'].parquet} "
                "from a refresh, "
                "found none. Run `segindicators refresh --kommun KKKK` (or `segindicators demo`) first, or "
                "leave data_dir empty to use the offline demo."
            )
    geometry = {}
    for level in ("deso", "regso"):
        if (found := _read(folder, f"geometry_{level}")) is not None:
            geometry[level] = found
    manifest = None
    reports = folder.parent.parent / "reports"
    manifests = sorted(reports.glob("*/manifest.json")) if reports.is_dir() else []
    if manifests:
        manifest = json.loads(manifests[-1].read_text(encoding="utf-8"))
    synthetic = is_synthetic(folder) or bool(manifest and manifest.get("synthetic"))
    return Workspace(
        processed=folder,
        counts=_read(folder, "counts"),
        indices=_read(folder, "indices"),
        plan_status=_read(folder, "plan_status"),
        typology=_read(folder, "typology"),
        area_types=_read(folder, "area_types"),
        kolada=_read(folder, "kolada"),
        lookup=_read(folder, "lookup"),
        geometry=geometry,
        manifest=manifest,
        synthetic=synthetic,
    )
