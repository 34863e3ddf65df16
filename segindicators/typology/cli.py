"""``segindicators affluence``: concentrated-affluence districts next to the focus areas (works offline).

Reads ``<processed-dir>/counts.parquet``, computes :func:`~segindicators.typology.affluence_measures` for the
municipality, prints the :func:`~segindicators.typology.affluence_table` with rich and writes it atomically
as parquet, csv and xlsx (with a notes sheet) to ``reports/<year>/``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from segindicators import checks
from segindicators._io import atomic_write_bytes, write_frame, xlsx_bytes
from segindicators.errors import Failure, cli_errors
from segindicators.geography import load_profile, read_reference_lookups
from segindicators.paths import is_synthetic, processed_dir, reports_dir
from segindicators.tables import SYNTHETIC_LABEL, TABLES, read_table
from segindicators.typology.affluence import Thresholds, affluence_measures
from segindicators.typology.official import official_area_types
from segindicators.typology.table import SHARE_MEASURES, affluence_table

app = typer.Typer(help="Concentrated affluence and deprivation for every district.", add_completion=False)

SYNTHETIC_MARK = SYNTHETIC_LABEL.split(" – ")[0]  # "Syntetiska exempeldata", as source texts begin


def _fmt(x: object, heading: str) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        if heading.startswith("Rang") or heading == "Antal områden" or heading == "Områdestyp (SCB)":
            return f"{x:.0f}"
        return f"{x:.1f}" if heading.endswith("(%)") else f"{x:+.2f}" if "ICE" in heading else f"{x:.2f}"
    return str(x)


def _notes(
    counts: pd.DataFrame,
    kommun: str,
    year: int,
    level: str,
    th: Thresholds,
    shrink: bool,
    *,
    marked: bool = False,
) -> list[str]:
    sources = (
        counts["source_table"].dropna().astype("str").unique().tolist() if "source_table" in counts else []
    )
    synthetic = marked or any(SYNTHETIC_MARK in s for s in sources)
    source = (
        "syntetiska data (segindicators.demo)"
        if synthetic
        else f"SCB ({', '.join(sorted(sources)) or 'okänd tabell'})"
    )
    notes = [
        f"Kommun {kommun}, {level}, år {year}. Källa: {source}, bearbetning segindicators.",
        f"Koncentrerat välstånd / koncentrerad fattigdom: EB-ICE minst {th.ice_margin} över / under "
        f"referensen ({th.reference}) på minst {th.min_dimensions} av 3 dimensioner (inkomst, utbildning, bakgrund).",
        "Kvartils-ICE: personer 20+ i rikets högsta minus lägsta inkomstkvartil (andelar × personer, rekonstruerat).",
        f"Värden som publicerade; rang och flaggor på empiriska Bayes-skattningar ({'på' if shrink else 'av'}). "
        f"small_area = bas under {th.small_area_n:g} personer.",
    ]
    if synthetic:
        notes.insert(0, SYNTHETIC_LABEL)
    return notes


def _xlsx(table: pd.DataFrame, notes: list[str]) -> bytes:
    return xlsx_bytes({"Välstånd": table, "Noter": pd.DataFrame({"Not": notes})})


def focus_deso(profile, lookups: Path) -> dict[str, str]:
    """DeSO of the profile's RegSO focus areas → ``"<focus name> (<DeSO>)"`` from SCB's kopplingstabeller."""
    lk = read_reference_lookups(lookups)
    out: dict[str, str] = {}
    for fa in profile.focus_areas:
        if fa.level != "RegSO":
            continue
        desos = lk.loc[lk["regso"].isin(list(fa.areas)), "deso"].drop_duplicates().sort_values()
        out |= {d: f"{fa.name} ({d})" for d in desos}
    return out


@app.command("affluence")
@cli_errors
def affluence(
    kommun: Annotated[str, typer.Option("--kommun", help="Kommunkod, t.ex. 0580.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Referensår (standard: senaste i datat).")
    ] = None,
    level: Annotated[str, typer.Option("--level", help="RegSO eller DeSO.")] = "RegSO",
    processed: Annotated[
        Path | None,
        typer.Option(
            "--processed-dir", help=f"Mapp med {TABLES['counts'].parquet} (standard: data/processed)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Utmapp (standard: reports/<år>).")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option("--profile", help="Kommunprofil (YAML) med fokusområden; standard: paketets."),
    ] = None,
    lookups: Annotated[
        Path | None,
        typer.Option(
            "--lookups", help="Mapp med SCB:s kopplingstabeller (DeSO→RegSO) för fokusområden på DeSO-nivå."
        ),
    ] = None,
    ice_margin: Annotated[float, typer.Option(help="ICE-avstånd till referensen för flagga.")] = 0.2,
    min_dimensions: Annotated[int, typer.Option(help="Antal av 3 ICE-dimensioner som måste uppfyllas.")] = 2,
    reference: Annotated[str, typer.Option(help="kommun, national eller absolute.")] = "kommun",
    small_area_n: Annotated[
        float, typer.Option(help="Bas (personer) under vilken ett område flaggas litet.")
    ] = 1000.0,
    shrink: Annotated[
        bool, typer.Option("--shrink/--no-shrink", help="Empirisk Bayes före rangordning.")
    ] = True,
    all_areas: Annotated[
        bool, typer.Option("--all-areas", help="Visa alla områden, inte bara urvalet.")
    ] = False,
) -> None:
    """Koncentrerat välstånd: områden med oproportionerligt många socioekonomiskt starka invånare, bredvid
    fokusområdena (svar på MP:s protokollsanteckning)."""
    kommun = checks.check_kommun(kommun, synthetic=True)
    checks.check_year(year, param="--year")
    if level not in ("RegSO", "DeSO"):
        raise typer.BadParameter(f"expected RegSO or DeSO, got {level!r}", param_hint="--level")
    checks.check_folder(
        processed, "--processed-dir", must_exist=True, writable=False, expected=checks.PROCESSED_FOLDER
    )
    checks.check_folder(out_dir, "--out-dir")
    checks.check_input_file(profile, "--profile")
    checks.check_folder(lookups, "--lookups", must_exist=True, writable=False, expected=checks.LOOKUPS_FOLDER)
    console = Console(width=200)
    folder = processed if processed is not None else processed_dir()
    path = folder / TABLES["counts"].parquet
    if not path.exists():
        raise Failure(
            f"no {path.name} in {str(folder)!r} (--processed-dir); build processed data first "
            "(segindicators build / refresh) or point --processed-dir at a folder that has it."
        )
    counts = read_table("counts", folder)
    counts = counts[(counts["kommun"] == kommun) | (counts["level"] == "riket")]
    if not (counts["kommun"] == kommun).any():
        raise typer.BadParameter(f"kommun {kommun!r} has no rows in {path}", param_hint="--kommun")
    try:
        th = Thresholds(ice_margin, min_dimensions, reference, small_area_n)  # type: ignore[arg-type]
        measures = affluence_measures(counts, level=level, thresholds=th, shrink=shrink)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if year is None:
        year = int(measures.loc[measures["kommun"] == kommun, "year"].max())
    prof = load_profile(kommun, profile) if profile is not None else load_profile(kommun)
    focus = {a: fa.name for fa in prof.focus_areas if fa.level == level for a in fa.areas}
    if level == "DeSO" and lookups is not None:
        focus |= focus_deso(prof, lookups)
    official = None
    if (counts["indicator"] == "area_type_official").any() and level == "RegSO":
        official = official_area_types(counts)
    try:
        table = affluence_table(
            measures, kommun=kommun, year=year, focus=focus, official=official, all_areas=all_areas
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--year") from exc
    notes = _notes(counts, kommun, year, level, th, shrink, marked=is_synthetic(folder))
    if not focus and prof.focus_areas and level == "DeSO":
        notes.append("Fokusområdena är RegSO; ange --lookups (kopplingstabeller) för att visa deras DeSO.")
    elif not focus and prof.focus_areas:
        notes.append(
            f"Fokusområdena är angivna på {prof.focus_areas[0].level}-nivå; kör med --level {prof.focus_areas[0].level}."
        )

    rt = Table(title=f"Koncentrerat välstånd och fokusområden – {prof.name or kommun} {year} ({level})")
    show = [
        c for c in table.columns if not c.startswith("LQ") and c not in ("Antal områden", "Koncentration")
    ]
    for c in show:
        rt.add_column(c, justify="left" if c in ("Grupp", "Kod", "Område", "Flaggor") else "right")
    for rec in table[show].itertuples(index=False):
        rt.add_row(*[_fmt(v, c) for v, c in zip(rec, show, strict=True)])
    console.print(rt)
    for n in notes:
        console.print(n)

    target = out_dir if out_dir is not None else reports_dir(year)
    stem = f"affluence_{kommun}_{level}_{year}"
    written = [write_frame(table, target / f"{stem}.parquet"), write_frame(table, target / f"{stem}.csv"),
               atomic_write_bytes(target / f"{stem}.xlsx", _xlsx(table, notes))]  # fmt: skip
    for p in written:
        console.print(f"skrev {p}")


__all__ = ["affluence", "app", "SHARE_MEASURES"]
