"""reports/<year>/index.html opened in a real headless browser (Debian's chromium + chromedriver via Selenium).

The page comes from the session's demo refresh (``demo_refresh`` in conftest.py: the report stage runs after
the charts). Locally the browser tests skip, naming what is missing, when no chromium/chromedriver is
installed; under ``CI=true`` they fail instead (``.ci/run`` installs ``chromium`` and ``chromium-driver``).
Set ``CHROMIUM`` / ``CHROMEDRIVER`` to use other executables.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from segindicators.charts.style import SYNTHETIC_MARK
from segindicators.demo.profile import demo_profile
from segindicators.report.status_tables import STATUS_COLUMNS
from tests.support.ci import skip_or_fail
from tests.support.report import expected_status_cells, normalise_text

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)  # fmt: skip


def _executables() -> tuple[str | None, str | None]:
    browser = os.environ.get("CHROMIUM") or next(
        (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return browser, driver


def _unavailable(reason: str) -> None:
    skip_or_fail(reason, "CI=true: the browser test must run; .ci/run installs chromium and chromium-driver")


@pytest.fixture(scope="module")
def page(demo_refresh) -> Path:
    path = demo_refresh.reports / "index.html"
    assert path.is_file(), "the report stage wrote no index.html"
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    binary, driver = _executables()
    if binary is None or driver is None:
        _unavailable(
            f"no headless browser found (chromium: {binary or 'missing'}, chromedriver: {driver or 'missing'}); "
            "apt-get install chromium chromium-driver"
        )
    opts = Options()
    opts.binary_location = binary
    for flag in (
        *FLAGS,
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1280,1024",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    try:
        yield d
    finally:
        d.quit()


def _open(browser, page: Path) -> None:
    browser.get(page.as_uri())
    for _ in range(100):
        if browser.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.05)


def test_every_image_loads_no_console_errors_and_the_page_is_not_blank(browser, page, demo_refresh):
    _open(browser, page)
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.alt])"
    )
    pngs = sorted(p.name for p in demo_refresh.reports.glob("*.png"))
    assert sorted(src for src, *_ in images) == pngs  # every chart of the set, each once
    broken = [src for src, complete, width, _ in images if not complete or width == 0]
    assert broken == []
    assert all(alt and len(alt) > 20 for *_, alt in images)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    from PIL import Image

    shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L")
    hist = shot.histogram()
    assert sum(hist[:200]) > 0.02 * sum(hist)  # not blank: text and a red label on white
    assert browser.find_element("css selector", "p.synthetic").text.startswith(SYNTHETIC_MARK)


def test_headings_in_order_tables_with_headers_links_to_every_file(browser, page, demo_refresh):
    _open(browser, page)
    levels = browser.execute_script(
        "return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))  # no level skipped
    tables = browser.execute_script(
        "return Array.from(document.querySelectorAll('table')).map(t => [!!t.caption,"
        " t.querySelectorAll('thead th[scope=col]').length, t.rows[0].cells.length])"
    )
    assert tables and all(cap and n_col == n for cap, n_col, n in tables)
    hrefs = set(browser.execute_script("return Array.from(document.links).map(a => a.getAttribute('href'))"))
    for ext in ("png", "svg", "pdf", "xlsx"):
        assert {p.name for p in demo_refresh.reports.glob(f"*.{ext}") if p.name != "affluence.xlsx"} <= hrefs
    assert "uppfoljning_9999_2024.docx" in hrefs


def test_readable_at_200_percent_zoom(browser, page):
    """At 200 % zoom a 1280 px window is 640 CSS px wide: the page reflows; only wide tables scroll in their box."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 640, "height": 800, "deviceScaleFactor": 2, "mobile": False},
    )
    try:
        _open(browser, page)
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        font = browser.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 16
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_status_tables_show_the_plan_status_numbers(browser, page, demo_refresh):
    _open(browser, page)
    ps = pd.read_parquet(demo_refresh.processed / "plan_status.parquet")
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.status')).map(t => ["
        " Array.from(t.tHead.rows[0].cells).map(c => c.innerText),"
        " Array.from(t.tBodies[0].rows).map(r => [r.dataset.key, Array.from(r.cells).map(c => c.innerText)])])"
    )
    assert len(rows) == ps["development_area"].nunique() == 5
    focus = {fa.id for fa in demo_profile().focus_areas}
    seen = set()
    for header, body in rows:
        assert [normalise_text(h) for h in header] == [normalise_text(c) for c in STATUS_COLUMNS]
        for key, cells in body:
            indicator, level, area = key.split("|")
            if not level:  # an indicator without any data: shown, not dropped
                assert (
                    normalise_text(cells[-1]) == "otillräckliga data" and normalise_text(cells[-4]) == ".."
                ), key
                continue
            sub = ps[(ps["indicator"] == indicator) & (ps["level"] == level) & (ps["area"] == area)]
            sub = sub[sub["year"].le(2024)].sort_values("year")
            assert len(sub), key
            want = expected_status_cells(sub.iloc[-1])
            assert [normalise_text(c) for c in cells[-5:]] == [normalise_text(w) for w in want], key
            seen.add((indicator, level, area))
    # every focus area and municipality row of the plan status is in a table, and nothing else
    latest = ps[ps["year"].notna()]
    expected = {
        (i, lv, a)
        for i, lv, a in zip(latest["indicator"], latest["level"], latest["area"], strict=True)
        if lv in ("kommun", "focus") and (lv == "kommun" or a in focus)
    }
    no_pooled = set(latest["indicator"]) - {i for i, lv, _ in expected if lv == "focus"}
    codes = {c for fa in demo_profile().focus_areas for c in fa.areas}
    expected |= {
        (i, lv, a)
        for i, lv, a in zip(latest["indicator"], latest["level"], latest["area"], strict=True)
        if i in no_pooled and a in codes
    }
    assert seen == expected
