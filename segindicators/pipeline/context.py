"""The runs' parameters and typed run contexts: :class:`RefreshOptions` / :class:`RunContext` (one
municipality), :class:`NationalOptions` / :class:`NationalContext` (``refresh --national``), and the
:class:`Stage` record.

Every value one stage leaves for a later one is a named, typed field of a context; which stage fills it is
said next to it. There is no free-form dict: a stage that needs something new adds a field here. The two
contexts share :class:`RunState` (``lookup``, ``built``, ``specs``, ``counts``, ``warnings``, …), so a stage
that reads only those (``validate``, ``harmonise``) serves both runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from segindicators.catalogue.definitions import Catalogue
from segindicators.charts.standard import ChartSet
from segindicators.geography.profiles import Profile
from segindicators.plan.definition import Plan
from segindicators.report.write import ReportFiles
from segindicators.sources.http import RetryPolicy
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import TableSpec
from segindicators.sources.wfs import WfsClient
from segindicators.typology.build import AreaTypology, Typology

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["NationalContext", "NationalOptions", "RefreshOptions", "RunContext", "RunState", "Stage"]


@dataclass(frozen=True)
class RefreshOptions:
    """Parameters of a refresh run.

    Parameters
    ----------
    kommun
        Four-digit municipality code.
    years
        Reference years.
    report_year
        Folder under ``reports/`` (default: the last year).
    offline
        Only cached responses; zero HTTP calls.
    base_url, wfs_url
        SCB PxWebApi v2 root and WFS endpoint (the demo points them at the fakes).
    kolada_url
        Kolada API v3 root for the ``kolada`` stage (default Kolada production; the demo points it at a fake).
    home
        Project root holding ``data/`` and ``reports/`` (default :func:`segindicators.paths.project_home`).
    profile
        A :class:`~segindicators.geography.profiles.Profile` (default: the packaged profile of the kommun).
    plan
        A :class:`~segindicators.plan.definition.Plan`, a plan file or shipped plan name; default: the shipped
        plan of the kommun, if any (else the stage is skipped).
    notebooks
        Folder of notebooks to execute (default ``<home>/notebooks``; skipped when it holds none).
    charts
        Render the standard chart set (False skips the stage, e.g. for a quick data-only run).
    synthetic
        The data are the synthetic demo's: recorded in the manifest and the change report.
    retry
        Retry policy of the HTTP clients.
    seed
        Seed of the bootstrap intervals, so a rerun on the same inputs reproduces every figure.
    bootstrap_draws
        Bootstrap draws per index (0 = no intervals).
    national_peers
        Run the ``peers`` stage: every municipality's citywide indices from SCB (the national build, through
        the same client and cache) and this kommun's rank among all and among its peers. Default (None): on
        for real runs, off for synthetic ones (the demo's fictional kommun has no place among the 290).
    national_draws
        Bootstrap draws per index of the national indices (the cost grows with draws × the country's areas).
    """

    kommun: str
    years: tuple[int, ...]
    report_year: int | None = None
    offline: bool = False
    base_url: str | None = None
    wfs_url: str | None = None
    kolada_url: str | None = None
    home: Path | None = None
    profile: Profile | None = None
    plan: Plan | str | Path | None = None
    notebooks: Path | None = None
    charts: bool = True
    synthetic: bool = False
    retry: RetryPolicy | None = None
    seed: int = 20241231
    bootstrap_draws: int = 999
    national_peers: bool | None = None
    national_draws: int = 199

    @property
    def peers_enabled(self) -> bool:
        """Whether the ``peers`` stage runs (:attr:`national_peers`, default: not for synthetic data)."""
        return self.national_peers if self.national_peers is not None else not self.synthetic

    @property
    def year_for_report(self) -> int:
        """The report folder's year."""
        return self.report_year if self.report_year is not None else max(self.years)

    def parameters(self) -> dict[str, Any]:
        """The parameters that identify the run's result (recorded in the manifest's run id)."""
        plan = self.plan if isinstance(self.plan, str | Path | None) else getattr(self.plan, "name", "custom")
        out = {
            "kommun": self.kommun,
            "years": list(self.years),
            "report_year": self.year_for_report,
            "synthetic": self.synthetic,
            "profile": getattr(self.profile, "source", None),
            "plan": None if plan is None else str(plan),
            "seed": self.seed,
            "bootstrap_draws": self.bootstrap_draws,
        }
        if self.peers_enabled:  # recorded only when it runs (a run without it keeps its run id)
            out.update(national_peers=True, national_draws=self.national_draws)
        return out


@dataclass(kw_only=True)
class RunState:
    """The values every run's stages share (a kommun refresh's and a national run's), named alike in both.

    Attributes
    ----------
    options
        The run's parameters: :class:`RefreshOptions` or :class:`NationalOptions` (both have ``years``,
        ``offline``, ``parameters()``).
    home, started
        The project root and the run's start time (set by the runner).
    processed, reports
        Staging folders of the run's tables and reports.
    scb, wfs, catalogue, profile
        Clients, catalogue and municipality profile (set by the runner; no profile in a national run).
    lookup
        DeSO → RegSO → kommun lookup (``geometry`` / ``lookup``).
    built, kommun_rows, riket_rows, unvouched_tables, specs
        DeSO/RegSO rows as built, SCB's own kommun and riket rows, the tables whose cell sums SCB does not
        vouch for, and each source table's :class:`~segindicators.sources.scb.metadata.TableSpec` (``fetch``).
    coverage
        Coverage per indicator-year (``validate``).
    counts
        The processed counts (``harmonise``).
    indices
        Citywide indices (``indices``).
    manifest
        The written manifest (``manifest``).
    warnings, summary
        Run warnings (recorded in the manifest) and one summary line per stage.
    """

    options: Any
    home: Path
    processed: Path
    reports: Path
    scb: ScbClient | None = None
    wfs: WfsClient | None = None
    catalogue: Catalogue | None = None
    profile: Profile | None = None
    started: datetime | None = None
    lookup: pd.DataFrame | None = None
    built: pd.DataFrame | None = None
    kommun_rows: pd.DataFrame | None = None
    riket_rows: pd.DataFrame | None = None
    unvouched_tables: list[str] = field(default_factory=list)
    specs: dict[str, TableSpec] = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    counts: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    manifest: dict[str, object] | None = None  # JSON, as written to manifest.json
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)
    kolada_http_calls: int = 0

    @property
    def http_calls(self) -> dict[str, int]:
        """HTTP requests sent so far by the SCB, WFS and Kolada clients."""
        return {
            "scb": 0 if self.scb is None else self.scb.http_calls,
            "wfs": 0 if self.wfs is None else self.wfs.http_calls,
            "kolada": self.kolada_http_calls,
        }


@dataclass(kw_only=True)
class RunContext(RunState):
    """Everything a stage of a kommun refresh may read or fill in; each field names the stage that fills it.

    The fields of :class:`RunState`, and:

    Attributes
    ----------
    options
        The run's parameters (set by :func:`~segindicators.pipeline.refresh.run_refresh`).
    previous_processed
        The live ``data/processed`` (read-only: the previous run's outputs).
    geometry
        DeSO and RegSO boundaries (``geometry``).
    national_indices, national_ranks
        Every municipality's citywide indices and this kommun's ranks among them (``peers``; None when the
        stage does not run).
    kolada, kolada_http_calls
        Kolada values (None when skipped or failed) and the Kolada client's HTTP requests (``kolada``).
    plan_status
        Plan status (``plan``).
    typology
        :class:`~segindicators.typology.build.Typology` (``typology``).
    charts
        The exported chart set (``charts``).
    report
        The report's two files (``report``).
    """

    options: RefreshOptions
    previous_processed: Path
    geometry: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    national_indices: pd.DataFrame | None = None
    national_ranks: pd.DataFrame | None = None
    kolada: pd.DataFrame | None = None
    plan_status: pd.DataFrame | None = None
    typology: Typology | None = None
    charts: ChartSet | None = None
    report: ReportFiles | None = None


@dataclass(frozen=True)
class NationalOptions:
    """Parameters of a national run (``refresh --national``): every municipality in one run.

    Parameters
    ----------
    years, report_year, offline, base_url, wfs_url, home, retry, seed
        As :class:`RefreshOptions`; ``report_year`` names ``reports/national/<year>``.
    lookups
        Folder of SCB's kopplingstabeller (``koppling-*.csv``: DeSO → RegSO → kommun of both versions), the
        national lookup; default ``<home>/data/raw/lookups``.
    charts_for
        Municipalities whose standard chart set is drawn (``reports/national/<year>/<kommun>/``).
    synthetic
        The data are synthetic; also detected from the tables' metadata labels (the fakes label them).
    national_draws
        Bootstrap draws per index of every municipality's indices.
    """

    years: tuple[int, ...]
    report_year: int | None = None
    offline: bool = False
    base_url: str | None = None
    wfs_url: str | None = None
    home: Path | None = None
    lookups: Path | None = None
    charts_for: tuple[str, ...] = ()
    synthetic: bool = False
    retry: RetryPolicy | None = None
    seed: int = 20241231
    national_draws: int = 199

    @property
    def year_for_report(self) -> int:
        """The report folder's year."""
        return self.report_year if self.report_year is not None else max(self.years)

    def parameters(self) -> dict[str, Any]:
        """The parameters that identify the run's result (recorded in the manifest's run id)."""
        return {
            "national": True,
            "years": list(self.years),
            "report_year": self.year_for_report,
            "charts_for": list(self.charts_for),
            "synthetic": self.synthetic,
            "seed": self.seed,
            "national_draws": self.national_draws,
        }


@dataclass(kw_only=True)
class NationalContext(RunState):
    """Everything a stage of the national run may read or fill in; each field names the stage that fills it.

    The fields of :class:`RunState` (``processed``, ``reports``: ``data/national``, ``reports/national/<year>``;
    ``profile`` stays None: no municipality's focus areas are summed), and:

    Attributes
    ----------
    options
        The run's parameters (set by :func:`~segindicators.pipeline.national.run_national`).
    on_table
        Called with each table's :class:`~segindicators.catalogue.national.TableProgress` (set by the runner).
    lookup_files
        The kopplingstabeller the lookup was read from (``lookup``).
    build_summary
        The national build's calls summary (``fetch``).
    synthetic
        The run's data are synthetic (the option, or the tables' labels say so; ``fetch``).
    ranks
        Every municipality's ranks (``ranks``).
    typology
        :class:`~segindicators.typology.build.AreaTypology` of every area (``typology``).
    charts
        Municipality → its exported chart set (``charts``).
    """

    options: NationalOptions
    on_table: Callable[[Any], None] | None = None
    lookup_files: list[Path] = field(default_factory=list)
    build_summary: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    ranks: pd.DataFrame | None = None
    typology: AreaTypology | None = None
    charts: dict[str, ChartSet] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """A named step: ``run(ctx)`` reads and fills the context; ``title`` is shown in the progress display."""

    name: str
    title: str
    run: Callable[[Any], None]  # over a RunContext or a NationalContext
