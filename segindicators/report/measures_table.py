"""The report's measures table: the measures register's status counts per year."""

from __future__ import annotations

from typing import Any

from segindicators.charts.format import MISSING, format_number, format_percent
from segindicators.charts.style import Source

from .cells import missing, source_text
from .load import ReportInputs
from .model import Table

__all__ = ["measures_table"]


def measures_table(inp: ReportInputs, n: int) -> Table | None:
    """Table ``n``: the measures register's counts per status and year; None without a register."""
    s = inp.measures
    if s is None or s.empty:
        return None

    def cell(v: Any) -> str:
        return MISSING if missing(v) else format_number(int(v))

    body = []
    for r in s.to_dict("records"):
        body.append(
            (
                str(int(r["year"])),
                cell(r["total"]),
                cell(r["genomförd"]),
                cell(r["pågår"]),
                cell(r["ej genomförd"]),
                cell(r["okänd"]),
                MISSING if missing(r["share_done"]) else format_percent(float(r["share_done"]), 0),
            )
        )
    publisher = inp.kommun_name
    src = {"table": "kommunens åtgärdsregister (uppföljning av åtgärdsplanen)", "publisher": publisher}
    return Table(
        number=n,
        caption="Åtgärder i åtgärdsplanen efter status och år",
        columns=(
            "År",
            "Åtgärder totalt",
            "Genomförda",
            "Pågår",
            "Ej genomförda",
            "Status ej redovisad",
            "Andel genomförda",
        ),  # fmt: skip
        rows=tuple(body),
        source=source_text([Source(**src)], inp.synthetic),
        kind="measures",
        notes=(f"{MISSING} = uppföljningen redovisar inte antalet det året.",),
        numeric=(False, True, True, True, True, True, True),
        keys=tuple(str(int(y)) for y in s["year"]),
    )
