"""The report as an editable Word draft (``reports/<year>/uppfoljning_<kommun>_<year>.docx``, python-docx).

Made for an editor who finishes the report in Word with the municipality's template:

* Word's built-in styles for the structure (``Title``, ``Subtitle``, ``Heading 1``/``Heading 2`` — shown
  as "Rubrik 1"/"Rubrik 2" in Swedish Word —, ``Caption``, ``List Bullet``, ``Table Grid``), so attaching the
  municipality's template restyles the whole document; the report's own elements have their own named
  styles (:data:`STYLES`: ``Källhänvisning``, ``Diagramnot``, ``Tabelltext``, ``Tabellhuvud``,
  ``Syntetiska data``, ``Ingress``, ``Figur``, ``Begrepp``) that the template can redefine;
* captions "Figur N." and "Tabell N." are Word caption fields (``SEQ Figur``/``SEQ Tabell``), so Word
  renumbers them when a figure is moved or deleted and can build a list of figures; a table of contents
  field (updated with F9 or "Uppdatera fält");
* tables are real Word tables with a repeating header row; images carry their alt text;
* proofing language Swedish; A4 with a 16 cm text width, the width the charts are drawn for;
* on synthetic data the label is the first line and in the header of every page.

Deterministic: fixed document dates and zip timestamps (the same report gives the same bytes).
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Mapping

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from segindicators._io import stable_zip
from segindicators.charts.export import FIXED_TIME

from .model import FILE_LABELS, BulletList, Figure, Paragraph, Report, Section, Table, Terms

__all__ = ["STYLES", "render_docx"]

TEXT_WIDTH_CM = 16.0
WARN = RGBColor(0xA0, 0x00, 0x1C)
GREY = RGBColor(0x4A, 0x4A, 0x4A)
STATUS_FILL = {"i fas": "CDEBDD", "inte i fas": "F6D2C0"}
STATUS_FILL_DEFAULT = "ECECEC"

STYLES: dict[str, str] = {
    "Ingress": "Introduction under the title.",
    "Syntetiska data": "The synthetic-data label (red, bold, framed).",
    "Figur": "The paragraph holding a chart image.",
    "Källhänvisning": "Source line under a table or figure.",
    "Diagramnot": "Series-break notes and footnotes under a figure or table.",
    "Tabelltext": "Text in table cells.",
    "Tabellhuvud": "Column headers of tables.",
    "Begrepp": "An entry of the glossary and of the method appendix (term in bold).",
}
"""The report's own paragraph styles (name → what it is for)."""

MAX_IMAGE_HEIGHT_CM = 20.0
"""A chart taller than this at full text width is scaled down (Word clips an inline image taller than the page)."""

COLUMN_WIDTHS_CM: Mapping[str, tuple[float, ...]] = {
    "status": (3.2, 2.2, 1.2, 1.6, 2.8, 2.7, 2.3),
    "summary": (5.6, 1.8, 1.8, 2.4, 2.4, 2.0),
    "measures": (1.4, 2.4, 2.4, 2.0, 2.4, 2.8, 2.6),
    "affluence": (3.6, 3.0, 1.8, 2.3, 2.3, 2.3, 3.0, 3.0, 3.0),
}
LANDSCAPE_KINDS = ("affluence",)
"""Tables set on a landscape page of their own (too wide for 16 cm)."""
LANDSCAPE_WIDTH_CM = 24.7


def _add_style(doc, name: str, *, size: float, base: str = "Normal", bold: bool = False, color=None,
               italic: bool = False, space_after: float = 4, space_before: float = 0, keep_next: bool = False):  # fmt: skip
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles[base]
    st.quick_style = True
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.italic = italic
    if color is not None:
        st.font.color.rgb = color
    pf = st.paragraph_format
    pf.space_after = Pt(space_after)
    pf.space_before = Pt(space_before)
    pf.keep_with_next = keep_next
    return st


