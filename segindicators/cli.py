"""The ``segindicators`` command line.

Each pipeline stage registers its own sub-command group here; the functions behind them live in the
stage's package, so the CLI only parses arguments and prints.
"""

from __future__ import annotations

import typer

from segindicators import __version__
from segindicators.catalogue import cli as catalogue_cli
from segindicators.charts import cli as charts_cli
from segindicators.demo import cli as demo_cli
from segindicators.geography import cli as geography_cli
from segindicators.kolada import cli as kolada_cli
from segindicators.pipeline import cli as pipeline_cli
from segindicators.plan import cli as plan_cli
from segindicators.scb import cli as scb_cli
from segindicators.typology import cli as typology_cli

app = typer.Typer(
    name="segindicators",
    help="Residential segregation indicators for Swedish municipalities from SCB district statistics.",
    no_args_is_help=True,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"segindicators {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """segindicators: fetch SCB district data, compute segregation indices, follow the plan."""


# Pipeline order: scb → geography → catalogue/build → indices → typology/plan → charts → refresh/demo.
app.add_typer(scb_cli.app, name="scb")
app.add_typer(geography_cli.app, name="geography")
app.command("catalogue")(catalogue_cli.catalogue)
app.command("build")(catalogue_cli.build)
app.add_typer(kolada_cli.app, name="kolada")
app.add_typer(plan_cli.app, name="plan")
app.command("affluence")(typology_cli.affluence)
app.command("charts")(charts_cli.charts_command)
app.command("refresh")(pipeline_cli.refresh)
app.command("demo")(demo_cli.demo)
