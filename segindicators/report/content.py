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
    Övriga diagram             charts of the standard set that belong to no section (e.g. peers)
    Bilaga: Metod och begrepp  status rules, indicators (definitions, caveats, sources), indices,
                               series breaks, sources, charts not drawn, glossary

Which rows a status table shows is :func:`segindicators.charts.builders.plan.plan_rows` — the same rows as the
plan chart of that area; its source line is :func:`segindicators.charts.builders.plan.plan_sources`, the chart's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from segindicators.catalogue.definitions import load_catalogue
from segindicators.charts.builders.plan import plan_rows, plan_sources
from segindicators.charts.format import (
    MISSING,
    format_number,
    format_percent,
    format_percentage_points,
    format_value,
)
from segindicators.charts.specs import ChartSpec, standard_chart_specs
from segindicators.charts.style import SYNTHETIC_MARK, ChartMeta, Source, source_line, sources_from_frame
from segindicators.tables import TABLES
from segindicators.typology.affluence import _INPUTS
from segindicators.typology.official import official_area_types
from segindicators.typology.table import affluence_table

from .load import ChartInfo, ReportInputs
from .model import BulletList, Figure, Paragraph, Report, Section, Table, Terms
from .texts import (
    AFFLUENCE_METHOD,
    GLOSSARY,
    INDEX_TEXTS,
    NOT_APPLICABLE,
    NOT_TESTED,
    STATUS_METHOD,
    STATUS_ORDER,
    STATUS_RULES,
    indicator_texts,
)

__all__ = [
    "STATUS_COLUMNS",
    "build_report",
    "change_text",
    "interval_text",
    "status_rows",
    "status_text",
    "unit_of",
    "value_text",
]

STATUS_COLUMNS = (
    "Indikator",
    "Område",
    "År",
    "Värde",
    "Förändring sedan basåret",
    f"Osäkerhets\u00adintervall ({format_percent(0.95, 0)})",
    "Status",
)
AFFLUENCE_SHOWN = (
    "Kvartils-ICE inkomst",
    "ICE utbildning",
    "ICE bakgrund",
    "Andel hög ekonomisk standard (%)",
    "Andel eftergymnasial ≥ 3 år (%)",
    "Andel svensk bakgrund (%)",
)
COMPARISON_GROUPS = {"Kommunen (alla områden)": "Jämförelse", "Riket": "Jämförelse"}
CHART_KINDS = {
    "trend_chart": "Linjediagram",
    "index_trend_chart": "Linjediagram",
    "peer_trend_chart": "Linjediagram",
    "ranked_bar_chart": "Liggande stapeldiagram",
    "ice_chart": "Liggande stapeldiagram",
    "peer_rank_chart": "Liggande stapeldiagram",
    "decomposition_chart": "Stapeldiagram",
    "measures_status_chart": "Stapeldiagram",
    "plan_status_chart": "Linjediagram i flera delar, ett per indikator och område,",
    "choropleth_map": "Karta",
}
FILE_LABELS = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "xlsx": "Data (xlsx)"}


# ------------------------------------------------------------------------------------------ formatting


def unit_of(indicator: str, catalogue: Any = None) -> str:
    """Unit of a plan indicator: ``index`` for citywide indices, ``as_published`` for Kolada KPIs, else the
    catalogue unit (``share`` when unknown).

    Examples
    --------
    >>> unit_of("index:dissimilarity:background"), unit_of("kolada:N31807"), unit_of("employment_rate_20_64")
    ('index', 'as_published', 'share')
    """
    ind = str(indicator)
    if ind.startswith("index:"):
        return "index"
    if ind.startswith("kolada:"):
        return "as_published"
    if catalogue is None:
        catalogue = load_catalogue()
    try:
        return str(catalogue.indicator(ind).unit)
    except KeyError:
        return "share"


def _missing(x: Any) -> bool:
    try:
        return x is None or x is pd.NA or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _decimals(unit: str) -> int:
    return {"index": 3, "count": 0, "tkr": 0, "class": 0}.get(unit, 1)


