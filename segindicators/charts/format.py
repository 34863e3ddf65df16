"""Swedish number, percent and date formatting for charts and tables.

Conventions (those of SCB's publications and the Swedish language council, *Svenska skrivregler*):

- decimal comma: ``73,1``;
- thousands separated by a space: ``167 404``. The space is a **no-break space, U+00A0**
  (:data:`THOUSANDS_SEP`), so a number never breaks across lines in Word or InDesign; four-digit numbers
  are grouped too (``1 234``), years never are (``2023``, use :func:`year_formatter`);
- percent with a space before the sign: ``73,1 %`` (the same U+00A0, :data:`PERCENT_SEP`);
- the minus sign is U+2212 ``−`` (typographic minus, as matplotlib draws by default);
- a missing or suppressed value is shown as SCB's symbol ``..`` (never as 0).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable

from matplotlib.ticker import Formatter, FuncFormatter

THOUSANDS_SEP = "\u00a0"
"""Thousands separator: no-break space U+00A0."""
PERCENT_SEP = "\u00a0"
"""Space between a number and ``%``: no-break space U+00A0."""
DECIMAL_SEP = ","
MINUS = "\u2212"
MISSING = ".."
"""SCB's symbol for a value that is missing or too uncertain to publish."""

MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_SV_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_number(x: float | int | None, decimals: int = 0) -> str:
    """Format a number the Swedish way: space-grouped thousands, decimal comma.

    Parameters
    ----------
    x
        The number; None or NaN gives ``".."``.
    decimals
        Digits after the decimal comma (rounded half to even, as Python's ``format``).

    Examples
    --------
    >>> format_number(167404) == "167\\u00a0404"
    True
    >>> format_number(1234.5, 1).replace("\\u00a0", " ")
    '1 234,5'
    >>> format_number(-0.25, 2)
    '−0,25'
    >>> format_number(float("nan"))
    '..'
    """
    if _is_missing(x):
        return MISSING
    if decimals < 0:
        raise ValueError(f"decimals={decimals}: expected 0 or more digits after the decimal comma.")
    text = f"{float(x):,.{decimals}f}"
    if text.lstrip("-").strip("0,.") == "":  # "-0.0" after rounding is 0
        text = text.lstrip("-")
    text = text.replace(",", "\x00").replace(".", DECIMAL_SEP).replace("\x00", THOUSANDS_SEP)
    return text.replace("-", MINUS)


def format_percent(share: float | None, decimals: int = 1) -> str:
    """Format a share (0–1) as a Swedish percentage with a space before ``%``.

    Examples
    --------
    >>> format_percent(0.731) == "73,1\\u00a0%"
    True
    >>> format_percent(0.74, 0).replace("\\u00a0", " ")
    '74 %'
    >>> format_percent(None)
    '..'
    """
    if _is_missing(share):
        return MISSING
    return f"{format_number(float(share) * 100, decimals)}{PERCENT_SEP}%"


def format_percentage_points(diff: float | None, decimals: int = 1, *, sign: bool = True) -> str:
    """Format a difference between two shares (0–1 scale) in percentage points ("procentenheter").

    Examples
    --------
    >>> format_percentage_points(0.023).replace("\\u00a0", " ")
    '+2,3 procentenheter'
    >>> format_percentage_points(-0.01, 0).replace("\\u00a0", " ")
    '−1 procentenheter'
    """
    if _is_missing(diff):
        return MISSING
    text = format_number(float(diff) * 100, decimals)
    if sign and not text.startswith(MINUS) and float(text.replace(THOUSANDS_SEP, "").replace(",", ".")) != 0:
        text = "+" + text
    return f"{text}{PERCENT_SEP}procentenheter"


