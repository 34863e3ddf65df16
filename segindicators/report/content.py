"""Build the follow-up report's content from the processed tables and the exported charts (pure functions).

:func:`build_report` turns :class:`~segindicators.report.load.ReportInputs` into a
:class:`~segindicators.report.model.Report`: every number formatted the Swedish way with
:mod:`segindicators.charts.format` (decimal comma, "73,1 %", space thousands), every text final. The HTML
and Word renderers only lay it out.

Reading order::

    title, synthetic label, introduction
    Sammanfattning             Tabell 1: status per development area
    Utvecklingsområde 1 … 5    status table (value, change since the baseline, its interval, status),
                               the sub-goals (decided or proposed), the area's charts
    Koncentrerat välstånd …    the affluence table next to the focus areas, ICE chart, area-type map
    Åtgärder                   the measures register per year, its chart
    <Kommun> bland landets     rank among all municipalities with its rank interval, percentile, peer-group
    kommuner                   rank (D and H, background, RegSO and DeSO, per year), the peer charts
    Övriga diagram             charts of the standard set that belong to no section
    Bilaga: Metod och begrepp  status rules, indicators (definitions, caveats, sources), indices,
                               series breaks, sources, charts not drawn, glossary

Here the sections are assembled and numbered; each block comes from its own module: the cell texts
(:mod:`~segindicators.report.cells`), the plan-status and summary tables
(:mod:`~segindicators.report.status_tables`), the affluence table (:mod:`~segindicators.report.affluence_table`),
the measures table (:mod:`~segindicators.report.measures_table`), the national ranks
(:mod:`~segindicators.report.national_table`), the figures and where each goes
(:mod:`~segindicators.report.figures`) and the appendix (:mod:`~segindicators.report.method`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segindicators.catalogue.definitions import load_catalogue
from segindicators.charts.specs import ChartSpec, standard_chart_specs
from segindicators.charts.style import SYNTHETIC_MARK
from segindicators.tables import TABLES

from .affluence_table import affluence_table
from .cells import status_text
from .figures import chart_home, figure, spec_of
from .load import ChartInfo, ReportInputs
from .measures_table import measures_table
from .method import method_section
from .model import Paragraph, Report, Section
from .national_table import national_section
from .status_tables import status_rows, status_table, summary_table
from .texts import AFFLUENCE_METHOD

__all__ = ["build_report"]


class _Numbers:
    def __init__(self) -> None:
        self.figure = 0
        self.table = 0

    def next_figure(self) -> int:
        self.figure += 1
        return self.figure

    def next_table(self) -> int:
        self.table += 1
        return self.table


def build_report(
    inp: ReportInputs, *, catalogue: Any = None, specs: Sequence[ChartSpec] | None = None
) -> Report:
    """The report's content from its inputs (no I/O)."""
    if catalogue is None:
        catalogue = load_catalogue()
    specs = list(specs) if specs is not None else standard_chart_specs()
    num = _Numbers()
    label = SYNTHETIC_MARK if inp.synthetic else ""
    ps = inp.tables.get("plan_status")
    rows = status_rows(ps, inp.focus, inp.year) if ps is not None and len(ps) else None
    titles: dict[int, str] = {}
    if rows is not None:
        rows = rows.assign(
            _status=[
                status_text(s, t) for s, t in zip(rows["status_sv"], rows["significance_tested"], strict=True)
            ]
        )
        for da, t in zip(rows["development_area"], rows["development_area_title"], strict=True):
            titles.setdefault(int(da), str(t))
    plan_index: dict[str, int] = {}
    if ps is not None:
        for da, ind in zip(ps["development_area"], ps["indicator"].astype(str), strict=True):
            plan_index.setdefault(ind, int(da))

    homes: dict[str, list[tuple[ChartInfo, ChartSpec | None]]] = {}
    for chart in inp.charts:
        spec = spec_of(chart.name, specs)
        home = chart_home(chart, spec, plan_index, catalogue)
        if home.startswith("area:") and int(home[5:]) not in titles:  # no status table for that area
            home = "other"
        homes.setdefault(home, []).append((chart, spec))

    intro: list[Any] = []
    if label:
        intro.append(
            Paragraph(
                f"{label}. Kommunen är fiktiv och alla siffror är påhittade; rapporten visar bara hur "
                "uppföljningen ser ut.",
                "synthetic",
            )
        )
    intro += [
        Paragraph(
            f"Rapporten följer upp arbetet mot segregation i {inp.kommun_name} {inp.year}. För varje "
            "utvecklingsområde i planen visas indikatorernas status i fokusområdena och i kommunen, följt av "
            "diagram. Därefter kommer områdena med koncentrerat välstånd bredvid fokusområdena, "
            "åtgärdsregistret och en bilaga om metod och begrepp.",
            "lead",
        ),
        Paragraph(
            "Uppgifterna kommer från SCB:s statistik för små områden (DeSO och RegSO) och från Kolada. Varje "
            "tabell och figur har en källhänvisning med tabellens uppdateringsdatum. Delmål som kommunen inte "
            "har beslutat redovisas som förslag."
        ),
    ]
    sections: list[Section] = []
    shown_indicators: list[str] = []
    labels: dict[str, str] = {}

    if rows is not None:
        summary = Section("sammanfattning", "Sammanfattning")
        summary.blocks.append(
            Paragraph(
                "Tabellen räknar indikatorerna efter status det senaste året med uppgifter. Statusorden "
                "förklaras i metodbilagan."
            )
        )
        summary.blocks.append(summary_table(rows, titles, inp, num.next_table()))
        sections.append(summary)
        for da in sorted(titles):
            sec = Section(f"utvecklingsomrade-{da}", f"Utvecklingsområde {da}: {titles[da]}")
            sub = rows[rows["development_area"].astype(int).eq(da)]
            sec.blocks.append(status_table(sub, da, inp, num.next_table(), catalogue))
            for ind, lab in zip(sub["indicator"].astype(str), sub["label"].astype(str), strict=True):
                shown_indicators.append(ind)
                labels.setdefault(ind, lab)
            charts = homes.get(f"area:{da}", [])  # the area's plan chart first: it draws the table
            charts = sorted(
                charts, key=lambda cs: 0 if cs[1] and cs[1].function == "plan_status_chart" else 1
            )
            for chart, spec in charts:
                sec.blocks.append(figure(chart, spec, num.next_figure()))
            sections.append(sec)

    aff = Section("koncentrerat-valstand", "Koncentrerat välstånd och fokusområdena")
    aff.blocks.append(Paragraph(AFFLUENCE_METHOD[0]))
    t = affluence_table(inp, num.next_table())
    if t is None:
        num.table -= 1
        aff.blocks.append(
            Paragraph(
                f"Tabellen kunde inte tas fram: typologin ({TABLES['typology'].parquet}) saknas.", "note"
            )
        )
    else:
        aff.blocks.append(t)
    for chart, spec in homes.get("affluence", []):
        aff.blocks.append(figure(chart, spec, num.next_figure()))
    sections.append(aff)

    m = measures_table(inp, num.next_table())
    if m is None:
        num.table -= 1
    if m is not None or homes.get("measures"):
        sec = Section("atgarder", "Åtgärder")
        sec.blocks.append(
            Paragraph("Åtgärdsplanens åtgärder efter status, enligt kommunens uppföljning av planen.")
        )
        if m is not None:
            sec.blocks.append(m)
        for chart, spec in homes.get("measures", []):
            sec.blocks.append(figure(chart, spec, num.next_figure()))
        sections.append(sec)

    national, has_table = national_section(inp, num.next_table())
    if not has_table:
        num.table -= 1
    for chart, spec in homes.get("peers", []):
        national.blocks.append(figure(chart, spec, num.next_figure()))
    sections.append(national)

    if homes.get("other"):
        sec = Section("ovriga-diagram", "Övriga diagram")
        for chart, spec in homes["other"]:
            sec.blocks.append(figure(chart, spec, num.next_figure()))
        sections.append(sec)

    sections.append(method_section(inp, homes, shown_indicators, labels, catalogue, specs, label))
    return Report(
        title=f"Uppföljning av arbetet mot segregation {inp.year}",
        subtitle=f"{inp.kommun_name} – utkast till uppföljningsrapport",
        kommun=inp.kommun,
        kommun_name=inp.kommun_name,
        year=inp.year,
        synthetic_label=label,
        intro=intro,
        sections=sections,
        file_stem=f"uppfoljning_{inp.kommun}_{inp.year}",
    )