def value_text(x: Any, unit: str) -> str:
    """A value as the status tables show it: shares "73,1 %", indices 3 decimals, Kolada as published.

    Examples
    --------
    >>> value_text(0.731, "share").replace("\\u00a0", " "), value_text(0.44789, "index"), value_text(84.8, "as_published")
    ('73,1 %', '0,448', '84,8')
    >>> value_text(float("nan"), "share")
    '..'
    """
    if _missing(x):
        return MISSING
    if unit == "share":
        return format_percent(float(x), 1)
    if unit == "tkr":
        return format_value(float(x), "tkr")
    return format_number(float(x), _decimals(unit))


def _signed(x: float, decimals: int) -> str:
    text = format_number(x, decimals)
    return text if text.startswith("\u2212") or text.strip("0,") == "" else "+" + text


def change_text(x: Any, unit: str) -> str:
    """A change since the baseline: percentage points for shares, signed numbers otherwise.

    Examples
    --------
    >>> change_text(0.0453, "share"), change_text(-0.0063, "index"), change_text(-0.7, "as_published")
    ('+4,5 procentenheter', '−0,006', '−0,7')
    """
    if _missing(x):
        return MISSING
    if unit == "share":  # a table cell may wrap between the number and the long unit word
        return format_percentage_points(float(x), 1).replace("\u00a0procentenheter", " procentenheter")
    text = _signed(float(x), _decimals(unit))
    return f"{text}\u00a0tkr" if unit == "tkr" else text


def interval_text(lo: Any, hi: Any, unit: str, *, has_change: bool = True) -> str:
    """The interval of a change, "+2,2 till +6,9" (percentage points for shares); ``.`` when the figure has no
    interval (Kolada, medians), ``..`` when the change itself is missing.

    Examples
    --------
    >>> interval_text(0.0217, 0.0689, "share"), interval_text(-0.0156, 0.0033, "index")
    ('+2,2 till +6,9', '−0,016 till +0,003')
    >>> interval_text(None, None, "as_published"), interval_text(None, None, "share", has_change=False)
    ('.', '..')
    """
    if not has_change:
        return MISSING
    if _missing(lo) or _missing(hi):
        return NOT_APPLICABLE
    scale = 100.0 if unit == "share" else 1.0
    d = _decimals(unit)
    return f"{_signed(float(lo) * scale, d)} till {_signed(float(hi) * scale, d)}"


def status_text(status_sv: Any, tested: Any) -> str:
    """The status word; "(ej prövad)" added when only the direction of the change decided it.

    Examples
    --------
    >>> status_text("i fas", False), status_text("inte i fas", True), status_text("otillräckliga data", False)
    ('i fas (ej prövad)', 'inte i fas', 'otillräckliga data')
    """
    word = str(status_sv)
    if word != "otillräckliga data" and tested is not None and not _missing(tested) and not bool(tested):
        return f"{word} ({NOT_TESTED})"
    return word


def _year(x: Any) -> str:
    return MISSING if _missing(x) else str(int(x))


# ---------------------------------------------------------------------------------------- status rows


