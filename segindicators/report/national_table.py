"""The report's section "<Kommun> bland landets kommuner": the municipality's rank among every municipality.

Read from the ``national_ranks`` table (written by the refresh's ``peers`` stage,
:func:`segindicators.typology.national.national_ranks`), never recomputed: per year, for D (dissimilarity)
and H (Theil's information index) of foreign against Swedish background (catalogue group ``background``), at
RegSO and DeSO, the rank of n with its 95 % rank interval (Goldstein & Spiegelhalter 1996), the percentile
and the rank within the peer group, all on the bias-corrected values. Without the table the section says so
and shows no rank.
"""

from __future__ import annotations

import pandas as pd

from segindicators.charts.format import format_number, format_rank
from segindicators.charts.meta import sources_from_frame, year_span
from segindicators.tables import TABLES

from .cells import source_text
from .load import ReportInputs
from .model import Paragraph, Section, Table

__all__ = ["GROUP", "INDICES", "LEVELS", "national_rows", "national_section"]

#: The catalogue group ranked: foreign against Swedish background.
GROUP = "background"
#: The indices shown, in table order, with their Swedish names.
INDICES = {"dissimilarity": "Dissimilaritetsindex (D)", "theil_h": "Theils informationsindex (H)"}
#: The levels shown, in table order.
LEVELS = ("RegSO", "DeSO")

INTERVAL_SV = (
    "Inom parentes står 95 % rangintervall: de platser kommunen rimligen kan ha när man tar hänsyn till "
    "slumpvariationen i indexen (bootstrap; Goldstein & Spiegelhalter 1996). Överlappar två års intervall "
    "kan man inte säga att kommunens plats har ändrats."
)


def national_rows(ranks: pd.DataFrame, kommun: str) -> pd.DataFrame:
    """The municipality's bias-corrected rows of :data:`GROUP` × :data:`INDICES` × :data:`LEVELS` of a
    ``national_ranks`` table, one geography version per year (the newest), ordered year, index, level.

    Examples
    --------
    >>> t = pd.DataFrame({"kommun": "0580", "level": ["DeSO", "RegSO"], "geo_version": "2025", "year": 2024,
    ...                   "group": "background", "index": "theil_h", "ranked_on": "bias_corrected"})
    >>> national_rows(t, "0580")["level"].tolist()
    ['RegSO', 'DeSO']
    """
    own = ranks[ranks["kommun"].astype(str).eq(str(kommun)) & ranks["group"].eq(GROUP)
                & ranks["index"].isin(list(INDICES)) & ranks["level"].isin(list(LEVELS))
                & ranks["ranked_on"].eq("bias_corrected")]  # fmt: skip
    own = own.sort_values(["year", "index", "level", "geo_version"], kind="stable")
    own = own.drop_duplicates(["year", "index", "level"], keep="last")
    order = {"index": list(INDICES), "level": list(LEVELS)}
    return own.sort_values(
        ["year", "index", "level"], key=lambda s: s.map(order[s.name].index) if s.name in order else s
    ).reset_index(drop=True)


def _missing(inp: ReportInputs, why: str) -> list[Paragraph]:
    return [Paragraph(f"Jämförelsen med landets kommuner saknas i den här rapporten: {why}. Ingen rangplats "
                      "redovisas.", "note")]  # fmt: skip


def national_section(inp: ReportInputs, n: int) -> tuple[Section, bool]:
    """The section and whether it holds table ``n`` (False: the national ranks are missing, and it says so)."""
    sec = Section("bland-landets-kommuner", f"{inp.kommun_name} bland landets kommuner")
    ranks = inp.tables.get("national_ranks")
    if ranks is None:
        why = (f"tabellen {TABLES['national_ranks'].parquet} finns inte (körningen gjordes utan steget peers, "
               "som beräknar alla kommuners index)")  # fmt: skip
        sec.blocks.extend(_missing(inp, why))
        return sec, False
    rows = national_rows(ranks, inp.kommun)
    rows = rows[rows["year"].le(inp.year)]
    if rows.empty:
        sec.blocks.extend(_missing(inp, f"{TABLES['national_ranks'].parquet} har inga rader för kommunen"))
        return sec, False
    n_all = int(rows["n"].max())
    sec.blocks.append(
        Paragraph(
            f"Tabellen visar var {inp.kommun_name} hamnar när landets kommuner ({format_number(n_all)} med "
            "värden) rangordnas efter hur segregerade de är mellan personer med utländsk och svensk bakgrund, "
            "mätt med dissimilaritetsindex (D) och Theils informationsindex (H) på RegSO- och DeSO-nivå. Plats 1 "
            "är den mest segregerade kommunen. Kommunerna är rangordnade på biaskorrigerade värden: små kommuner "
            f"med få områden får annars för höga index av en slump. {INTERVAL_SV}"
        )
    )
    body, keys = [], []
    for r in rows.itertuples(index=False):
        peer = format_rank(r.peer_rank, r.peer_n, r.peer_rank_low, r.peer_rank_high)
        body.append((str(int(r.year)), INDICES[r.index], str(r.level),
                     format_rank(r.rank, r.n, r.rank_low, r.rank_high), format_number(r.percentile, 1),
                     peer, format_number(r.value_bias_corrected, 3)))  # fmt: skip
        keys.append(f"{r.level}|{r.geo_version}|{int(r.year)}|{r.group}|{r.index}")
    counts = inp.tables.get("counts")
    sources = ()
    if counts is not None:
        own = counts[counts["kommun"].astype(str).eq(inp.kommun) & counts["indicator"].astype(str).str.startswith(
            f"{GROUP}.") & counts["level"].isin(list(LEVELS)) & counts["year"].isin(set(rows["year"]))]  # fmt: skip
        sources = sources_from_frame(own)
    notes = [
        "Percentil: andelen av landets kommuner som är lika segregerade eller mindre segregerade än kommunen.",
        "Jämförelsegruppen är kommunen och dess jämförelsekommuner enligt kommunprofilen.",
    ]
    if rows["rank_low"].isna().any():
        notes.append("Där rangintervall saknas har körningen inte sparat bootstrapdragningarna för alla "
                     "kommuner; platsen är då en punktskattning utan osäkerhetsmått.")  # fmt: skip
    sec.blocks.append(
        Table(
            number=n,
            caption=f"Plats bland landets kommuner, {inp.kommun_name}, utländsk respektive svensk bakgrund, "
            f"{year_span(rows['year'])}",
            columns=(
                "År",
                "Index",
                "Nivå",
                "Plats bland landets kommuner",
                "Percentil",
                "Plats i jämförelsegruppen",
                "Biaskorrigerat värde",
            ),  # fmt: skip
            rows=tuple(body),
            source=source_text(sources, inp.synthetic),
            kind="national",
            notes=tuple(notes),
            merge_first=True,
            numeric=(False, False, False, True, True, True, True),
            keys=tuple(keys),
        )
    )
    return sec, True
