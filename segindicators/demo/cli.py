"""``segindicators demo``: the whole refresh on the synthetic municipality, over HTTP, with no network.

Starts the demo's fake PxWebApi v2, WFS and Kolada in-process
(:func:`segindicators.demo.environment.demo_environment`), runs the real ``refresh`` for kommun 9999 into
``--out``, then (unless ``--once``) runs it a second time ``--offline`` to show idempotency: zero requests
counted by the three fake servers and byte-identical processed tables. Everything written is labelled
"Syntetiska exempeldata – inte officiell statistik".
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from segindicators import checks
from segindicators.demo.environment import demo_environment
from segindicators.demo.synthetic import DEFAULT_SEED, SYNTHETIC_LABEL, YEARS
from segindicators.errors import Failure, cli_errors
from segindicators.pipeline.cli import print_summary, run_with_progress
from segindicators.pipeline.manifest import file_sha256

__all__ = ["demo", "processed_digests"]


def processed_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in a processed folder (to show two runs wrote the same bytes)."""
    return {p.name: file_sha256(p) for p in sorted(Path(folder).iterdir()) if p.is_file()}


def _default_notebooks() -> Path | None:
    """./notebooks when the demo is started from a checkout of the project (the README's quick start)."""
    folder = Path("notebooks")
    return folder if folder.is_dir() else None


@cli_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder (data/ and reports/ land here).")] = Path(
        "demo-output"
    ),
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the synthetic generator.")] = None,
    years: Annotated[str, typer.Option("--years", help="Reference years (within 2015-2024).")] = "2015-2024",
    once: Annotated[bool, typer.Option("--once", help="Skip the second, offline run.")] = False,
    notebooks: Annotated[
        Path | None, typer.Option("--notebooks", help="Notebooks to execute (default: ./notebooks).")
    ] = None,
) -> None:
    """Run the full refresh on a synthetic municipality (kommun 9999) served by in-process fake SCB servers."""
    year_list = list(checks.check_years(checks.parse_years_option(years), synthetic_years=YEARS))
    checks.check_home(out, "--out")
    checks.check_folder(
        notebooks, "--notebooks", must_exist=True, writable=False, expected="an existing folder of notebooks"
    )
    console = Console()
    console.print(f"[bold]{SYNTHETIC_LABEL}[/] – fiktiv kommun 9999, utdata i {out}")
    t0 = time.perf_counter()
    seed = seed if seed is not None else DEFAULT_SEED
    notebooks = notebooks or _default_notebooks()
    with demo_environment(out, seed=seed, years=year_list, notebooks=notebooks) as env:
        # a failed run raises RefreshError, reported by cli_errors (stage, cause; exit code 1)
        result = run_with_progress(env.options, console)
        print_summary(result, console)
        served = env.requests
        console.print(
            f"Förfrågningar som de falska servrarna tog emot: PxWeb {served.pxweb}, "
            f"WFS {served.wfs}, Kolada {served.kolada}"
        )
        first = processed_digests(result.processed)
        if not once:
            console.print("\n[bold]Andra körningen (--offline)[/]: samma indata, inga HTTP-anrop väntas")
            again = run_with_progress(replace(env.options, offline=True), console)
            calls = env.requests - served
            same = processed_digests(again.processed) == first
            console.print(
                f"Andra körningen: {calls.pxweb} + {calls.wfs} + {calls.kolada} förfrågningar till servrarna "
                "(PxWeb + WFS + Kolada); "
                f"data/processed byte-identisk: {'ja' if same else 'NEJ'}"
            )
            if calls.total or not same:
                raise Failure(
                    f"the demo's offline run made {calls.total} requests (expected 0) or wrote different "
                    f"tables (byte-identical: {'yes' if same else 'no'}); this is a bug in segindicators."
                )
    console.print(f"[bold]Total tid: {time.perf_counter() - t0:.1f} s[/]")


app = typer.Typer(help="The offline demo.", no_args_is_help=True)
app.command("demo")(demo)
