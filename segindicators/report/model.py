"""The follow-up report as data: sections of paragraphs, tables, figures and term lists.

:func:`segindicators.report.content.build_report` fills a :class:`Report`; the HTML and Word renderers walk
it and decide nothing about content (every number is already formatted here, every text is final). So the
two files cannot disagree: they are two layouts of the same object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FILE_LABELS", "Block", "BulletList", "Figure", "Paragraph", "Report", "Section", "Table", "Terms"]

#: A figure's files as both renderers link them, in this order: file extension → link text.
FILE_LABELS: Mapping[str, str] = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "xlsx": "Data (xlsx)"}


@dataclass(frozen=True)
class Paragraph:
    """Running text. ``kind``: ``"body"``, ``"lead"`` (introduction), ``"note"`` (small print),
    ``"synthetic"`` (the synthetic-data label) or ``"source"`` (a source line)."""

    text: str
    kind: str = "body"


@dataclass(frozen=True)
class BulletList:
    """An unordered list of short texts."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    """Terms and their explanations (the glossary, the indicator definitions): ``(term, text)`` pairs."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table with a caption ("Tabell N. …"), column headers, body rows and a source line.

    ``rows`` are fully formatted strings; a cell may hold ``"\\n"`` (a line break). The first
    ``row_headers`` columns are row headers (``<th scope="row">``); when ``merge_first`` is set, equal
    consecutive values in the first column are one merged cell (HTML ``rowspan``, merged Word cells).
    ``numeric`` marks right-aligned columns. ``keys`` (one per row) identify the processed-table row behind
    each table row, for tests and for readers of the HTML (``data-key``).
    """

    number: int
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str
    kind: str = "table"
    notes: tuple[str, ...] = ()
    row_headers: int = 1
    merge_first: bool = False
    numeric: tuple[bool, ...] = ()
    keys: tuple[str, ...] = ()
    status_column: int | None = None

    @property
    def label(self) -> str:
        """``"Tabell N."``"""
        return f"Tabell {self.number}."


@dataclass(frozen=True)
class Figure:
    """One exported chart: image, caption ("Figur N. …"), alt text, source line, break notes, files."""

    number: int
    name: str
    title: str
    caption: str
    alt: str
    source: str
    breaks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    image: str = ""
    width_px: int = 0
    height_px: int = 0

    @property
    def label(self) -> str:
        """``"Figur N."``"""
        return f"Figur {self.number}."


Block = Paragraph | BulletList | Terms | Table | Figure


@dataclass
class Section:
    """A heading (``level`` 1 = a main section, 2 = a subsection) and its blocks, then its subsections."""

    id: str
    title: str
    level: int = 1
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    appendix: bool = False

    def walk(self):
        """This section and all subsections, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class Report:
    """The whole report: title block, synthetic label (or empty), sections in reading order."""

    title: str
    subtitle: str
    kommun: str
    kommun_name: str
    year: int
    synthetic_label: str
    intro: list[Block]
    sections: list[Section]
    file_stem: str

    @property
    def synthetic(self) -> bool:
        """True when the data are the demo's synthetic sample (the label then shows on every page)."""
        return bool(self.synthetic_label)

    def figures(self) -> list[Figure]:
        """Every figure in reading order."""
        return [b for s in self.sections for sec in s.walk() for b in sec.blocks if isinstance(b, Figure)]

    def tables(self) -> list[Table]:
        """Every table in reading order."""
        return [b for s in self.sections for sec in s.walk() for b in sec.blocks if isinstance(b, Table)]
