"""The Word draft read back (python-docx): images, status and affluence tables, captions with source lines.

Built by the session's demo refresh (``demo_refresh`` in conftest.py), whose report stage writes
``reports/2024/uppfoljning_9999_2024.docx`` next to the charts; plus the reader-text rules every report file
follows (no developer notes, one term per concept, Swedish number format) and ``segindicators charts``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from typer.testing import CliRunner

from segindicators.catalogue.definitions import load_catalogue
from segindicators.charts.format import format_number, format_percent
from segindicators.charts.specs import standard_chart_specs
from segindicators.charts.style import SYNTHETIC_MARK
from segindicators.demo.profile import demo_profile
from segindicators.report import write_report
from segindicators.report.docx import STYLES
from segindicators.report.status_tables import STATUS_COLUMNS
from segindicators.report.texts import indicator_texts
from tests.support.report import DRAWN, NOT_DRAWN, expected_status_cells, normalise_text

KOMMUN_NAME = demo_profile().name
DEVELOPER_NOTES = re.compile(
    r"verifiera|/kpi|segindicators\.[a-z]|koncentrerad deprivation|\s->\s|\bTODO\b|Age band|Series ends|replaces",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def docx_path(demo_refresh) -> Path:
    path = demo_refresh.reports / "uppfoljning_9999_2024.docx"
    assert path.is_file(), "the report stage wrote no Word draft"
    return path


@pytest.fixture(scope="module")
def doc(docx_path):
    return Document(str(docx_path))


def _text(p) -> str:
    """All text of a paragraph, fields (the "Figur N" numbers) included."""
    return "".join(t.text or "" for t in p._p.iter(qn("w:t")))


def _tables(doc, header: tuple[str, ...]) -> list[DocxTable]:
    return [
        t
        for t in doc.tables
        if tuple(normalise_text(c.text) for c in t.rows[0].cells) == tuple(normalise_text(h) for h in header)
    ]


def _body(t: DocxTable) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in t.rows[1:]]


def test_one_image_per_chart_of_the_standard_set_with_alt_text(doc, demo_refresh):
    pngs = {hashlib.sha256((demo_refresh.reports / f"{n}.png").read_bytes()).hexdigest(): n for n in DRAWN}
    seen = []
    for shape in doc.inline_shapes:
        r_id = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        seen.append(pngs.get(hashlib.sha256(doc.part.related_parts[r_id].blob).hexdigest()))
        assert len(shape._inline.docPr.get("descr", "")) > 20  # alt text
    assert sorted(seen) == sorted(DRAWN)  # every drawn chart once, nothing else
    assert not any(n in seen for n in NOT_DRAWN)


def test_status_tables_equal_the_plan_status(doc, demo_refresh):
    ps = pd.read_parquet(demo_refresh.processed / "plan_status.parquet")
    tables = _tables(doc, STATUS_COLUMNS)
    assert len(tables) == ps["development_area"].nunique() == 5
    n = 0
    for t in tables:
        for cells in _body(t):
            label = cells[0].split("\n")[0]
            sub = ps[(ps["label"] == label) & ps["year"].notna() & ps["year"].le(2024)]
            if sub.empty:  # the indicator without data
                assert normalise_text(cells[-1]) == "otillräckliga data" and cells[3] == ".."
                continue
            area = cells[1]
            if area == KOMMUN_NAME:
                sub = sub[sub["level"] == "kommun"]
            else:
                sub = sub[sub["area_name"] == area]
                sub = sub[sub["level"] == "focus"] if (sub["level"] == "focus").any() else sub
            row = sub.sort_values("year").iloc[-1]
            assert [normalise_text(c) for c in cells[2:]] == [normalise_text(w) for w in expected_status_cells(row)], (label, area)
            n += 1
    assert n >= 25


def test_affluence_table_equals_the_typology_stage_table(doc, demo_refresh):
    """The MP note's table as the typology stage wrote it (reports/2024/affluence.csv), formatted."""
    csv = pd.read_csv(demo_refresh.reports / "affluence.csv", encoding="utf-8-sig", keep_default_na=False,
                      na_values=[""])  # fmt: skip
    header = ("Område", "Koncentration", "Områdestyp (SCB)", "Kvartils-ICE inkomst", "ICE utbildning", "ICE bakgrund",
              "Andel hög ekonomisk standard", "Andel eftergymnasial ≥ 3 år", "Andel svensk bakgrund")  # fmt: skip
    (table,) = _tables(doc, header)
    want = []
    for r in csv.to_dict("records"):
        comparison = r["Grupp"] in ("Kommunen (alla områden)", "Riket")
        area = {"Kommunen (alla områden)": f"{KOMMUN_NAME}\nhela kommunen",
                "Fokusområde": f"{r['Område']}\nfokusområde"}.get(r["Grupp"], r["Område"])  # fmt: skip
        conc = "." if comparison else (r["Koncentration"] if isinstance(r["Koncentration"], str) else "ingen")
        typ = "." if comparison else format_number(r["Områdestyp (SCB)"], 0)
        ice = [format_number(r[c], 2) for c in ("Kvartils-ICE inkomst", "ICE utbildning", "ICE bakgrund")]
        shares = [format_percent(r[c] / 100, 1) for c in
                  ("Andel hög ekonomisk standard (%)", "Andel eftergymnasial ≥ 3 år (%)", "Andel svensk bakgrund (%)")]  # fmt: skip
        want.append([area, conc, typ, *ice, *shares])
    assert _body(table) == want
    assert len(want) == 8 and sum(r[1] == "koncentrerat välstånd" for r in want) == 3


