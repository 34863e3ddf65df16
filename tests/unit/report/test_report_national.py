"""The national comparison where the report editor sees it: the report's "<Kommun> bland landets kommuner"
section (HTML and Word from one content), the change report's rank lines and the peer charts' inputs.

Built from small hand-made ``national_ranks`` / ``national_indices`` frames (synthetic numbers, labelled so in
the report); the end-to-end run against the national fake is in ``test_refresh_peers_report.py``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from segindicators.charts.builders.peers import BIAS_CORRECTED_SV, build_peer_rank, peer_frame
from segindicators.charts.inputs import ChartInputs, ProcessedFrames
from segindicators.charts.specs import standard_chart_specs
from segindicators.geography.profiles import load_profile
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.pipeline.changes import changes_markdown, rank_lines
from segindicators.report.content import build_report
from segindicators.report.docx import render_docx
from segindicators.report.html import render_html
from segindicators.report.load import ReportInputs
from segindicators.tables import normalise

KOMMUN = "0580"


def _ranks(rank_2024: float = 21.0, low_2024: float = 19.0, high_2024: float = 27.0) -> pd.DataFrame:
    rows = []
    for year, version, (rank, low, high) in [(2023, "2018", (30.0, 25.0, 36.0)),
                                             (2024, "2025", (rank_2024, low_2024, high_2024))]:  # fmt: skip
        for index in ("dissimilarity", "theil_h"):
            for level in ("RegSO", "DeSO"):
                for ranked_on in ("bias_corrected", "raw"):
                    rows.append(dict(
                        kommun=KOMMUN, level=level, geo_version=version, year=year, group="background",
                        index=index, kommun_name="Linköping", ranked_on=ranked_on, value=0.25, value_raw=0.26,
                        value_bias_corrected=0.25, rank=rank if ranked_on == "bias_corrected" else 5.0,
                        rank_low=low, rank_high=high, n=290, percentile=100 * (291 - rank) / 290,
                        peer_rank=3.0, peer_rank_low=2.0, peer_rank_high=4.0, peer_n=9, peer_median=0.3,
                        peer_min=0.2, peer_max=0.4, flags="",
                    ))  # fmt: skip
    return normalise("national_ranks", pd.DataFrame(rows))


def _inputs(tables: dict) -> ReportInputs:
    return ReportInputs(kommun=KOMMUN, year=2024, kommun_name="Linköping", focus=[], synthetic=True,
                        tables=tables, charts=[], skipped=[])  # fmt: skip


def _section(report):
    return next(s for s in report.sections if s.id == "bland-landets-kommuner")


def test_the_section_gives_rank_of_n_with_its_interval_percentile_and_peer_rank_per_year_index_level():
    report = build_report(_inputs({"national_ranks": _ranks()}))
    sec = _section(report)
    assert sec.title == "Linköping bland landets kommuner"
    (table,) = [b for b in sec.blocks if getattr(b, "kind", "") == "national"]
    assert len(table.rows) == 2 * 2 * 2  # years × indices × levels, bias-corrected rows only
    first = dict(zip(table.columns, table.rows[0], strict=True))
    assert first["År"] == "2023" and first["Nivå"] == "RegSO" and first["Index"] == "Dissimilaritetsindex (D)"
    assert first["Plats bland landets kommuner"] == "30:e av 290 (25–36)"
    last = dict(zip(table.columns, table.rows[-1], strict=True))
    assert last["År"] == "2024" and last["Nivå"] == "DeSO" and last["Index"] == "Theils informationsindex (H)"
    assert last["Plats bland landets kommuner"] == "21:a av 290 (19–27)"
    assert last["Percentil"] == "93,1" and last["Plats i jämförelsegruppen"] == "3:e av 9 (2–4)"
    text = " ".join(b.text for b in sec.blocks if hasattr(b, "text"))
    assert "rangordnade på biaskorrigerade värden" in text and "95 % rangintervall" in text
    assert (
        table.source.startswith("Källa: syntetiska exempeldata") and report.synthetic_label == SYNTHETIC_LABEL
    )


def test_html_and_word_show_the_same_ranks():
    report = build_report(_inputs({"national_ranks": _ranks()}))
    html = render_html(report)
    assert "Linköping bland landets kommuner" in html and "21:a av 290 (19–27)" in html
    from docx import Document

    doc = Document(io.BytesIO(render_docx(report, {})))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "21:a av 290 (19–27)" in cells and "30:e av 290 (25–36)" in cells
    assert any(p.text == "Linköping bland landets kommuner" for p in doc.paragraphs)


def test_without_the_national_tables_the_section_says_so_and_shows_no_rank():
    report = build_report(_inputs({}))
    sec = _section(report)
    assert [b.kind for b in sec.blocks] == ["note"]
    assert "saknas" in sec.blocks[0].text and "national_ranks.parquet" in sec.blocks[0].text
    assert "av 290" not in render_html(report)


def test_a_missing_interval_is_said_not_invented():
    ranks = _ranks(low_2024=np.nan, high_2024=np.nan)
    (table,) = [b for b in _section(build_report(_inputs({"national_ranks": ranks}))).blocks
                if getattr(b, "kind", "") == "national"]  # fmt: skip
    assert table.rows[-1][3] == "21:a av 290 (rangintervall saknas)"
    assert any("rangintervall saknas" in n for n in table.notes)


def test_change_report_says_a_move_beyond_noise_and_one_within_it():
    beyond = rank_lines(_ranks(rank_2024=12.0, low_2024=8.0, high_2024=17.0), KOMMUN)
    assert beyond[0].startswith("## Plats bland landets kommuner") and BIAS_CORRECTED_SV in beyond[0]
    moves = [line for line in beyond if line.startswith("- ")]
    assert len(moves) == 4  # D and H × RegSO and DeSO
    assert all("utöver slumpvariationen" in line and "flyttat 18 platser mot mer segregerat" in line
               and "12:e av 290 (8–17) 2024 mot 30:e av 290 (25–36) 2023" in line for line in moves)  # fmt: skip
    assert [m.split(":")[0] for m in moves] == ["- Dissimilaritetsindex (D), RegSO", "- Dissimilaritetsindex (D), DeSO",
                                                "- Theils informationsindex (H), RegSO",
                                                "- Theils informationsindex (H), DeSO"]  # fmt: skip
    assert all("Ny områdesindelning mellan åren (2018 → 2025)" in m for m in moves)
    within = rank_lines(_ranks(), KOMMUN)  # 21 (19–27) against 30 (25–36): the intervals overlap
    assert all("inom slumpvariationen" in line for line in within if line.startswith("- "))
    unknown = rank_lines(_ranks(low_2024=np.nan, high_2024=np.nan), KOMMUN)
    assert all("kan inte bedömas" in line for line in unknown if line.startswith("- "))
    md = changes_markdown(None, kommun=KOMMUN, ranks=_ranks())
    assert "Första körningen" in md and "inom slumpvariationen" in md
    assert "Plats bland landets" not in changes_markdown(None, kommun=KOMMUN)


def _national_indices() -> pd.DataFrame:
    peers = list(load_profile(KOMMUN).peers)[:3]
    rows = []
    for k, base in zip([KOMMUN, *peers], [0.30, 0.20, 0.25, 0.35], strict=True):
        for year, version in [(2023, "2018"), (2024, "2025")]:
            rows.append(dict(kommun=k, level="RegSO", geo_version=version, year=year, group="background",
                             index="dissimilarity", value=base + 0.02, value_bias_corrected=base,
                             flags="break" if year == 2024 else ""))  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def inputs() -> ChartInputs:
    frames = ProcessedFrames(national_indices=_national_indices(), national_ranks=_ranks(), synthetic=True)
    return ChartInputs.from_workspace(frames, kommun=KOMMUN, year=2024, measures=None)


def _spec(name: str):
    return next(s for s in standard_chart_specs() if s.name == name)


def test_peer_charts_take_the_peers_bias_corrected_values_from_national_indices(inputs):
    frame, level = peer_frame(inputs, _spec("13_peers_rank_dissimilarity_background"))
    assert level == "RegSO" and frame.attrs["national"]
    assert frame["municipality"].nunique() == 4 and "Linköping" in set(frame["municipality"])
    own = frame[frame["municipality"] == "Linköping"]
    assert own["value"].tolist() == [0.30, 0.30]  # bias-corrected, not the raw 0.32
    assert [b.year for b in frame.attrs["breaks"]] == [2024]


def test_peer_rank_chart_notes_the_rank_with_its_interval_on_bias_corrected_values(inputs):
    ((name, fig, _),) = build_peer_rank(inputs, _spec("13_peers_rank_dissimilarity_background"))
    texts = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "plats 21:a av 290 (19–27) bland landets kommuner" in texts
    assert "3:e av 9 (2–4)" in texts and BIAS_CORRECTED_SV in texts
    assert "Källa: SCB" in texts or SYNTHETIC_LABEL in texts
