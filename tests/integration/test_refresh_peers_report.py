"""Issue 13 end to end: a Linköping refresh against the national fake, charts and report on, draws the peer
charts and its report gives Linköping's rank among all municipalities with a rank interval for D and H
(foreign background, RegSO and DeSO) for every year; the change report of a second run says how the rank
moved.

The setup is that of ``test_refresh_peers.py`` (Linköping, its eight peers and three others on SCB's real
codes, over HTTP with the WFS and Kolada fakes); every number is synthetic ("Syntetiska exempeldata – inte
officiell statistik").
"""

from __future__ import annotations

import html
import re
import shutil

import pytest

from segindicators.pipeline import refresh as rf
from segindicators.tables import read_table
from tests.support.peers import KOMMUN, YEARS
from tests.support.peers import peer_options as _options

pytestmark = [pytest.mark.reference, pytest.mark.slow]

PEER_CHARTS = ("12_peers_dissimilarity_background", "13_peers_rank_dissimilarity_background")
#: "10:e av 12 (9–11)": a rank of n with its 95 % rank interval.
RANK_WITH_INTERVAL = re.compile(r"\d+:[ae] av \d+ \((\d+)–(\d+)\)")


@pytest.fixture(scope="module")
def drawn(served, tmp_path_factory):  # noqa: F811
    home = tmp_path_factory.mktemp("peers-report")
    result = rf.run_refresh(_options(served, home, charts=True))
    return home, result


def test_the_peer_charts_are_drawn_not_skipped(drawn):
    home, result = drawn
    reports = home / "reports" / str(max(YEARS))
    for name in PEER_CHARTS:
        assert (reports / f"{name}.png").stat().st_size > 10_000
    index = (reports / "index.md").read_text(encoding="utf-8")
    skipped = index.split("## Diagram som inte ritats", 1)[1] if "## Diagram som inte ritats" in index else ""
    assert not any(name in skipped for name in PEER_CHARTS)
    assert not any(name in result.summary["charts"] for name in PEER_CHARTS)  # "inte ritade: inga"


def test_the_report_gives_the_rank_with_its_interval_for_d_and_h_at_regso_and_deso_per_year(drawn):
    home, _ = drawn
    page = (home / "reports" / str(max(YEARS)) / "index.html").read_text(encoding="utf-8")
    assert "Linköping bland landets kommuner" in page
    ranks = read_table("national_ranks", home / "data" / "processed")
    rows = dict(re.findall(r'<tr data-key="([^"]+)"[^>]*>(.*?)</tr>', page, flags=re.S))
    for year in YEARS:
        for index in ("dissimilarity", "theil_h"):
            for level in ("RegSO", "DeSO"):
                own = ranks[(ranks["year"] == year) & (ranks["index"] == index) & (ranks["level"] == level)
                            & (ranks["group"] == "background") & (ranks["ranked_on"] == "bias_corrected")]  # fmt: skip
                (key,) = [
                    k for k in rows if k.startswith(f"{level}|") and k.endswith(f"|{year}|background|{index}")
                ]
                text = html.unescape(re.sub(r"<[^>]+>", " ", rows[key]))
                shown = RANK_WITH_INTERVAL.findall(text)
                assert len(shown) == 2, text  # among all, and within the peer group
                row = own.iloc[-1]
                expected = f"{int(row['rank'])}:"
                assert expected in text and f"av {int(row['n'])} " in text
                assert shown[0] == (str(int(row["rank_low"])), str(int(row["rank_high"])))
    assert "rangordnade på biaskorrigerade värden" in page


def test_a_second_run_says_in_the_change_report_how_the_rank_moved(drawn, served, tmp_path):  # noqa: F811
    home0, _ = drawn
    home = tmp_path / "again"
    shutil.copytree(home0, home)
    rf.run_refresh(_options(served, home, offline=True, charts=False))
    changes = (home / "reports" / str(max(YEARS)) / "changes.md").read_text(encoding="utf-8")
    assert "## Plats bland landets kommuner (rangordnat på biaskorrigerade värden)" in changes
    lines = [line for line in changes.splitlines() if line.startswith("- ") and " mot " in line]
    assert len(lines) == 4 and all(f"{max(YEARS)} mot" in line for line in lines)
    assert all(("slumpvariationen" in line) or ("samma plats" in line) for line in lines)
    assert KOMMUN in changes
