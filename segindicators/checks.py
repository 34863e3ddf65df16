"""Argument checks the commands run before they touch a cache, the network or a data folder.

Each check returns the cleaned value or raises :class:`~segindicators.errors.UsageError` (exit 2) naming the
argument, what was expected and what was received; :func:`read_table` raises
:class:`~segindicators.errors.Failure` (exit 1) naming a processed file that cannot be read.

- municipality codes against SCB's 290 codes (:mod:`segindicators.geography.kommuner`), plus the demo's
  fictional ``9999`` where a command can serve it; lists of them (:func:`parse_kommun_list`);
- which run the refresh is asked for: one municipality or the whole country (:func:`check_run_kind`);
- reference years against the union of the catalogue's source periods (``Indicator.sources``: ``first`` to
  ``last``; a period still published ends at the last completed year), read from the catalogue at run time;
- folders are folders (or can be created) and writable, output files have a known suffix, input files exist.

Examples
--------
>>> check_kommun("0580")
'0580'
>>> check_kommun("abc")
Traceback (most recent call last):
...
segindicators.errors.UsageError: --kommun 'abc': expected a four-digit municipality code ...
>>> check_years([2020, 2021])
(2020, 2021)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segindicators.catalogue.builder import parse_years
from segindicators.catalogue.definitions import load_catalogue
from segindicators.errors import UsageError
from segindicators.geography.kommuner import kolada_region_ids, kommuner
from segindicators.paths import ENV_HOME, project_home
from segindicators.tables import TABLES, read_table

if TYPE_CHECKING:
    pass

__all__ = [
    "LOOKUPS_FOLDER",
    "PROCESSED_FOLDER",
    "SYNTHETIC_KOMMUN",
    "catalogue_years",
    "check_folder",
    "check_home",
    "check_input_file",
    "check_kolada_municipality",
    "check_kommun",
    "check_run_kind",
    "check_output_file",
    "check_shipped_or_file",
    "check_url",
    "check_year",
    "check_years",
    "parse_kommun_list",
    "parse_years_option",
    "read_table",
    "years_text",
]

#: What ``--processed-dir`` and ``--lookups`` must be, for the messages.
PROCESSED_FOLDER = f"an existing data/processed folder with {TABLES['counts'].parquet} (written by a refresh)"
LOOKUPS_FOLDER = "an existing folder with SCB's kopplingstabeller (koppling-*.csv)"
#: The demo's fictional municipality (see :mod:`segindicators.demo.synthetic`).
SYNTHETIC_KOMMUN = "9999"
_FOUR_DIGITS = re.compile(r"^\d{4}$")
_EXAMPLES = "such as 0580 for Linköping, 0180 for Stockholm or 1480 for Göteborg"


def check_kommun(code: str, *, param: str = "--kommun", synthetic: bool = False) -> str:
    """A municipality code that is one of SCB's 290 (or the demo's ``9999`` when ``synthetic``).

    Parameters
    ----------
    code
        The value given on the command line.
    param
        Name of the argument, for the message.
    synthetic
        Accept the demo's fictional kommun 9999 (commands that can run on the demo's data).

    Returns
    -------
    str
        ``code`` stripped of surrounding spaces.

    Raises
    ------
    UsageError
        Malformed (not four digits) or not a municipality code.
    """
    text = str(code).strip()
    if not _FOUR_DIGITS.match(text):
        raise UsageError.bad_value(
            param, code, f"a four-digit municipality code (SCB's kommunkod) {_EXAMPLES}",
            "Write the code with its leading zero, as SCB does.",
        )  # fmt: skip
    if text == SYNTHETIC_KOMMUN and synthetic:
        return text
    if text not in kommuner():
        demo = (
            f" {SYNTHETIC_KOMMUN} is the demo's fictional municipality: run `segindicators demo` for it."
            if text == SYNTHETIC_KOMMUN
            else ""
        )
        raise UsageError(
            f"{param} {text!r}: no Swedish municipality has this code; expected one of SCB's 290 municipality "
            f"codes {_EXAMPLES}, got {text!r}.{demo}",
            param=param,
            hint="Look the code up in SCB's list of municipalities (kommunkoder).",
        )
    return text


def parse_kommun_list(text: str | None, *, param: str = "--charts-for") -> tuple[str, ...]:
    """Comma-separated municipality codes (``"0580,0581"``), each one of SCB's 290, in the order given.

    Examples
    --------
    >>> parse_kommun_list("0580, 0581,0580")
    ('0580', '0581')
    >>> parse_kommun_list("0580,123")
    Traceback (most recent call last):
    ...
    segindicators.errors.UsageError: --charts-for '123': expected a four-digit municipality code ...
    """
    if text is None:
        return ()
    items = [t.strip() for t in str(text).split(",")]
    if not any(items) or any(not t for t in items):
        raise UsageError.bad_value(
            param, text, f"municipality codes separated by commas, such as 0580,0581 ({_EXAMPLES})"
        )
    return tuple(dict.fromkeys(check_kommun(t, param=param) for t in items))


def check_run_kind(kommun: str | None, *, national: bool, charts_for: str | None = None) -> None:
    """One run at a time: ``--kommun K`` (one municipality) or ``--national`` (every one), not both.

    Raises
    ------
    UsageError
        Both or neither given, or ``--charts-for`` without ``--national`` (a kommun refresh draws its own
        charts).

    Examples
    --------
    >>> check_run_kind(None, national=True, charts_for="0580")
    >>> check_run_kind("0580", national=True)
    Traceback (most recent call last):
    ...
    segindicators.errors.UsageError: --national: expected either --national (every municipality) or --kommun ...
    """
    if national and kommun is not None:
        raise UsageError(
            f"--national: expected either --national (every municipality) or --kommun (one), got both "
            f"(--kommun {kommun}).",
            param="--national",
            hint="Drop --kommun for the national run; its --charts-for 0580 draws that municipality's charts.",
        )
    if not national and kommun is None:
        raise UsageError(
            "--kommun: expected a municipality code (e.g. --kommun 0580), or --national for every "
            "municipality; got neither.",
            param="--kommun",
        )
    if charts_for is not None and not national:
        raise UsageError(
            f"--charts-for {charts_for!r}: expected only with --national (it names the municipalities whose "
            "charts the national run draws); a --kommun refresh draws its own charts.",
            param="--charts-for",
        )


def check_kolada_municipality(code: str, *, param: str = "--municipality") -> str:
    """A Kolada municipality id: one of the 290 kommun codes, ``"0000"`` (riket) or ``"00LL"`` (a region)."""
    text = str(code).strip()
    if text in kolada_region_ids():
        return text
    if not _FOUR_DIGITS.match(text):
        raise UsageError.bad_value(
            param, code, f"a four-digit Kolada municipality id (a kommun code {_EXAMPLES}; 0000 for Sweden)"
        )
    return check_kommun(text, param=param)


def _last_completed_year() -> int:
    return date.today().year - 1


def catalogue_years(catalogue: Any = None) -> list[int]:
    """Reference years at least one catalogue table covers (union of ``first``–``last`` of every source).

    A source still published (``last`` is None) is taken to cover up to the last completed calendar year.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    covered: set[int] = set()
    for owner in (*cat.indicators, *cat.groups):
        for period in owner.sources:
            last = period.last if period.last is not None else max(period.first, _last_completed_year())
            covered.update(range(period.first, last + 1))
    return sorted(covered)


