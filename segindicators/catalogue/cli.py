"""CLI commands of the catalogue stage: ``segindicators catalogue`` and ``segindicators build``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from segindicators import checks
from segindicators.catalogue.builder import build_counts, expected_years
from segindicators.catalogue.definitions import catalogue_table, load_catalogue
from segindicators.catalogue.validate import validate_counts
from segindicators.errors import cli_errors
from segindicators.paths import processed_dir, raw_dir
from segindicators.sources import (
    scb,  # the module, so `scb.ScbClient` is looked up at call time (tests replace it)
)
from segindicators.tables import TABLES, processed_file

__all__ = ["build", "catalogue"]


@cli_errors
def catalogue(
    verify_only: bool = typer.Option(
        False, "--verify-only", help="List only entries with unconfirmed codes."
    ),
) -> None:
    """List the indicator catalogue: id, names, plan area, SCB tables per period, years and series breaks."""
    frame = catalogue_table()
    if verify_only:
        frame = frame[frame["verify"]]
    table = Table(title="segindicators – indikatorkatalog", show_lines=True)
    for col in ("id", "namn", "område", "enhet", "tabeller (period, geografi)", "brott i serien"):
        table.add_column(col, overflow="fold")
    for row in frame.itertuples(index=False):
        mark = " (verify)" if row.verify else ""
        table.add_row(row.id + mark, row.name_sv, str(row.area), row.unit, row.tables.replace("; ", "\n"),
                      row.breaks.replace("; ", "\n"))  # fmt: skip
    console = Console(width=200)
    console.print(table)
    cat = load_catalogue()
    console.print("Segregationsgrupper: " + ", ".join(f"{g.id} ({g.kind})" for g in cat.groups))
    console.print("(verify) = value codes not yet confirmed against SCB's /metadata; checked at build time.")


@cli_errors
def build(
    kommun: str = typer.Option(..., "--kommun", help="Municipality code, e.g. 0580 (Linköping)."),
    years: str = typer.Option(..., "--years", help="Reference years, e.g. 2020-2024 or 2021,2023."),
    level: str = typer.Option("RegSO", "--level", help="DeSO or RegSO."),
    offline: bool = typer.Option(False, "--offline", help="Use only cached SCB responses; no network."),
    out: Annotated[
        Path | None,
        typer.Option("--out", help=f"Output file (default data/processed/{TABLES['counts'].parquet})."),
    ] = None,
) -> None:
    """Build processed counts for a municipality from SCB (one call per table and geography version)."""
    if level not in ("DeSO", "RegSO"):
        raise typer.BadParameter(f"--level must be DeSO or RegSO, got {level!r}")
    kommun = checks.check_kommun(kommun)
    wanted = list(checks.check_years(checks.parse_years_option(years)))
    checks.check_home(None)
    checks.check_output_file(out, "--out")

    client = scb.ScbClient(cache_dir=raw_dir() / "scb", offline=offline)
    target = out or processed_file("counts", processed_dir())
    frame = build_counts(client, kommun, wanted, level, out=target)
    report = validate_counts(frame, expected_years=expected_years(load_catalogue(), wanted, level))
    for problem in report.problems:
        typer.echo(f"WARNING: {problem}", err=True)
    typer.echo(f"{len(frame)} rows, {frame['indicator'].nunique()} indicators/groups -> {target}")
    low = report.coverage[report.coverage["coverage"] < 1]
    for row in low.itertuples(index=False):
        typer.echo(f"coverage {row.indicator} {row.year}: {row.coverage:.1%} of the population has data")
