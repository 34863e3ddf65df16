"""The annual refresh as a list of named stages over one run context.

``run_refresh(options)`` runs :data:`STAGES` in order; each stage is a function ``(ctx) -> None`` that reads
and fills the :class:`RunContext`. Stages (the lead inserts ``indices``, ``typology`` and ``charts`` by
replacing the placeholders, see :func:`replace_stage`):

1. ``geometry`` — DeSO/RegSO boundaries of each geography version the years need, from SCB's WFS
   (:mod:`segindicators.geography.wfs`); the lookup DeSO → RegSO → kommun is built from their attributes.
2. ``fetch`` — :func:`segindicators.catalogue.builder.build_counts` for DeSO and RegSO (each year in the
   geography version SCB publishes it in), one :class:`~segindicators.scb.ScbClient` for both; plus the
   national comparison rows (``level == "riket"``, Region ``"00"``) through the same builder.
3. ``validate`` — :func:`segindicators.catalogue.validate.validate_counts` against the lookup's codes and the
   catalogue's expected years; any problem stops the run (missing years are reported, not fatal).
4. ``harmonise`` — harmonised DeSO and RegSO series (:mod:`segindicators.geography.harmonise`), kommun totals
   pooled from DeSO and focus areas from the municipality profile (:mod:`segindicators.geography.aggregate`).
5. ``write`` — ``data/processed/counts.parquet`` (+ ``.csv``), ``lookup.parquet``, ``coverage.csv``,
   ``geometry_deso.parquet`` and ``geometry_regso.parquet`` (GeoParquet, EPSG:3006); for the synthetic demo
   also ``SYNTETISKA_DATA.txt`` (the label) in data/processed and reports/<year>.
6. ``kolada`` — the plan's ``kolada:`` KPIs for the kommun and riket (:mod:`segindicators.kolada.stage`) →
   ``data/processed/kolada.parquet``; a Kolada failure is a warning, not a failed run.
   ``plan`` — plan status (:mod:`segindicators.plan`, SCB series, indices and Kolada) →
   ``data/processed/plan_status.parquet`` (+ csv).
7. ``indices``, ``typology`` (:mod:`segindicators.typology.stage`: ``typology.parquet``, ``area_types.parquet``,
   ``reports/<year>/affluence.xlsx``), ``charts`` (:mod:`segindicators.charts.standard`), ``report``
   (:mod:`segindicators.report.stage`: ``reports/<year>/index.html`` and ``uppfoljning_<kommun>_<year>.docx``,
   from the processed tables and the exported charts).
8. ``notebooks`` — every ``notebooks/*.ipynb`` executed with papermill into ``reports/<year>/notebooks/``
   (skipped when there is no notebooks folder).
9. ``changes`` — :func:`segindicators.pipeline.changes.compare_counts` against the previous run's
   ``counts.parquet``: ``reports/<year>/changes.md``, ``changes.xlsx`` and ``changes_moved.csv``.
10. ``manifest`` — ``reports/<year>/manifest.json``: every raw input used (SCB data, metadata and codelist
    answers, WFS layers) with its provenance record, versions, parameters, output hashes; the report's two
    files under ``report``.

All-or-nothing: ``data/processed`` and ``reports/<year>`` are written into staging folders
(:func:`segindicators.pipeline.staging.staged_directories`) that replace the live folders only after every
stage succeeded; a failed or killed run leaves the previous outputs untouched. ``data/raw`` only grows.

One run at a time: a run holds ``data/.refresh.lock`` (:mod:`segindicators.pipeline.lock`); a second run on
the same project folder refuses, naming the holder's pid and start time. A lock left by a killed run is
taken over, and before its first stage a run finishes or removes what a killed run left behind
(:func:`segindicators.pipeline.staging.recover`); both are noted among the run's warnings.

HTTP calls and idempotency. Online, the SCB client reads ``/config``, each table's ``/metadata`` (the
catalogue check) and, for a selection already in the cache, asks ``/tables/{id}`` whether SCB's ``updated``
changed (a revision is downloaded, otherwise the cached answer is used); WFS layers are used from the cache
once fetched (a published geography version does not change). So a second *online* run with nothing revised
makes only those metadata/updated calls and downloads no data; ``--offline`` makes **zero** HTTP calls and
fails, naming the request, if anything is missing from the cache. Both give byte-identical processed tables
and a manifest that differs only in its ``run`` block (times, mode, call counts, server URLs).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segindicators._io import atomic_write_text, write_frame
from segindicators.charts.standard import stage_charts
from segindicators.errors import Failure
from segindicators.http import CacheIntegrityWarning, RetryPolicy
from segindicators.kolada.stage import stage_kolada
from segindicators.paths import SYNTHETIC_MARKER, processed_dir, project_home, raw_dir, reports_dir
from segindicators.pipeline.lock import refresh_lock
from segindicators.pipeline.staging import COMMIT_JOURNAL, recover, staged_directories
from segindicators.report.stage import stage_report
from segindicators.tables import SYNTHETIC_LABEL, TABLES, normalise, processed_file, write_table
from segindicators.typology.stage import stage_typology

__all__ = [
    "STAGES",
    "RefreshError",
    "RefreshOptions",
    "RefreshResult",
    "RunContext",
    "Stage",
    "raw_inputs",
    "replace_stage",
    "run_refresh",
]


#: The processed counts' columns (declared in :data:`segindicators.tables.TABLES`).
COLUMNS = TABLES["counts"].column_names


class RefreshError(Failure, RuntimeError):
    """A stage failed; ``stage`` names it. The previous outputs are untouched (exit code 1 in the CLI)."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"stage '{stage}' failed: {message}")
        self.stage = stage
        self.cause_text = message

    def lines(self) -> list[str]:
        """The failed stage and its cause, then what a failed run leaves."""
        return [
            f"Körningen misslyckades i steget {self.stage}: {self.cause_text}",
            "Tidigare resultat i data/processed och reports/ är orörda.",
        ]


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
    """

    kommun: str
    years: tuple[int, ...]
    report_year: int | None = None
    offline: bool = False
    base_url: str | None = None
    wfs_url: str | None = None
    kolada_url: str | None = None
    home: Path | None = None
    profile: Any = None
    plan: Any = None
    notebooks: Path | None = None
    charts: bool = True
    synthetic: bool = False
    retry: RetryPolicy | None = None
    seed: int = 20241231
    bootstrap_draws: int = 999

    @property
    def year_for_report(self) -> int:
        """The report folder's year."""
        return self.report_year if self.report_year is not None else max(self.years)

    def parameters(self) -> dict[str, Any]:
        """The parameters that identify the run's result (recorded in the manifest's run id)."""
        plan = self.plan if isinstance(self.plan, str | Path | None) else getattr(self.plan, "name", "custom")
        return {
            "kommun": self.kommun,
            "years": list(self.years),
            "report_year": self.year_for_report,
            "synthetic": self.synthetic,
            "profile": getattr(self.profile, "source", None),
            "plan": None if plan is None else str(plan),
            "seed": self.seed,
            "bootstrap_draws": self.bootstrap_draws,
        }


