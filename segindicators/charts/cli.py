"""``segindicators charts``: render the standard chart set from the processed data into reports/<year>.

Opens ``data/processed`` (counts, indices, plan status, typology, lookup, geometry) as written by ``refresh``
with :func:`segindicators.workspace.open_workspace` and passes the workspace to the charts; makes no HTTP
calls at all (``--offline`` is accepted for symmetry with ``refresh`` and changes nothing). Register in
``segindicators/cli.py`` with ``app.command("charts")(charts_cli.charts_command)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from segindicators import checks
from segindicators.errors import Failure, cli_errors
from segindicators.paths import processed_dir as default_processed
from segindicators.paths import reports_dir
from segindicators.report import write_report
from segindicators.workspace import open_workspace

from .standard import render_standard_charts

__all__ = ["charts_command"]


def _retrieved_from_manifest(out: Path) -> str | None:
    """Latest retrieval date of the raw inputs recorded in reports/<year>/manifest.json, if there is one."""
    path = out / "manifest.json"
    if not path.exists():
        return None
    try:
        inputs = json.loads(path.read_text(encoding="utf-8")).get("inputs", [])
    except (OSError, ValueError):
        return None
    stamps = sorted(str(i.get("stored_at", ""))[:10] for i in inputs if i.get("stored_at"))
    return stamps[-1] if stamps else None


@cli_errors
def charts_command(
    kommun: Annotated[str, typer.Option("--kommun", help="Four-digit municipality code, e.g. 0580.")],
    year: Annotated[int, typer.Option("--year", help="Report year (folder reports/<year>).")],
    processed_dir: Annotated[
        Path | None, typer.Option("--processed-dir", help="Processed data folder (default: data/processed).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: reports/<year>).")
    ] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Accepted for symmetry with refresh; charts never use the network."),
    ] = False,
) -> None:
    """Render the standard chart set (PNG, SVG, PDF + xlsx per chart, and index.md) from processed data, and the
    report built from them: index.html and the Word draft uppfoljning_<kommun>_<year>.docx."""
    kommun = checks.check_kommun(kommun, synthetic=True)
    checks.check_year(year, param="--year")
    checks.check_folder(
        processed_dir, "--processed-dir", must_exist=True, writable=False, expected=checks.PROCESSED_FOLDER
    )
    checks.check_folder(out, "--out")
    if out is None:
        checks.check_home(None)
    console = Console()
    src = processed_dir if processed_dir is not None else default_processed()
    target = out if out is not None else reports_dir(year)
    try:
        ws = open_workspace(src)
        charts = render_standard_charts(
            ws, target, kommun=kommun, year=year, retrieved=_retrieved_from_manifest(Path(target))
        )
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise Failure(f"Diagrammen kunde inte ritas: {exc}") from exc
    for c in charts:
        console.print(f"  ✓ {c.name}")
    for s in charts.skipped:
        console.print(f"  – {s.name}: inte ritat – {escape(s.reason)}")
    console.print(f"{len(charts)} diagram på {charts.seconds:.1f} s → {target} (förteckning: {charts.index})")

    try:
        files = write_report(src, target, kommun=kommun, year=year, charts=charts)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        console.print(f"[red bold]Rapporten kunde inte skrivas:[/] {escape(str(exc))}")
        raise typer.Exit(code=1) from None
    console.print(f"Rapport: {files.html} och {files.docx} ({files.seconds:.1f} s)")