def years_text(years: Iterable[int]) -> str:
    """Years as compact ranges.

    >>> years_text([2010, 2011, 2012, 2015, 2017, 2018])
    '2010–2012, 2015, 2017–2018'
    """
    ys = sorted(set(years))
    parts: list[str] = []
    start = prev = None
    for y in ys:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = y
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def parse_years_option(text: str, *, param: str = "--years") -> list[int]:
    """Parse ``"2015-2024"``/``"2021,2023"`` into years; a malformed value is a :class:`UsageError`."""
    try:
        return parse_years(text)
    except ValueError as exc:
        detail = str(exc).removeprefix("years: ").rstrip(".")
        raise UsageError(f"{param} {text!r}: {detail}.", param=param) from None


def check_years(
    years: Sequence[int],
    *,
    param: str = "--years",
    catalogue: Any = None,
    synthetic_years: Iterable[int] | None = None,
) -> tuple[int, ...]:
    """Years that the catalogue's tables cover (and the demo's data, when ``synthetic_years`` are given).

    Parameters
    ----------
    years
        Parsed years.
    param
        Argument name for the message.
    catalogue
        Default: the packaged catalogue (read at run time, so a corrected catalogue is used as is).
    synthetic_years
        The years must also lie in these: the demo's synthetic years (:data:`segindicators.demo.synthetic.YEARS`,
        passed by the commands, which sit above the demo).

    Returns
    -------
    tuple of int
        The years, sorted.

    Raises
    ------
    UsageError
        Naming the years no table covers and the years that are covered.
    """
    wanted = sorted(set(int(y) for y in years))
    if not wanted:
        raise UsageError(f"{param}: expected at least one reference year, got none.", param=param)
    covered = set(catalogue_years(catalogue))
    source = "the catalogue's SCB tables cover"
    if synthetic_years is not None:
        covered &= {int(y) for y in synthetic_years}
        source = "the demo's synthetic data (covered by the catalogue's tables) cover"
    outside = [y for y in wanted if y not in covered]
    if outside:
        raise UsageError(
            f"{param} {years_text(wanted)}: {source} the reference years {years_text(covered)}; "
            f"got {years_text(outside)} outside them.",
            param=param,
            hint="Choose years inside that range (see `segindicators catalogue` for each table's years).",
        )
    return tuple(wanted)