def test_measures_table_equals_the_register(doc):
    (table,) = _tables(doc, ("År", "Åtgärder totalt", "Genomförda", "Pågår", "Ej genomförda", "Status ej redovisad",
                             "Andel genomförda"))  # fmt: skip
    assert [[normalise_text(c) for c in r] for r in _body(table)] == [
        ["2022", "40", "10", "26", "4", "0", "25 %"],
        ["2023", "36", "12", "21", "3", "0", "33 %"],
        ["2024", "34", "..", "..", "..", "34", ".."],  # status not reported: never 0
    ]


def test_every_caption_is_numbered_and_has_a_source_line(doc):
    items = list(doc.iter_inner_content())
    figures, tables = [], []
    for k, item in enumerate(items):
        if isinstance(item, DocxTable) or item.style.name != "Caption":
            continue
        text = _text(item)
        kind, number = re.match(r"^(Figur|Tabell) (\d+)\. \S", text).groups()
        (figures if kind == "Figur" else tables).append(int(number))
        nxt = items[k + 1]
        if kind == "Tabell":
            assert isinstance(nxt, DocxTable), text
        else:
            assert nxt.style.name == "Figur" and nxt._p.xpath(".//pic:pic"), text
        src = items[k + 2]
        assert src.style.name == "Källhänvisning" and _text(src).startswith("Källa: "), text
        assert _text(src).rstrip().endswith("Bearbetning: segindicators."), text
    assert figures == list(range(1, len(DRAWN) + 1))
    assert tables == list(range(1, len(tables) + 1)) and len(tables) == 8


