r"""The annual refresh: :data:`STAGES`, the ordered list of every stage, run over one typed run context.

``run_refresh(options)`` runs :data:`STAGES` in order; each stage is a function ``(ctx) -> None`` over the
:class:`~segindicators.pipeline.context.RunContext` (typed fields, one per value a stage leaves for a later
one), a thin adapter in :mod:`segindicators.pipeline.stages` over a domain function that takes values and
returns values. :func:`replace_stage` swaps one (tests, fault injection). The stages, in the order they run:

1. ``geometry`` — DeSO/RegSO boundaries of each geography version the years need, from SCB's WFS
   (:mod:`segindicators.sources.wfs`); the lookup DeSO → RegSO → kommun is built from their attributes.
2. ``fetch`` — :func:`segindicators.catalogue.builder.build_counts` for DeSO and RegSO (each year in the
   geography version SCB publishes it in), one :class:`~segindicators.sources.scb.ScbClient` for both; plus the
   kommun and the national comparison rows (``level == "riket"``, Region ``"00"``) through the same builder.
3. ``validate`` — :func:`segindicators.catalogue.validate.validate_counts` against the lookup's codes and the
   catalogue's expected years; any problem stops the run (missing years are reported, not fatal).
4. ``harmonise`` — harmonised DeSO and RegSO series (:mod:`segindicators.geography.harmonise`), kommun totals
   (SCB's own, else pooled from DeSO) and focus areas from the municipality profile
   (:mod:`segindicators.geography.aggregate`).
5. ``write`` — ``data/processed/counts.parquet`` (+ ``.csv``), ``lookup.parquet``, ``coverage.csv``,
   ``geometry_deso.parquet`` and ``geometry_regso.parquet`` (GeoParquet, EPSG:3006); for the synthetic demo
   also ``SYNTETISKA_DATA.txt`` (the label) in data/processed and reports/<year>.
6. ``indices`` — citywide segregation indices (:func:`segindicators.indices.battery.citywide_battery`) →
   ``data/processed/indices.parquet`` (+ csv).
7. ``kolada`` — the plan's ``kolada:`` KPIs for the kommun and riket
   (:func:`segindicators.sources.kolada.fetch.fetch_plan_kpis`) → ``data/processed/kolada.parquet``; a Kolada failure
   is a warning, not a failed run.
8. ``plan`` — plan status (:mod:`segindicators.plan.status`, from SCB series, indices and Kolada) →
   ``data/processed/plan_status.parquet`` (+ csv).
9. ``typology`` — area types and affluence (:func:`segindicators.typology.build.build_typology`) →
   ``typology.parquet``, ``area_types.parquet``, ``reports/<year>/affluence.xlsx``.
10. ``charts`` — the standard chart set (:func:`segindicators.charts.standard.render_standard_charts`).
11. ``report`` — ``reports/<year>/index.html`` and ``uppfoljning_<kommun>_<year>.docx``
    (:func:`segindicators.report.write.write_report`, from the processed tables and the exported charts).
12. ``notebooks`` — every ``notebooks/*.ipynb`` executed with papermill into ``reports/<year>/notebooks/``
    (skipped when there is no notebooks folder).
13. ``changes`` — :func:`segindicators.pipeline.changes.compare_counts` against the previous run's
    ``counts.parquet``: ``reports/<year>/changes.md``, ``changes.xlsx`` and ``changes_moved.csv``.
14. ``manifest`` — ``reports/<year>/manifest.json``: every raw input used (SCB data, metadata and codelist
    answers, WFS layers) with its provenance record, versions, parameters, output hashes; the report's two
    files under ``report``.

This list is :data:`STAGES`, in its order:

>>> import re
>>> re.findall(r"^\d+\. ``(\w+)``", __doc__, flags=re.MULTILINE) == [s.name for s in STAGES]
True

One stage more runs when the options ask for it (:attr:`RefreshOptions.peers_enabled`: by default for real
runs, not for the synthetic demo), right after ``fetch``; :func:`stages_for` gives the list a run uses:

- ``peers`` — every municipality's citywide indices from SCB (the national build of the catalogue's groups at
  DeSO and RegSO, :func:`segindicators.catalogue.national.build_national_counts`, through the same client and
  cache) and this kommun's rank among all and among its profile's peers
  (:mod:`segindicators.typology.national`) → ``national_indices.parquet``, ``national_ranks.parquet``; the
  peer charts then show the peers.

>>> names = [s.name for s in stages_for(RefreshOptions(kommun="0580", years=(2024,)))]
>>> names[:4], names[3:] == [s.name for s in STAGES][2:]
(['geometry', 'fetch', 'peers', 'validate'], True)
>>> stages_for(RefreshOptions(kommun="9999", years=(2024,), synthetic=True)) == STAGES
True

All-or-nothing: ``data/processed`` and ``reports/<year>`` are written into staging folders
(:func:`segindicators.pipeline.staging.staged_directories`) that replace the live folders only after every
stage succeeded; a failed or killed run leaves the previous outputs untouched. ``data/raw`` only grows.

One run at a time: a run holds ``data/.refresh.lock`` (:mod:`segindicators.pipeline.lock`); a second run on
the same project folder refuses, naming the holder's pid and start time. A lock left by a killed run is
taken over, and before its first stage a run finishes or removes what a killed run left behind
(:func:`segindicators.pipeline.staging.recover`); both are noted among the run's warnings.

HTTP calls and idempotency. Online, the SCB client reads ``/config``, each table's ``/metadata`` (the
catalogue check) and, for a selection already in the cache, compares the cached answer's ``updated`` with the
one in that ``/metadata`` (``/tables/{id}`` only where no metadata was read): a revision is downloaded,
otherwise the cached answer is used. In SCB's recorded TAB6471 the ``updated`` of ``/metadata`` and of the
data answer are the same stamp. WFS layers are used from the cache once fetched (a published geography
version does not change). So a second *online* run with nothing revised makes only ``/config`` and the
metadata calls and downloads no data; ``--offline`` makes **zero** HTTP calls and
fails, naming the request, if anything is missing from the cache. Both give byte-identical processed tables
and a manifest that differs only in its ``run`` block (times, mode, call counts, server URLs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators.catalogue.builder import COLUMNS
from segindicators.catalogue.definitions import load_catalogue
from segindicators.geography.profiles import load_profile
from segindicators.paths import processed_dir, project_home, reports_dir
from segindicators.pipeline.context import RefreshOptions, RunContext, Stage
from segindicators.pipeline.runner import RefreshError, run_stages, staged_run
from segindicators.pipeline.stages import (
    raw_inputs,
    stage_changes,
    stage_charts,
    stage_fetch,
    stage_geometry,
    stage_harmonise,
    stage_indices,
    stage_kolada,
    stage_manifest,
    stage_notebooks,
    stage_peers,
    stage_plan,
    stage_report,
    stage_typology,
    stage_validate,
    stage_write,
)

__all__ = [
    "COLUMNS",
    "PEERS",
    "STAGES",
    "RefreshError",
    "RefreshOptions",
    "RefreshResult",
    "RunContext",
    "Stage",
    "raw_inputs",
    "replace_stage",
    "run_refresh",
    "stage_geometry",
    "stages_for",
]


@dataclass
class RefreshResult:
    """What a finished run produced."""

    home: Path
    processed: Path
    reports: Path
    manifest: dict[str, Any]
    counts: pd.DataFrame
    timings: dict[str, float]
    http_calls: dict[str, int]
    summary: dict[str, str]
    warnings: list[str]


STAGES: list[Stage] = [
    Stage("geometry", "Geometri (SCB WFS)", stage_geometry),
    Stage("fetch", "Hämta och bygg (SCB PxWebApi)", stage_fetch),
    Stage("validate", "Validera", stage_validate),
    Stage("harmonise", "Harmonisera och aggregera", stage_harmonise),
    Stage("write", "Skriv data/processed", stage_write),
    Stage("indices", "Segregationsindex", stage_indices),
    Stage("kolada", "Kolada (kommunnivå)", stage_kolada),
    Stage("plan", "Planstatus", stage_plan),
    Stage("typology", "Områdestyper och välstånd", stage_typology),
    Stage("charts", "Diagram", stage_charts),
    Stage("report", "Rapport (HTML och Word)", stage_report),
    Stage("notebooks", "Notebooks (papermill)", stage_notebooks),
    Stage("changes", "Förändringsrapport", stage_changes),
    Stage("manifest", "Manifest", stage_manifest),
]

#: The optional stage after ``fetch`` (see :func:`stages_for`).
PEERS = Stage("peers", "Jämförelsekommuner (hela riket)", stage_peers)


def replace_stage(
    stages: list[Stage], name: str, run: Callable[[RunContext], None], title: str | None = None
) -> list[Stage]:
    """A copy of ``stages`` with stage ``name``'s function (and optionally title) replaced.

    Examples
    --------
    >>> s = replace_stage(STAGES, "indices", lambda ctx: None)
    >>> i = [x.name for x in STAGES].index("indices")
    >>> [x.name for x in s] == [x.name for x in STAGES] and s[i].run is not STAGES[i].run
    True
    """
    if name not in {s.name for s in stages}:
        raise KeyError(f"name: no stage {name!r}; stages are {[s.name for s in stages]}")
    return [replace(s, run=run, title=title or s.title) if s.name == name else s for s in stages]


def stages_for(options: RefreshOptions) -> list[Stage]:
    """The stages a run with these options runs: :data:`STAGES`, with ``peers`` after ``fetch`` when
    :attr:`RefreshOptions.peers_enabled`."""
    if not options.peers_enabled:
        return STAGES
    at = [s.name for s in STAGES].index("fetch") + 1
    return [*STAGES[:at], PEERS, *STAGES[at:]]


# ---------------------------------------------------------------------------------------------- runner


def run_refresh(
    options: RefreshOptions,
    *,
    stages: list[Stage] | None = None,
    on_stage: Callable[[str, str, float | None], None] | None = None,
) -> RefreshResult:
    """Run the refresh; outputs replace the previous ones only if every stage succeeds.

    Parameters
    ----------
    options
        Run parameters.
    stages
        Default :func:`stages_for` the options (:data:`STAGES`, plus ``peers`` when enabled).
    on_stage
        Called as ``on_stage(name, "start", None)`` and ``on_stage(name, "done" | "failed", seconds)``.

    Raises
    ------
    RefreshError
        Naming the failed stage and the cause; ``data/processed`` and ``reports/<year>`` are unchanged.
    RefreshLocked
        Another run holds ``data/.refresh.lock`` (:mod:`segindicators.pipeline.lock`); nothing was done.
    """
    stages = stages_for(options) if stages is None else stages
    home = project_home(options.home).resolve()  # notebooks run in another cwd: paths must be absolute
    started = datetime.now(UTC)
    targets = [processed_dir(home), reports_dir(options.year_for_report, home)]
    with staged_run(home, targets, options) as run:
        processed, reports = run.staged
        ctx = RunContext(
            options=options, home=home, processed=processed, reports=reports,
            previous_processed=processed_dir(home), scb=run.scb, wfs=run.wfs, catalogue=load_catalogue(),
            profile=options.profile if options.profile is not None else load_profile(options.kommun),
            started=started,
        )  # fmt: skip
        ctx.warnings.extend(f"refresh: {note}" for note in run.notes)
        timings = run_stages(stages, ctx, on_stage)
    return RefreshResult(
        home=home,
        processed=processed_dir(home),
        reports=reports_dir(options.year_for_report, home),
        manifest=ctx.manifest or {},
        counts=ctx.counts,
        timings=timings,
        http_calls=ctx.http_calls,
        summary=ctx.summary,
        warnings=ctx.warnings,
    )
