"""``segindicators kolada ...``: fetch Kolada KPIs for the plan (cached, paced, offline-capable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segindicators import checks
from segindicators.errors import UsageError, cli_errors
from segindicators.paths import processed_dir
from segindicators.plan.definition import load_plan
from segindicators.sources.cli import Offline, base_url_option, cache_dir_option, check_service_options
from segindicators.sources.kolada.client import DEFAULT_BASE_URL, KoladaClient
from segindicators.sources.kolada.elections import carry_forward_conflicts
from segindicators.sources.kolada.processed import to_processed, write_processed
from segindicators.sources.kolada.query import normalise_ids, normalise_years
from segindicators.tables import SYNTHETIC_LABEL, TABLES, processed_file, read_table

app = typer.Typer(
    help="Kolada API v3: municipality-level KPIs (verified ids, raw cache, offline mode).",
    no_args_is_help=True,
)

CacheDir = cache_dir_option("kolada")
BaseUrl = base_url_option("Kolada API v3")


def _split(values: list[str]) -> list[str]:
    """Repeated and comma-separated option values, flattened.

    >>> _split(["N15428,N05401", "N31807"])
    ['N15428', 'N05401', 'N31807']
    """
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _ids(values: list[str], param: str) -> list[str]:
    """KPI ids checked for their form (Kolada itself says whether it knows them)."""
    try:
        return normalise_ids(values, param)
    except ValueError as exc:
        raise UsageError(str(exc), param=param) from None


@app.command()
@cli_errors
def kpi(
    kpi_ids: Annotated[list[str], typer.Argument(help="KPI ids, e.g. N15428 N05401.")],
    base_url: BaseUrl = DEFAULT_BASE_URL,
    cache_dir: CacheDir = None,
    offline: Offline = False,
) -> None:
    """Show KPI metadata from /kpi/{id} (an unknown id is an error)."""
    from rich.console import Console
    from rich.table import Table

    ids = _ids(_split(kpi_ids), "KPI_IDS")
    check_service_options(base_url, cache_dir)
    with KoladaClient(base_url, cache_dir=cache_dir, offline=offline) as client:
        infos = client.kpis(ids)  # KoladaError (unknown id, network, cache): reported, exit 1
    table = Table("id", "title", "operating area", "type", "by gender", "OU data")
    for info in infos.values():
        table.add_row(
            info.id,
            info.title,
            info.operating_area,
            info.municipality_type,
            "yes" if info.is_divided_by_gender else "no",
            "yes" if info.has_ou_data else "no",
        )
    Console().print(table)


@app.command()
@cli_errors
def fetch(
    years: Annotated[str, typer.Option("--years", "-y", help="Years, e.g. 2018-2024 or 2020,2022.")],
    kpi_ids: Annotated[
        list[str] | None, typer.Option("--kpi", "-k", help="KPI id(s); repeat or comma-separate.")
    ] = None,
    municipality: Annotated[
        list[str] | None, typer.Option("--municipality", "-m", help="Municipality code(s), e.g. 0580.")
    ] = None,
    plan: Annotated[
        str | None,
        typer.Option("--plan", help="Take the kolada: KPIs (and the municipality) from this plan file/name."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=f"Output .parquet/.csv (default data/processed/{TABLES['kolada'].parquet}).",
        ),
    ] = None,
    riket: Annotated[
        bool, typer.Option("--riket/--no-riket", help="Also fetch Sweden (0000) for the plan's gap to riket.")
    ] = True,
    merge: Annotated[
        bool, typer.Option("--merge/--replace", help="Keep other KPIs/years already in the output file.")
    ] = True,
    offline: Offline = False,
    cache_dir: CacheDir = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    max_calls: Annotated[int, typer.Option("--max-calls", help="Pacing: calls per window.")] = 5,
    window: Annotated[float, typer.Option("--window", help="Pacing window in seconds.")] = 1.0,
) -> None:
    """Verify the KPI ids, fetch their values and write them for `segindicators plan status`.

    KPI ids (also those taken from a plan) are checked against Kolada's /kpi/{id} before any data request;
    an unknown id stops the run with its name.
    """
    # every argument is checked before the cache or Kolada is asked anything
    try:
        year_ids = normalise_years(years)
    except ValueError as exc:
        raise UsageError(f"--years {years!r}: {exc}", param="--years") from None
    munis = [checks.check_kolada_municipality(m, param="--municipality") for m in _split(municipality or [])]
    kpis = _ids(_split(kpi_ids or []), "--kpi") if kpi_ids else []
    checks.check_shipped_or_file(plan, "--plan", kind="plan")
    checks.check_output_file(output, "--output")
    if output is None:
        checks.check_home(None)
    check_service_options(base_url, cache_dir)
    if max_calls < 1 or window <= 0:
        raise UsageError(
            f"--max-calls {max_calls} / --window {window}: expected at least 1 call per window of more than "
            "0 seconds.",
            param="--max-calls",
        )
    if plan is not None:
        loaded = load_plan(plan)  # a PlanError is reported (exit 1)
        kpis += [ind.id.removeprefix("kolada:") for _, ind in loaded.indicators() if ind.kind == "kolada"]
        munis = munis or [
            checks.check_kolada_municipality(loaded.municipality, param="the plan's municipality")
        ]
    if not kpis or not munis:
        raise typer.BadParameter("give --kpi and --municipality, or --plan with kolada: indicators")
    munis += ["0000"] if riket else []
    existing = output if output is not None else processed_file("kolada", processed_dir())
    if merge and existing.suffix.lower() == ".parquet" and existing.exists():
        read_table(existing, hint="Move it away or pass --replace to write a new file.")
    with KoladaClient(
        base_url, cache_dir=cache_dir, offline=offline, max_calls=max_calls, window=window
    ) as client:
        infos = client.kpis(kpis)  # KoladaError (unknown id, network, cache): reported, exit 1
        frame = client.data(list(infos), munis, year_ids)
        calls = client.http_calls
    path = write_processed(frame, output, merge=merge)
    for info in infos.values():
        typer.echo(f"{info.id}: {info.title}")
    processed = to_processed(frame)
    for message in carry_forward_conflicts(processed):
        typer.echo(f"warning: {message}", err=True)
    carried = int(processed["carried_forward"].eq(True).fillna(False).sum())
    if carried:
        typer.echo(f"{carried} values repeat the latest election (carried_forward, not new observations)")
    if frame.attrs.get("deleted"):
        typer.echo(f"{frame.attrs['deleted']} values Kolada marks isdeleted were left out")
    if processed["status"].eq(SYNTHETIC_LABEL).fillna(False).any():
        typer.echo(
            f"warning: values labelled '{SYNTHETIC_LABEL}' came from {base_url}: a fake server.", err=True
        )
    typer.echo(f"{len(frame)} rows ({calls} HTTP calls) written to {path}")
