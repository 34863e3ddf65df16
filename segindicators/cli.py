"""The ``segindicators`` command line.

Each pipeline stage registers its own sub-command group here; the functions behind them live in the
stage's package, so the CLI only parses arguments and prints.

Errors follow one policy (:mod:`segindicators.errors`): each command validates its arguments first, and
a known failure prints one message and exits 2 (usage) or 1 (failure), without a traceback unless
``--debug`` is given (anywhere on the command line) or ``SEGINDICATORS_DEBUG=1`` is set. The root group
below is the safety net for anything raised outside a command (option callbacks, group callbacks).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from segindicators import __version__
from segindicators.catalogue import cli as catalogue_cli
from segindicators.charts import cli as charts_cli
from segindicators.demo import cli as demo_cli
from segindicators.errors import DEBUG_FLAG, report
from segindicators.geography import cli as geography_cli
from segindicators.pipeline import cli as pipeline_cli
from segindicators.plan import cli as plan_cli
from segindicators.sources.kolada import cli as kolada_cli
from segindicators.sources.scb import cli as scb_cli
from segindicators.typology import cli as typology_cli

_DEBUG_META = "segindicators.debug"


class _RootGroup(TyperGroup):
    """The root command group: takes ``--debug`` from anywhere on the line and reports escaped errors."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Remove every ``--debug`` before a ``--`` separator and remember it for this invocation."""
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            ctx.meta[_DEBUG_META] = True
            args = [a for a in args[:end] if a != "--debug"] + args[end:]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        """Run the command with :data:`~segindicators.errors.DEBUG_FLAG` set; report what escapes it."""
        token = DEBUG_FLAG.set(bool(ctx.meta.get(_DEBUG_META)))
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            raise typer.Exit(report(exc)) from None
        finally:
            DEBUG_FLAG.reset(token)


app = typer.Typer(
    name="segindicators",
    help="Residential segregation indicators for Swedish municipalities from SCB district statistics.",
    no_args_is_help=True,
    add_completion=False,
    cls=_RootGroup,
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
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Show the full traceback of a failure (also anywhere on the line, or SEGINDICATORS_DEBUG=1).",
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
