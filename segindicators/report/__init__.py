"""The follow-up report as its editor opens it: an HTML page and a Word draft with every chart, table and source.

* :mod:`~segindicators.report.load` — reads the processed tables and the exported charts (nothing else);
* :mod:`~segindicators.report.content` — builds the content (pure; Swedish number formatting from
  :mod:`segindicators.charts.format`) from the cell texts (:mod:`~segindicators.report.cells`), the tables
  (:mod:`~segindicators.report.status_tables`, :mod:`~segindicators.report.affluence_table`,
  :mod:`~segindicators.report.measures_table`), the figures (:mod:`~segindicators.report.figures`) and the
  appendix (:mod:`~segindicators.report.method`); :mod:`~segindicators.report.model` its data types,
  :mod:`~segindicators.report.texts` and ``method_sv.yaml`` the Swedish reader texts and glossary;
* :mod:`~segindicators.report.html` and :mod:`~segindicators.report.docx` — the two renderers;
* :mod:`~segindicators.report.write` — :func:`write_report` (the refresh's ``report`` stage calls it).
"""

from .write import HTML_NAME, ReportFiles, docx_name, write_report

__all__ = ["HTML_NAME", "ReportFiles", "docx_name", "write_report"]