@dataclass
class RunContext:
    """Everything a stage may read or fill in."""

    options: RefreshOptions
    home: Path
    processed: Path  # staging folder of data/processed
    reports: Path  # staging folder of reports/<year>
    previous_processed: Path  # the live data/processed (read-only: the previous run's outputs)
    scb: Any = None
    wfs: Any = None
    catalogue: Any = None
    profile: Any = None
    lookup: pd.DataFrame | None = None
    geometry: dict[str, Any] = field(default_factory=dict)
    built: pd.DataFrame | None = None
    counts: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    plan_status: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def http_calls(self) -> dict[str, int]:
        """HTTP requests sent so far by the SCB, WFS and Kolada clients."""
        return {
            "scb": 0 if self.scb is None else self.scb.http_calls,
            "wfs": 0 if self.wfs is None else self.wfs.http_calls,
            "kolada": int(self.extra.get("kolada_http_calls", 0)),
        }


@dataclass(frozen=True)
class Stage:
    """A named step: ``run(ctx)`` reads and fills the context; ``title`` is shown in the progress display."""

    name: str
    title: str
    run: Callable[[RunContext], None]


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


# ----------------------------------------------------------------------------------------------- stages


def _geo_versions(years: Iterable[int]) -> list[str]:
    from segindicators.geography.lookups import geo_version_for_year

    return sorted({geo_version_for_year(y) for y in years})


