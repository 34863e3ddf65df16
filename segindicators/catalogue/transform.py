"""Pure transformations from SCB table frames to rows of the processed-counts contract.

Both builds — one municipality (:func:`segindicators.catalogue.builder.build_counts`) and the whole country
(:func:`segindicators.catalogue.national.build_national_counts`) — fetch differently and transform through this
one code path: :func:`counts_from_frames` indexes each table's frame once (:class:`~segindicators.catalogue.
cells.Cells`), runs every indicator and group over it and assembles the contract's rows once
(:func:`~segindicators.catalogue.rows.rows_frame`).

* Formulas (:func:`indicator_rows`, :func:`group_rows`): share = numerator / denominator (a zero denominator
  gives NaN); suppressed cells stay NaN and keep SCB's status; shares published only as percentages are
  reconstructed as share/100 x the table's own number of persons, flagged ``reconstructed``, with the
  percentage's published rounding (unit decimals from the metadata) in ``rounding``; from the CKM year (2025)
  an indicator with a ``total`` uses the table's own total as denominator (SCB's Cell Key Method makes totals
  differ from the sum of parts).
* Both geography versions share one Region dimension at SCB, and a 2025-version code asked for a year before
  2024 answers 0 (reference README): a row is kept only when its code's version is the one the catalogue's
  source period names for that year, so such a 0 never becomes a value.

Every step works on whole columns (integer keys, masks, ``bincount``): the country's ≈ 6,000 DeSO × 11 years go
through without a per-area or per-municipality loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segindicators.catalogue.cells import BuildError, Cells, Sum, sum_codes
from segindicators.catalogue.definitions import LEVELS, CountSpec, GroupDefinition, Indicator, SourcePeriod
from segindicators.catalogue.rows import COLUMNS, Piece, rows_frame
from segindicators.sources.scb.metadata import TableSpec

__all__ = [
    "BUILD_LEVELS",
    "COLUMNS",
    "BuildError",
    "counts_from_frames",
    "group_rows",
    "indicator_rows",
    "rounding_of_percent",
    "sum_spec",
]

#: Levels a build produces (each only where the table publishes it).
BUILD_LEVELS = ("DeSO", "RegSO", "kommun", "riket")


def sum_spec(
    frame: pd.DataFrame,
    spec: CountSpec,
    selection: Mapping[str, tuple[str, ...]] | None = None,
    *,
    where: str = "count",
) -> pd.DataFrame:
    """Sum a :class:`CountSpec` per area and year; suppressed cells make the sum NaN (never 0).

    Parameters
    ----------
    frame
        ``ScbClient.data`` frame: one column per variable code, ``region_version``, ``value``, ``status``.
    spec
        Value codes to add (``codes``) and to subtract (``minus``).
    selection
        Codes fixed for the whole indicator (other variables of a shared table call).
    where
        Prefix of error messages (the indicator id).

    Returns
    -------
    DataFrame
        Index (``Region``, ``region_version``, ``Tid``); columns ``value`` and ``status`` (first SCB symbol
        met, e.g. ``".."``).

    Examples
    --------
    >>> f = pd.DataFrame({"Region": ["A"] * 3, "region_version": [None] * 3, "Tid": ["2023"] * 3,
    ...                   "Fodelseregion": ["tot", "sv", "eu"], "value": [100.0, 60.0, 15.0],
    ...                   "status": [None] * 3})
    >>> sum_spec(f, CountSpec({"Fodelseregion": ("tot",)}, {"Fodelseregion": ("sv",)}))["value"].tolist()
    [40.0]
    """
    cells = Cells.of(frame)
    got = sum_codes(cells, cells.all_rows(), spec.codes, spec.minus, selection, where=where)
    index = pd.MultiIndex.from_frame(cells.keys.take(got.order))
    status = got.status[got.order]
    symbols = np.where(status >= 0, np.append(cells.symbols, None)[status], None)
    return pd.DataFrame({"value": got.value[got.order], "status": symbols}, index=index)


def _finish(
    cells: Cells, got: Sum, numerator: np.ndarray, denominator: np.ndarray, value: np.ndarray, *, indicator: str,
    unit: str, period: SourcePeriod, flags: Mapping[str, np.ndarray], status: np.ndarray | None = None,
    rounding: float = np.nan,
) -> Piece:  # fmt: skip
    """One indicator's rows: the keys of ``got.order`` with their numerator, denominator, value and status."""
    return Piece(
        cells, got.order, numerator, denominator, value, got.status[got.order] if status is None else status,
        flags, rounding, indicator, unit, period,
    )  # fmt: skip