def check_year(year: int | None, *, param: str, allow: Iterable[int] | None = None) -> int | None:
    """A single reference year (``--year``, ``--report-year``): four digits, optionally within ``allow``."""
    if year is None:
        return None
    if not 1900 <= int(year) <= 2100:
        raise UsageError.bad_value(param, year, "a four-digit year such as 2024")
    if allow is not None:
        allowed = sorted(set(allow))
        if allowed and int(year) not in allowed:
            raise UsageError.bad_value(param, year, f"one of the years {years_text(allowed)}")
    return int(year)


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_folder(
    path: str | os.PathLike[str] | None,
    param: str,
    *,
    must_exist: bool = False,
    writable: bool = True,
    expected: str | None = None,
) -> Path | None:
    """A folder argument: a folder (or creatable as one) and writable.

    Parameters
    ----------
    path
        The value given (None passes through).
    param
        Argument name for the message.
    must_exist
        The folder must already exist (an input folder).
    writable
        Outputs are written there: the folder (or its nearest existing parent) must be writable.
    expected
        What the folder should be, for the message (default ``"a folder"``, or ``"an existing folder"``);
        e.g. ``"an existing data/processed folder with counts.parquet"``.

    Raises
    ------
    UsageError
        A file where a folder is expected, a missing input folder, or a folder that cannot be written.
    """
    if path is None:
        return None
    p = Path(path)
    expected = expected or ("an existing folder" if must_exist else "a folder")
    if p.exists() and not p.is_dir():
        raise UsageError(
            f"{param} {str(p)!r}: expected {expected}, got a file.", param=param,
            hint=None if must_exist else "Point it at a folder (it is created when missing).",
        )  # fmt: skip
    if not p.exists():
        if must_exist:
            raise UsageError(f"{param} {str(p)!r}: expected {expected}, found nothing there.", param=param)
        anchor = _nearest_existing(p.absolute())
        if not anchor.is_dir():
            raise UsageError(
                f"{param} {str(p)!r}: expected a folder, but {str(anchor)!r} in that path is a file.",
                param=param,
            )
    else:
        anchor = p
    if writable and not os.access(anchor, os.W_OK | os.X_OK):
        raise UsageError(
            f"{param} {str(p)!r}: expected a folder you can write to, got one without write permission "
            f"({str(anchor)!r}).",
            param=param,
        )
    return p