def stage_geometry(ctx: RunContext) -> None:
    """Fetch DeSO and RegSO layers per geography version; build the lookup from their attributes.

    SCB's DeSO layers carry ``desokod``, ``regsokod``, ``kommunkod`` but no RegSO name; the names come from the
    RegSO layer's ``regsonamn`` joined on ``regsokod``. Where the RegSO layer has no name for a code, the names
    are taken from SCB's kopplingstabeller saved unchanged in ``<home>/data/raw/lookups/koppling-*.csv`` (a
    warning says so); with neither, the stage stops naming the layer, the attribute and what to do. The RegSO
    geometry carries the names the lookup uses.
    """
    import geopandas as gpd

    from segindicators.geography.lookups import (
        RegsoNameError,
        lookup_from_wfs,
        read_reference_lookups,
        regso_names,
    )

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
    from segindicators.catalogue.builder import build_counts
    from segindicators.scb.metadata import table_spec

    kommun = ctx.options.kommun
    built = build_counts(ctx.scb, kommun, list(ctx.options.years), catalogue=ctx.catalogue)
    kommun_name = getattr(ctx.profile, "name", None) or f"kommun {kommun}"
    level = built["level"]
    ctx.built = built[level.isin(["DeSO", "RegSO"]).to_numpy()].reset_index(drop=True)
    ctx.extra["kommun"] = built[(level == "kommun").to_numpy()].assign(area_name=kommun_name)
    ctx.extra["riket"] = built[(level == "riket").to_numpy()].assign(area_name="Riket")
    ctx.extra["unvouched_tables"] = list(built.attrs.get("unvouched_tables", []))
    # the client holds each table's /metadata from the build: no further calls
    ctx.extra["specs"] = {t: table_spec(ctx.scb.metadata(t)) for t in built.attrs.get("tables", [])}
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
        f"(+ {len(ctx.extra['kommun']):,} kommun and {len(ctx.extra['riket']):,} riket rows); "
        f"{len(built.attrs.get('requests', []))} data calls"
    )