def test_headings_styles_and_synthetic_label(doc):
    assert SYNTHETIC_MARK in _text(doc.paragraphs[0])
    assert all(SYNTHETIC_MARK in s.header.paragraphs[0].text for s in doc.sections)  # every page
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h for h in h1 if h.startswith("Utvecklingsområde ")] == [
        f"Utvecklingsområde {k}: {t}"
        for k, t in enumerate(
            ["Ökad trygghet, gemenskap och delaktighet i samhället", "Fler i arbete eller meningsfull sysselsättning",
             "Utbildning för att barn och vuxna ska nå sin fulla potential",
             "Trivsamma livsmiljöer för ett sammanhållet Linköping", "En rikare fritid för alla"], start=1)
    ]  # fmt: skip
    assert h1[-1] == "Bilaga: Metod och begrepp"
    assert "Begrepp" in [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    names = {s.name for s in doc.styles}
    assert set(STYLES) <= names
    assert doc.core_properties.language == "sv-SE"


def _all_docx_text(doc) -> str:
    parts = [_text(p) for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_reader_texts_have_no_developer_notes_and_one_term(doc, demo_refresh):
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.out, self.skip = [], False

        def handle_starttag(self, tag, attrs):
            self.skip = tag in ("style", "script")

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)

    html = Text()
    html.feed((demo_refresh.reports / "index.html").read_text(encoding="utf-8"))
    for name, text in (("docx", _all_docx_text(doc)), ("html", " ".join(html.out))):
        hits = sorted({m.group(0) for m in DEVELOPER_NOTES.finditer(text)})
        assert hits == [], f"{name}: {hits}"
        assert "koncentrerad fattigdom" in text.lower() and "konfidensintervall" not in text.lower()
    # chart metadata the editor reads (titles, sources, notes) follow the same rules
    for p in demo_refresh.reports.glob("*.xlsx"):
        if p.name in ("affluence.xlsx", "changes.xlsx"):
            continue
        meta = pd.read_excel(p, sheet_name="Metadata").astype(object).fillna("").astype(str)
        text = " ".join(meta["Värde"].tolist() + meta["Detalj"].tolist())
        assert not DEVELOPER_NOTES.search(text), p.name


def test_numbers_are_in_swedish_format(doc):
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert not [c for c in cells if re.search(r"\d\.\d", c)]  # decimal comma only
    assert any(re.fullmatch(r"\d+,\d\u00a0%", c) for c in cells)  # "73,1 %" with a no-break space


def test_method_texts_cover_the_catalogue_and_breaks_are_in_swedish():
    cat = load_catalogue()
    texts = indicator_texts()
    assert {i.id for i in cat.indicators} <= set(texts)
    english = [(i.id, b.reason) for i in cat.indicators for b in i.breaks if b.reason_sv == b.reason]
    assert english == []
    assert all("->" not in b.reason_sv for i in cat.indicators for b in i.breaks)


def test_manifest_lists_both_files(demo_refresh):
    from segindicators.pipeline.manifest import file_sha256

    block = demo_refresh.manifest["report"]
    assert block["html"]["path"] == "index.html" and block["docx"]["path"] == "uppfoljning_9999_2024.docx"
    for entry in block.values():
        assert entry["sha256"] == file_sha256(demo_refresh.reports / entry["path"])
    assert {"index.html", "uppfoljning_9999_2024.docx"} <= set(demo_refresh.manifest["reports"])
    assert "report" in demo_refresh.timings and "19 figurer" in demo_refresh.summary["report"]


def test_report_is_byte_identical_when_written_again(demo_refresh, docx_path):
    before = (docx_path.read_bytes(), (demo_refresh.reports / "index.html").read_bytes())
    files = write_report(demo_refresh.processed, demo_refresh.reports, kommun="9999", year=2024,
                         profile=demo_profile())  # fmt: skip
    assert (files.docx.read_bytes(), files.html.read_bytes()) == before


def test_charts_command_writes_the_report_too(tmp_path):
    from segindicators.cli import app

    processed = tmp_path / "processed"
    processed.mkdir()
    counts = pd.DataFrame(
        {"kommun": "9999", "level": "kommun", "geo_version": "2018", "area": "9999", "area_name": "X",
         "year": [2022, 2023], "indicator": "foreign_born_share", "numerator": [10.0, 11.0],
         "denominator": [100.0, 100.0], "value": [0.1, 0.11], "unit": "share", "status": None,
         "source_table": "TAB6572", "table_updated": "2024-05-02", "flags": ""}
    )  # fmt: skip
    counts.to_parquet(processed / "counts.parquet")
    out = tmp_path / "reports" / "2023"
    result = CliRunner().invoke(
        app,
        [
            "charts",
            "--kommun",
            "9999",
            "--year",
            "2023",
            "--processed-dir",
            str(processed),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    d = Document(str(out / "uppfoljning_9999_2023.docx"))
    drawn = sorted(p.stem for p in out.glob("*.png"))
    assert len(d.inline_shapes) == len(drawn) >= 1
    specs = {s.name for s in standard_chart_specs()}
    assert set(drawn) <= specs
    assert "Syntetiska" not in _all_docx_text(d)  # no marker file: not labelled synthetic, no such term
