"""``segindicators plan …``: follow-up of the municipal plan from processed data (works offline)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from segindicators.checks import PROCESSED_FOLDER, check_folder, check_shipped_or_file, check_year
from segindicators.errors import Failure, cli_errors
from segindicators.paths import processed_dir
from segindicators.plan.definition import load_plan
from segindicators.plan.measures import load_register, summary_by_year
from segindicators.plan.series import series_from_counts, series_from_indices, series_from_kolada
from segindicators.plan.status import plan_status
from segindicators.tables import TABLES, read_table, table_exists, write_table

app = typer.Typer(
    help="Follow the municipal plan against segregation: indicator status and measures.", no_args_is_help=True
)

_STYLE = {
    "i fas": "green",
    "inte i fas": "red",
    "ingen säkerställd förändring": "yellow",
    "otillräckliga data": "dim",
}


def _fmt(x: object, spec: str = ".3g") -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return format(x, spec)


def build_status(plan_path: str, processed: Path, *, ckm_sd: float = 0.0) -> pd.DataFrame:
    """Read processed counts (+ ``indices.parquet`` and ``kolada.parquet`` when present) and compute the
    plan status for every year from each indicator's baseline on."""
    plan = load_plan(plan_path)
    if not table_exists("counts", processed):
        raise Failure(
            f"--processed-dir {str(processed)!r}: no {TABLES['counts'].parquet} there; run the builder "
            "(segindicators refresh) first or point --processed-dir at a folder that has it."
        )
    parts = [series_from_counts(read_table("counts", processed), ckm_sd=ckm_sd)]
    if table_exists("indices", processed):
        parts.append(series_from_indices(read_table("indices", processed), plan.municipality))
    if table_exists("kolada", processed):
        parts.append(series_from_kolada(read_table("kolada", processed), plan.municipality))
    return plan_status(plan, pd.concat(parts, ignore_index=True))


@app.command("status")
@cli_errors
def status_command(
    plan: Annotated[
        str, typer.Option("--plan", help="Plan YAML file, or a shipped plan name.")
    ] = "linkoping_2023",
    year: Annotated[
        int | None, typer.Option("--year", help="Status as of this year (default: latest).")
    ] = None,
    processed: Annotated[
        Path | None,
        typer.Option(
            "--processed-dir",
            help=f"Folder with {TABLES['counts'].parquet} (default: data/processed under the home).",
        ),
    ] = None,
    ckm_sd: Annotated[
        float, typer.Option("--ckm-sd", help="SD of Cell Key Method noise per count (years >= 2025).")
    ] = 0.0,
) -> None:
    """Print each plan indicator's latest status; write the history to plan_status.parquet/.csv.

    The written file holds every year from each baseline up to --year (all rows, not only the latest),
    atomically, in the processed folder.
    """
    check_shipped_or_file(plan, "--plan", kind="plan")
    check_year(year, param="--year")
    check_folder(processed, "--processed-dir", must_exist=True, expected=PROCESSED_FOLDER)
    if ckm_sd < 0:
        raise typer.BadParameter(f"expected a standard deviation >= 0, got {ckm_sd}", param_hint="--ckm-sd")
    folder = processed if processed is not None else processed_dir()
    full = build_status(plan, folder, ckm_sd=ckm_sd)  # PlanError, unreadable tables: reported (exit 1)
    if year is not None:
        full = full[full["year"] <= year].reset_index(drop=True)
    latest = full.drop_duplicates(["development_area", "indicator", "level", "area"], keep="last")

    table = Table(title=f"Plan status ({plan}{'' if year is None else f', {year}'})", show_lines=False)
    for col in (
        "Omr.",
        "Indikator",
        "Område",
        "År",
        "Värde",
        "Förändr. sedan bas",
        "Gap kommun",
        "Paritet",
        "Status",
    ):
        table.add_column(col)
    for r in latest.itertuples(index=False):
        change = _fmt(r.change_since_baseline, "+.3g")
        sig = r.change_since_baseline_significant
        if sig is not pd.NA and bool(sig):
            change += " *"
        name = r.area_name if isinstance(r.area_name, str) else _fmt(r.area, "")
        table.add_row(
            str(r.development_area),
            str(r.label),
            str(name),
            _fmt(r.year, ""),
            _fmt(r.value),
            change,
            _fmt(r.gap_to_municipality, "+.3g"),
            _fmt(r.parity_year, ".0f"),
            f"[{_STYLE.get(r.status_sv, '')}]{r.status_sv}[/]",
        )
    Console(width=160).print(table)
    typer.echo("* = förändringen är större än slumpvariation/CKM-brus (intervallet utesluter 0).")
    out, csv = write_table("plan_status", full, folder)
    typer.echo(f"wrote {out} and {csv.name} ({len(full)} rows)")


@app.command("measures")
@cli_errors
def measures_command(
    register: Annotated[
        str, typer.Option("--register", help="Measures register YAML or shipped name.")
    ] = "linkoping_2023_measures",
) -> None:
    """Print the measures register summarised per year (genomförd / pågår / ej genomförd / okänd)."""
    check_shipped_or_file(register, "--register", kind="register")
    summary = summary_by_year(load_register(register))  # a RegisterError is reported (exit 1)
    table = Table(title=f"Åtgärder ({register})")
    for col in summary.columns:
        table.add_column(str(col))
    for row in summary.itertuples(index=False):
        table.add_row(*[_fmt(v, ".0%") if isinstance(v, float) else _fmt(v, "") for v in row])
    Console(width=120).print(table)