def check_home(home: str | os.PathLike[str] | None, param: str = "--home") -> Path:
    """The project folder (``--home``, else ``$SEGINDICATORS_HOME`` or the current folder) and its data folders.

    Returns
    -------
    Path
        The project folder; ``data``, ``data/raw``, ``data/processed`` and ``reports`` under it are folders
        where they exist.
    """
    name = (
        param if home is not None else (f"${ENV_HOME}" if os.environ.get(ENV_HOME) else "the current folder")
    )
    root = project_home(home)
    check_folder(root, name)
    for sub in ("data", "data/raw", "data/processed", "reports"):
        p = root / sub
        if p.exists() and not p.is_dir():
            raise UsageError(
                f"{name} {str(root)!r}: expected {sub}/ in it to be a folder, got a file ({str(p)!r}).",
                param=param, hint="Move the file away; the refresh keeps its data in that folder.",
            )  # fmt: skip
    return root


def check_output_file(
    path: str | os.PathLike[str] | None,
    param: str,
    *,
    suffixes: Sequence[str] = (".parquet", ".csv"),
) -> Path | None:
    """An output file name: a known suffix, not a folder, in a folder that can be written."""
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise UsageError.bad_value(param, p, f"a file name ending in {' or '.join(suffixes)}")
    if p.is_dir():
        raise UsageError(f"{param} {str(p)!r}: expected a file name, got a folder.", param=param)
    anchor = _nearest_existing(p.absolute().parent)
    if not anchor.is_dir():
        raise UsageError(
            f"{param} {str(p)!r}: expected a file in a folder, but {str(anchor)!r} in that path is a file.",
            param=param,
        )
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise UsageError(
            f"{param} {str(p)!r}: expected a file in a folder you can write to, got {str(anchor)!r} without "
            "write permission.",
            param=param,
        )
    return p


def check_input_file(path: str | os.PathLike[str] | None, param: str) -> Path | None:
    """An input file argument that must exist and be a file."""
    if path is None:
        return None
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{param} {str(p)!r}: expected an existing file, found nothing there.", param=param)
    if p.is_dir():
        raise UsageError(f"{param} {str(p)!r}: expected a file, got a folder.", param=param)
    return p


def check_shipped_or_file(value: str | None, param: str, *, kind: str) -> str | None:
    """A ``--plan``/``--register`` value: an existing YAML file, or the name of one shipped with the package.

    Parameters
    ----------
    value
        The value given (None passes through).
    param
        Argument name for the message.
    kind
        ``"plan"`` or ``"register"`` (measures register).
    """
    if value is None:
        return None
    from importlib import resources

    folder = resources.files("segindicators.plan") / "plans"
    names = sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".yaml"))
    shipped = [n for n in names if ("measures" in n) == (kind == "register")]
    p = Path(value)
    if p.exists():
        if p.is_dir():
            raise UsageError(f"{param} {value!r}: expected a {kind} YAML file, got a folder.", param=param)
        return value
    if p.suffix == "" and p.parent == Path(".") and value in shipped:
        return value
    raise UsageError(
        f"{param} {value!r}: expected an existing {kind} YAML file or the name of a shipped {kind} "
        f"({', '.join(shipped) or 'none'}), found neither.",
        param=param,
    )


def check_url(url: str | None, param: str) -> str | None:
    """An ``http://`` or ``https://`` URL (None passes through)."""
    if url is None:
        return None
    if not re.match(r"^https?://[^\s/]+", url):
        raise UsageError.bad_value(param, url, "an http:// or https:// URL such as https://example.org/api")
    return url
