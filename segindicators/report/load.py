"""Read what the report is built from: the processed tables and the chart set's exported files.

Nothing is fetched and nothing is computed here. The charts are read back from their own exports: the
PNG (for the image and its size) and the xlsx metadata sheet written by
:func:`segindicators.charts.export.metadata_rows` (title, subtitle, source line, source tables with their
``updated`` stamps, series breaks, footnotes, retrieval date). So the report's caption, source line and
break notes of a chart are, by construction, those of the chart files next to it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Required, TypedDict

import pandas as pd

from segindicators.charts.specs import standard_chart_specs
from segindicators.charts.style import chart_title
from segindicators.geography.profiles import load_profile
from segindicators.paths import is_synthetic
from segindicators.plan.measures import shipped_register, summary_by_year
from segindicators.tables import TABLES as DECLARED
from segindicators.tables import read_table, table_exists

__all__ = ["ChartInfo", "ReportInputs", "ReportOptions", "chart_names_in", "load_report_inputs", "read_chart"]

FORMATS = ("png", "svg", "pdf", "xlsx")
#: The processed tables the report reads (each declared in :data:`segindicators.tables.TABLES`).
TABLES = ("counts", "plan_status", "typology", "area_types", "kolada", "national_ranks")
KNOWN_PUBLISHERS = ("SCB", "Kolada")


@dataclass(frozen=True)
class ChartInfo:
    """One exported chart as the report needs it (read from ``<name>.xlsx`` and ``<name>.png``)."""

    name: str
    title: str
    subtitle: str = ""
    definition: str = ""
    unit: str = ""
    source_line: str = ""
    sources: tuple[tuple[str, str, str | None], ...] = ()  # (publisher, table, updated)
    breaks: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()
    retrieved: str | None = None
    synthetic: bool = False
    files: Mapping[str, str] = field(default_factory=dict)
    png: bytes = b""
    width_px: int = 0
    height_px: int = 0


@dataclass
class ReportInputs:
    """Everything :func:`segindicators.report.content.build_report` reads."""

    kommun: str
    year: int
    kommun_name: str
    focus: list[Any]
    synthetic: bool
    tables: dict[str, pd.DataFrame]
    charts: list[ChartInfo]
    skipped: list[tuple[str, str]]  # (name, title) of standard charts not drawn
    measures: pd.DataFrame | None = None  # summary_by_year of the measures register
    measures_source: str = ""


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk.

    Examples
    --------
    >>> png_size(b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00\\x00\\x00\\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big"))
    (640, 480)
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file (no IHDR chunk at the start)")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def read_chart(reports_dir: str | Path, name: str) -> ChartInfo:
    """Read one exported chart's metadata sheet and PNG."""
    from openpyxl import load_workbook

    d = Path(reports_dir)
    xlsx = d / f"{name}.xlsx"
    wb = load_workbook(xlsx, read_only=True, data_only=True)
    try:
        rows = [tuple(r) for r in wb["Metadata"].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()
    one: dict[str, Any] = {}
    sources, breaks, notes = [], [], []
    for field_name, value, detail, *_ in (r + (None, None, None) for r in rows):
        if field_name == "Källtabell":  # "<publisher> <table>"; publishers other than SCB/Kolada kept whole
            publisher, _, table = str(value).partition(" ")
            if publisher not in KNOWN_PUBLISHERS:
                publisher, table = "", str(value)
            updated = str(detail).removeprefix("uppdaterad ").strip() if detail else None
            sources.append((publisher, table, updated or None))
        elif field_name == "Seriebrott":
            breaks.append((int(value), str(detail or "")))
        elif field_name == "Fotnot":
            notes.append(str(value))
        elif field_name is not None:
            one.setdefault(str(field_name), "" if value is None else str(value))
    png = (d / f"{name}.png").read_bytes() if (d / f"{name}.png").exists() else b""
    w, h = png_size(png) if png else (0, 0)
    retrieved = one.get("Hämtningsdatum")
    return ChartInfo(
        name=name,
        title=one.get("Titel", name),
        subtitle=one.get("Underrubrik", ""),
        definition=one.get("Definition", ""),
        unit=one.get("Enhet", ""),
        source_line=one.get("Källa", ""),
        sources=tuple(sources),
        breaks=tuple(breaks),
        notes=tuple(notes),
        retrieved=None if retrieved in (None, "", "uppgift saknas") else retrieved,
        synthetic=str(one.get("Syntetiska data", "")).startswith("Ja"),
        files={ext: f"{name}.{ext}" for ext in FORMATS if (d / f"{name}.{ext}").exists()},
        png=png,
        width_px=w,
        height_px=h,
    )


def chart_names_in(reports_dir: str | Path, spec_names: Sequence[str]) -> list[str]:
    """Exported charts of the standard set in a report folder, in report order.

    A spec that draws one chart per development area (``14_plan_status`` → ``14_plan_status_1`` …) is
    matched by its numbered files.
    """
    d = Path(reports_dir)
    out = []
    for spec in spec_names:
        if (d / f"{spec}.xlsx").exists():
            out.append(spec)
            continue
        numbered = []
        for p in d.glob(f"{spec}_*.xlsx"):
            tail = p.stem[len(spec) + 1 :]
            if tail.isdigit():
                numbered.append((int(tail), p.stem))
        out += [stem for _, stem in sorted(numbered)]
    return out


class ReportOptions(TypedDict, total=False):
    """The keyword parameters of :func:`load_report_inputs`, for the functions that pass them on
    (:func:`segindicators.report.write.write_report`); see :func:`load_report_inputs` for each."""

    kommun: Required[str]
    year: Required[int]
    profile: Any
    charts: Iterable[Any] | None
    measures: Any
    synthetic: bool | None


def _read_tables(processed: Path) -> dict[str, pd.DataFrame]:
    return {n: read_table(n, processed) for n in TABLES if table_exists(n, processed)}


def load_report_inputs(
    processed_dir: str | Path,
    reports_dir: str | Path,
    *,
    kommun: str,
    year: int,
    profile: Any = None,
    charts: Iterable[Any] | None = None,
    measures: Any = "shipped",
    synthetic: bool | None = None,
) -> ReportInputs:
    """Read the processed tables, the chart set's exports and the measures register summary.

    Parameters
    ----------
    processed_dir
        ``data/processed`` of the run.
    reports_dir
        ``reports/<year>`` holding the exported charts.
    kommun, year
        Municipality code and report year.
    profile
        Municipality profile (name, focus areas); default the packaged profile of ``kommun``.
    charts
        The :class:`~segindicators.charts.standard.ChartSet` just rendered (its names and skipped charts
        decide which exports are read); default: every standard chart found in ``reports_dir``.
    measures
        A measures register, None, or ``"shipped"`` (the package's register for ``kommun``, as the charts).
    synthetic
        Default: the processed folder carries ``SYNTETISKA_DATA.txt``.
    """
    processed, reports = Path(processed_dir), Path(reports_dir)
    if not table_exists("plan_status", processed) and not table_exists("counts", processed):
        wanted = f"{DECLARED['counts'].parquet}, {DECLARED['plan_status'].parquet}"
        raise FileNotFoundError(
            f"processed_dir={str(processed)!r}: no processed tables there ({wanted}); "
            "run `segindicators refresh` (or `demo`) first, or pass --processed-dir pointing at data/processed."
        )
    if profile is None:
        profile = load_profile(kommun)
    specs = standard_chart_specs()
    if charts is not None:
        names = [c.name for c in charts]
        skipped = [(s.name, s.title) for s in getattr(charts, "skipped", [])]
    else:
        names = chart_names_in(reports, [s.name for s in specs])
        drawn = {n.rsplit("_", 1)[0] if n not in {s.name for s in specs} else n for n in names}
        skipped = [
            (s.name, chart_title(s.measure, s.population, s.unit_label)) for s in specs if s.name not in drawn
        ]
    register = shipped_register(kommun) if isinstance(measures, str) and measures == "shipped" else measures
    summary, measures_source = None, ""
    if register is not None:
        summary = summary_by_year(register)
        summary = summary[summary["year"].le(year)].reset_index(drop=True)
        sources = sorted({t.source for t in register.totals if t.source})
        measures_source = "; ".join(sources)
    return ReportInputs(
        kommun=str(kommun),
        year=int(year),
        kommun_name=str(getattr(profile, "name", None) or f"kommun {kommun}"),
        focus=list(getattr(profile, "focus_areas", ()) or ()),
        synthetic=is_synthetic(processed) if synthetic is None else bool(synthetic),
        tables=_read_tables(processed),
        charts=[read_chart(reports, n) for n in names],
        skipped=skipped,
        measures=summary,
        measures_source=measures_source,
    )
