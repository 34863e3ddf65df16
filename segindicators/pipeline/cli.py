"""``segindicators refresh``: the annual run, with a progress line per stage and a summary at the end.

``--kommun K`` refreshes one municipality (:func:`~segindicators.pipeline.refresh.run_refresh`);
``--national`` every municipality in one run (:func:`~segindicators.pipeline.national.run_national`, with a
progress line per SCB table and a national summary at the end).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from segindicators import checks
from segindicators.demo.profile import demo_plan, demo_profile
from segindicators.demo.synthetic import KOMMUN as SYNTHETIC_KOMMUN
from segindicators.demo.synthetic import YEARS as SYNTHETIC_YEARS
from segindicators.errors import UsageError, cli_errors
from segindicators.pipeline.context import NationalOptions
from segindicators.pipeline.national import NATIONAL_STAGES, NationalResult, national_summary, run_national
from segindicators.pipeline.refresh import (
    RefreshOptions,
    RefreshResult,
    Stage,
    run_refresh,
    stages_for,
)

__all__ = ["app", "refresh", "run_national_with_progress", "run_with_progress"]

app = typer.Typer(help="The annual refresh run.", no_args_is_help=True)


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False
    )  # fmt: skip


def _stage_rows(progress: Progress, stages: list[Stage]):
    """``on_stage`` showing one progress row per stage."""
    titles = {s.name: s.title for s in stages}
    tasks: dict[str, int] = {}

    def on_stage(name: str, state: str, seconds: float | None) -> None:
        if state == "start":
            tasks[name] = progress.add_task(f"{titles[name]} [dim]({name})[/]", total=1)
        elif state == "done":
            progress.update(
                tasks[name], completed=1, description=f"[green]✓[/] {titles[name]} [dim]({name})[/]"
            )
        else:
            progress.update(tasks[name], completed=1, description=f"[red]✗ {titles[name]} ({name})[/]")

    return on_stage


def run_with_progress(
    options: RefreshOptions, console: Console, *, stages: list[Stage] | None = None
) -> RefreshResult:
    """Run :func:`run_refresh` showing one progress row per stage; raises :class:`RefreshError` on failure."""
    stages = stages_for(options) if stages is None else stages
    with _progress(console) as progress:
        return run_refresh(options, stages=stages, on_stage=_stage_rows(progress, stages))


def run_national_with_progress(options: NationalOptions, console: Console) -> NationalResult:
    """Run :func:`run_national` showing a row per stage and, while fetching, one per SCB table."""
    with _progress(console) as progress:

        def on_table(event) -> None:  # a TableProgress of the national build
            progress.add_task(
                f"  [dim]{event.table}: {event.calls} anrop, {event.downloads} nedladdningar, "
                f"{event.cells:,} celler, {event.seconds:.1f} s ({event.done}/{event.total})[/]",
                total=1, completed=1,
            )  # fmt: skip

        return run_national(options, on_stage=_stage_rows(progress, NATIONAL_STAGES), on_table=on_table)


def print_summary(result: RefreshResult | NationalResult, console: Console) -> None:
    """The end-of-run table: each stage's time and what it did, then where the outputs are."""
    table = Table(title="Sammanfattning", show_lines=False)
    table.add_column("steg")
    table.add_column("tid", justify="right")
    table.add_column("resultat", overflow="fold")
    for name, seconds in result.timings.items():
        table.add_row(name, f"{seconds:.1f} s", escape(result.summary.get(name, "")))
    console.print(table)
    for w in result.warnings:
        console.print(f"[yellow]varning:[/] {escape(w)}")
    calls = result.http_calls
    console.print(f"HTTP-anrop: SCB {calls['scb']}, WFS {calls['wfs']}, Kolada {calls.get('kolada', 0)}")
    console.print(f"Data: {result.processed}\nRapport: {result.reports}")


