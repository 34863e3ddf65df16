"""The ``segindicators`` command line.

Each pipeline stage registers its own sub-command group here; the functions behind them live in the
stage's package, so the CLI only parses arguments and prints.
"""

from __future__ import annotations

import typer

from segindicators import __version__
from segindicators.geography import cli as geography_cli

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


app.add_typer(geography_cli.app, name="geography")
