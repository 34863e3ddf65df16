"""The report as one self-contained HTML page (``reports/<year>/index.html``).

No server, no CDN, no script: the style sheet is inline and the images are the chart PNGs next to the page
(relative links), so the folder works from a file share or a USB stick as it is. Accessibility: ``lang="sv"``,
a skip link, headings in order (h1 → h2 → h3), every image with an alt text, tables with a caption,
column headers (``scope="col"``) and row headers (``scope="row"``), status shown as a word (colour only as
a cue), no fixed widths, so the page reflows at 200 % zoom; wide tables scroll inside their own box.
"""

from __future__ import annotations

from html import escape

from .model import FILE_LABELS, BulletList, Figure, Paragraph, Report, Section, Table, Terms

__all__ = ["render_html"]

CSS = """
:root { --text: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #005a8c; --warn: #a0001c; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: var(--text); background: #fff;
       line-height: 1.5; margin: 0; }
.page { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
a { color: var(--accent); }
a:focus, .table-wrap:focus { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
h1 { font-size: 2rem; line-height: 1.2; margin: 1rem 0 .25rem; }
h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.5rem 0 .75rem; padding-top: .5rem;
     border-top: 2px solid var(--line); }
h3 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
.subtitle { font-size: 1.15rem; color: var(--muted); margin: 0 0 1rem; }
.lead { font-size: 1.1rem; }
.synthetic { border: 3px solid var(--warn); color: var(--warn); background: #fff4f5; font-weight: 700;
             padding: .6rem .9rem; margin: 1rem 0; }
nav.toc ol { padding-left: 1.5rem; }
nav.toc li { margin: .15rem 0; }
.table-wrap { overflow-x: auto; margin: 1rem 0 .25rem; max-width: 100%; }
table { border-collapse: collapse; font-size: .95rem; min-width: 100%; }
caption { caption-side: top; text-align: left; font-weight: 700; padding: 0 0 .5rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #eef2f5; font-weight: 700; vertical-align: bottom; }
tbody th { font-weight: 600; background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid #888; }
.status-i-fas { background: #cdebdd; }
.status-inte-i-fas { background: #f6d2c0; }
.status-ingen-sakerstalld-forandring, .status-otillrackliga-data { background: #ececec; }
.label { font-weight: 700; }
.source { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
.note { font-size: .9rem; margin: .25rem 0; }
figure { margin: 2rem 0; }
figcaption { font-weight: 700; margin: 0 0 .5rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
.figure-notes { margin-top: .4rem; }
.figure-notes ul { margin: .25rem 0; padding-left: 1.25rem; font-size: .9rem; }
.files { font-size: .9rem; }
dl.terms dt { font-weight: 700; margin-top: .75rem; }
dl.terms dd { margin: .1rem 0 0 0; }
footer { border-top: 2px solid var(--line); margin-top: 3rem; padding-top: 1rem; color: var(--muted);
         font-size: .9rem; }
@media (max-width: 48rem) { table { font-size: .85rem; } th, td { padding: .25rem .3rem; }
                            h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; } }
@media print { .skip, nav.toc { display: none; } h2 { break-before: page; } figure, table { break-inside: avoid; } }
"""


def _text(s: str) -> str:
    return "<br>".join(escape(part) for part in s.split("\n"))


