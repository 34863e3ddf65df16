r"""The national run (``segindicators refresh --national``): every municipality's tables in one run.

:func:`run_national` runs :data:`NATIONAL_STAGES` over a :class:`~segindicators.pipeline.context.NationalContext`
with the kommun refresh's machinery (:mod:`segindicators.pipeline.runner`: one run at a time under
``data/.refresh.lock``, all or nothing through staging folders, the same SCB client and cache). It writes
``data/national/`` and ``reports/national/<year>/``, never a municipality's ``data/processed`` or
``reports/<year>``. The stages, in the order they run:

1. ``lookup`` — the national lookup from SCB's kopplingstabeller saved unchanged in ``data/raw/lookups``
   (:func:`segindicators.geography.boundaries.national_lookup`; the WFS answers per municipality).
2. ``fetch`` — every catalogue indicator and group for every municipality at DeSO, RegSO, kommun and riket
   level (:func:`segindicators.catalogue.national.build_national_counts`: one call per table × level ×
   geography version, split only by the cell limit; progress per table), split by level.
3. ``validate`` — as the kommun refresh's (:func:`segindicators.catalogue.levels.validate_levels`).
4. ``harmonise`` — as the kommun refresh's, without focus areas
   (:func:`segindicators.geography.assemble.processed_counts`).
5. ``write`` — ``national_counts.parquet``, ``lookup.parquet``, ``coverage.csv`` (and the synthetic marker).
6. ``indices`` — every municipality's citywide indices, raw and bias-corrected
   (:func:`segindicators.typology.national.national_indices`) → ``national_indices.parquet``.
7. ``ranks`` — every municipality's rank and percentile among all, and among its peers where its profile
   names some (:func:`segindicators.typology.national.national_ranks`), with 95 % rank intervals of D and H
   for background from the bootstrap draws (:func:`segindicators.typology.national.ranked_draws`, as the
   kommun refresh's peers stage) → ``national_ranks.parquet``.
8. ``typology`` — affluence measures and area types of every RegSO and DeSO on national bands
   (:func:`segindicators.typology.build.area_typology`) → ``national_typology.parquet``,
   ``area_types.parquet``; the reproduction against SCB's published index, type and components
   (:func:`segindicators.typology.comparison.compare_counts`) → ``area_type_comparison.parquet`` and
   ``reports/national/<year>/omradestyper_jamforelse_<year>.xlsx``.
9. ``workbook`` — ``reports/national/<year>/segregation_alla_kommuner_<year>.xlsx``
   (:func:`segindicators.pipeline.workbook.national_workbook`).
10. ``charts`` — the standard chart set of each ``--charts-for`` municipality into
    ``reports/national/<year>/<kommun>/`` (its boundaries from the WFS), skipped without any.
11. ``manifest`` — ``reports/national/<year>/manifest.json`` (inputs with provenance and the
    kopplingstabeller's sha256, parameters, output hashes).

>>> import re
>>> re.findall(r"^\d+\. ``(\w+)``", __doc__, flags=re.MULTILINE) == [s.name for s in NATIONAL_STAGES]
True

Like the kommun refresh, a second run with nothing revised at SCB downloads no data and writes byte-identical
tables; ``--offline`` makes no HTTP call at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators._io import atomic_write_bytes, atomic_write_text, xlsx_bytes
from segindicators.catalogue.builder import BUILD_LEVELS
from segindicators.catalogue.definitions import load_catalogue
from segindicators.catalogue.levels import split_levels
from segindicators.catalogue.national import build_national_counts, summary_text
from segindicators.charts.standard import render_standard_charts
from segindicators.geography.boundaries import municipal_boundaries, national_lookup
from segindicators.geography.kommuner import kommuner
from segindicators.geography.profiles import load_profile
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.paths import SYNTHETIC_MARKER, national_dir, national_reports_dir, project_home, raw_dir
from segindicators.pipeline.context import NationalContext, NationalOptions, Stage
from segindicators.pipeline.manifest import file_sha256, newest_retrieval
from segindicators.pipeline.runner import OnStage, run_stages, staged_run
from segindicators.pipeline.stages import stage_harmonise, stage_validate, write_run_manifest
from segindicators.pipeline.workbook import national_workbook, workbook_name
from segindicators.sources.scb.metadata import table_spec
from segindicators.tables import write_table
from segindicators.typology.build import area_typology
from segindicators.typology.comparison import PUBLISHED_TYPE, compare_counts
from segindicators.typology.comparison_sheets import comparison_sheets
from segindicators.typology.national import national_indices, national_ranks, ranked_draws

__all__ = ["NATIONAL_STAGES", "NationalResult", "national_summary", "run_national"]


def stage_lookup(ctx: NationalContext) -> None:
    """The national lookup from the kopplingstabeller (:func:`national_lookup`) → ``ctx.lookup``."""
    folder = ctx.options.lookups or raw_dir(ctx.home) / "lookups"
    ctx.lookup, ctx.lookup_files = national_lookup(folder, ctx.options.years)
    per = ctx.lookup.groupby("geo_version").agg(deso=("deso", "nunique"), regso=("regso", "nunique"))
    ctx.summary["lookup"] = f"{ctx.lookup['kommun'].nunique()} kommuner; " + ", ".join(
        f"{v}: {r.deso} DeSO / {r.regso} RegSO" for v, r in per.iterrows()
    )


def stage_fetch(ctx: NationalContext) -> None:
    """Every municipality's counts at every level (:func:`build_national_counts`), split by level."""
    built = build_national_counts(
        ctx.scb, ctx.options.years, levels=BUILD_LEVELS, catalogue=ctx.catalogue, progress=ctx.on_table
    )
    names = dict(ctx.lookup.drop_duplicates("kommun").set_index("kommun")["kommun_name"])
    levels = split_levels(built, kommun_names=names)
    ctx.built, ctx.kommun_rows, ctx.riket_rows = levels.areas, levels.kommun, levels.riket
    ctx.unvouched_tables = list(levels.unvouched_tables)
    ctx.specs = {t: table_spec(ctx.scb.metadata(t)) for t in levels.tables}  # held by the client: no call
    ctx.build_summary = dict(built.attrs.get("summary", {}))
    ctx.synthetic = ctx.options.synthetic or any(SYNTHETIC_LABEL in s.label for s in ctx.specs.values())
    ctx.warnings.extend(levels.warnings)
    ctx.summary["fetch"] = summary_text(built).splitlines()[-1] + f"; {levels.summary}"