def status_rows(plan_status: pd.DataFrame, focus: Sequence[Any], year: int) -> pd.DataFrame:
    """The plan-status rows of the report: per indicator and area its latest year up to ``year``.

    Rows are those of :func:`~segindicators.charts.builders.plan.plan_rows` (the municipality and each focus area
    once). An indicator with no dated row at all (no data supplied) keeps its undated row, so it shows as
    "otillräckliga data" instead of vanishing. Order: development area, indicator (as in the plan status),
    focus areas in the profile's order, other districts, the municipality.
    """
    ps = plan_status
    dated = ps[ps["year"].notna() & ps["year"].le(year)]
    shown = plan_rows(dated, focus)
    latest = shown.sort_values("year", kind="mergesort").drop_duplicates(
        ["development_area", "indicator", "level", "area"], keep="last"
    )
    have = set(zip(latest["development_area"], latest["indicator"], strict=True))
    undated = ps[ps["year"].isna()]
    undated = undated[
        [(a, i) not in have for a, i in zip(undated["development_area"], undated["indicator"], strict=True)]
    ]
    undated = undated.drop_duplicates(["development_area", "indicator"])
    out = pd.concat([latest, undated]) if len(undated) else latest
    ind_order = {k: n for n, k in enumerate(dict.fromkeys(ps["indicator"].astype(str)))}
    focus_order = {fa.id: n for n, fa in enumerate(focus)}
    for n, fa in enumerate(focus):
        for code in fa.areas:
            focus_order.setdefault(code, n)

    def area_rank(level: Any, area: Any, name: Any) -> tuple[int, int, str]:
        if str(level) == "kommun":
            return (3, 0, "")
        if str(area) in focus_order:
            return (0, focus_order[str(area)], "")
        return (1 if not _missing(level) else 2, 0, "" if _missing(name) else str(name))

    keys = [
        (int(r.development_area), ind_order[str(r.indicator)], *area_rank(r.level, r.area, r.area_name))
        for r in out.itertuples(index=False)
    ]
    out = out.assign(_k=keys).sort_values("_k", kind="mergesort").drop(columns="_k")
    return out.reset_index(drop=True)


def _area_label(row: Any, kommun_name: str, focus_names: dict[str, str]) -> str:
    if str(row.level) == "kommun" or (_missing(row.level) and str(row.geography) == "municipality"):
        return kommun_name
    if not _missing(row.area_name):
        return str(row.area_name)
    if not _missing(row.area):
        return focus_names.get(str(row.area), str(row.area))
    return MISSING


def _row_key(row: Any) -> str:
    return "|".join("" if _missing(v) else str(v) for v in (row.indicator, row.level, row.area))


def _subgoal_note(row: Any, unit: str) -> str | None:
    kind = None if _missing(row.subgoal_kind) else str(row.subgoal_kind)
    if kind is None or _missing(row.subgoal_year):
        return None
    when = int(row.subgoal_year)
    decided = "beslutat av kommunen" if bool(row.subgoal_adopted) else "förslag, inte beslutat av kommunen"
    if kind == "gap":
        ref = "riket" if str(row.subgoal_reference) == "sweden" else "kommunen"
        f = float(row.subgoal_reduce_gap_by)
        what = (
            f"halvera skillnaden mot {ref} till {when}"
            if abs(f - 0.5) < 1e-9
            else f"minska skillnaden mot {ref} med {format_percent(f, 0)} till {when}"
        )
    else:
        what = f"nå {value_text(row.subgoal_target, unit)} till {when}"
    return f"Delmål för {row.label}: {what} ({decided}). Statusen bedöms mot delmålets bana."


# ---------------------------------------------------------------------------------------------- build


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


def _src(sources: Iterable[Source], synthetic: bool) -> str:
    return source_line(ChartMeta("", sources=tuple(sources), synthetic=synthetic))


def _figure(chart: ChartInfo, spec: ChartSpec | None, n: int) -> Figure:
    kind = CHART_KINDS.get(spec.function if spec else "", "Diagram")
    caption = f"{chart.title}. {chart.subtitle}".strip() if chart.subtitle else chart.title
    caption = caption if caption.endswith(".") else caption + "."
    alt = (
        f"{kind}: {chart.title}. {chart.subtitle}. Siffrorna i diagrammet finns i filen {chart.name}.xlsx."
        if chart.subtitle
        else f"{kind}: {chart.title}. Siffrorna i diagrammet finns i filen {chart.name}.xlsx."
    )
    return Figure(
        number=n,
        name=chart.name,
        title=chart.title,
        caption=caption,
        alt=alt.replace("..", "."),
        source=chart.source_line,
        breaks=tuple(
            f"Seriebrott {y}: {r}." if not r.endswith(".") else f"Seriebrott {y}: {r}"
            for y, r in chart.breaks
        ),
        notes=chart.notes,
        files=dict(chart.files),
        image=chart.files.get("png", ""),
        width_px=chart.width_px,
        height_px=chart.height_px,
    )