def _setup(doc, report: Report) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)
    # proofing language: Swedish for every run (the default run properties)
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), "sv-SE")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    cap = doc.styles["Caption"]
    cap.font.size, cap.font.bold, cap.font.italic = Pt(10), True, False
    cap.font.color.rgb = RGBColor(0, 0, 0)
    cap.paragraph_format.keep_with_next = True
    cap.paragraph_format.space_before = Pt(10)
    cap.paragraph_format.space_after = Pt(4)
    _add_style(doc, "Ingress", size=12, space_after=8)
    syn = _add_style(doc, "Syntetiska data", size=11, bold=True, color=WARN, space_after=8)
    _border(syn.element.get_or_add_pPr(), "A0001C")
    _add_style(doc, "Figur", size=10.5, space_after=2, keep_next=True)
    _add_style(doc, "Källhänvisning", size=8.5, color=GREY, space_after=2)
    _add_style(doc, "Diagramnot", size=8.5, space_after=2)
    _add_style(doc, "Tabelltext", size=8.5, space_after=0)
    _add_style(doc, "Tabellhuvud", size=8.5, bold=True, space_after=0)
    _add_style(doc, "Begrepp", size=10.5, space_after=4)
    cp = doc.core_properties
    cp.title = f"{report.title} – {report.kommun_name}"
    cp.subject = "Uppföljning av åtgärdsplan mot segregation"
    cp.author = cp.last_modified_by = "segindicators"
    cp.language = "sv-SE"
    cp.keywords = report.synthetic_label or ""
    cp.comments = report.synthetic_label or ""
    cp.created = cp.modified = cp.last_printed = FIXED_TIME.replace(tzinfo=_dt.UTC)
    cp.revision = 1
    # header and footer: the synthetic label on every page, page numbers
    if report.synthetic:
        hp = sec.header.paragraphs[0]
        hp.style = doc.styles["Syntetiska data"]
        hp.text = report.synthetic_label
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    fp.add_run(f"{report.kommun_name} – uppföljning {report.year} – sida ")
    _field(fp, "PAGE", "1")


def _border(ppr, color: str) -> None:
    bdr = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        e = OxmlElement(f"w:{side}")
        e.set(qn("w:val"), "single")
        e.set(qn("w:sz"), "12")
        e.set(qn("w:space"), "4")
        e.set(qn("w:color"), color)
        bdr.append(e)
    ppr.append(bdr)


def _field(paragraph, instr: str, shown: str) -> None:
    """A simple Word field (``SEQ Figur``, ``PAGE``) showing ``shown`` until Word updates it."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instr} ")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = shown
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


def _toc(doc) -> None:
    p = doc.add_paragraph(style="Normal")
    runs = []
    for kind in ("begin", None, "separate", "text", "end"):
        r = OxmlElement("w:r")
        if kind == "text":
            t = OxmlElement("w:t")
            t.text = "Innehållsförteckningen visas när fälten uppdateras (markera allt och tryck F9)."
            r.append(t)
        elif kind is None:
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = ' TOC \\o "1-2" \\h \\z \\u '
            r.append(it)
        else:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            r.append(fc)
        runs.append(r)
    for r in runs:
        p._p.append(r)


def _text_runs(paragraph, text: str, *, bold: bool = False) -> None:
    for k, part in enumerate(text.split("\n")):
        run = paragraph.add_run(part)
        run.bold = bold or None
        if k < len(text.split("\n")) - 1:
            run.add_break(WD_BREAK.LINE)


def _caption(doc, kind: str, number: int, text: str) -> None:
    p = doc.add_paragraph(style="Caption")
    p.add_run(f"{kind} ")
    _field(p, f"SEQ {kind} \\* ARABIC", str(number))
    p.add_run(f". {text}")


def _hyperlink(paragraph, target: str, text: str) -> None:
    r_id = paragraph.part.relate_to(target, RT.HYPERLINK, is_external=True)
    h = OxmlElement("w:hyperlink")
    h.set(qn("r:id"), r_id)
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "005A8C")
    u = OxmlElement("w:u")
    u.set(qn("w:val"), "single")
    rpr.append(color)
    rpr.append(u)
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    r.append(t)
    h.append(r)
    paragraph._p.append(h)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    h = OxmlElement("w:tblHeader")
    h.set(qn("w:val"), "true")
    trpr.append(h)
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)


def _page(doc, *, landscape: bool) -> None:
    """Start a new section (page) in landscape or portrait A4; header and footer continue."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)


def _table(doc, t: Table) -> None:
    landscape = t.kind in LANDSCAPE_KINDS
    if landscape:
        _page(doc, landscape=True)
    _table_body(doc, t)
    if landscape:
        _page(doc, landscape=False)