def stage_harmonise_national(ctx: NationalContext) -> None:
    """As the kommun refresh's :func:`~segindicators.pipeline.stages.stage_harmonise` (no focus areas) →
    ``ctx.counts``; then the rows as built are let go (``ctx.built = None``, 0.7 GB at national size): no later
    national stage reads them (the runner then gives the freed memory back, :func:`~segindicators.pipeline.
    runner.release_memory`)."""
    stage_harmonise(ctx)
    ctx.built = None


def stage_write(ctx: NationalContext) -> None:
    """``national_counts``, ``lookup``, ``coverage`` (and the synthetic marker) into ``data/national``."""
    write_table("national_counts", ctx.counts, ctx.processed)
    write_table("lookup", ctx.lookup, ctx.processed)
    write_table("coverage", ctx.coverage, ctx.processed)
    if ctx.synthetic:
        for folder in (ctx.processed, ctx.reports):
            atomic_write_text(folder / SYNTHETIC_MARKER, f"{SYNTHETIC_LABEL}\n")
    municipalities = ctx.counts.loc[ctx.counts["level"] != "riket", "kommun"].nunique()
    ctx.summary["write"] = f"{municipalities} kommuner and riket, {len(ctx.counts):,} rows"


def stage_indices(ctx: NationalContext) -> None:
    """Every municipality's citywide indices, raw and bias-corrected → ``national_indices``."""
    opts = ctx.options
    ctx.indices = national_indices(
        ctx.counts, catalogue=ctx.catalogue, draws=opts.national_draws, rng=opts.seed
    )
    write_table("national_indices", ctx.indices, ctx.processed)
    ctx.summary["indices"] = (
        f"{ctx.indices['kommun'].nunique()} kommuner × {ctx.indices['group'].nunique()} groups, "
        f"{len(ctx.indices):,} rows ({opts.national_draws} bootstrap draws per index)"
    )


def stage_ranks(ctx: NationalContext) -> None:
    """Every municipality's ranks among all and among its profile's peers → ``national_ranks``, with the 95 %
    rank intervals of D and H for background from the bootstrap draws (:func:`ranked_draws`, the same seed and
    draws as the indices: the kommun refresh's peers stage's code path)."""
    opts = ctx.options
    present = sorted(ctx.indices["kommun"].unique())
    peers = {k: list(p.peers) for k in present if (p := load_profile(k)).peers}
    draws = ranked_draws(ctx.counts, catalogue=ctx.catalogue, draws=opts.national_draws, rng=opts.seed)
    ctx.ranks = national_ranks(ctx.indices, peers=peers, names={**kommuner()}, draws=draws)
    write_table("national_ranks", ctx.ranks, ctx.processed)
    with_interval = int(ctx.ranks["rank_low"].notna().sum())
    ctx.summary["ranks"] = (
        f"{len(ctx.ranks):,} rows, {with_interval:,} with a 95 % rank interval ({opts.national_draws} draws); "
        f"peer groups for {', '.join(sorted(peers)) or 'none'}"
    )


