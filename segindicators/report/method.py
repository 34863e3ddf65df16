"""The report's appendix "Bilaga: Metod och begrepp": status rules, indicators, indices, breaks, sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from segindicators.charts.specs import ChartSpec
from segindicators.charts.builders.plan import plan_sources
from segindicators.charts.style import sources_from_frame

from .cells import source_text
from .figures import skipped_text, spec_of
from .load import ChartInfo, ReportInputs
from .model import BulletList, Paragraph, Section, Terms
from .texts import AFFLUENCE_METHOD, GLOSSARY, INDEX_TEXTS, STATUS_METHOD, STATUS_RULES, indicator_texts

__all__ = ["method_section"]


def _indicator_terms(ids: Iterable[str], inp: ReportInputs, catalogue: Any, labels: dict[str, str]) -> Terms:
    """The indicators' definitions, caveats and sources, each under its Swedish name."""
    texts = indicator_texts()
    counts = inp.tables.get("counts")
    items = []
    for ind in dict.fromkeys(ids):
        if ind.startswith("kolada:"):
            kpi = ind.split(":", 1)[1]
            items.append(
                (
                    labels.get(ind, kpi),
                    f"Nyckeltal {kpi} i Kolada, för kommunen som helhet (Kolada redovisar inga värden per "
                    "område). Värdet redovisas i nyckeltalets egen enhet.",
                )
            )
            continue
        if ind.startswith("index:"):
            continue
        try:
            spec = catalogue.indicator(ind)
        except KeyError:
            continue
        t = texts.get(ind)
        if t is None:
            continue
        text = " ".join([t["definition"], *t["caveats"]])
        if counts is not None:
            sub = counts[
                counts["indicator"].astype(str).eq(ind) & counts["kommun"].astype(str).eq(inp.kommun)
            ]
            srcs = sources_from_frame(sub)
            if srcs:
                text += " " + source_text(srcs, False).replace(" Bearbetning: segindicators.", "")
        items.append((spec.name_sv, text))
    return Terms(tuple(items))


def method_section(
    inp: ReportInputs,
    homes: dict[str, list[tuple[ChartInfo, ChartSpec | None]]],
    shown: list[str],
    labels: dict[str, str],
    catalogue: Any,
    specs: Sequence[ChartSpec],
    label: str,
) -> Section:
    """The appendix: status rules, indicators, indices, affluence, series breaks, sources, charts not drawn, glossary."""
    method = Section("metod", "Bilaga: Metod och begrepp", appendix=True)
    status = Section("metod-status", "Så bedöms statusen", level=2)
    status.blocks += [Paragraph(p) for p in STATUS_METHOD]
    status.blocks.append(Terms(STATUS_RULES))
    method.children.append(status)

    chart_indicators = [s.indicator for c in inp.charts if (s := spec_of(c.name, specs)) and s.indicator]
    ids = [i for i in dict.fromkeys([*shown, *chart_indicators]) if i]
    ind = Section("metod-indikatorer", "Indikatorer", level=2)
    ind.blocks.append(
        Paragraph(
            "Andelar räknas som antal personer med egenskapen delat med antalet personer i gruppen, från SCB:s "
            "antal. Fokusområden och kommunen räknas genom att summera antalen, aldrig genom att ta medelvärdet "
            "av områdenas andelar. Värden som SCB inte redovisar (..) räknas inte som noll."
        )
    )
    ind.blocks.append(_indicator_terms(ids, inp, catalogue, labels))
    method.children.append(ind)

    idx = Section("metod-index", "Segregationsindex", level=2)
    idx.blocks.append(Terms(INDEX_TEXTS))
    method.children.append(idx)

    aff = Section("metod-valstand", "Koncentrerat välstånd och koncentrerad fattigdom", level=2)
    aff.blocks += [Paragraph(p) for p in AFFLUENCE_METHOD]
    method.children.append(aff)

    breaks: dict[tuple[int, str], None] = {}
    for c in inp.charts:
        for y, r in c.breaks:
            breaks.setdefault((int(y), r), None)
    if breaks:
        sb = Section("metod-seriebrott", "Seriebrott", level=2)
        sb.blocks.append(
            Paragraph(
                "Seriebrotten markeras i diagrammen med en prickad linje och en fotnot. Värden före och efter "
                "ett seriebrott är inte helt jämförbara."
            )
        )
        sb.blocks.append(BulletList(tuple(f"{y}: {r}" for y, r in sorted(breaks))))
        method.children.append(sb)

    src = Section("metod-kallor", "Källor", level=2)
    tables: dict[tuple[str, str], str | None] = {}
    for c in inp.charts:
        for pub, tab, upd in c.sources:
            key = (pub, tab)
            if upd and (tables.get(key) is None or str(upd) > str(tables[key])):
                tables[key] = upd
            else:
                tables.setdefault(key, upd)
    counts = inp.tables.get("counts")
    for s in plan_sources(counts, inp.kommun, shown):
        tables.setdefault((s.publisher, s.table), s.updated)
    items = []
    for (pub, tab), upd in sorted(tables.items(), key=lambda kv: (kv[0][0] != "SCB", kv[0])):
        if pub == "SCB":
            items.append(f"SCB, tabell {tab}" + (f" (uppdaterad {str(upd)[:10]})" if upd else ""))
        elif pub == "Kolada":
            items.append(
                f"Kolada, nyckeltal {tab}"
                + (f" ({labels['kolada:' + tab]})" if f"kolada:{tab}" in labels else "")
            )
        else:
            items.append(f"{pub}, {tab}" if pub else tab)
    retrieved = sorted({c.retrieved for c in inp.charts if c.retrieved})
    if label:
        src.blocks.append(
            Paragraph(f"{label}: uppgifterna kommer från en fiktiv kommun och är påhittade.", "synthetic")
        )
    src.blocks.append(BulletList(tuple(items)))
    tail = "Bearbetning: segindicators. Varje diagram finns också som PNG, SVG och PDF och med sina siffror i en Excelfil."
    if retrieved:
        tail = f"Uppgifterna hämtades senast {retrieved[-1]}. " + tail
    src.blocks.append(Paragraph(tail))
    method.children.append(src)

    if inp.skipped:
        sk = Section("metod-saknas", "Diagram som inte ingår i år", level=2)
        sk.blocks.append(
            Paragraph("Följande diagram i standarduppsättningen kunde inte tas fram med årets uppgifter:")
        )
        sk.blocks.append(BulletList(tuple(skipped_text(n, t, specs) for n, t in inp.skipped)))
        method.children.append(sk)

    gl = Section("begrepp", "Begrepp", level=2)
    gl.blocks.append(Terms(tuple(t for t in GLOSSARY if label or t[0] != "Syntetiska exempeldata")))
    method.children.append(gl)
    return method
