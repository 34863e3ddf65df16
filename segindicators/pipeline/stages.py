"""Every stage of the refresh, each a thin adapter from the :class:`~segindicators.pipeline.context.RunContext`
to a domain function that takes values and returns values.

A stage reads the context fields it needs, calls the domain function (:func:`build_counts`,
:func:`validate_counts`, :func:`citywide_battery`, :func:`fetch_plan_kpis`, :func:`plan_status`,
:func:`build_typology`, :func:`render_standard_charts`, :func:`write_report`, :func:`compare_counts`,
:func:`build_manifest`, …), writes that stage's files into the staging folders and fills the context fields
later stages read. Their order is :data:`segindicators.pipeline.refresh.STAGES`; the domain packages never
import this module.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segindicators._io import atomic_write_bytes, atomic_write_text, write_frame, xlsx_bytes
from segindicators.catalogue.builder import build_counts, expected_years
from segindicators.catalogue.validate import validate_counts
from segindicators.charts.standard import render_standard_charts
from segindicators.checks import read_table
from segindicators.geography import (
    AGGREGABLE_UNITS,
    aggregate_counts,
    deso_crosswalk,
    focus_mapping,
    harmonise_deso,
    harmonise_regso,
    regso_changes,
)
from segindicators.geography.kommun import kommun_series, mark_unvouched
from segindicators.geography.lookups import (
    RegsoNameError,
    geo_version_for_year,
    lookup_from_wfs,
    read_reference_lookups,
    regso_names,
)
from segindicators.indices.battery import citywide_battery
from segindicators.sources.kolada.fetch import fetch_plan_kpis, plan_kpis
from segindicators.sources.kolada.processed import write_processed
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.paths import SYNTHETIC_MARKER, raw_dir
from segindicators.pipeline.changes import compare_counts
from segindicators.pipeline.context import RunContext
from segindicators.pipeline.manifest import build_manifest, report_entries, write_manifest
from segindicators.plan.definition import Plan, resolve_plan
from segindicators.plan.status import plan_status, series_from_counts, series_from_indices, series_from_kolada
from segindicators.report.write import write_report
from segindicators.sources.scb.metadata import table_spec
from segindicators.tables import normalise, processed_file, write_table
from segindicators.typology.build import build_typology

__all__ = [
    "raw_inputs",
    "stage_changes",
    "stage_charts",
    "stage_fetch",
    "stage_geometry",
    "stage_harmonise",
    "stage_indices",
    "stage_kolada",
    "stage_manifest",
    "stage_notebooks",
    "stage_plan",
    "stage_report",
    "stage_typology",
    "stage_validate",
    "stage_write",
]


def _geo_versions(years: Iterable[int]) -> list[str]:

    return sorted({geo_version_for_year(y) for y in years})


def stage_geometry(ctx: RunContext) -> None:
    """Fetch DeSO and RegSO layers per geography version; build the lookup from their attributes.

    SCB's DeSO layers carry ``desokod``, ``regsokod``, ``kommunkod`` but no RegSO name; the names come from the
    RegSO layer's ``regsonamn`` joined on ``regsokod``. Where the RegSO layer has no name for a code, the names
    are taken from SCB's kopplingstabeller saved unchanged in ``<home>/data/raw/lookups/koppling-*.csv`` (a
    warning says so); with neither, the stage stops naming the layer, the attribute and what to do. The RegSO
    geometry carries the names the lookup uses.
    """
    import geopandas as gpd  # heavy (GDAL via pyogrio): imported only when the geometry stage runs

    kommun = ctx.options.kommun
    name = ctx.profile.name
    folder = raw_dir(ctx.home) / "lookups"
    parts, deso, regso = [], [], []
    for version in _geo_versions(ctx.options.years):
        d = ctx.wfs.layer("DeSO", version, kommun)
        r = ctx.wfs.layer("RegSO", version, kommun)
        if d.empty:
            raise ValueError(f"WFS layer DeSO {version} has no areas for kommun {kommun}; is the code right?")
        fallback = None
        try:
            names = regso_names(r, version, codes=d["regsokod"])
        except RegsoNameError as exc:
            if not any(folder.glob("koppling-*.csv")):
                raise RegsoNameError(
                    f"{exc} The refresh looks for the kopplingstabeller in {folder}: none found there; save SCB's "
                    "kopplingstabeller there unchanged and run again."
                ) from exc
            fallback = read_reference_lookups(folder)
            names = regso_names(r, version, codes=d["regsokod"], fallback=fallback)
            taken = names.loc[names["source"] == "kopplingstabell", "regso"].tolist()
            ctx.warnings.append(
                f"geometry: the WFS RegSO layer of geography version {version} has no name for {len(taken)} RegSO "
                f"({taken[:5]}{' …' if len(taken) > 5 else ''}); their names are taken from the kopplingstabeller "
                f"in {folder}."
            )
        parts.append(
            lookup_from_wfs(
                d, version, {kommun: name} if name else None, regso_attributes=r, fallback=fallback
            )
        )
        deso.append(d)
        regso.append(
            r.assign(regsonamn=r["regsokod"].map(names.set_index("regso")["regso_name"]).astype("str"))
        )
    ctx.lookup = pd.concat(parts, ignore_index=True)
    ctx.geometry["deso"] = gpd.GeoDataFrame(pd.concat(deso, ignore_index=True), crs="EPSG:3006")
    ctx.geometry["regso"] = gpd.GeoDataFrame(pd.concat(regso, ignore_index=True), crs="EPSG:3006")
    counts = ctx.lookup.groupby("geo_version").agg(deso=("deso", "nunique"), regso=("regso", "nunique"))
    ctx.summary["geometry"] = ", ".join(f"{v}: {r.deso} DeSO / {r.regso} RegSO" for v, r in counts.iterrows())


def stage_fetch(ctx: RunContext) -> None:
    """Build processed counts for DeSO, RegSO, the kommun and riket from SCB: one call per table.

    Each table brings every level it publishes (:func:`segindicators.catalogue.builder.build_counts`); the kommun
    and riket rows are SCB's own figures. Years a table does not publish yet are warnings, not failures.
    """
    kommun = ctx.options.kommun
    built = build_counts(ctx.scb, kommun, list(ctx.options.years), catalogue=ctx.catalogue)
    kommun_name = getattr(ctx.profile, "name", None) or f"kommun {kommun}"
    level = built["level"]
    ctx.built = built[level.isin(["DeSO", "RegSO"]).to_numpy()].reset_index(drop=True)
    ctx.kommun_rows = built[(level == "kommun").to_numpy()].assign(area_name=kommun_name)
    ctx.riket_rows = built[(level == "riket").to_numpy()].assign(area_name="Riket")
    ctx.unvouched_tables = list(built.attrs.get("unvouched_tables", []))
    # the client holds each table's /metadata from the build: no further calls
    ctx.specs = {t: table_spec(ctx.scb.metadata(t)) for t in built.attrs.get("tables", [])}
    by_table: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for item in built.attrs.get("unpublished", []):
        by_table.setdefault((item["table"], tuple(item["years"])), []).append(item["indicator"])
    for (table, years), users in sorted(by_table.items()):
        ctx.warnings.append(
            f"{table}: {', '.join(map(str, years))} not yet published by SCB (the table's /metadata ends earlier); "
            f"{', '.join(sorted(users))} have no figures for {'that year' if len(years) == 1 else 'those years'}."
        )
    ctx.summary["fetch"] = (
        f"{len(ctx.built):,} rows, {ctx.built['indicator'].nunique()} indicators/groups "
        f"(+ {len(ctx.kommun_rows):,} kommun and {len(ctx.riket_rows):,} riket rows); "
        f"{len(built.attrs.get('requests', []))} data calls"
    )


def stage_validate(ctx: RunContext) -> None:
    """Validate each level; problems stop the run, missing years are warnings."""
    problems, coverage = [], []
    known = {"DeSO": set(ctx.lookup["deso"]), "RegSO": set(ctx.lookup["regso"])}
    for level in ("DeSO", "RegSO"):
        part = ctx.built[ctx.built["level"] == level]
        report = validate_counts(
            part,
            known_areas=known[level],
            expected_years=expected_years(ctx.catalogue, ctx.options.years, level, specs=ctx.specs),
        )
        for p in report.problems:
            (ctx.warnings if "missing years" in p else problems).append(f"{level}: {p}")
        coverage.append(report.coverage)
    if problems:
        raise ValueError("the processed counts are not valid:\n  - " + "\n  - ".join(problems))
    ctx.coverage = pd.concat(coverage, ignore_index=True)
    low = ctx.coverage[ctx.coverage["coverage"] < 1]
    ctx.summary["validate"] = f"ok; {len(low)} indicator-years with coverage < 100 %"


def _finish_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The processed counts in their declared columns, dtypes and order (:data:`segindicators.tables.TABLES`)."""
    return normalise("counts", frame)


