"""The report's cell texts: values, changes, intervals, status words and source lines, the Swedish way.

Every number is formatted with :mod:`segindicators.charts.format` (decimal comma, "73,1 %", space
thousands); a missing value is ``..``, a figure without meaning (an interval of a Kolada value) ``.``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from segindicators.catalogue.definitions import load_catalogue
from segindicators.charts.format import (
    MISSING,
    format_number,
    format_percent,
    format_percentage_points,
    format_value,
)
from segindicators.charts.style import ChartMeta, Source, source_line

from .texts import NOT_APPLICABLE, NOT_TESTED

__all__ = [
    "change_text",
    "interval_text",
    "missing",
    "source_text",
    "status_text",
    "unit_of",
    "value_text",
    "year_text",
]


def unit_of(indicator: str, catalogue: Any = None) -> str:
    """Unit of a plan indicator: ``index`` for citywide indices, ``as_published`` for Kolada KPIs, else the
    catalogue unit (``share`` when unknown).

    Examples
    --------
    >>> unit_of("index:dissimilarity:background"), unit_of("kolada:N31807"), unit_of("employment_rate_20_64")
    ('index', 'as_published', 'share')
    """
    ind = str(indicator)
    if ind.startswith("index:"):
        return "index"
    if ind.startswith("kolada:"):
        return "as_published"
    if catalogue is None:
        catalogue = load_catalogue()
    try:
        return str(catalogue.indicator(ind).unit)
    except KeyError:
        return "share"


def missing(x: Any) -> bool:
    """Whether ``x`` is missing (None, NA or NaN); text is not missing.

    >>> missing(float("nan")), missing(pd.NA), missing("..")
    (True, True, False)
    """
    try:
        return x is None or x is pd.NA or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _decimals(unit: str) -> int:
    return {"index": 3, "count": 0, "tkr": 0, "class": 0}.get(unit, 1)


def value_text(x: Any, unit: str) -> str:
    """A value as the status tables show it: shares "73,1 %", indices 3 decimals, Kolada as published.

    Examples
    --------
    >>> value_text(0.731, "share").replace("\\u00a0", " "), value_text(0.44789, "index"), value_text(84.8, "as_published")
    ('73,1 %', '0,448', '84,8')
    >>> value_text(float("nan"), "share")
    '..'
    """
    if missing(x):
        return MISSING
    if unit == "share":
        return format_percent(float(x), 1)
    if unit == "tkr":
        return format_value(float(x), "tkr")
    return format_number(float(x), _decimals(unit))


def _signed(x: float, decimals: int) -> str:
    text = format_number(x, decimals)
    return text if text.startswith("\u2212") or text.strip("0,") == "" else "+" + text


def change_text(x: Any, unit: str) -> str:
    """A change since the baseline: percentage points for shares, signed numbers otherwise.

    Examples
    --------
    >>> change_text(0.0453, "share"), change_text(-0.0063, "index"), change_text(-0.7, "as_published")
    ('+4,5 procentenheter', '−0,006', '−0,7')
    """
    if missing(x):
        return MISSING
    if unit == "share":  # a table cell may wrap between the number and the long unit word
        return format_percentage_points(float(x), 1).replace("\u00a0procentenheter", " procentenheter")
    text = _signed(float(x), _decimals(unit))
    return f"{text}\u00a0tkr" if unit == "tkr" else text


def interval_text(lo: Any, hi: Any, unit: str, *, has_change: bool = True) -> str:
    """The interval of a change, "+2,2 till +6,9" (percentage points for shares); ``.`` when the figure has no
    interval (Kolada, medians), ``..`` when the change itself is missing.

    Examples
    --------
    >>> interval_text(0.0217, 0.0689, "share"), interval_text(-0.0156, 0.0033, "index")
    ('+2,2 till +6,9', '−0,016 till +0,003')
    >>> interval_text(None, None, "as_published"), interval_text(None, None, "share", has_change=False)
    ('.', '..')
    """
    if not has_change:
        return MISSING
    if missing(lo) or missing(hi):
        return NOT_APPLICABLE
    scale = 100.0 if unit == "share" else 1.0
    d = _decimals(unit)
    return f"{_signed(float(lo) * scale, d)} till {_signed(float(hi) * scale, d)}"


def status_text(status_sv: Any, tested: Any) -> str:
    """The status word; "(ej prövad)" added when only the direction of the change decided it.

    Examples
    --------
    >>> status_text("i fas", False), status_text("inte i fas", True), status_text("otillräckliga data", False)
    ('i fas (ej prövad)', 'inte i fas', 'otillräckliga data')
    """
    word = str(status_sv)
    if word != "otillräckliga data" and tested is not None and not missing(tested) and not bool(tested):
        return f"{word} ({NOT_TESTED})"
    return word


def year_text(x: Any) -> str:
    """A year cell: ``2024``, or ``..`` when missing."""
    return MISSING if missing(x) else str(int(x))


def source_text(sources: Iterable[Source], synthetic: bool) -> str:
    """The source line of a table, as the charts write theirs (:func:`segindicators.charts.style.source_line`)."""
    return source_line(ChartMeta("", sources=tuple(sources), synthetic=synthetic))