def stage_validate(ctx: RunContext) -> None:
    """Validate each level; problems stop the run, missing years are warnings."""
    from segindicators.catalogue.builder import expected_years
    from segindicators.catalogue.validate import validate_counts

    problems, coverage = [], []
    known = {"DeSO": set(ctx.lookup["deso"]), "RegSO": set(ctx.lookup["regso"])}
    for level in ("DeSO", "RegSO"):
        part = ctx.built[ctx.built["level"] == level]
        report = validate_counts(
            part,
            known_areas=known[level],
            expected_years=expected_years(
                ctx.catalogue, ctx.options.years, level, specs=ctx.extra.get("specs")
            ),
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

    built = ctx.built.copy()
    lk = ctx.lookup
    unvouched = sorted(ctx.extra.get("unvouched_tables", []))
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
    pieces.append(kommun_series(deso, ctx.extra.get("kommun"), lk, unvouched_tables=unvouched))
    mapping = focus_mapping(ctx.profile)
    all_rows = pd.concat(pieces, ignore_index=True)
    for part_level in sorted(set(mapping["part_level"])):
        m = mapping[mapping["part_level"] == part_level][["area", "target", "target_name", "kommun"]]
        parts = all_rows[(all_rows["level"] == part_level) & all_rows["unit"].isin(AGGREGABLE_UNITS)]
        pieces.append(mark_unvouched(aggregate_counts(parts, m, level="focus"), unvouched))
    pieces.append(ctx.extra["riket"])
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


def _load_plan(ctx: RunContext) -> Any:
    from segindicators.plan.definition import Plan, load_plan, shipped_plans

    plan = ctx.options.plan
    if isinstance(plan, Plan):
        return plan
    if plan is not None:
        return load_plan(plan)
    for name in shipped_plans():
        candidate = load_plan(name)
        if candidate.municipality == ctx.options.kommun:
            return candidate
    return None


def stage_indices(ctx: RunContext) -> None:
    """Citywide segregation indices (bootstrap CIs, ICE summaries, nested H) for every catalogue group."""
    from segindicators.indices.battery import citywide_battery

    native = ctx.counts[ctx.counts["geo_version"].isin(["2018", "2025"])]
    indices = citywide_battery(
        native, lookup=ctx.lookup, rng=ctx.options.seed, draws=ctx.options.bootstrap_draws
    )
    ctx.extra["indices"] = indices
    write_table("indices", indices, ctx.processed)
    dropped = int(indices.drop_duplicates(["kommun", "level", "year", "group"])["units_dropped"].sum())
    ctx.summary["indices"] = (
        f"{indices['group'].nunique()} groups × {indices['index'].nunique()} indices, "
        f"{indices['year'].nunique()} years; {dropped} area-years left out for suppressed counts"
    )


def stage_plan(ctx: RunContext) -> None:
    """Plan status from the processed counts and citywide indices (kept with the processed tables)."""
    from segindicators.plan.status import plan_status, series_from_counts, series_from_indices

    plan = _load_plan(ctx)
    if plan is None:
        ctx.summary["plan"] = f"skipped: no plan for kommun {ctx.options.kommun} (pass --plan)"
        return
    parts = [series_from_counts(ctx.counts)]
    if ctx.extra.get("indices") is not None:
        parts.append(series_from_indices(ctx.extra["indices"], ctx.options.kommun))
    if ctx.extra.get("kolada") is not None:  # filled by the kolada stage (segindicators.kolada.stage)
        from segindicators.plan.status import series_from_kolada

        parts.append(series_from_kolada(ctx.extra["kolada"], ctx.options.kommun))
    status = plan_status(plan, pd.concat(parts, ignore_index=True))
    ctx.plan_status = status
    write_table("plan_status", status, ctx.processed)
    latest = status.dropna(subset=["year"]).drop_duplicates(
        ["development_area", "indicator", "level", "area"], keep="last"
    )
    ctx.summary["plan"] = f"{plan.name}: " + ", ".join(
        f"{k} {v}" for k, v in latest["status_sv"].value_counts().sort_index().items()
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
    from segindicators.pipeline.changes import compare_counts
    from segindicators.tables import read_table

    previous = processed_file("counts", ctx.previous_processed)
    hint = "Move the broken file away: the next run then writes the change report without a comparison."
    rebasing = [t for t, spec in (ctx.extra.get("specs") or {}).items() if spec.constant_prices]
    result = (
        compare_counts(read_table(previous, hint=hint), ctx.counts, rebasing_tables=rebasing)
        if previous.exists()
        else None
    )
    atomic_write_text(ctx.reports / "changes.md", _changes_markdown(result, ctx))
    if result is not None:
        with pd.ExcelWriter(ctx.reports / "changes.xlsx", engine="openpyxl") as xl:
            for name, frame in result.items():
                frame.to_excel(xl, sheet_name=name[:31], index=False)
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
    from segindicators.pipeline.manifest import build_manifest, report_entries, write_manifest

    outputs = {f"data/processed/{p.name}": p for p in sorted(ctx.processed.iterdir()) if p.is_file()}
    manifest = build_manifest(
        parameters=ctx.options.parameters(),
        inputs=raw_inputs(raw_dir(ctx.home), ctx.home),
        outputs=outputs,
        base_dir=ctx.processed,
        started=ctx.extra["started"],
    )
    manifest["synthetic"] = ctx.options.synthetic
    if ctx.options.synthetic:
        manifest["label"] = SYNTHETIC_LABEL
    manifest["reports"] = sorted(
        p.relative_to(ctx.reports).as_posix() for p in ctx.reports.rglob("*") if p.is_file()
    )
    if ctx.extra.get("report") is not None:  # the report stage's two files, for the editor
        files = ctx.extra["report"]
        manifest["report"] = report_entries({"html": files.html, "docx": files.docx}, ctx.reports)
    manifest["run"] = {
        "offline": ctx.options.offline,
        "http_calls": ctx.http_calls,
        "sources": {"scb": ctx.scb.base_url, "wfs": ctx.wfs.base_url},
        "warnings": list(ctx.warnings),
    }
    write_manifest(manifest, ctx.reports / "manifest.json")
    ctx.extra["manifest"] = manifest
    ctx.summary["manifest"] = f"run id {manifest['run_id']}, {len(manifest['inputs'])} raw inputs"


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


# ---------------------------------------------------------------------------------------------- runner


def _clients(options: RefreshOptions, home: Path) -> tuple[Any, Any]:
    from segindicators.geography.wfs import DEFAULT_WFS_URL, WfsClient
    from segindicators.scb import DEFAULT_BASE_URL, ScbClient

    raw = raw_dir(home)
    scb = ScbClient(
        base_url=options.base_url or DEFAULT_BASE_URL, cache_dir=raw / "scb", offline=options.offline,
        retry=options.retry,
    )  # fmt: skip
    wfs = WfsClient(
        base_url=options.wfs_url or DEFAULT_WFS_URL, cache_dir=raw / "wfs", offline=options.offline,
        retry=options.retry,
    )  # fmt: skip
    return scb, wfs


def _run_stage(stage: Stage, ctx: RunContext) -> None:
    """Run one stage; a cache file that failed its integrity check (reported as a warning) is recorded too.

    Every warning the stage issues is shown as usual afterwards; :class:`CacheIntegrityWarning` s are also
    added to ``ctx.warnings`` (and so to the manifest).
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            stage.run(ctx)
    finally:
        for w in caught:
            if issubclass(w.category, CacheIntegrityWarning):
                ctx.warnings.append(f"{stage.name}: {w.message}")
            warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


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
        Default :data:`STAGES`.
    on_stage
        Called as ``on_stage(name, "start", None)`` and ``on_stage(name, "done" | "failed", seconds)``.

    Raises
    ------
    RefreshError
        Naming the failed stage and the cause; ``data/processed`` and ``reports/<year>`` are unchanged.
    RefreshLocked
        Another run holds ``data/.refresh.lock`` (:mod:`segindicators.pipeline.lock`); nothing was done.
    """
    from segindicators.catalogue.definitions import load_catalogue
    from segindicators.geography.profiles import load_profile

    stages = STAGES if stages is None else stages
    home = project_home(options.home).resolve()  # notebooks run in another cwd: paths must be absolute
    notify = on_stage or (lambda *a: None)
    timings: dict[str, float] = {}
    started = datetime.now(UTC)
    targets = [processed_dir(home), reports_dir(options.year_for_report, home)]
    with refresh_lock(home) as lock:
        # Under the lock no other run writes here: finish or remove what a killed run left behind.
        cleaned = recover(
            [home / "data", home / "reports"], journal=home / "data" / COMMIT_JOURNAL, locked=True
        )
        scb, wfs = _clients(options, home)
        try:
            with staged_directories(targets, journal=home / "data" / COMMIT_JOURNAL) as (processed, reports):
                ctx = RunContext(
                    options=options, home=home, processed=processed, reports=reports,
                    previous_processed=processed_dir(home), scb=scb, wfs=wfs, catalogue=load_catalogue(),
                    profile=options.profile if options.profile is not None else load_profile(options.kommun),
                )  # fmt: skip
                ctx.extra["started"] = started
                ctx.warnings.extend(f"refresh: {note}" for note in [*lock.notes, *cleaned])
                for stage in stages:
                    notify(stage.name, "start", None)
                    t0 = time.perf_counter()
                    try:
                        _run_stage(stage, ctx)
                    except Exception as exc:
                        timings[stage.name] = time.perf_counter() - t0
                        notify(stage.name, "failed", timings[stage.name])
                        raise RefreshError(stage.name, f"{type(exc).__name__}: {exc}") from exc
                    timings[stage.name] = time.perf_counter() - t0
                    notify(stage.name, "done", timings[stage.name])
        finally:
            scb.close()
            wfs.close()
    return RefreshResult(
        home=home,
        processed=processed_dir(home),
        reports=reports_dir(options.year_for_report, home),
        manifest=ctx.extra.get("manifest", {}),
        counts=ctx.counts,
        timings=timings,
        http_calls=ctx.http_calls,
        summary=ctx.summary,
        warnings=ctx.warnings,
    )