def stage_harmonise(ctx: RunContext) -> None:
    """Harmonised DeSO/RegSO series, kommun rows (SCB's own, else pooled from DeSO), focus areas."""
    built = ctx.built.copy()
    lk = ctx.lookup
    unvouched = sorted(ctx.unvouched_tables)
    names = lk.drop_duplicates(["geo_version", "regso"]).set_index(["geo_version", "regso"])["regso_name"]
    is_regso = built["level"] == "RegSO"
    key = pd.MultiIndex.from_arrays([built.loc[is_regso, "geo_version"], built.loc[is_regso, "area"]])
    built.loc[is_regso, "area_name"] = names.reindex(key).to_numpy()
    deso = built[built["level"] == "DeSO"]
    regso = built[is_regso]
    pieces = [built]
    if len(_geo_versions(ctx.options.years)) == 2:
        cw = deso_crosswalk(lk)
        h_deso = harmonise_deso(deso, cw)
        split = h_deso["area"].isin(set(cw.loc[cw["kind"] == "split", "deso_2018"])) & (
            h_deso["year"] >= 2024
        )
        h_deso = mark_unvouched(h_deso, unvouched, split)
        h_regso = harmonise_regso(regso, regso_changes(lk, cw))
        pieces += [h_deso, h_regso]
        ctx.summary["harmonise"] = (
            f"{cw.loc[cw['kind'] == 'split', 'deso_2018'].nunique()} split DeSO summed back; "
            f"{len(h_regso.attrs.get('excluded_regso', []))} RegSO not continuous"
        )
    else:
        ctx.summary["harmonise"] = "one geography version only: no harmonised series needed"
    # kommun: SCB's own figure where it is published; pooled from DeSO (flag "pooled") only where it is not
    pieces.append(kommun_series(deso, ctx.kommun_rows, lk, unvouched_tables=unvouched))
    mapping = focus_mapping(ctx.profile)
    all_rows = pd.concat(pieces, ignore_index=True)
    for part_level in sorted(set(mapping["part_level"])):
        m = mapping[mapping["part_level"] == part_level][["area", "target", "target_name", "kommun"]]
        parts = all_rows[(all_rows["level"] == part_level) & all_rows["unit"].isin(AGGREGABLE_UNITS)]
        pieces.append(mark_unvouched(aggregate_counts(parts, m, level="focus"), unvouched))
    pieces.append(ctx.riket_rows)
    ctx.counts = _finish_counts(pd.concat(pieces, ignore_index=True))
    by_level = ctx.counts.groupby("level", sort=False).size()
    ctx.summary["harmonise"] += "; rows: " + ", ".join(f"{k} {v:,}" for k, v in by_level.items())


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


