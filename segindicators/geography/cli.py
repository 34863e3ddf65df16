"""``segindicators geography ...``: inspect lookups, the 2023/2024 crosswalk and municipality profiles."""

from __future__ import annotations

from pathlib import Path

import typer

from segindicators import checks
from segindicators.errors import Failure, cli_errors
from segindicators.geography.harmonise import crosswalk_summary, deso_crosswalk, regso_changes
from segindicators.geography.lookups import read_reference_lookups
from segindicators.geography.profiles import load_profile, validate_profile

app = typer.Typer(
    help="DeSO/RegSO lookups, the 2023/2024 crosswalk and municipality profiles.", no_args_is_help=True
)

_LOOKUPS = typer.Option(..., "--lookups", help="Folder with SCB kopplingstabeller (koppling-*.csv).")
_KOMMUN = typer.Option(None, "--kommun", help="Show one municipality's changes, e.g. 0580.")
_KOMMUN_ARG = typer.Argument(..., help="Kommun code, e.g. 0580.")
_VALIDATE = typer.Option(None, "--lookups", help="Validate codes and names against these lookups.")


def _lookups(folder: Path) -> object:
    """SCB's kopplingstabeller from ``folder``; a missing or malformed table is a failure naming it."""
    checks.check_folder(folder, "--lookups", must_exist=True, writable=False, expected=checks.LOOKUPS_FOLDER)
    try:
        return read_reference_lookups(folder)
    except (FileNotFoundError, ValueError) as exc:
        raise Failure(f"--lookups {str(folder)!r}: {exc}") from exc


@app.command()
@cli_errors
def crosswalk(
    lookups: Path = _LOOKUPS,
    kommun: str | None = _KOMMUN,
) -> None:
    """Report what the DeSO 2018 → 2025 crosswalk rule finds, and which RegSO series continue."""
    if kommun is not None:
        kommun = checks.check_kommun(kommun)
    lookup = _lookups(lookups)
    cw = deso_crosswalk(lookup)
    changes = regso_changes(lookup, cw)
    if kommun:
        cw = cw[cw["kommun"] == kommun]
        changes = changes[changes["kommun"] == kommun]
    typer.echo("DeSO 2018 → 2025 (units per kind and number of 2025 parts):")
    typer.echo(crosswalk_summary(cw).to_string(index=False))
    typer.echo("\nRegSO across the break:")
    typer.echo(changes["status"].value_counts().to_string())
    odd = changes[(changes["status"] != "continuous") | changes["name_changed"]]
    if len(odd):
        typer.echo("\nRegSO not continuous or renamed:")
        typer.echo(odd.to_string(index=False))
    if kommun:
        split = cw[cw["kind"] != "unchanged"]
        if len(split):
            typer.echo("\nDeSO not unchanged:")
            typer.echo(split[["deso_2018", "deso_2025", "kind", "regso_2018"]].to_string(index=False))


@app.command()
@cli_errors
def profile(
    kommun: str = _KOMMUN_ARG,
    lookups: Path | None = _VALIDATE,
) -> None:
    """Show a municipality's focus areas and peers (and validate them against lookups if given)."""
    kommun = checks.check_kommun(kommun, param="KOMMUN", synthetic=True)
    if lookups is not None:
        checks.check_folder(
            lookups, "--lookups", must_exist=True, writable=False, expected=checks.LOOKUPS_FOLDER
        )
    p = load_profile(kommun)
    typer.echo(f"{p.kommun} {p.name or ''} ({p.source})")
    for fa in p.focus_areas:
        typer.echo(f"  focus {fa.id}: {fa.name} — {fa.level} {', '.join(fa.areas)}")
    for code, name in p.peers.items():
        typer.echo(f"  peer {code} {name}")
    if lookups is not None:
        validate_profile(p, _lookups(lookups))
        typer.echo("codes and names match the lookups")