def _table_body(doc, t: Table) -> None:
    _caption(doc, "Tabell", t.number, t.caption)
    n_cols = len(t.columns)
    table = doc.add_table(rows=1 + len(t.rows), cols=n_cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    widths = COLUMN_WIDTHS_CM.get(t.kind)
    if widths is None or len(widths) != n_cols:
        first = 3.2 if n_cols > 6 else 4.0
        rest = (TEXT_WIDTH_CM - first) / max(1, n_cols - 1)
        widths = (first, *([rest] * (n_cols - 1)))
    numeric = t.numeric or (False,) * n_cols
    for j, col in enumerate(table.columns):  # the grid: what Word and LibreOffice lay the table out by
        col.width = Cm(widths[j])
    header = table.rows[0]
    _repeat_header(header)
    for j, name in enumerate(t.columns):
        cell = header.cells[j]
        cell.width = Cm(widths[j])
        p = cell.paragraphs[0]
        p.style = doc.styles["Tabellhuvud"]
        if numeric[j]:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _text_runs(p, name)
        _shade(cell, "EEF2F5")
    for i, row in enumerate(t.rows, start=1):
        tr = table.rows[i]
        tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for j, text in enumerate(row):
            cell = tr.cells[j]
            cell.width = Cm(widths[j])
            if t.merge_first and j == 0 and i > 1 and t.rows[i - 2][0] == text:
                continue  # merged with the cell above below
            p = cell.paragraphs[0]
            p.style = doc.styles["Tabelltext"]
            if numeric[j]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            key = t.keys[i - 1] if i - 1 < len(t.keys) else ""
            _text_runs(p, text, bold=j < t.row_headers and j == 0 or key == "total")
            if t.status_column == j:
                _shade(cell, STATUS_FILL.get(text.split(" (")[0], STATUS_FILL_DEFAULT))
    if t.merge_first:
        start = 1
        for i in range(2, len(t.rows) + 2):
            if i == len(t.rows) + 1 or t.rows[i - 1][0] != t.rows[start - 1][0]:
                if i - 1 > start:
                    table.cell(start, 0).merge(table.cell(i - 1, 0))
                start = i
    doc.add_paragraph(t.source, style="Källhänvisning")
    for n in t.notes:
        doc.add_paragraph(n, style="Diagramnot")


def _figure(doc, f: Figure, images: Mapping[str, bytes]) -> None:
    _caption(doc, "Figur", f.number, f.caption)
    data = images.get(f.name)
    if data:
        p = doc.add_paragraph(style="Figur")
        run = p.add_run()
        width = TEXT_WIDTH_CM
        if f.width_px and f.height_px and width * f.height_px / f.width_px > MAX_IMAGE_HEIGHT_CM:
            width = MAX_IMAGE_HEIGHT_CM * f.width_px / f.height_px
        shape = run.add_picture(io.BytesIO(data), width=Cm(width))
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", f.alt)
        doc_pr.set("title", f.title)
    doc.add_paragraph(f.source, style="Källhänvisning")
    for n in (*f.breaks, *f.notes):
        doc.add_paragraph(n, style="Diagramnot")
    if f.files:
        p = doc.add_paragraph(style="Diagramnot")
        p.add_run("Diagramfiler: ")
        first = True
        for ext, label in FILE_LABELS.items():
            if ext in f.files:
                if not first:
                    p.add_run(" · ")
                _hyperlink(p, f.files[ext], label)
                first = False


def _block(doc, b: object, images: Mapping[str, bytes]) -> None:
    if isinstance(b, Paragraph):
        style = {"lead": "Ingress", "synthetic": "Syntetiska data", "note": "Diagramnot",
                 "source": "Källhänvisning"}.get(b.kind, "Normal")  # fmt: skip
        p = doc.add_paragraph(style=style)
        _text_runs(p, b.text)
    elif isinstance(b, Table):
        _table(doc, b)
    elif isinstance(b, Figure):
        _figure(doc, b, images)
    elif isinstance(b, BulletList):
        for item in b.items:
            doc.add_paragraph(item, style="List Bullet")
    elif isinstance(b, Terms):
        for term, text in b.items:
            p = doc.add_paragraph(style="Begrepp")
            p.add_run(term).bold = True
            p.add_run(f" – {text}")
    else:
        raise TypeError(f"unknown report block {type(b).__name__}")


def _section(doc, s: Section, level: int, images: Mapping[str, bytes]) -> None:
    h = doc.add_heading(s.title, level=min(level, 3))
    if s.appendix:
        h.paragraph_format.page_break_before = True
    for b in s.blocks:
        _block(doc, b, images)
    for c in s.children:
        _section(doc, c, level + 1, images)


def render_docx(report: Report, images: Mapping[str, bytes]) -> bytes:
    """The Word draft as bytes.

    Parameters
    ----------
    report
        The report content.
    images
        Chart name → PNG bytes (the exported charts).
    """
    doc = Document()
    _setup(doc, report)
    for p in report.intro:
        if isinstance(p, Paragraph) and p.kind == "synthetic":
            _block(doc, p, images)
    doc.add_paragraph(report.title, style="Title")
    doc.add_paragraph(report.subtitle, style="Subtitle")
    for p in report.intro:
        if not (isinstance(p, Paragraph) and p.kind == "synthetic"):
            _block(doc, p, images)
    doc.add_paragraph("Innehåll", style="TOC Heading")
    _toc(doc)
    for s in report.sections:
        _section(doc, s, 1, images)
    buf = io.BytesIO()
    doc.save(buf)
    return stable_zip(buf.getvalue())
