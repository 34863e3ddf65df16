"""Write the report files (:func:`write_report`, the domain function of the refresh's ``report`` stage).

:func:`write_report` reads (:mod:`~segindicators.report.load`), builds
(:func:`~segindicators.report.content.build_report`), renders (:mod:`~segindicators.report.html`,
:mod:`~segindicators.report.docx`) and writes atomically (:mod:`segindicators._io`):

* ``reports/<year>/index.html`` — the page to open in a browser (links to the chart files next to it);
* ``reports/<year>/uppfoljning_<kommun>_<year>.docx`` — the Word draft.

Both come from the processed tables and the exported charts only: no SCB or Kolada call, no index
recomputed. :func:`segindicators.pipeline.stages.stage_report` runs it inside the refresh, after ``charts``; ``segindicators charts`` calls
:func:`write_report` after drawing the charts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from segindicators._io import atomic_write_bytes, atomic_write_text

from .content import build_report
from .html import render_html
from .load import ReportOptions, load_report_inputs

__all__ = ["HTML_NAME", "ReportFiles", "docx_name", "write_report"]

HTML_NAME = "index.html"


def docx_name(kommun: str, year: int) -> str:
    """``uppfoljning_<kommun>_<year>.docx``

    Examples
    --------
    >>> docx_name("0580", 2024)
    'uppfoljning_0580_2024.docx'
    """
    return f"uppfoljning_{kommun}_{year}.docx"


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote, and how long it took."""

    html: Path
    docx: Path
    figures: int
    tables: int
    seconds: float


def write_report(
    processed_dir: str | Path, reports_dir: str | Path, **options: Unpack[ReportOptions]
) -> ReportFiles:
    """Build the HTML page and the Word draft into ``reports_dir``.

    Parameters are those of :func:`segindicators.report.load.load_report_inputs` (``kommun`` and ``year``
    required, by keyword).
    """
    # deferred: python-docx (lxml) is heavy, needed only when the Word draft is written
    from .docx import render_docx

    t0 = time.perf_counter()
    inputs = load_report_inputs(processed_dir, reports_dir, **options)
    report = build_report(inputs)
    out = Path(reports_dir)
    html = atomic_write_text(out / HTML_NAME, render_html(report))
    images = {c.name: c.png for c in inputs.charts if c.png}
    docx = atomic_write_bytes(out / docx_name(inputs.kommun, inputs.year), render_docx(report, images))
    return ReportFiles(html, docx, len(report.figures()), len(report.tables()), time.perf_counter() - t0)
