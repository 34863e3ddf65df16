"""The report's plan-status tables: per development area its indicators' status, and the summary table.

Which rows a status table shows is :func:`segindicators.charts.builders.plan.plan_rows` — the same rows as the
plan chart of that area; its source line is :func:`segindicators.charts.builders.plan.plan_sources`, the chart's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from segindicators.charts.format import MISSING, format_number, format_percent
from segindicators.charts.builders.plan import plan_rows, plan_sources

from .cells import (
    change_text,
    interval_text,
    missing,
    source_text,
    status_text,
    unit_of,
    value_text,
    year_text,
)
from .load import ReportInputs
from .model import Table
from .texts import STATUS_ORDER

__all__ = ["STATUS_COLUMNS", "status_rows", "status_table", "summary_table"]

STATUS_COLUMNS = (
    "Indikator",
    "Område",
    "År",
    "Värde",
    "Förändring sedan basåret",
    f"Osäkerhets\u00adintervall ({format_percent(0.95, 0)})",
    "Status",
)


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
        return (1 if not missing(level) else 2, 0, "" if missing(name) else str(name))

    keys = [
        (int(r.development_area), ind_order[str(r.indicator)], *area_rank(r.level, r.area, r.area_name))
        for r in out.itertuples(index=False)
    ]
    out = out.assign(_k=keys).sort_values("_k", kind="mergesort").drop(columns="_k")
    return out.reset_index(drop=True)


def _area_label(row: Any, kommun_name: str, focus_names: dict[str, str]) -> str:
    if str(row.level) == "kommun" or (missing(row.level) and str(row.geography) == "municipality"):
        return kommun_name
    if not missing(row.area_name):
        return str(row.area_name)
    if not missing(row.area):
        return focus_names.get(str(row.area), str(row.area))
    return MISSING


def _row_key(row: Any) -> str:
    return "|".join("" if missing(v) else str(v) for v in (row.indicator, row.level, row.area))


def _subgoal_note(row: Any, unit: str) -> str | None:
    kind = None if missing(row.subgoal_kind) else str(row.subgoal_kind)
    if kind is None or missing(row.subgoal_year):
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


def _plan_source(rows: pd.DataFrame, inp: ReportInputs) -> str:
    """The source line of a table of plan-status rows: the SCB tables and Kolada KPIs behind its indicators."""
    sources = plan_sources(inp.tables.get("counts"), inp.kommun, rows["indicator"].astype(str).unique())
    return source_text(sources, inp.synthetic)


def status_table(rows: pd.DataFrame, da: int, inp: ReportInputs, n: int, catalogue: Any) -> Table:
    """Table ``n``: the status of development area ``da``'s indicators, from its :func:`status_rows`.

    One row per indicator and area (label with baseline and sub-goal year, area, year, value, change since
    the baseline, its interval, status); the notes explain the interval and each sub-goal.
    """
    focus_names = {fa.id: fa.name for fa in inp.focus}
    body, keys, notes = [], [], []
    for r in rows.itertuples(index=False):
        unit = unit_of(str(r.indicator), catalogue)
        base = "" if missing(r.baseline_year) else f"\nBasår {int(r.baseline_year)}"
        if not missing(r.subgoal_kind) and not missing(r.subgoal_year):
            base += f"\nDelmål {int(r.subgoal_year)} ({'beslutat' if bool(r.subgoal_adopted) else 'förslag'})"
        has_change = not missing(r.change_since_baseline)
        body.append(
            (
                f"{r.label}{base}",
                _area_label(r, inp.kommun_name, focus_names),
                year_text(r.year),
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
    table = Table(
        number=n,
        caption=f"Status för indikatorerna i utvecklingsområde {da}, {inp.year}",
        columns=STATUS_COLUMNS,
        rows=tuple(body),
        source=_plan_source(rows, inp),
        kind="status",
        notes=tuple(notes),
        row_headers=2,
        merge_first=True,
        numeric=(False, False, True, True, True, True, False),
        keys=tuple(keys),
        status_column=6,
    )
    return table


def summary_table(rows: pd.DataFrame, titles: dict[int, str], inp: ReportInputs, n: int) -> Table:
    """Table ``n``: indicator × area rows counted per status word and development area (``titles``).

    ``rows`` are :func:`status_rows` with the status text in ``_status``.
    """
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
    return Table(
        number=n,
        caption=f"Antal indikatorer och områden per status och utvecklingsområde, {inp.year}",
        columns=cols,
        rows=tuple(body),
        source=_plan_source(rows, inp),
        kind="summary",
        notes=("En indikator räknas en gång per område den följs i (fokusområden och kommunen).",),
        numeric=(False, True, True, True, True, True),
        keys=tuple(keys),
    )