def _retrieved(home: Path) -> str | None:
    """The date of the newest raw answer used (ISO ``YYYY-MM-DD``), for the charts' xlsx metadata."""
    try:
        stamps = [str(i.get("stored_at", "")) for i in raw_inputs(raw_dir(home), home)]
        stamps = [s for s in stamps if re.match(r"^\d{4}-\d{2}-\d{2}", s)]
        return max(stamps)[:10] if stamps else None
    except (OSError, ValueError):
        return None


def stage_charts(ctx: RunContext) -> None:
    """The standard chart set (:func:`~segindicators.charts.standard.render_standard_charts`) into the
    staging ``reports/<year>`` folder → ``ctx.charts``."""
    if not ctx.options.charts:
        ctx.summary["charts"] = "skipped (charts switched off for this run)"
        return
    frames = {
        "counts": ctx.counts,
        "indices": ctx.indices,
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
        retrieved=_retrieved(ctx.home),
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


def _changes_markdown(result: dict[str, pd.DataFrame] | None, ctx: RunContext) -> str:
    label = f"{SYNTHETIC_LABEL}\n\n" if ctx.options.synthetic else ""
    head = f"# Förändringar sedan förra körningen – kommun {ctx.options.kommun}\n\n{label}"
    if result is None:
        return head + "Första körningen: det finns inget tidigare resultat att jämföra med.\n"
    lines = [head]
    lines.append(f"- Siffror som ändrats: {len(result['moved'])}")
    lines.append(
        f"- Nya siffror: {len(result['new_figures'])}; försvunna siffror: {len(result['vanished_figures'])}"
    )
    lines.append(
        f"- Nya områden: {len(result['new_areas'])}; försvunna områden: {len(result['vanished_areas'])}"
    )
    lines.append(f"- SCB-tabeller reviderade sedan förra körningen: {len(result['revised_tables'])}")
    for r in result["revised_tables"].itertuples(index=False):
        lines.append(f"  - {r.source_table}: {r.updated_previous} → {r.updated_current}")
    rebased = result.get("rebased")
    if rebased is not None and len(rebased):
        for table, part in rebased.groupby("source_table"):
            factors = part.groupby("year")["ratio"].median()
            listed = ", ".join(
                f"{y}: ×{f:.3f}".replace(".", ",") for y, f in factors.items() if np.isfinite(f)
            )
            lines.append(
                f"- {table} redovisas i fasta priser för senaste året: SCB har räknat om hela serien till den nya "
                f"prisnivån. {len(part)} siffror ändrades därför (omräkningsfaktor, median per år: {listed}); de "
                "listas inte som ändrade siffror."
            )
    moved = result["moved"]
    if len(moved):
        lines.append("\nStörsta förändringar (absolut skillnad):\n")
        top = moved.reindex(moved["difference"].abs().sort_values(ascending=False).index).head(15)
        lines.append("| nivå | område | år | indikator | förra | nu |\n|---|---|---|---|---|---|")
        for r in top.itertuples(index=False):
            lines.append(
                f"| {r.level} | {r.area} | {r.year} | {r.indicator} | {r.value_previous:.4g} | {r.value_current:.4g} |"
            )
    return "\n".join(lines) + "\n"


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
    atomic_write_text(ctx.reports / "changes.md", _changes_markdown(result, ctx))
    if result is not None:
        atomic_write_bytes(ctx.reports / "changes.xlsx", xlsx_bytes(result))
        write_frame(result["moved"], ctx.reports / "changes_moved.csv")
        ctx.summary["changes"] = (
            f"{len(result['moved'])} figures moved, {len(result['revised_tables'])} tables revised, "
            f"{len(result['new_areas'])} new / {len(result['vanished_areas'])} vanished areas"
        )
    else:
        ctx.summary["changes"] = "first run: nothing to compare with"


_SKIP_WHAT = ("config", "manifest")


def raw_inputs(raw: Path, home: Path) -> list[dict[str, Any]]:
    """Provenance of the newest raw answer per request under ``raw`` (SCB data, metadata, codelists, WFS).

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
        out.append({"path": rel, **prov})
    return out


def stage_manifest(ctx: RunContext) -> None:
    """Write reports/<year>/manifest.json (inputs with provenance, versions, parameters, output hashes)."""
    outputs = {f"data/processed/{p.name}": p for p in sorted(ctx.processed.iterdir()) if p.is_file()}
    manifest = build_manifest(
        parameters=ctx.options.parameters(),
        inputs=raw_inputs(raw_dir(ctx.home), ctx.home),
        outputs=outputs,
        base_dir=ctx.processed,
        started=ctx.started,
    )
    manifest["synthetic"] = ctx.options.synthetic
    if ctx.options.synthetic:
        manifest["label"] = SYNTHETIC_LABEL
    manifest["reports"] = sorted(
        p.relative_to(ctx.reports).as_posix() for p in ctx.reports.rglob("*") if p.is_file()
    )
    if ctx.report is not None:  # the report stage's two files, for the editor
        files = ctx.report
        manifest["report"] = report_entries({"html": files.html, "docx": files.docx}, ctx.reports)
    manifest["run"] = {
        "offline": ctx.options.offline,
        "http_calls": ctx.http_calls,
        "sources": {"scb": ctx.scb.base_url, "wfs": ctx.wfs.base_url},
        "warnings": list(ctx.warnings),
    }
    write_manifest(manifest, ctx.reports / "manifest.json")
    ctx.manifest = manifest
    ctx.summary["manifest"] = f"run id {manifest['run_id']}, {len(manifest['inputs'])} raw inputs"
