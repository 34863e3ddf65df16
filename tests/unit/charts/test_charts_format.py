"""Swedish number formatting (segindicators.charts.format)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segindicators.charts import format as f

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("share", "decimals", "expected"),
    [
        (0.731, 1, f"73,1{NBSP}%"),
        (0.74, 0, f"74{NBSP}%"),
        (0.196, 1, f"19,6{NBSP}%"),
        (1.0, 0, f"100{NBSP}%"),
        (0.0, 1, f"0,0{NBSP}%"),
        (12.345, 1, f"1{NBSP}234,5{NBSP}%"),
        (-0.05, 1, "\u22125,0" + f"{NBSP}%"),
    ],
)
def test_format_percent(share, decimals, expected):
    assert f.format_percent(share, decimals) == expected


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (167404, 0, f"167{NBSP}404"),
        (10379295, 0, f"10{NBSP}379{NBSP}295"),
        (1234, 0, f"1{NBSP}234"),
        (999, 0, "999"),
        (0.5, 2, "0,50"),
        (-26706, 0, f"\u221226{NBSP}706"),
        (-0.001, 1, "0,0"),  # no "−0,0"
    ],
)
def test_format_number(x, decimals, expected):
    assert f.format_number(x, decimals) == expected


def test_separator_is_no_break_space():
    assert f.THOUSANDS_SEP == "\u00a0" == f.PERCENT_SEP
    assert " " not in f.format_number(167404)  # never a plain space: the number must not break across lines


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
def test_missing_is_scb_dots_not_zero(missing):
    assert f.format_number(missing) == ".."
    assert f.format_percent(missing) == ".."
    assert f.format_value(missing, "tkr") == ".."


def test_units():
    assert f.format_value(0.776, "share") == f"77,6{NBSP}%"
    assert f.format_value(312.4, "tkr") == f"312{NBSP}tkr"
    assert f.format_value(26706, "count") == f"26{NBSP}706"
    assert f.format_percentage_points(0.023) == f"+2,3{NBSP}procentenheter"


def test_tick_formatters():
    assert f.percent_formatter()(0.25, 0) == f"25{NBSP}%"
    assert f.number_formatter(0)(167404.0, 0) == f"167{NBSP}404"
    assert f.year_formatter()(2023.0, 0) == "2023"  # years are never grouped
    assert f.axis_formatter("index")(0.4, 0) == "0,40"


def test_swedish_months():
    assert f.format_month(dt.date(2024, 1, 15)) == "januari 2024"
    assert f.format_month(dt.date(2024, 12, 1), short=True) == "dec 2024"
    assert f.format_date(dt.date(2025, 3, 9)) == "9 mars 2025"
    assert len(f.MONTHS_SV) == 12 == len(f.MONTHS_SV_SHORT)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_grouping_roundtrips(n):
    text = f.format_number(n).replace(f.MINUS, "-")
    assert int(text.replace(NBSP, "")) == n
    groups = text.lstrip("-").split(NBSP)
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_decimal_comma_roundtrips(x):
    text = f.format_number(x, 2).replace(f.MINUS, "-").replace(NBSP, "")
    assert "." not in text
    assert float(text.replace(",", ".")) == pytest.approx(round(x, 2), abs=0.0051)