def rounding_of_percent(decimals: int | None) -> float:
    """Half-width, in share units, of a percentage published with ``decimals`` decimals (NaN if unknown).

    Examples
    --------
    >>> rounding_of_percent(0), rounding_of_percent(1)
    (0.005, 0.0005)
    """
    return np.nan if decimals is None else 0.5 * 10.0 ** (-int(decimals)) / 100.0


def _sum(cells: Cells, rows: np.ndarray, spec: CountSpec, selection: Mapping[str, Any], where: str) -> Sum:
    return sum_codes(cells, rows, spec.codes, spec.minus, selection, where=where)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (numerator / np.where(denominator != 0, denominator, np.nan)).astype("float64")


def _reconstruct(
    cells: Cells, rows: np.ndarray, content: CountSpec, persons_spec: CountSpec, selection: Mapping[str, Any],
    where: str,
) -> tuple[Sum, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """share/100 x persons, both from the same table: the share's keys, numerator, denominator, value."""
    share = _sum(cells, rows, content, selection, where)
    persons = _sum(cells, rows, persons_spec, selection, f"{where} persons").value[share.order]
    value = share.value[share.order] / 100.0
    return share, value * persons, persons, value


def _indicator(
    indicator: Indicator, cells: Cells, rows: np.ndarray, period: SourcePeriod, *, ckm_from: int,
    decimals: int | None,
) -> Piece:  # fmt: skip
    where = f"indicator {indicator.id!r} ({period.table})"
    sel = indicator.selection_for(period)
    extra: dict[str, np.ndarray] = {}
    rounding = np.nan
    if indicator.kind == "level":
        got = _sum(cells, rows, indicator.level, sel, where)
        value = got.value[got.order]
        num = den = np.full(len(got.order), np.nan)
    elif indicator.kind == "reconstructed":
        got, num, den, value = _reconstruct(
            cells, rows, indicator.share_of.content, indicator.share_of.persons, sel, where
        )
        extra["reconstructed"] = np.ones(len(got.order), dtype=bool)
        rounding = rounding_of_percent(decimals)
    else:
        got = _sum(cells, rows, indicator.numerator, sel, where)
        num = got.value[got.order]
        if indicator.denominator is None:
            den, value = np.full(len(num), np.nan), num
        else:
            den = _sum(cells, rows, indicator.denominator, sel, where).value[got.order]
            years = cells.year[got.order]
            if indicator.total is not None and (years >= ckm_from).any():
                tot = _sum(cells, rows, indicator.total, sel, where).value[got.order]
                den = np.where(years < ckm_from, den, tot)
            value = _divide(num, den)
    breaks = np.isin(cells.year[got.order], list(indicator.break_years())) | ("break" in indicator.flags)
    extra["break"] = breaks
    return _finish(cells, got, num, den, value, indicator=indicator.id, unit=indicator.unit, period=period,
                   flags=extra, rounding=rounding)  # fmt: skip


def indicator_rows(
    indicator: Indicator,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    ckm_from: int = 2025,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Turn one table frame into processed-count rows for one indicator and source period.

    Formulas: share = numerator / denominator (a zero denominator gives NaN); from ``ckm_from`` the
    denominator is the table's own ``total`` when the indicator defines one (SCB's Cell Key Method makes
    totals differ from the sum of parts); reconstructed count = share/100 x the table's number of persons,
    denominator = those persons (flag ``reconstructed``), ``rounding`` = half the last published decimal of the
    percentage (``decimals``, from the table's metadata); a level (median, class) has NaN numerator and
    denominator.

    Returns
    -------
    DataFrame
        Columns ``geo_version, area, year, indicator, numerator, denominator, value, unit, status,
        source_table, table_updated, flags, rounding`` (``kommun``, ``level`` and ``area_name`` are added by
        :func:`counts_from_frames`).
    """
    cells = Cells.of(frame)
    return rows_frame(
        [_indicator(indicator, cells, cells.all_rows(), period, ckm_from=ckm_from, decimals=decimals)]
    )


def _group(
    group: GroupDefinition, cells: Cells, rows: np.ndarray, period: SourcePeriod, *, decimals: int | None
) -> list[Piece]:
    where = f"group {group.id!r} ({period.table})"
    sel = group.selection_for(period)
    pieces = []
    total = None if group.share_of is not None else _sum(cells, rows, group.total, sel, where)
    for name, spec in group.members.items():
        flags: dict[str, np.ndarray] = {}
        rounding = np.nan
        status = None
        if group.share_of is not None:
            member = f"{where} member {name!r}"
            got, num, den, value = _reconstruct(cells, rows, spec, group.share_of.persons, sel, member)
            flags["reconstructed"] = np.ones(len(got.order), dtype=bool)
            rounding = rounding_of_percent(decimals)
        else:
            got = _sum(cells, rows, spec, sel, f"{where} member {name!r}")
            num, den = got.value[got.order], total.value[got.order]
            value = _divide(num, den)
            own = got.status[got.order]
            status = np.where(own >= 0, own, total.status[got.order])
        pieces.append(_finish(cells, got, num, den, value, indicator=f"{group.id}.{name}", unit="share",
                              period=period, flags=flags, status=status, rounding=rounding))  # fmt: skip
    return pieces


def group_rows(
    group: GroupDefinition,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Rows for a segregation group definition: indicator ``"<group>.<member>"``, numerator = member count,
    denominator = the group total, value = share. Published percentages are reconstructed from the table's own
    number of persons (flagged, with their rounding)."""
    cells = Cells.of(frame)
    return rows_frame(_group(group, cells, cells.all_rows(), period, decimals=decimals))


# ------------------------------------------------------------------------------------------ table frames


def _content_decimals(spec: TableSpec | None, count: CountSpec | None) -> int | None:
    """Published decimals of the content codes a percentage is read from (None when unknown)."""
    if spec is None or count is None or "ContentsCode" not in spec.variables:
        return None
    found = {spec.variable("ContentsCode").decimals(c) for c in count.all_codes().get("ContentsCode", ())}
    return max((d for d in found if d is not None), default=None)


def counts_from_frames(
    frames: Mapping[str, pd.DataFrame],
    entries: Sequence[Indicator | GroupDefinition],
    specs: Mapping[str, TableSpec],
    years: Sequence[int],
    levels: Sequence[str],
    *,
    ckm_from: int,
    kommun: str | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rows of every entry (indicator or group) and source period from its table's frame.

    Parameters
    ----------
    frames
        Table id → ``ScbClient.data`` frame; a table may hold several calls' frames concatenated (levels,
        geography versions).
    entries
        Indicators and groups to build.
    specs
        Table id → :class:`~segindicators.sources.scb.metadata.TableSpec` (years published, unit decimals).
    years
        Requested reference years.
    levels
        Levels to keep (from :data:`BUILD_LEVELS`).
    ckm_from
        First year with Cell Key Method noise (the catalogue's ``ckm_from``).
    kommun
        Keep only this municipality's codes and riket (the one-municipality build); None keeps every code.

    Returns
    -------
    tuple
        The rows as the processed-counts contract (``kommun`` = the area code's first four digits, ``"00"`` for
        riket), sorted by indicator, geo_version, level, area, year; and the unpublished years as
        ``{indicator, table, years}`` records.
    """
    cells = {table: Cells.of(frame, kommun) for table, frame in frames.items()}
    pieces = []
    unpublished = []
    for entry in entries:
        areal = entry.levels if isinstance(entry, Indicator) else LEVELS
        entry_levels = [lvl for lvl in levels if lvl in ("kommun", "riket") or lvl in areal]
        for period in entry.sources:
            spec = specs.get(period.table)
            covered = [y for y in years if period.covers(y)]
            missing = [y for y in covered if spec is not None and y not in spec.years]
            if missing:
                unpublished.append({"indicator": entry.id, "table": period.table, "years": missing})
            published = [y for y in covered if y not in missing]
            if period.table not in cells or not published:
                continue
            table = cells[period.table]
            rows = table.period_rows(period, published, entry_levels)
            if not rows.any() and table.period_rows(period, published, BUILD_LEVELS).any():
                continue  # the table has the period's cells, but at none of the levels the entry is built for
            if isinstance(entry, Indicator):
                dec = _content_decimals(spec, entry.share_of.content if entry.share_of else None)
                pieces.append(_indicator(entry, table, rows, period, ckm_from=ckm_from, decimals=dec))
            else:
                first = next(iter(entry.members.values())) if entry.share_of else None
                pieces += _group(entry, table, rows, period, decimals=_content_decimals(spec, first))
    return rows_frame(pieces, contract=True), unpublished
