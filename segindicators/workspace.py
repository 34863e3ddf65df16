"""Open the processed outputs of a refresh for analysis (the notebooks' single entry point).

A notebook names a ``data_dir`` (its ``parameters`` cell; the refresh passes its own) and gets a
:class:`Workspace` with every processed table read once. With no ``data_dir`` it looks for
``data/processed`` under ``$SEGINDICATORS_HOME``, the current folder and its parent (notebooks run from
``notebooks/``); when none holds a refresh's output it builds the offline demo once into a cache folder
(the synthetic municipality, labelled as such), so the notebooks run on a fresh clone without network.

A notebook's setup cell is one call, :func:`notebook_context`, with the values of its ``parameters`` cell:
it opens the workspace, settles kommun, profile, focus areas and years, and shows the header (the synthetic
label, or the source of real data).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython import get_ipython
from IPython.display import Markdown, display

from segindicators import __version__
from segindicators.demo.environment import demo_environment
from segindicators.geography.profiles import Profile, load_profile
from segindicators.paths import ENV_HOME, is_synthetic
from segindicators.pipeline.refresh import STAGES, replace_stage, run_refresh
from segindicators.tables import SYNTHETIC_LABEL, TABLES, read_table, table_exists

__all__ = [
    "NotebookContext",
    "Workspace",
    "demo_processed_dir",
    "find_processed_dir",
    "notebook_context",
    "open_workspace",
]

#: The header's source line of a run on real data (a synthetic run shows :data:`SYNTHETIC_LABEL` instead).
SOURCE_LINE = "Källa: SCB. Bearbetning: segindicators."


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
    """The demo refresh into ``home`` through the demo environment (PxWeb, WFS and Kolada fakes: the notebooks
    get Kolada values too), without the notebooks, charts and report stages."""

    def skip(ctx: Any) -> None:
        ctx.summary["skipped"] = "data built for the notebooks, which draw their own charts"

    stages = STAGES
    for name in ("notebooks", "charts", "report"):
        stages = replace_stage(stages, name, skip)
    with demo_environment(home) as env:
        run_refresh(env.options, stages=stages)


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


@dataclass(frozen=True)
class NotebookContext:
    """What a notebook's setup cell binds: the workspace and the run's kommun, profile, focus areas and years.

    Attributes
    ----------
    workspace
        The processed tables (:func:`open_workspace`).
    kommun, profile
        The municipality and its profile (focus areas, peers).
    focus
        RegSO/DeSO codes of the focus areas: the ``focus_areas`` parameter, else the profile's.
    first_year, last_year, report_year
        The ``years`` parameter's first and last year (else the counts' first and last year) and the report
        year (the parameter, else ``last_year``).
    reports_dir
        The run's ``reports/<year>`` folder when the refresh executes the notebook, else None.
    synthetic
        The data are the synthetic demo's (the data say so, or the ``synthetic`` parameter does).
    """

    workspace: Workspace
    kommun: str
    profile: Profile
    focus: tuple[str, ...]
    first_year: int
    last_year: int
    report_year: int
    reports_dir: Path | None
    synthetic: bool

    @property
    def source_line(self) -> str:
        """The header's first line (markdown): the synthetic label in bold, or the source of real data."""
        return f"**{SYNTHETIC_LABEL}**" if self.synthetic else SOURCE_LINE

    @property
    def summary_line(self) -> str:
        """The header's second line: kommun, years, focus areas and the data folder."""
        return (
            f"Kommun {self.kommun}, {self.first_year}–{self.report_year}; "
            f"fokusområden: {', '.join(self.focus) or 'inga'}; data: {self.workspace.processed}"
        )


def notebook_context(
    *,
    kommun: str | None = None,
    years: Sequence[int] | None = None,
    report_year: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    reports_dir: str | os.PathLike[str] | None = None,
    focus_areas: Sequence[str] | None = None,
    synthetic: bool | None = None,
    show: bool = True,
) -> NotebookContext:
    """Open a notebook's data from its ``parameters`` cell and show the header (the notebooks' setup call).

    The keywords are the names of the notebooks' ``parameters`` cell, which papermill (the refresh's
    ``notebooks`` stage) overrides and which are None when a notebook is opened by hand or run by nbmake;
    None means "take it from the data".

    Parameters
    ----------
    kommun
        Four-digit municipality code; default: the first municipality with district rows.
    years
        Reference years; their first and last year (default: the counts' first and last year).
    report_year
        The report year (default: the last year).
    data_dir
        A ``data/processed`` folder (default: see :func:`open_workspace`; the offline demo when none is found).
    reports_dir
        The run's ``reports/<year>`` folder (kept on the context for notebooks that write there).
    focus_areas
        RegSO/DeSO codes (default: the municipality profile's focus areas).
    synthetic
        The refresh's ``synthetic`` flag. The header carries the synthetic label when this or the data say
        the data are synthetic; a disagreement is warned about.
    show
        Display the header: the synthetic label (bold) or "Källa: SCB. Bearbetning: segindicators.", then
        kommun, years, focus areas and the data folder.

    Returns
    -------
    NotebookContext

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` holds no processed counts (see :func:`open_workspace`).
    ValueError
        If ``kommun`` has no district rows in the data.
    """
    ws = open_workspace(data_dir)
    available = ws.kommuner
    chosen = str(kommun) if kommun is not None else (available[0] if available else None)
    if chosen is None or chosen not in available:
        raise ValueError(
            f"kommun={kommun!r}: expected a municipality with DeSO/RegSO rows in {ws.processed}, which has "
            f"{', '.join(available) or 'none'}. Pass one of them, or the data_dir of that municipality's refresh."
        )
    flagged = ws.synthetic or bool(synthetic)
    if synthetic is not None and bool(synthetic) != ws.synthetic:
        warnings.warn(
            f"synthetic={synthetic!r}, but the data in {ws.processed} are "
            f"{'synthetic' if ws.synthetic else 'not marked synthetic'}; the header carries the synthetic label.",
            UserWarning,
            stacklevel=2,
        )
    profile = ws.profile(chosen)
    focus = tuple(focus_areas) if focus_areas else tuple(c for fa in profile.focus_areas for c in fa.areas)
    if years:
        first_year, last_year = int(min(years)), int(max(years))
    else:
        first_year, last_year = int(ws.counts["year"].min()), int(ws.counts["year"].max())
    ctx = NotebookContext(
        workspace=ws,
        kommun=chosen,
        profile=profile,
        focus=focus,
        first_year=first_year,
        last_year=last_year,
        report_year=int(report_year or last_year),
        reports_dir=Path(reports_dir) if reports_dir is not None else None,
        synthetic=flagged,
    )
    if show:
        _show(ctx)
    return ctx


def _show(ctx: NotebookContext) -> None:
    """The header: markdown in a notebook (the label in bold), plain text elsewhere."""
    if get_ipython() is None:
        print(ctx.source_line.strip("*"))
    else:
        display(Markdown(ctx.source_line))
    print(ctx.summary_line)