def _float(x: object) -> float:
    """``x`` as a float; NaN for None, ``pd.NA`` and other non-numbers (a nullable integer's missing cell)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def format_ordinal(n: int) -> str:
    """A Swedish ordinal in digits: ``1:a``, ``2:a``, ``3:e`` … ``11:e``, ``12:e``, ``21:a``, ``22:a``.

    Examples
    --------
    >>> [format_ordinal(k) for k in (1, 2, 3, 11, 12, 21, 22, 101, 290)]
    ['1:a', '2:a', '3:e', '11:e', '12:e', '21:a', '22:a', '101:a', '290:e']
    """
    k = int(n)
    suffix = "a" if k % 10 in (1, 2) and k % 100 not in (11, 12) else "e"
    return f"{k}:{suffix}"


def format_rank(
    rank: float | None, n: float | None, low: float | None = None, high: float | None = None
) -> str:
    """A rank among ``n`` with its rank interval: ``"21:a av 290 (19–27)"``.

    Without an interval (``low``/``high`` missing) the text says so instead of inventing one; a missing
    rank gives ``".."``.

    Examples
    --------
    >>> format_rank(21, 290, 19, 27)
    '21:a av 290 (19–27)'
    >>> format_rank(3, 9, 3, 3)
    '3:e av 9 (3–3)'
    >>> format_rank(10, 12)
    '10:e av 12 (rangintervall saknas)'
    >>> format_rank(float("nan"), 290), format_rank(3, None)
    ('..', '..')
    """
    rank, n, low, high = (_float(v) for v in (rank, n, low, high))
    if _is_missing(rank) or _is_missing(n):
        return MISSING
    head = f"{format_ordinal(int(rank))} av {format_number(int(n))}"
    if _is_missing(low) or _is_missing(high):
        return f"{head} (rangintervall saknas)"
    return f"{head} ({int(low)}–{int(high)})"


def format_value(x: float | None, unit: str = "", decimals: int | None = None) -> str:
    """Format a value according to its catalogue ``unit``.

    ``share`` → percent (1 decimal), ``count`` → integer, ``tkr`` → thousands of kronor ("312 tkr"),
    ``index`` → 2 decimals, anything else → 1 decimal.

    Examples
    --------
    >>> format_value(0.196, "share").replace("\\u00a0", " ")
    '19,6 %'
    >>> format_value(26706, "count").replace("\\u00a0", " ")
    '26 706'
    >>> format_value(312.4, "tkr").replace("\\u00a0", " ")
    '312 tkr'
    >>> format_value(0.2345, "index")
    '0,23'
    """
    if unit == "share":
        return format_percent(x, 1 if decimals is None else decimals)
    if unit == "count":
        return format_number(x, 0 if decimals is None else decimals)
    if unit == "tkr":
        text = format_number(x, 0 if decimals is None else decimals)
        return text if text == MISSING else f"{text}{THOUSANDS_SEP}tkr"
    if unit == "index":
        return format_number(x, 2 if decimals is None else decimals)
    return format_number(x, 1 if decimals is None else decimals)


def format_month(date: _dt.date, *, short: bool = False) -> str:
    """Swedish month and year: ``"mars 2024"`` or, short, ``"mar 2024"``.

    Examples
    --------
    >>> import datetime
    >>> format_month(datetime.date(2024, 3, 31))
    'mars 2024'
    >>> format_month(datetime.date(2024, 10, 1), short=True)
    'okt 2024'
    """
    names = MONTHS_SV_SHORT if short else MONTHS_SV
    return f"{names[date.month - 1]} {date.year}"


def format_date(date: _dt.date) -> str:
    """Swedish long date, ``"31 december 2023"`` (ISO ``YYYY-MM-DD`` is used in source lines instead).

    Examples
    --------
    >>> import datetime
    >>> format_date(datetime.date(2023, 12, 31))
    '31 december 2023'
    """
    return f"{date.day} {MONTHS_SV[date.month - 1]} {date.year}"


def number_formatter(decimals: int = 0) -> FuncFormatter:
    """Matplotlib tick formatter for plain numbers (``167 404``, ``0,25``).

    Examples
    --------
    >>> number_formatter(1)(1234.5, 0).replace("\\u00a0", " ")
    '1 234,5'
    """
    return FuncFormatter(lambda x, _pos: format_number(x, decimals))


def percent_formatter(decimals: int = 0, *, scale: float = 1.0) -> FuncFormatter:
    """Matplotlib tick formatter for shares: data 0–``scale`` shown as ``0 %``–``100 %``.

    Examples
    --------
    >>> percent_formatter()(0.25, 0).replace("\\u00a0", " ")
    '25 %'
    >>> percent_formatter(1, scale=100)(12.5, 0).replace("\\u00a0", " ")
    '12,5 %'
    """
    return FuncFormatter(lambda x, _pos: format_percent(x / scale, decimals))


def year_formatter() -> FuncFormatter:
    """Tick formatter for years: whole years only, never grouped (``2023``, not ``2 023``).

    Examples
    --------
    >>> year_formatter()(2023.0, 0), year_formatter()(2023.5, 0)
    ('2023', '')
    """
    return FuncFormatter(lambda x, _pos: f"{round(x):d}" if abs(x - round(x)) < 1e-9 else "")


def month_formatter(*, short: bool = True) -> FuncFormatter:
    """Tick formatter for matplotlib date axes with Swedish month names (``"mar 2024"``).

    Examples
    --------
    >>> import datetime, matplotlib.dates as mdates
    >>> month_formatter()(mdates.date2num(datetime.date(2024, 5, 1)), 0)
    'maj 2024'
    """
    import matplotlib.dates as mdates

    return FuncFormatter(lambda x, _pos: format_month(mdates.num2date(x).date(), short=short))


def value_formatter(unit: str, decimals: int | None = None) -> Callable[[float], str]:
    """Return ``lambda x: format_value(x, unit, decimals)`` (for bar labels and tables)."""
    return lambda x: format_value(x, unit, decimals)


class SwedishTickFormatter(Formatter):
    """Tick formatter that picks the number of decimals from the tick spacing (``0,025`` step → 3 decimals).

    Matplotlib calls :meth:`set_locs` with all tick positions before formatting, so every label on an axis
    gets the same, sufficient number of decimals: no two ticks ever read the same.

    Examples
    --------
    >>> f = SwedishTickFormatter("index")
    >>> f.set_locs([0.0, 0.025, 0.05])
    >>> [f(x) for x in (0.0, 0.025, 0.05)]
    ['0,000', '0,025', '0,050']
    >>> f = SwedishTickFormatter("share")
    >>> f.set_locs([0.0, 0.2, 0.4])
    >>> f(0.2).replace("\u00a0", " ")
    '20 %'
    """

    def __init__(self, unit: str = "", min_decimals: int | None = None) -> None:
        self.unit = unit
        self.min_decimals = min_decimals if min_decimals is not None else (2 if unit == "index" else 0)
        self.decimals = self.min_decimals

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        vals = sorted({float(x) for x in locs})
        scale = 100.0 if self.unit == "share" else 1.0
        steps = [(b - a) * scale for a, b in zip(vals, vals[1:], strict=False) if b - a > 0]
        need = 0
        if steps:
            step = min(steps)
            need = 0
            while need < 4 and abs(round(step, need) - step) > step * 1e-6:
                need += 1
        self.decimals = max(self.min_decimals, need)

    def __call__(self, x, pos=None) -> str:
        if self.unit == "share":
            return format_percent(x, self.decimals)
        return format_number(x, self.decimals)


def axis_formatter(unit: str, decimals: int | None = None) -> Formatter:
    """Tick formatter for ``unit``: fixed ``decimals``, or chosen from the tick spacing when None.

    Examples
    --------
    >>> axis_formatter("share", 0)(0.2, 0).replace("\u00a0", " ")
    '20 %'
    >>> axis_formatter("tkr", 0)(250, 0).replace("\u00a0", " ")
    '250'
    >>> isinstance(axis_formatter("index"), SwedishTickFormatter)
    True
    """
    if decimals is None:
        return SwedishTickFormatter(unit)
    if unit == "share":
        return percent_formatter(decimals)
    return number_formatter(decimals)
