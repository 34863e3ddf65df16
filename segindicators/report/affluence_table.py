"""The report's affluence table: areas with concentrated affluence next to the focus areas (RegSO)."""

from __future__ import annotations

import pandas as pd

from segindicators.charts.format import MISSING, format_number, format_percent
from segindicators.charts.style import sources_from_frame
from segindicators.charts.style import Source
from segindicators.typology.affluence import _INPUTS
from segindicators.typology.official import official_area_types
from segindicators.typology.table import affluence_table as typology_affluence_table

from .cells import missing, source_text
from .load import ReportInputs
from .model import Table
from .texts import NOT_APPLICABLE

__all__ = ["affluence_frame", "affluence_rows", "affluence_table"]

AFFLUENCE_SHOWN = (
    "Kvartils-ICE inkomst",
    "ICE utbildning",
    "ICE bakgrund",
    "Andel hög ekonomisk standard (%)",
    "Andel eftergymnasial ≥ 3 år (%)",
    "Andel svensk bakgrund (%)",
)
COMPARISON_GROUPS = {"Kommunen (alla områden)": "Jämförelse", "Riket": "Jämförelse"}


def affluence_frame(inp: ReportInputs) -> pd.DataFrame | None:
    """The MP note's table (affluent areas next to the focus areas) from ``typology.parquet``, as the
    typology stage writes it to ``affluence.xlsx`` (:func:`segindicators.typology.table.affluence_table`)."""
    typ = inp.tables.get("typology")
    if typ is None or typ.empty:
        return None
    regso = typ[typ["level"].astype(str).eq("RegSO") & typ["kommun"].astype(str).eq(inp.kommun)]
    years = sorted(int(y) for y in regso["year"].unique())
    if not years:
        return None
    earlier = [y for y in years if y <= inp.year]
    year = earlier[-1] if earlier else years[-1]
    counts = inp.tables.get("counts")
    official = None
    if counts is not None and counts["indicator"].astype(str).eq("area_type_official").any():
        official = official_area_types(counts[counts["kommun"].astype(str).eq(inp.kommun)])
    focus = {a: fa.name for fa in inp.focus if fa.level == "RegSO" for a in fa.areas}
    return typology_affluence_table(regso, kommun=inp.kommun, year=year, focus=focus, official=official)


def affluence_rows(table: pd.DataFrame, kommun_name: str) -> list[tuple[str, ...]]:
    """Rows of the report's affluence table from :func:`affluence_frame` (formatted, Swedish).

    Columns: Område (a focus area marked "fokusområde", the municipality "hela kommunen"), Koncentration
    ("ingen" when not flagged), Områdestyp (SCB) when known, the three ICE values (2 decimals), the three
    shares ("21,2 %"). Cells without meaning for a row (the type of the municipality) are ``.``.
    """
    out = []
    for r in table.to_dict("records"):
        group = r["Grupp"]
        comparison = group in COMPARISON_GROUPS
        if group == "Kommunen (alla områden)":
            area = f"{kommun_name}\nhela kommunen"
        elif group == "Fokusområde":
            area = f"{r['Område']}\nfokusområde"
        else:
            area = str(r["Område"])
        conc = "" if missing(r.get("Koncentration")) else str(r.get("Koncentration") or "")
        if comparison:
            conc_text, type_text = NOT_APPLICABLE, NOT_APPLICABLE
        else:
            conc_text = conc.replace(";", ", ") if conc else "ingen"
            t = r.get("Områdestyp (SCB)")
            type_text = MISSING if missing(t) else format_number(float(t), 0)
        cells = [area, conc_text]
        if "Områdestyp (SCB)" in table.columns:
            cells.append(type_text)
        for col in AFFLUENCE_SHOWN:
            v = r.get(col)
            if missing(v):
                cells.append(MISSING)
            elif col.endswith("(%)"):
                cells.append(format_percent(float(v) / 100, 1))
            else:
                cells.append(format_number(float(v), 2))
        out.append(tuple(cells))
    return out


def affluence_table(inp: ReportInputs, n: int) -> Table | None:
    """Table ``n``: :func:`affluence_frame` formatted, with its sources and notes; None without a typology."""
    frame = affluence_frame(inp)
    if frame is None:
        return None
    year = int(frame.attrs.get("year", inp.year))
    cols = ["Område", "Koncentration"]
    if "Områdestyp (SCB)" in frame.columns:
        cols.append("Områdes\u00adtyp (SCB)")
    cols += [c.removesuffix(" (%)") for c in AFFLUENCE_SHOWN]
    counts = inp.tables.get("counts")
    sources: tuple[Source, ...] = ()
    if counts is not None:
        wanted = set(_INPUTS.values()) | {"area_type_official"}
        sub = counts[
            counts["indicator"].astype(str).isin(wanted)
            & counts["kommun"].astype(str).eq(inp.kommun)
            & counts["level"].astype(str).eq("RegSO")
            & counts["year"].eq(year)
        ]
        sources = sources_from_frame(sub)
    notes = [
        "ICE går från −1 till +1; positiva värden betyder att de med hög inkomst, lång utbildning eller "
        "svensk bakgrund är överrepresenterade. Bedömningen jämför med kommunens värde (se metodbilagan).",
        "Hela tabellen, med rangordning och lokaliseringskvoter, finns i filen affluence.xlsx.",
    ]
    if year != inp.year:
        notes.insert(0, f"Tabellen avser {year}, det senaste året med uppgifter.")
    return Table(
        number=n,
        caption=f"Områden med koncentrerat välstånd och fokusområdena, RegSO, {year}",
        columns=tuple(cols),
        rows=tuple(affluence_rows(frame, inp.kommun_name)),
        source=source_text(sources, inp.synthetic),
        kind="affluence",
        notes=tuple(notes),
        numeric=tuple([False, False] + [True] * (len(cols) - 2)),
        keys=tuple(str(k) for k in frame["Kod"]),
    )