def stage_typology(ctx: NationalContext) -> None:
    """Affluence and area types of every RegSO and DeSO (national bands) → ``national_typology``,
    ``area_types``."""
    ctx.typology = area_typology(ctx.counts)
    write_table("national_typology", ctx.typology.measures, ctx.processed)
    write_table("area_types", ctx.typology.area_types, ctx.processed)
    types = ctx.typology.types
    regso = types[types["level"] == "RegSO"]
    typed = regso.loc[regso["value"].notna(), "area"].nunique()
    ctx.summary["typology"] = (
        f"{typed:,} of {regso['area'].nunique():,} RegSO typed ({ctx.typology.reference} bands; the others "
        f"lack an input), {len(ctx.typology.measures):,} affluence rows"
    )
    published = ctx.counts["indicator"].eq(PUBLISHED_TYPE) & ctx.counts["value"].notna()
    if not published.any():
        ctx.summary["area_type_comparison"] = (
            "skipped: SCB's published area types (TAB6586) are not in the counts"
        )
        return
    comparison = compare_counts(ctx.counts)
    write_table("area_type_comparison", comparison.table, ctx.processed)
    year = ctx.options.year_for_report
    workbook = xlsx_bytes(comparison_sheets(comparison))
    atomic_write_bytes(ctx.reports / f"omradestyper_jamforelse_{year}.xlsx", workbook)
    agree = comparison.area_type
    if agree is None:
        ctx.summary["area_type_comparison"] = "no RegSO × year has both a published and a reproduced type"
        return
    ctx.summary["area_type_comparison"] = (
        f"reproduction vs SCB's published types ({comparison.scope}): {agree.share_agreeing:.1%} agree, "
        f"κ {agree.kappa:.2f}, linear weighted κ {agree.kappa_linear:.2f}, n = {agree.n:,} RegSO × years"
    )


def stage_workbook(ctx: NationalContext) -> None:
    """The xlsx of every municipality's headline indices, ranks and percentiles by year."""
    year = ctx.options.year_for_report
    data = national_workbook(ctx.ranks, synthetic=ctx.synthetic, draws=ctx.options.national_draws)
    atomic_write_bytes(ctx.reports / workbook_name(year), data)
    ctx.summary["workbook"] = f"{workbook_name(year)} ({len(data) / 1e6:.1f} MB)"


def stage_charts(ctx: NationalContext) -> None:
    """The standard chart set of each ``--charts-for`` municipality → ``reports/national/<year>/<kommun>/``."""
    if not ctx.options.charts_for:
        ctx.summary["charts"] = "skipped: no --charts-for"
        return
    retrieved = newest_retrieval(raw_dir(ctx.home), ctx.home)
    riket = ctx.counts[ctx.counts["level"] == "riket"]
    for kommun in ctx.options.charts_for:
        profile = load_profile(kommun)
        b = municipal_boundaries(
            ctx.wfs, kommun, ctx.options.years, kommun_name=profile.name or kommuner().get(kommun),
            fallback_folder=ctx.options.lookups or raw_dir(ctx.home) / "lookups",
        )  # fmt: skip
        ctx.warnings.extend(b.warnings)
        frames = {
            "counts": pd.concat([ctx.counts[ctx.counts["kommun"] == kommun], riket], ignore_index=True),
            "indices": ctx.indices,
            "lookup": b.lookup,
            "geometry": {"deso": b.deso, "regso": b.regso},
        }
        ctx.charts[kommun] = render_standard_charts(
            frames, ctx.reports / kommun, kommun=kommun, year=ctx.options.year_for_report, profile=profile,
            synthetic=ctx.synthetic, retrieved=retrieved,
        )  # fmt: skip
    ctx.summary["charts"] = "; ".join(f"{k}: {len(c)} diagram" for k, c in ctx.charts.items())


def stage_manifest(ctx: NationalContext) -> None:
    """``reports/national/<year>/manifest.json``, the kopplingstabeller among the inputs."""
    lookups = [
        {"path": _relative(f, ctx.home), "what": "kopplingstabell", "sha256": file_sha256(f)}
        for f in ctx.lookup_files
    ]
    write_run_manifest(ctx, data_label="data/national", synthetic=ctx.synthetic, inputs=lookups)