@cli_errors
def refresh(
    kommun: Annotated[
        str | None, typer.Option("--kommun", help="Municipality code, e.g. 0580 (Linköping).")
    ] = None,
    national: Annotated[
        bool,
        typer.Option("--national", help="Every municipality in one run (data/national, reports/national)."),
    ] = False,
    years: Annotated[str, typer.Option("--years", help="Reference years, e.g. 2015-2024.")] = "2015-2024",
    charts_for: Annotated[
        str | None,
        typer.Option("--charts-for", help="With --national: chart sets for these, e.g. 0580,0581."),
    ] = None,
    lookups: Annotated[
        Path | None,
        typer.Option(
            "--lookups", help="With --national: SCB's kopplingstabeller (default data/raw/lookups)."
        ),
    ] = None,
    national_peers: Annotated[
        bool | None,
        typer.Option(
            "--national-peers/--no-national-peers",
            help="Rank the kommun among all 290 and its peers (default on; off for the demo's 9999).",
        ),
    ] = None,
    national_draws: Annotated[
        int,
        typer.Option("--national-draws", help="Bootstrap draws per index of every municipality's indices."),
    ] = 199,
    offline: Annotated[
        bool, typer.Option("--offline", help="Only cached answers; no HTTP call at all.")
    ] = False,
    report_year: Annotated[
        int | None, typer.Option("--report-year", help="Folder reports/<year> (default: the last year).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="PxWebApi v2 root (default SCB).")
    ] = None,
    wfs_url: Annotated[
        str | None, typer.Option("--wfs-url", help="WFS endpoint (default SCB geodata).")
    ] = None,
    kolada_url: Annotated[
        str | None, typer.Option("--kolada-url", help="Kolada API v3 root (default api.kolada.se/v3).")
    ] = None,
    home: Annotated[
        Path | None, typer.Option("--home", help="Project folder with data/ and reports/ (default: cwd).")
    ] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="Plan YAML or shipped plan name (default: the kommun's).")
    ] = None,
    notebooks: Annotated[
        Path | None, typer.Option("--notebooks", help="Notebooks to execute (default: <home>/notebooks).")
    ] = None,
    charts: Annotated[
        bool, typer.Option("--charts/--no-charts", help="Render the standard chart set (default on).")
    ] = True,
) -> None:
    """Run the whole chain for one municipality (SCB → data/processed → plan → reports/<year>), or with
    --national for every municipality (→ data/national, reports/national/<year>).

    Outputs replace the previous run's only when every stage succeeded; a failure exits with code 1 and names
    the stage. A second run on unchanged inputs downloads nothing; with --offline it makes no HTTP call.
    Arguments are checked before any cache or network access (bad arguments exit with code 2), and only one
    refresh runs at a time on a project folder (data/.refresh.lock).
    """
    checks.check_run_kind(kommun, national=national, charts_for=charts_for)
    if national_draws < 0:
        raise UsageError.bad_value(
            "--national-draws", national_draws, "a number of draws ≥ 0 (0: no bias correction)"
        )
    checks.check_year(report_year, param="--report-year")
    checks.check_home(home)
    for url, param in ((base_url, "--base-url"), (wfs_url, "--wfs-url"), (kolada_url, "--kolada-url")):
        checks.check_url(url, param)
    console = Console()
    t0 = time.perf_counter()
    if national:
        given = {
            "--plan": plan,
            "--notebooks": notebooks,
            "--kolada-url": kolada_url,
            "--national-peers": national_peers,
        }
        for param, value in given.items():
            if value is not None:
                raise UsageError(
                    f"{param}: expected only with --kommun; the national run is plan-free and ranks every "
                    f"municipality, got {param} {value!r} with --national.",
                    param=param,
                )
        options = NationalOptions(
            years=checks.check_years(checks.parse_years_option(years)), report_year=report_year, offline=offline,
            base_url=base_url, wfs_url=wfs_url, home=home, charts_for=checks.parse_kommun_list(charts_for),
            lookups=checks.check_folder(lookups, "--lookups", must_exist=True, writable=False,
                                        expected=checks.LOOKUPS_FOLDER), national_draws=national_draws,
        )  # fmt: skip
        result: RefreshResult | NationalResult = run_national_with_progress(options, console)
        print_summary(result, console)
        for line in national_summary(result):
            console.print(escape(line))
        console.print(f"Klart på {time.perf_counter() - t0:.1f} s.")
        return
    kommun = checks.check_kommun(kommun, synthetic=True)
    synthetic = kommun == SYNTHETIC_KOMMUN
    year_list = checks.check_years(
        checks.parse_years_option(years), synthetic_years=SYNTHETIC_YEARS if synthetic else None
    )
    checks.check_folder(
        notebooks, "--notebooks", must_exist=True, writable=False, expected="an existing folder of notebooks"
    )
    checks.check_shipped_or_file(plan, "--plan", kind="plan")
    if lookups is not None:
        raise UsageError("--lookups: expected only with --national.", param="--lookups")
    extra: dict = {}
    if synthetic:  # the fictional demo municipality: its profile, plan and label
        extra = {"profile": demo_profile(), "plan": plan or demo_plan(), "synthetic": True}
    options = RefreshOptions(
        kommun=kommun, years=year_list, report_year=report_year, offline=offline, base_url=base_url,
        wfs_url=wfs_url, kolada_url=kolada_url, home=home, notebooks=notebooks, charts=charts,
        national_peers=national_peers, national_draws=national_draws, **{"plan": plan, **extra},
    )  # fmt: skip
    result = run_with_progress(options, console)  # a RefreshError is reported by cli_errors (exit 1)
    print_summary(result, console)
    console.print(f"Klart på {time.perf_counter() - t0:.1f} s.")


app.command("refresh")(refresh)