def _spec_of(name: str, specs: Sequence[ChartSpec]) -> ChartSpec | None:
    for s in specs:
        if name == s.name or (name.startswith(s.name + "_") and name[len(s.name) + 1 :].isdigit()):
            return s
    return None


def _chart_home(chart: ChartInfo, spec: ChartSpec | None, plan_index: dict[str, int], catalogue: Any) -> str:
    """Section key of a chart: ``area:<k>``, ``affluence``, ``measures`` or ``other``."""
    if spec is None:
        return "other"
    if spec.function == "plan_status_chart":
        return f"area:{int(chart.name.rsplit('_', 1)[1])}"
    if spec.function == "measures_status_chart":
        return "measures"
    if spec.function == "ice_chart" or spec.indicator == "area_type_official":
        return "affluence"
    if spec.function in ("peer_trend_chart", "peer_rank_chart") or spec.indicator is None:
        return "other"
    if spec.indicator in plan_index:
        return f"area:{plan_index[spec.indicator]}"
    for ind, da in plan_index.items():  # index charts: the plan's index on the same group
        if ind.startswith("index:") and ind.rsplit(":", 1)[-1] == spec.indicator:
            return f"area:{da}"
    try:
        area = int(catalogue.indicator(spec.indicator).area)
    except (KeyError, AttributeError, TypeError, ValueError):
        return "other"
    return f"area:{area}" if f"area:{area}" in {f"area:{v}" for v in plan_index.values()} else "other"


def _status_table(rows: pd.DataFrame, da: int, inp: ReportInputs, n: int, catalogue: Any) -> Table:
    focus_names = {fa.id: fa.name for fa in inp.focus}
    body, keys, notes = [], [], []
    for r in rows.itertuples(index=False):
        unit = unit_of(str(r.indicator), catalogue)
        base = "" if _missing(r.baseline_year) else f"\nBasår {int(r.baseline_year)}"
        if not _missing(r.subgoal_kind) and not _missing(r.subgoal_year):
            base += f"\nDelmål {int(r.subgoal_year)} ({'beslutat' if bool(r.subgoal_adopted) else 'förslag'})"
        has_change = not _missing(r.change_since_baseline)
        body.append(
            (
                f"{r.label}{base}",
                _area_label(r, inp.kommun_name, focus_names),
                _year(r.year),
                value_text(r.value, unit),
                change_text(r.change_since_baseline, unit),
                interval_text(
                    r.change_since_baseline_lo, r.change_since_baseline_hi, unit, has_change=has_change
                ),
                status_text(r.status_sv, r.significance_tested),
            )
        )
        keys.append(_row_key(r))
        note = _subgoal_note(r, unit)
        if note and note not in notes:
            notes.append(note)
    notes.insert(
        0,
        "Osäkerhetsintervallet gäller förändringen sedan basåret; omfattar det noll är förändringen inte "
        "säkerställd.",
    )
    kinds = {unit_of(str(i), catalogue) for i in rows["indicator"]}
    if "as_published" in kinds:
        notes.append("Nyckeltal från Kolada redovisas i nyckeltalets egen enhet, som Kolada publicerar dem.")
    sources = plan_sources(inp.tables.get("counts"), inp.kommun, rows["indicator"].astype(str).unique())
    table = Table(
        number=n,
        caption=f"Status för indikatorerna i utvecklingsområde {da}, {inp.year}",
        columns=STATUS_COLUMNS,
        rows=tuple(body),
        source=_src(sources, inp.synthetic),
        kind="status",
        notes=tuple(notes),
        row_headers=2,
        merge_first=True,
        numeric=(False, False, True, True, True, True, False),
        keys=tuple(keys),
        status_column=6,
    )
    return table


