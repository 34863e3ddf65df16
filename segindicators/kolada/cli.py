"""``segindicators kolada ...``: fetch Kolada KPIs for the plan (cached, paced, offline-capable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segindicators.kolada.client import DEFAULT_BASE_URL, KoladaClient, KoladaError
from segindicators.kolada.elections import carry_forward_conflicts
from segindicators.kolada.processed import to_processed, write_processed

app = typer.Typer(
    help="Kolada API v3: municipality-level KPIs (verified ids, raw cache, offline mode).",
    no_args_is_help=True,
)

CacheDir = Annotated[
    Path | None, typer.Option("--cache-dir", help="Raw cache folder (default data/raw/kolada).")
]
BaseUrl = Annotated[str, typer.Option("--base-url", help="Kolada API v3 root.")]
Offline = Annotated[bool, typer.Option("--offline", help="Answer only from the cache (no HTTP).")]


def _split(values: list[str]) -> list[str]:
    """Repeated and comma-separated option values, flattened.

    >>> _split(["N15428,N05401", "N31807"])
    ['N15428', 'N05401', 'N31807']
    """
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@app.command()
def kpi(
    kpi_ids: Annotated[list[str], typer.Argument(help="KPI ids, e.g. N15428 N05401.")],
    base_url: BaseUrl = DEFAULT_BASE_URL,
    cache_dir: CacheDir = None,
    offline: Offline = False,
) -> None:
    """Show KPI metadata from /kpi/{id} (an unknown id is an error)."""
    from rich.console import Console
    from rich.table import Table

    try:
        with KoladaClient(base_url, cache_dir=cache_dir, offline=offline) as client:
            infos = client.kpis(_split(kpi_ids))
    except (KoladaError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
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
        typer.Option("--output", "-o", help="Output .parquet/.csv (default data/processed/kolada.parquet)."),
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
    kpis = _split(kpi_ids or [])
    munis = _split(municipality or [])
    if plan is not None:
        from segindicators.plan.definition import PlanError, load_plan

        try:
            loaded = load_plan(plan)
        except (PlanError, FileNotFoundError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        kpis += [ind.id.removeprefix("kolada:") for _, ind in loaded.indicators() if ind.kind == "kolada"]
        munis = munis or [loaded.municipality]
    if not kpis or not munis:
        raise typer.BadParameter("give --kpi and --municipality, or --plan with kolada: indicators")
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter(f"--output {output}: expected a .csv or .parquet file name")
    munis += ["0000"] if riket else []
    try:
        with KoladaClient(
            base_url, cache_dir=cache_dir, offline=offline, max_calls=max_calls, window=window
        ) as client:
            infos = client.kpis(kpis)
            frame = client.data(list(infos), munis, years)
            calls = client.http_calls
    except (KoladaError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
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
    from segindicators.demo.synthetic import SYNTHETIC_LABEL  # the fake Kolada labels each value's status

    if processed["status"].eq(SYNTHETIC_LABEL).fillna(False).any():
        typer.echo(
            f"warning: values labelled '{SYNTHETIC_LABEL}' came from {base_url}: a fake server.", err=True
        )
    typer.echo(f"{len(frame)} rows ({calls} HTTP calls) written to {path}")