def _slug(text: str) -> str:
    t = text.lower().translate(str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", " ": "-"}))
    return "".join(ch for ch in t if ch.isalnum() or ch == "-")


def _paragraph(p: Paragraph) -> str:
    if p.kind == "synthetic":
        return f'<p class="synthetic" role="note">{_text(p.text)}</p>'
    cls = {"lead": "lead", "note": "note", "source": "source"}.get(p.kind)
    return f'<p class="{cls}">{_text(p.text)}</p>' if cls else f"<p>{_text(p.text)}</p>"


def _table(t: Table) -> str:
    tid = f"tabell-{t.number}"
    out = [
        f'<div class="table-wrap" role="region" aria-labelledby="{tid}-caption" tabindex="0">',
        f'<table id="{tid}" class="{escape(t.kind)}">',
        f'<caption id="{tid}-caption"><span class="label">{escape(t.label)}</span> {escape(t.caption)}</caption>',
        "<thead><tr>" + "".join(f'<th scope="col">{_text(c)}</th>' for c in t.columns) + "</tr></thead>",
        "<tbody>",
    ]
    numeric = t.numeric or (False,) * len(t.columns)
    spans: list[int] = []
    if t.merge_first:
        i = 0
        while i < len(t.rows):
            j = i
            while j + 1 < len(t.rows) and t.rows[j + 1][0] == t.rows[i][0]:
                j += 1
            spans += [j - i + 1] + [0] * (j - i)
            i = j + 1
    for k, row in enumerate(t.rows):
        key = t.keys[k] if k < len(t.keys) else ""
        cls = ' class="total"' if key == "total" else ""
        cells = []
        for j, cell in enumerate(row):
            if j == 0 and t.merge_first:
                if spans[k] == 0:
                    continue
                span = f' rowspan="{spans[k]}"' if spans[k] > 1 else ""
                cells.append(f'<th scope="row"{span}>{_text(cell)}</th>')
                continue
            if j < t.row_headers:
                cells.append(f'<th scope="row">{_text(cell)}</th>')
                continue
            classes = []
            if numeric[j] if j < len(numeric) else False:
                classes.append("num")
            if t.status_column == j:
                classes.append("status-" + _slug(cell.split(" (")[0]))
            c = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{c}>{_text(cell)}</td>")
        out.append(f'<tr data-key="{escape(key)}"{cls}>' + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    out.append(f'<p class="source">{escape(t.source)}</p>')
    out += [f'<p class="note">{_text(n)}</p>' for n in t.notes]
    return "\n".join(out)


def _figure(f: Figure) -> str:
    size = f' width="{f.width_px}" height="{f.height_px}"' if f.width_px and f.height_px else ""
    links = " · ".join(
        f'<a href="{escape(name)}">{escape(label)}</a>'
        for ext, label in FILE_LABELS.items()
        if (name := f.files.get(ext))
    )
    out = [
        f'<figure id="figur-{f.number}" class="chart" data-chart="{escape(f.name)}">',
        f'<figcaption><span class="label">{escape(f.label)}</span> {escape(f.caption)}</figcaption>',
        f'<img src="{escape(f.image)}" alt="{escape(f.alt)}"{size}>' if f.image else "",
        '<div class="figure-notes">',
        f'<p class="source">{escape(f.source)}</p>',
    ]
    notes = [*f.breaks, *f.notes]
    if notes:
        out.append("<ul>" + "".join(f"<li>{_text(n)}</li>" for n in notes) + "</ul>")
    if links:
        out.append(f'<p class="files">Filer för figur {f.number}: {links}</p>')
    out += ["</div>", "</figure>"]
    return "\n".join(x for x in out if x)


def _block(b: object) -> str:
    if isinstance(b, Paragraph):
        return _paragraph(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Figure):
        return _figure(b)
    if isinstance(b, BulletList):
        return "<ul>" + "".join(f"<li>{_text(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Terms):
        return (
            '<dl class="terms">'
            + "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in b.items)
            + "</dl>"
        )
    raise TypeError(f"unknown report block {type(b).__name__}")


def _section(s: Section, depth: int) -> str:
    h = min(6, depth + 1)
    out = [f'<section id="{escape(s.id)}" aria-labelledby="{escape(s.id)}-rubrik">',
           f'<h{h} id="{escape(s.id)}-rubrik">{escape(s.title)}</h{h}>']  # fmt: skip
    out += [_block(b) for b in s.blocks]
    out += [_section(c, depth + 1) for c in s.children]
    out.append("</section>")
    return "\n".join(out)


def _toc(report: Report) -> str:
    items = []
    for s in report.sections:
        sub = "".join(f'<li><a href="#{escape(c.id)}">{escape(c.title)}</a></li>' for c in s.children)
        items.append(
            f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a>'
            + (f"<ol>{sub}</ol>" if sub else "")
            + "</li>"
        )
    return f'<nav class="toc" aria-labelledby="innehall-rubrik"><h2 id="innehall-rubrik">Innehåll</h2><ol>{"".join(items)}</ol></nav>'


def render_html(report: Report) -> str:
    """The page as a string (UTF-8, deterministic: the same report gives the same bytes)."""
    title = f"{report.title} – {report.kommun_name}"
    if report.synthetic:
        title = f"{report.synthetic_label}: {title}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',  # no favicon request: nothing is fetched but the images
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#huvudinnehall">Hoppa till innehållet</a>',
        '<div class="page">',
        "<header>",
    ]
    parts += [_paragraph(p) for p in report.intro if isinstance(p, Paragraph) and p.kind == "synthetic"]
    parts += [
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="subtitle">{escape(report.subtitle)}</p>',
        "</header>",
    ]
    parts += [_paragraph(p) for p in report.intro if isinstance(p, Paragraph) and p.kind != "synthetic"]
    parts.append(_toc(report))
    parts.append('<main id="huvudinnehall">')
    parts += [_section(s, 1) for s in report.sections]
    parts.append("</main>")
    foot = "Sammanställd av segindicators från de bearbetade tabellerna (data/processed) och diagramfilerna i samma mapp."
    parts.append("<footer>")
    if report.synthetic:
        parts.append(f'<p class="synthetic" role="note">{escape(report.synthetic_label)}</p>')
    parts.append(
        f'<p>{escape(foot)} Word-utkastet: <a href="{escape(report.file_stem)}.docx">{escape(report.file_stem)}.docx</a>.</p>'
    )
    parts += ["</footer>", "</div>", "</body>", "</html>", ""]
    return "\n".join(parts)