def _summary_table(rows: pd.DataFrame, titles: dict[int, str], inp: ReportInputs, n: int) -> Table:
    words = [w.split(" (")[0] for w in rows["_status"]]
    frame = pd.DataFrame({"da": rows["development_area"].astype(int).to_numpy(), "w": words})
    body, keys = [], []
    for da in sorted(titles):
        sub = frame[frame["da"].eq(da)]
        counts = [int(sub["w"].eq(w).sum()) for w in STATUS_ORDER]
        body.append((f"{da}. {titles[da]}", *[format_number(c) for c in counts], format_number(len(sub))))
        keys.append(str(da))
    total = [int(frame["w"].eq(w).sum()) for w in STATUS_ORDER]
    body.append(("Samtliga", *[format_number(c) for c in total], format_number(len(frame))))
    keys.append("total")
    cols = ("Utvecklingsområde", *[w.capitalize() for w in STATUS_ORDER], "Totalt")
    sources = plan_sources(inp.tables.get("counts"), inp.kommun, rows["indicator"].astype(str).unique())
    return Table(
        number=n,
        caption=f"Antal indikatorer och områden per status och utvecklingsområde, {inp.year}",
        columns=cols,
        rows=tuple(body),
        source=_src(sources, inp.synthetic),
        kind="summary",
        notes=("En indikator räknas en gång per område den följs i (fokusområden och kommunen).",),
        numeric=(False, True, True, True, True, True),
        keys=tuple(keys),
    )


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
    return affluence_table(regso, kommun=inp.kommun, year=year, focus=focus, official=official)


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
        conc = "" if _missing(r.get("Koncentration")) else str(r.get("Koncentration") or "")
        if comparison:
            conc_text, type_text = NOT_APPLICABLE, NOT_APPLICABLE
        else:
            conc_text = conc.replace(";", ", ") if conc else "ingen"
            t = r.get("Områdestyp (SCB)")
            type_text = MISSING if _missing(t) else format_number(float(t), 0)
        cells = [area, conc_text]
        if "Områdestyp (SCB)" in table.columns:
            cells.append(type_text)
        for col in AFFLUENCE_SHOWN:
            v = r.get(col)
            if _missing(v):
                cells.append(MISSING)
            elif col.endswith("(%)"):
                cells.append(format_percent(float(v) / 100, 1))
            else:
                cells.append(format_number(float(v), 2))
        out.append(tuple(cells))
    return out


def _affluence_table(inp: ReportInputs, n: int) -> Table | None:
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
        source=_src(sources, inp.synthetic),
        kind="affluence",
        notes=tuple(notes),
        numeric=tuple([False, False] + [True] * (len(cols) - 2)),
        keys=tuple(str(k) for k in frame["Kod"]),
    )


def _measures_table(inp: ReportInputs, n: int) -> Table | None:
    s = inp.measures
    if s is None or s.empty:
        return None

    def cell(v: Any) -> str:
        return MISSING if _missing(v) else format_number(int(v))

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
                MISSING if _missing(r["share_done"]) else format_percent(float(r["share_done"]), 0),
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
        source=_src([Source(**src)], inp.synthetic),
        kind="measures",
        notes=(f"{MISSING} = uppföljningen redovisar inte antalet det året.",),
        numeric=(False, True, True, True, True, True, True),
        keys=tuple(str(int(y)) for y in s["year"]),
    )


