"""Every stage of the refresh, each a thin adapter from the :class:`~segindicators.pipeline.context.RunContext`
to a domain function that takes values and returns values.

A stage reads the context fields it needs, calls the domain function (:func:`municipal_boundaries`,
:func:`build_counts`, :func:`split_levels`, :func:`validate_levels`, :func:`processed_counts`,
:func:`citywide_battery`, :func:`national_indices`, :func:`national_ranks`, :func:`fetch_plan_kpis`,
:func:`plan_status`, :func:`build_typology`, :func:`render_standard_charts`, :func:`write_report`,
:func:`compare_counts`, :func:`build_manifest`, …), writes that stage's files into the staging folders and fills
the context fields later stages read. Their order is :data:`segindicators.pipeline.refresh.STAGES` (and
:func:`~segindicators.pipeline.refresh.stages_for`); ``validate``, ``harmonise`` and the manifest writer read
only :class:`~segindicators.pipeline.context.RunState` fields and serve the national run too. The domain
packages never import this module.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators._io import atomic_write_bytes, atomic_write_text, write_frame, xlsx_bytes
from segindicators.catalogue.builder import build_counts
from segindicators.catalogue.levels import same_rows, split_levels, validate_levels
from segindicators.catalogue.national import build_national_counts
from segindicators.charts.standard import render_standard_charts
from segindicators.checks import read_table
from segindicators.geography.assemble import processed_counts
from segindicators.geography.boundaries import municipal_boundaries
from segindicators.geography.kommuner import kommuner
from segindicators.indices.battery import citywide_battery
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.paths import SYNTHETIC_MARKER, raw_dir
from segindicators.pipeline.changes import changes_markdown, compare_counts
from segindicators.pipeline.context import RunContext, RunState
from segindicators.pipeline.manifest import (
    build_manifest,
    newest_retrieval,
    raw_inputs,
    report_entries,
    write_manifest,
)
from segindicators.plan.definition import Plan, resolve_plan
from segindicators.plan.status import plan_status, series_from_counts, series_from_indices, series_from_kolada
from segindicators.report.write import write_report
from segindicators.sources.kolada.fetch import fetch_plan_kpis, plan_kpis
from segindicators.sources.kolada.processed import write_processed
from segindicators.sources.scb.metadata import table_spec
from segindicators.tables import processed_file, write_table
from segindicators.typology.build import build_typology
from segindicators.typology.national import national_indices, national_ranks, rank_headline

__all__ = [
    "raw_inputs",  # re-exported from segindicators.pipeline.manifest (the refresh's old home of it)
    "stage_changes",
    "stage_charts",
    "stage_fetch",
    "stage_geometry",
    "stage_harmonise",
    "stage_indices",
    "stage_kolada",
    "stage_manifest",
    "stage_notebooks",
    "stage_peers",
    "stage_plan",
    "stage_report",
    "stage_typology",
    "stage_validate",
    "stage_write",
    "write_run_manifest",
]


def stage_geometry(ctx: RunContext) -> None:
    """DeSO and RegSO layers per geography version and the lookup built from them
    (:func:`~segindicators.geography.boundaries.municipal_boundaries`) → ``ctx.lookup``, ``ctx.geometry``."""
    b = municipal_boundaries(
        ctx.wfs, ctx.options.kommun, ctx.options.years, kommun_name=ctx.profile.name,
        fallback_folder=raw_dir(ctx.home) / "lookups",
    )  # fmt: skip
    ctx.lookup = b.lookup
    ctx.geometry["deso"], ctx.geometry["regso"] = b.deso, b.regso
    ctx.warnings.extend(b.warnings)
    ctx.summary["geometry"] = b.summary


def stage_fetch(ctx: RunContext) -> None:
    """Processed counts for DeSO, RegSO, the kommun and riket from SCB, one call per table
    (:func:`~segindicators.catalogue.builder.build_counts`), split by level
    (:func:`~segindicators.catalogue.levels.split_levels`); years not yet published are warnings."""
    kommun = ctx.options.kommun
    built = build_counts(ctx.scb, kommun, list(ctx.options.years), catalogue=ctx.catalogue)
    levels = split_levels(
        built, kommun_names={kommun: getattr(ctx.profile, "name", None) or f"kommun {kommun}"}
    )
    ctx.built, ctx.kommun_rows, ctx.riket_rows = levels.areas, levels.kommun, levels.riket
    ctx.unvouched_tables = list(levels.unvouched_tables)
    # the client holds each table's /metadata from the build: no further calls
    ctx.specs = {t: table_spec(ctx.scb.metadata(t)) for t in levels.tables}
    ctx.warnings.extend(levels.warnings)
    ctx.summary["fetch"] = levels.summary


def stage_peers(ctx: RunContext) -> None:
    """Every municipality's citywide indices and this kommun's ranks among all and among its peers.

    The national build of the catalogue's groups at DeSO and RegSO (:func:`~segindicators.catalogue.national.
    build_national_counts`, through the run's SCB client and cache), checked against the kommun's own rows
    (:func:`~segindicators.catalogue.levels.same_rows`), the indices of every municipality
    (:func:`~segindicators.typology.national.national_indices`) and the kommun's ranks
    (:func:`~segindicators.typology.national.national_ranks`) → ``national_indices.parquet``,
    ``national_ranks.parquet``, ``ctx.national_indices``, ``ctx.national_ranks``.
    """
    opts, kommun = ctx.options, ctx.options.kommun
    counts = build_national_counts(ctx.scb, opts.years, indicators=[], catalogue=ctx.catalogue)
    problems = same_rows(counts, ctx.built, kommun)
    if problems:
        raise ValueError(
            "the national build does not agree with the kommun's own:\n  - " + "\n  - ".join(problems)
        )
    indices = national_indices(counts, catalogue=ctx.catalogue, draws=opts.national_draws, rng=opts.seed)
    names = {**kommuner(), kommun: ctx.profile.name or kommun}
    ranks = national_ranks(indices, kommuner=[kommun], peers={kommun: list(ctx.profile.peers)}, names=names)
    if ranks.empty:
        raise ValueError(
            f"kommun {kommun}: no citywide index in the national build to rank; is the code right?"
        )
    write_table("national_indices", indices, ctx.processed)
    write_table("national_ranks", ranks, ctx.processed)
    ctx.national_indices, ctx.national_ranks = indices, ranks
    calls = counts.attrs.get("summary", {})
    ctx.summary["peers"] = (
        f"{indices['kommun'].nunique()} kommuner ({calls.get('calls', '?')} SCB calls, "
        f"{calls.get('downloads', '?')} data downloads); {rank_headline(ranks, kommun)}"
    )


def stage_validate(ctx: RunState) -> None:
    """Validate each level (:func:`~segindicators.catalogue.levels.validate_levels`); problems stop the run,
    missing years are warnings → ``ctx.coverage``."""
    checked = validate_levels(
        ctx.built, ctx.lookup, catalogue=ctx.catalogue, years=ctx.options.years, specs=ctx.specs
    )
    ctx.warnings.extend(checked.warnings)
    ctx.coverage = checked.coverage
    ctx.summary["validate"] = checked.summary


def stage_harmonise(ctx: RunState) -> None:
    """Harmonised DeSO/RegSO series, kommun rows (SCB's own, else pooled from DeSO), focus areas and riket
    (:func:`~segindicators.geography.assemble.processed_counts`) → ``ctx.counts``."""
    made = processed_counts(
        ctx.built, ctx.lookup, years=ctx.options.years, kommun_rows=ctx.kommun_rows, riket_rows=ctx.riket_rows,
        unvouched_tables=ctx.unvouched_tables, profile=ctx.profile,
    )  # fmt: skip
    ctx.counts = made.counts
    ctx.summary["harmonise"] = made.summary


def stage_write(ctx: RunContext) -> None:
    """Write the processed tables into the staging folder."""
    write_table("counts", ctx.counts, ctx.processed)
    write_table("lookup", ctx.lookup, ctx.processed)
    write_table("coverage", ctx.coverage, ctx.processed)
    for name, gdf in ctx.geometry.items():
        write_table(f"geometry_{name}", gdf, ctx.processed)
    if ctx.options.synthetic:
        note = (
            f"{SYNTHETIC_LABEL}\n\nKommun {ctx.options.kommun} är fiktiv; alla siffror är slumpgenererade.\n"
        )
        atomic_write_text(ctx.processed / SYNTHETIC_MARKER, note)
        atomic_write_text(ctx.reports / SYNTHETIC_MARKER, note)
    ctx.summary["write"] = f"{len(list(ctx.processed.iterdir()))} files in data/processed"


def _load_plan(ctx: RunContext) -> Plan | None:
    return resolve_plan(ctx.options.plan, ctx.options.kommun)


def stage_indices(ctx: RunContext) -> None:
    """Citywide segregation indices (bootstrap CIs, ICE summaries, nested H) for every catalogue group."""
    native = ctx.counts[ctx.counts["geo_version"].isin(["2018", "2025"])]
    indices = citywide_battery(
        native, lookup=ctx.lookup, rng=ctx.options.seed, draws=ctx.options.bootstrap_draws
    )
    ctx.indices = indices
    write_table("indices", indices, ctx.processed)
    dropped = int(indices.drop_duplicates(["kommun", "level", "year", "group"])["units_dropped"].sum())
    ctx.summary["indices"] = (
        f"{indices['group'].nunique()} groups × {indices['index'].nunique()} indices, "
        f"{indices['year'].nunique()} years; {dropped} area-years left out for suppressed counts"
    )


def stage_plan(ctx: RunContext) -> None:
    """Plan status from the processed counts and citywide indices (kept with the processed tables)."""
    plan = _load_plan(ctx)
    if plan is None:
        ctx.summary["plan"] = f"skipped: no plan for kommun {ctx.options.kommun} (pass --plan)"
        return
    parts = [series_from_counts(ctx.counts)]
    if ctx.indices is not None:
        parts.append(series_from_indices(ctx.indices, ctx.options.kommun))
    if ctx.kolada is not None:  # filled by the kolada stage
        parts.append(series_from_kolada(ctx.kolada, ctx.options.kommun))
    status = plan_status(plan, pd.concat(parts, ignore_index=True))
    ctx.plan_status = status
    write_table("plan_status", status, ctx.processed)
    latest = status.dropna(subset=["year"]).drop_duplicates(
        ["development_area", "indicator", "level", "area"], keep="last"
    )
    ctx.summary["plan"] = f"{plan.name}: " + ", ".join(
        f"{k} {v}" for k, v in latest["status_sv"].value_counts().sort_index().items()
    )


def stage_kolada(ctx: RunContext) -> None:
    """The plan's Kolada KPIs (kommun + riket, :func:`~segindicators.sources.kolada.fetch.fetch_plan_kpis`) →
    ``kolada.parquet`` and ``ctx.kolada``; Kolada problems become warnings, never a failed run."""
    opts = ctx.options
    plan = _load_plan(ctx)
    if plan is None:
        ctx.summary["kolada"] = "skipped: no plan"
        return
    got = fetch_plan_kpis(
        plan_kpis(plan), plan_name=plan.name, kommun=opts.kommun, years=opts.years,
        cache_dir=raw_dir(ctx.home) / "kolada", base_url=opts.kolada_url, offline=opts.offline, retry=opts.retry,
        synthetic=opts.synthetic,
    )  # fmt: skip
    ctx.kolada_http_calls = got.http_calls
    ctx.warnings.extend(got.warnings)
    if got.frame is not None:
        ctx.kolada = got.frame
        write_processed(got.frame, processed_file("kolada", ctx.processed), merge=False)
    ctx.summary["kolada"] = got.summary


def stage_typology(ctx: RunContext) -> None:
    """Area types and affluence (:func:`~segindicators.typology.build.build_typology`) → ``typology.parquet``
    (+ csv), ``area_types.parquet``, ``reports/<year>/affluence.xlsx`` (+ csv) and ``ctx.typology``."""
    focus = {a: fa.name for fa in ctx.profile.focus_areas if fa.level == "RegSO" for a in fa.areas}
    t = build_typology(
        ctx.counts, kommun=ctx.options.kommun, report_year=ctx.options.year_for_report, focus=focus,
        synthetic=ctx.options.synthetic,
    )  # fmt: skip
    ctx.warnings.extend(t.warnings)
    write_table("typology", t.measures, ctx.processed)
    write_table("area_types", t.area_types, ctx.processed)
    atomic_write_bytes(ctx.reports / "affluence.xlsx", t.workbook)
    write_frame(t.table, ctx.reports / "affluence.csv")
    ctx.typology = t
    ctx.summary["typology"] = t.summary


def _with_peers(ctx: RunContext) -> pd.DataFrame | None:
    """The kommun's indices plus, when the ``peers`` stage ran, the other municipalities' (its peers, or all
    when it has none) from ``national_indices``, so the peer charts have their comparison."""
    if ctx.national_indices is None or ctx.indices is None:
        return ctx.indices
    others = ctx.national_indices[ctx.national_indices["kommun"] != ctx.options.kommun]
    if ctx.profile.peers:
        others = others[others["kommun"].isin(list(ctx.profile.peers))]
    return pd.concat([ctx.indices, others], ignore_index=True)


def stage_charts(ctx: RunContext) -> None:
    """The standard chart set (:func:`~segindicators.charts.standard.render_standard_charts`) into the
    staging ``reports/<year>`` folder → ``ctx.charts``."""
    if not ctx.options.charts:
        ctx.summary["charts"] = "skipped (charts switched off for this run)"
        return
    frames = {
        "counts": ctx.counts,
        "indices": _with_peers(ctx),
        "plan_status": ctx.plan_status,
        "typology": ctx.typology.measures if ctx.typology is not None else None,  # the affluence flags
        "lookup": ctx.lookup,
        "geometry": ctx.geometry,
    }
    charts = render_standard_charts(
        frames,
        ctx.reports,
        kommun=ctx.options.kommun,
        year=ctx.options.year_for_report,
        profile=ctx.profile,
        synthetic=ctx.options.synthetic,
        retrieved=newest_retrieval(raw_dir(ctx.home), ctx.home),
    )
    ctx.charts = charts
    ctx.summary["charts"] = f"{len(charts)} diagram på {charts.seconds:.1f} s; inte ritade: " + (
        ", ".join(s.name for s in charts.skipped) or "inga"
    )


def stage_report(ctx: RunContext) -> None:
    """The HTML report and the Word draft (:func:`~segindicators.report.write.write_report`) in the staging
    ``reports/<year>`` folder → ``ctx.report``."""
    if not ctx.options.charts:
        ctx.summary["report"] = "skipped (charts switched off for this run, and the report shows them)"
        return
    if ctx.charts is None:
        ctx.summary["report"] = "skipped (the charts stage drew no chart set in this run)"
        return
    files = write_report(
        ctx.processed,
        ctx.reports,
        kommun=ctx.options.kommun,
        year=ctx.options.year_for_report,
        profile=ctx.profile,
        charts=ctx.charts,
        synthetic=ctx.options.synthetic,
    )
    ctx.report = files
    ctx.summary["report"] = (
        f"{files.html.name} och {files.docx.name}: {files.figures} figurer, {files.tables} tabeller "
        f"på {files.seconds:.1f} s"
    )


def _notebooks_dir(ctx: RunContext) -> Path | None:
    folder = Path(ctx.options.notebooks) if ctx.options.notebooks else ctx.home / "notebooks"
    return folder if folder.is_dir() and any(folder.glob("*.ipynb")) else None


def stage_notebooks(ctx: RunContext) -> None:
    """Execute every notebook with papermill into reports/<year>/notebooks/ (skipped without notebooks)."""
    folder = _notebooks_dir(ctx)
    if folder is None:
        ctx.summary["notebooks"] = "skipped: no notebooks folder"
        return
    import papermill

    out = ctx.reports / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    params = {
        "kommun": ctx.options.kommun,
        "years": list(ctx.options.years),
        "report_year": ctx.options.year_for_report,
        "data_dir": str(ctx.processed.resolve()),
        "reports_dir": str(ctx.reports.resolve()),
        "focus_areas": [c for fa in ctx.profile.focus_areas for c in fa.areas],
        "synthetic": ctx.options.synthetic,
    }
    done = []
    for nb in sorted(folder.glob("*.ipynb")):
        t0 = time.perf_counter()
        papermill.execute_notebook(
            str(nb), str(out / nb.name), parameters=params, progress_bar=False, cwd=str(folder.resolve())
        )
        done.append(f"{nb.stem} {time.perf_counter() - t0:.1f} s")
    ctx.summary["notebooks"] = "; ".join(done)


def stage_changes(ctx: RunContext) -> None:
    """Compare with the previous run's counts.parquet; write changes.md, changes.xlsx, changes_moved.csv."""
    previous = processed_file("counts", ctx.previous_processed)
    hint = "Move the broken file away: the next run then writes the change report without a comparison."
    rebasing = [t for t, spec in ctx.specs.items() if spec.constant_prices]
    result = (
        compare_counts(read_table(previous, hint=hint), ctx.counts, rebasing_tables=rebasing)
        if previous.exists()
        else None
    )
    markdown = changes_markdown(result, kommun=ctx.options.kommun, synthetic=ctx.options.synthetic)
    atomic_write_text(ctx.reports / "changes.md", markdown)
    if result is not None:
        atomic_write_bytes(ctx.reports / "changes.xlsx", xlsx_bytes(result))
        write_frame(result["moved"], ctx.reports / "changes_moved.csv")
        ctx.summary["changes"] = (
            f"{len(result['moved'])} figures moved, {len(result['revised_tables'])} tables revised, "
            f"{len(result['new_areas'])} new / {len(result['vanished_areas'])} vanished areas"
        )
    else:
        ctx.summary["changes"] = "first run: nothing to compare with"


def stage_manifest(ctx: RunContext) -> None:
    """Write reports/<year>/manifest.json (inputs with provenance, versions, parameters, output hashes)."""
    report = None if ctx.report is None else {"html": ctx.report.html, "docx": ctx.report.docx}
    write_run_manifest(ctx, data_label="data/processed", synthetic=ctx.options.synthetic, report=report)


def write_run_manifest(
    ctx: Any,
    *,
    data_label: str,
    synthetic: bool,
    report: dict[str, Path] | None = None,
    inputs: list[dict[str, Any]] | None = None,
) -> None:
    """The manifest of a run (kommun or national) into ``ctx.reports / "manifest.json"`` → ``ctx.manifest``.

    Parameters
    ----------
    ctx
        A :class:`RunContext` or :class:`~segindicators.pipeline.context.NationalContext`.
    data_label
        The folder the staged tables go to (``data/processed``, ``data/national``), naming the outputs.
    synthetic
        The run's data are synthetic (recorded with the label).
    report
        The report stage's files (``html``, ``docx``), for the editor.
    inputs
        Inputs beyond the raw answers (e.g. the kopplingstabeller of a national run).
    """
    outputs = {f"{data_label}/{p.name}": p for p in sorted(ctx.processed.iterdir()) if p.is_file()}
    manifest = build_manifest(
        parameters=ctx.options.parameters(),
        inputs=[*raw_inputs(raw_dir(ctx.home), ctx.home), *(inputs or [])],
        outputs=outputs,
        base_dir=ctx.processed,
        started=ctx.started,
    )
    manifest["synthetic"] = synthetic
    if synthetic:
        manifest["label"] = SYNTHETIC_LABEL
    manifest["reports"] = sorted(
        p.relative_to(ctx.reports).as_posix() for p in ctx.reports.rglob("*") if p.is_file()
    )
    if report is not None:  # the report stage's two files, for the editor
        manifest["report"] = report_entries(report, ctx.reports)
    manifest["run"] = {
        "offline": ctx.options.offline,
        "http_calls": ctx.http_calls,
        "sources": {"scb": ctx.scb.base_url, "wfs": ctx.wfs.base_url},
        "warnings": list(ctx.warnings),
    }
    write_manifest(manifest, ctx.reports / "manifest.json")
    ctx.manifest = manifest
    ctx.summary["manifest"] = f"run id {manifest['run_id']}, {len(manifest['inputs'])} raw inputs"
