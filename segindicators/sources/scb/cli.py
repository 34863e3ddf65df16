"""``segindicators scb ...``: ad-hoc searches and pulls from SCB's PxWebApi v2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segindicators import checks
from segindicators._io import write_frame
from segindicators.errors import UsageError, cli_errors
from segindicators.sources.cli import Offline, base_url_option, cache_dir_option, check_service_options
from segindicators.sources.scb.client import DEFAULT_BASE_URL, ScbClient

app = typer.Typer(
    help="SCB PxWebApi v2: search tables and fetch selections (cached, rate-limited).", no_args_is_help=True
)


def parse_pairs(items: list[str], option: str) -> dict[str, list[str]]:
    """Parse repeated ``VAR=a,b`` options into ``{VAR: [a, b]}`` (repeating a VAR appends).

    >>> parse_pairs(["Region=0580*", "Tid=2023,2024"], "--select")
    {'Region': ['0580*'], 'Tid': ['2023', '2024']}
    """
    out: dict[str, list[str]] = {}
    for item in items:
        var, sep, codes = item.partition("=")
        if not sep or not var.strip() or not codes.strip():
            raise typer.BadParameter(f"{option} {item!r}: expected VAR=code[,code...], e.g. Region=0580*")
        out.setdefault(var.strip(), []).extend(c.strip() for c in codes.split(",") if c.strip())
    return out


CacheDir = cache_dir_option("scb")
BaseUrl = base_url_option("PxWebApi v2")


@app.command()
@cli_errors
def search(
    query: Annotated[str, typer.Argument(help="Words to look for in table titles, e.g. 'folkmängd DeSO'.")],
    base_url: BaseUrl = DEFAULT_BASE_URL,
    cache_dir: CacheDir = None,
    offline: Offline = False,
) -> None:
    """List tables matching QUERY (id, updated, label)."""
    from rich.console import Console
    from rich.table import Table

    if not query.strip():
        raise UsageError("QUERY '': expected words to look for in table titles, got nothing.", param="QUERY")
    check_service_options(base_url, cache_dir)
    with ScbClient(base_url, cache_dir=cache_dir, offline=offline) as client:
        found = client.search(query)  # an ScbError (network, cache) is reported, exit 1
    table = Table("id", "updated", "label")
    for row in found.itertuples(index=False):
        table.add_row(str(row.id), str(row.updated), str(row.label))
    Console().print(table)


@app.command()
@cli_errors
def fetch(
    table_id: Annotated[str, typer.Argument(help="Table id, e.g. TAB6574.")],
    select: Annotated[
        list[str], typer.Option("--select", "-s", help="VAR=codes[,codes]; repeat per variable.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file (.csv or .parquet).")],
    codelist: Annotated[
        list[str] | None, typer.Option("--codelist", "-c", help="VAR=CODELIST_ID, e.g. Region=vs_DeSO2025.")
    ] = None,
    offline: Offline = False,
    cache_dir: CacheDir = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Fetch a selection of TABLE_ID as a long table and write it to --output."""
    from rich.progress import Progress

    selection = parse_pairs(select, "--select")
    codelists = {k: v[-1] for k, v in parse_pairs(codelist or [], "--codelist").items()}
    if output.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter(f"--output {output}: expected a .csv or .parquet file name")
    checks.check_output_file(output, "--output")
    unknown = sorted(set(codelists) - set(selection))
    if unknown:
        raise UsageError(
            f"--codelist {', '.join(unknown)}: expected a variable that --select names ({', '.join(selection)}), "
            f"got {', '.join(unknown)}.",
            param="--codelist",
            hint="Add the variable to --select or drop its --codelist.",
        )
    check_service_options(base_url, cache_dir)
    with (
        ScbClient(base_url, cache_dir=cache_dir, offline=offline) as client,
        Progress(transient=True) as bar,
    ):
        task = bar.add_task(f"{table_id}: requests", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        frame = client.data(table_id, selection, codelists, progress=progress)  # ScbError: reported, exit 1
    write_frame(frame, output)
    typer.echo(f"{len(frame)} rows of {table_id} written to {output}")