def _indicator_terms(ids: Iterable[str], inp: ReportInputs, catalogue: Any, labels: dict[str, str]) -> Terms:
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
                text += " " + _src(srcs, False).replace(" Bearbetning: segindicators.", "")
        items.append((spec.name_sv, text))
    return Terms(tuple(items))


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
        spec = _spec_of(chart.name, specs)
        home = _chart_home(chart, spec, plan_index, catalogue)
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
        summary.blocks.append(_summary_table(rows, titles, inp, num.next_table()))
        sections.append(summary)
        for da in sorted(titles):
            sec = Section(f"utvecklingsomrade-{da}", f"Utvecklingsområde {da}: {titles[da]}")
            sub = rows[rows["development_area"].astype(int).eq(da)]
            sec.blocks.append(_status_table(sub, da, inp, num.next_table(), catalogue))
            for ind, lab in zip(sub["indicator"].astype(str), sub["label"].astype(str), strict=True):
                shown_indicators.append(ind)
                labels.setdefault(ind, lab)
            charts = homes.get(f"area:{da}", [])  # the area's plan chart first: it draws the table
            charts = sorted(
                charts, key=lambda cs: 0 if cs[1] and cs[1].function == "plan_status_chart" else 1
            )
            for chart, spec in charts:
                sec.blocks.append(_figure(chart, spec, num.next_figure()))
            sections.append(sec)

    aff = Section("koncentrerat-valstand", "Koncentrerat välstånd och fokusområdena")
    aff.blocks.append(Paragraph(AFFLUENCE_METHOD[0]))
    t = _affluence_table(inp, num.next_table())
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
        aff.blocks.append(_figure(chart, spec, num.next_figure()))
    sections.append(aff)

    m = _measures_table(inp, num.next_table())
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
            sec.blocks.append(_figure(chart, spec, num.next_figure()))
        sections.append(sec)

    if homes.get("other"):
        sec = Section("ovriga-diagram", "Övriga diagram")
        for chart, spec in homes["other"]:
            sec.blocks.append(_figure(chart, spec, num.next_figure()))
        sections.append(sec)

    sections.append(_method(inp, homes, shown_indicators, labels, catalogue, specs, label))
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


SKIP_REASONS = {
    "peer_trend_chart": "index för jämförelsekommunerna ingår inte i årets uppgifter",
    "peer_rank_chart": "index för jämförelsekommunerna ingår inte i årets uppgifter",
    "measures_status_chart": "kommunens åtgärdsregister saknas",
    "plan_status_chart": "planens status saknas",
    "choropleth_map": "kartunderlaget eller värdena saknas",
}
SKIP_WHAT = {"peer_trend_chart": "utvecklingen jämfört med jämförelsekommunerna",
             "peer_rank_chart": "rangordning bland jämförelsekommunerna"}  # fmt: skip


def _skipped_text(name: str, title: str, specs: Sequence[ChartSpec]) -> str:
    spec = _spec_of(name, specs)
    fn = spec.function if spec else ""
    kind = CHART_KINDS.get(fn, "Diagram").rstrip(",")
    what = f", {SKIP_WHAT[fn]}" if fn in SKIP_WHAT else ""
    return f"{kind}: {title}{what} – {SKIP_REASONS.get(fn, 'uppgifterna saknas')}."


def _method(
    inp: ReportInputs,
    homes: dict[str, list[tuple[ChartInfo, ChartSpec | None]]],
    shown: list[str],
    labels: dict[str, str],
    catalogue: Any,
    specs: Sequence[ChartSpec],
    label: str,
) -> Section:
    method = Section("metod", "Bilaga: Metod och begrepp", appendix=True)
    status = Section("metod-status", "Så bedöms statusen", level=2)
    status.blocks += [Paragraph(p) for p in STATUS_METHOD]
    status.blocks.append(Terms(STATUS_RULES))
    method.children.append(status)

    chart_indicators = [s.indicator for c in inp.charts if (s := _spec_of(c.name, specs)) and s.indicator]
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
        sk.blocks.append(BulletList(tuple(_skipped_text(n, t, specs) for n, t in inp.skipped)))
        method.children.append(sk)

    gl = Section("begrepp", "Begrepp", level=2)
    gl.blocks.append(Terms(tuple(t for t in GLOSSARY if label or t[0] != "Syntetiska exempeldata")))
    method.children.append(gl)
    return method
