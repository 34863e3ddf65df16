"""Export a chart for the report: PNG (300 dpi), SVG, PDF and an xlsx with the data as plotted.

File names are ``<name>.<ext>`` with a caller-chosen stable ``name`` (no year, no timestamp), so next
year's report in ``reports/<year+1>/`` has the same files and a layout in Word/InDesign can be relinked
one for one. Output is deterministic where the formats allow: no creation dates in PNG/SVG/PDF metadata,
a fixed SVG hash salt, and an xlsx with fixed document dates and zip timestamps — the same chart and
data give byte-identical files. Every write is atomic (:mod:`segindicators._io`). The list of the charts,
``index.md``, is written by :mod:`segindicators.charts.index`.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._io import atomic_write_bytes, stable_zip
from .style import SYNTHETIC_MARK, ChartMeta, chart_style, figure_meta, plotted_data, source_line

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FIXED_TIME = _dt.datetime(2000, 1, 1)
"""Document date written into xlsx files (a fixed value keeps files byte-stable)."""
SHARE_COLUMNS = ("value", "ci_low", "ci_high", "target_path", "municipal_value", "first_value", "last_value")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote: the stable ``name``, a caption and the file per format."""

    name: str
    title: str
    caption: str
    synthetic: bool
    paths: Mapping[str, Path] = field(default_factory=dict)


def _save(fig: Figure, fmt: str) -> bytes:
    meta: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    }[fmt]
    buf = io.BytesIO()
    with chart_style():
        fig.savefig(buf, format=fmt, dpi=300, metadata=meta)
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def metadata_rows(meta: ChartMeta, name: str) -> list[tuple[Any, ...]]:
    """Rows of the xlsx metadata sheet (field, value, detail).

    Examples
    --------
    >>> from segindicators.charts.style import Source
    >>> rows = metadata_rows(ChartMeta("T", sources=(Source("TAB6685", "2025-02-21"),), breaks=[(2020, "BAS")]), "x")
    >>> [r for r in rows if r[0] in ("Källtabell", "Seriebrott")]
    [('Källtabell', 'SCB TAB6685', 'uppdaterad 2025-02-21'), ('Seriebrott', 2020, 'BAS')]
    """
    rows: list[tuple[Any, ...]] = [
        ("Diagram", name, ""),
        ("Titel", meta.title, ""),
        ("Underrubrik", meta.subtitle, ""),
        ("Definition", meta.definition, ""),
        ("Enhet", meta.unit, ""),
        ("Källa", source_line(meta), ""),
    ]
    for s in meta.source_items():
        rows.append(
            ("Källtabell", f"{s.publisher} {s.table}", f"uppdaterad {s.updated}" if s.updated else "")
        )
    for b in meta.break_items():
        rows.append(("Seriebrott", b.year, b.reason))
    for n in meta.notes:
        rows.append(("Fotnot", n, ""))
    rows.append(("Hämtningsdatum", meta.retrieved or "uppgift saknas", ""))
    rows.append(("Syntetiska data", f"Ja – {SYNTHETIC_MARK}" if meta.synthetic else "Nej", ""))
    rows.append(("Bearbetning", meta.processing, ""))
    for k, v in meta.extra.items():
        rows.append((k, v, ""))
    return rows


def xlsx_bytes(data: pd.DataFrame, meta: ChartMeta, name: str) -> bytes:
    """The xlsx file: sheet "Data" (the frame as plotted, NaN as empty cells) and sheet "Metadata"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    cols = [str(c) for c in data.columns]
    ws.append(cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in data.astype(object).itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    if meta.unit == "share":
        for j, c in enumerate(cols, start=1):
            if c in SHARE_COLUMNS:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "0.0%"
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, j).column_letter].width = max(10, min(40, len(c) + 4))
    wm = wb.create_sheet("Metadata")
    wm.append(("Fält", "Värde", "Detalj"))
    for cell in wm[1]:
        cell.font = Font(bold=True)
    for r in metadata_rows(meta, name):
        wm.append([_cell(v) for v in r])
    wm.column_dimensions["A"].width = 18
    wm.column_dimensions["B"].width = 80
    wm.column_dimensions["C"].width = 40
    wb.properties.creator = "segindicators"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return stable_zip(raw.getvalue())


def export(
    fig: Figure,
    name: str,
    data: pd.DataFrame | None = None,
    meta: ChartMeta | None = None,
    out_dir: str | Path = ".",
    *,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    caption: str | None = None,
) -> ExportResult:
    """Write ``<out_dir>/<name>.png|.svg|.pdf|.xlsx``.

    Parameters
    ----------
    fig
        A figure from a segindicators chart function (or any figure, then ``data`` and ``meta`` are needed).
    name
        Stable file stem: lower-case letters, digits, ``_`` and ``-`` (e.g. ``"03_ranked_foreign_born_share"``);
        keep it the same year after year.
    data
        The data as plotted; default the frame the chart function recorded
        (:func:`~segindicators.charts.style.plotted_data`).
    meta
        Chart metadata; default the one the chart function recorded.
    out_dir
        Usually ``segindicators.paths.reports_dir(year)``.

    Returns
    -------
    ExportResult
        Name, caption and written paths (``png``, ``svg``, ``pdf``, ``xlsx``).
    """
    if not NAME_RE.match(name):
        raise ValueError(
            f"name={name!r}: expected a stable file stem of lower-case letters, digits, '_' and '-' "
            "(no year or date, so next year's file replaces this one), e.g. '03_ranked_foreign_born_share'."
        )
    meta = meta if meta is not None else figure_meta(fig)
    if meta is None:
        raise ValueError("meta: this figure carries no ChartMeta; pass meta=ChartMeta(...).")
    frame = data if data is not None else plotted_data(fig)
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ValueError(f"formats: expected a subset of ('png', 'svg', 'pdf'), got {bad}.")
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    for fmt in formats:
        paths[fmt] = atomic_write_bytes(out / f"{name}.{fmt}", _save(fig, fmt))
    paths["xlsx"] = atomic_write_bytes(out / f"{name}.xlsx", xlsx_bytes(frame, meta, name))
    cap = (
        caption or meta.caption or (f"{meta.title}. {meta.subtitle}".strip() if meta.subtitle else meta.title)
    )
    return ExportResult(name=name, title=meta.title, caption=cap, synthetic=meta.synthetic, paths=paths)