def _relative(path: Path, home: Path) -> str:
    try:
        return path.resolve().relative_to(home).as_posix()
    except ValueError:
        return path.as_posix()


NATIONAL_STAGES: list[Stage] = [
    Stage("lookup", "Kopplingstabeller (DeSO → RegSO → kommun)", stage_lookup),
    Stage("fetch", "Hämta och bygg, alla kommuner (SCB PxWebApi)", stage_fetch),
    Stage("validate", "Validera", stage_validate),
    Stage("harmonise", "Harmonisera och aggregera", stage_harmonise_national),
    Stage("write", "Skriv data/national", stage_write),
    Stage("indices", "Segregationsindex, alla kommuner", stage_indices),
    Stage("ranks", "Rangordning och percentiler", stage_ranks),
    Stage("typology", "Områdestyper (nationella band)", stage_typology),
    Stage("workbook", "Arbetsbok (xlsx)", stage_workbook),
    Stage("charts", "Diagram (--charts-for)", stage_charts),
    Stage("manifest", "Manifest", stage_manifest),
]


@dataclass
class NationalResult:
    """What a finished national run produced."""

    home: Path
    processed: Path
    reports: Path
    manifest: dict[str, Any]
    context: NationalContext
    timings: dict[str, float]
    http_calls: dict[str, int]
    summary: dict[str, str]
    warnings: list[str]


def run_national(
    options: NationalOptions,
    *,
    stages: list[Stage] | None = None,
    on_stage: OnStage | None = None,
    on_table: Callable[[Any], None] | None = None,
) -> NationalResult:
    """Run the national run; outputs replace the previous national ones only if every stage succeeds.

    Parameters
    ----------
    options
        Run parameters.
    stages
        Default :data:`NATIONAL_STAGES`.
    on_stage
        As :func:`segindicators.pipeline.refresh.run_refresh`.
    on_table
        Called with each SCB table's :class:`~segindicators.catalogue.national.TableProgress` during ``fetch``.

    Raises
    ------
    RefreshError
        Naming the failed stage and the cause; ``data/national`` and ``reports/national/<year>`` are unchanged.
    RefreshLocked
        Another run holds ``data/.refresh.lock``; nothing was done.
    """
    stages = NATIONAL_STAGES if stages is None else stages
    home = project_home(options.home).resolve()
    targets = [national_dir(home), national_reports_dir(options.year_for_report, home)]
    with staged_run(home, targets, options) as run:
        data, reports = run.staged
        ctx = NationalContext(
            options=options, home=home, processed=data, reports=reports, scb=run.scb, wfs=run.wfs,
            catalogue=load_catalogue(), started=datetime.now(UTC), on_table=on_table,
        )  # fmt: skip
        ctx.warnings.extend(f"refresh: {note}" for note in run.notes)
        timings = run_stages(stages, ctx, on_stage)
    return NationalResult(
        home=home, processed=targets[0], reports=targets[1], manifest=ctx.manifest or {}, context=ctx,
        timings=timings, http_calls=ctx.http_calls, summary=ctx.summary, warnings=ctx.warnings,
    )  # fmt: skip


def national_summary(result: NationalResult, *, top: int = 5) -> list[str]:
    """The end-of-run lines: coverage of the country, SCB calls, and the most segregated municipalities.

    The league is D (dissimilarity) for background at RegSO level in the latest year, bias-corrected.
    """
    ctx = result.context
    s = ctx.build_summary
    lines = [
        f"Kommuner med index: {ctx.indices['kommun'].nunique()} av 290; RegSO med områdestyp: "
        f"{ctx.summary.get('typology', '').split(' RegSO')[0].replace(' of ', ' av ')}",
        f"SCB: {s.get('tables', '?')} tabeller, {s.get('calls', '?')} anrop, {s.get('downloads', '?')} "
        f"datanedladdningar, {s.get('cells', 0):,} celler",
    ]
    r = ctx.ranks
    pick = r[(r["ranked_on"] == "bias_corrected") & (r["group"] == "background") & (r["index"] == "dissimilarity")
             & (r["level"] == "RegSO")]  # fmt: skip
    if len(pick):
        year = int(pick["year"].max())
        first = pick[pick["year"] == year].sort_values(["rank", "kommun"], kind="mergesort").head(top)
        listed = ", ".join(f"{int(x.rank)}. {x.kommun_name} ({x.value:.3f})" for x in first.itertuples())
        lines.append(
            f"Mest segregerade {year} (D, utländsk/svensk bakgrund, RegSO, biaskorrigerat): {listed}"
        )
    if ctx.synthetic:
        lines.insert(0, SYNTHETIC_LABEL)
    return lines
