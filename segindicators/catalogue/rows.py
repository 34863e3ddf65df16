"""Rows of the processed-counts contract assembled once from the per-indicator results (:class:`Piece`).

Every indicator (or group member) × source period yields a :class:`Piece`: the keys of its table's
:class:`~segindicators.catalogue.cells.Cells` it has rows for, and its numerator, denominator, value, status and
flags as arrays. :func:`rows_frame` turns a list of pieces into one frame: text columns are built from small
dictionaries (area codes, status symbols, flag combinations, the per-piece indicator, unit, table, …) with one
Arrow ``take`` each, and the contract's row order (indicator, geo_version, level, area, year) is one
``lexsort`` over integer ranks — millions of rows in a few seconds, the text identical to what per-row string
handling gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from segindicators.catalogue.cells import Cells
from segindicators.catalogue.definitions import SourcePeriod
from segindicators.catalogue.requests import RIKET
from segindicators.sources.scb.metadata import level_of_code
from segindicators.tables import COUNTS_FLAGS, TABLES

__all__ = ["COLUMNS", "ROW_COLUMNS", "SUPPRESSED", "Piece", "rows_frame"]

#: Columns of the processed counts, in file order (declared in :data:`segindicators.tables.TABLES`).
COLUMNS = TABLES["counts"].column_names
#: Columns of one indicator's rows (:func:`segindicators.catalogue.transform.indicator_rows`).
ROW_COLUMNS = [c for c in COLUMNS if c not in ("kommun", "level", "area_name")]
#: SCB status symbols of a suppressed cell.
SUPPRESSED = ("..", ".")
_SORT = ("indicator", "geo_version", "level", "area", "year")
#: pandas dtype of every column: what building the rows with pandas' own string handling gives ("str" where a
#: text scalar is broadcast, "string" where a column is cast with ``astype("string")``).
_DTYPES = {
    "kommun": "str", "level": "string", "geo_version": "str", "area": "string", "area_name": "string",
    "year": "int64", "indicator": "str", "numerator": "float64", "denominator": "float64", "value": "float64",
    "unit": "str", "status": "string", "source_table": "str", "table_updated": "str", "flags": "string",
    "rounding": "float64",
}  # fmt: skip


@dataclass(frozen=True)
class Piece:
    """One indicator's (or group member's) rows from one source period, as arrays over ``order``.

    Attributes
    ----------
    cells
        The table the rows come from.
    order
        Keys of ``cells`` (area × version × year), in the row order.
    numerator, denominator, value
        Per row.
    status
        Per row: position in ``cells.symbols`` (-1 = none).
    flags
        Flag token → per-row mask (``suppressed`` is added from value and status).
    rounding
        The value's published rounding (NaN = exact); written where the value is known.
    indicator, unit, period
        The row's indicator id, unit and source period (table, geography version).
    """

    cells: Cells
    order: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    value: np.ndarray
    status: np.ndarray
    flags: Mapping[str, np.ndarray]
    rounding: float
    indicator: str
    unit: str
    period: SourcePeriod


def _text(codes: np.ndarray, words: Sequence[str | None], dtype: str) -> pd.api.extensions.ExtensionArray:
    """``words[codes]`` as a pandas text array (``-1`` or a None word = missing), via one Arrow take."""
    if not len(words):
        return pd.array(pa.nulls(len(codes), type=pa.large_string()), dtype=dtype)
    words_arr = pa.array([None if w is None else str(w) for w in words], type=pa.large_string())
    return pd.array(words_arr.take(pa.array(np.maximum(codes, 0), mask=codes < 0)), dtype=dtype)


def _dictionary(values: Sequence[object]) -> tuple[np.ndarray, list]:
    """Codes and distinct values (first-appearance order; None gets code -1)."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object))
    return codes, list(uniques)


def _rank(words: Sequence[object]) -> np.ndarray:
    """Sort rank of each word (missing last), by code point as pandas sorts text."""
    order = sorted(range(len(words)), key=lambda i: (words[i] is None, words[i] or ""))
    rank = np.empty(len(words) + 1, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(words))
    rank[len(words)] = len(words)  # code -1 (missing) → last
    return rank


def _sort_order(codes: Mapping[str, tuple[np.ndarray, list]], year: np.ndarray) -> np.ndarray:
    """Stable order by indicator, geo_version, level, area, year: one composite integer rank, one argsort."""
    composite = np.zeros(len(year), dtype=np.int64)
    for name in _SORT:
        if name == "year":
            rank, size = year - year.min(initial=0), int(year.max(initial=0) - year.min(initial=0)) + 1
        else:
            c, words = codes[name]
            rank, size = _rank(words)[c], len(words) + 1
        composite = composite * size + rank
    return np.argsort(composite, kind="stable")


def _flag_codes(pieces: Sequence[Piece], suppressed: np.ndarray, n: int) -> tuple[np.ndarray, list[str]]:
    """Flags as one bit per token, then one code per distinct combination (tokens in the contract's order)."""
    bits = np.zeros(n, dtype=np.int64)
    start = 0
    for p in pieces:
        stop = start + len(p.order)
        for i, token in enumerate(COUNTS_FLAGS):
            if token in p.flags:
                bits[start:stop] |= np.asarray(p.flags[token], dtype=bool).astype(np.int64) << i
        start = stop
    bits |= suppressed.astype(np.int64) << COUNTS_FLAGS.index("suppressed")
    combos = np.flatnonzero(np.bincount(bits, minlength=1 << len(COUNTS_FLAGS)))
    code_of = np.full(1 << len(COUNTS_FLAGS), -1, dtype=np.int64)
    code_of[combos] = np.arange(len(combos))
    words = [";".join(t for i, t in enumerate(COUNTS_FLAGS) if int(c) >> i & 1) for c in combos]
    return code_of[bits], words


def rows_frame(pieces: Sequence[Piece], *, contract: bool = False) -> pd.DataFrame:
    """One frame of the pieces' rows.

    Parameters
    ----------
    pieces
        Per-indicator results.
    contract
        False: the columns :data:`ROW_COLUMNS` in the pieces' row order (one indicator's rows). True: the
        processed-counts contract (:data:`COLUMNS`, adding ``kommun`` — the first four digits of the area code,
        ``"00"`` for riket —, ``level`` from the code and an empty ``area_name``) sorted by indicator,
        geo_version, level, area, year.

    Returns
    -------
    DataFrame
    """
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in (COLUMNS if contract else ROW_COLUMNS)})
    lengths = np.array([len(p.order) for p in pieces], dtype=np.int64)
    n = int(lengths.sum())
    tables = list({id(p.cells): p.cells for p in pieces}.values())
    area_codes, areas = _dictionary([c for t in tables for c in t.regions])
    symbol_codes, symbols = _dictionary([s for t in tables for s in t.symbols])
    starts, r_at, s_at = {}, 0, 0
    for t in tables:  # where each table's regions and symbols begin in the concatenated lists
        starts[id(t)] = (r_at, s_at)
        r_at, s_at = r_at + len(t.regions), s_at + len(t.symbols)

    def gather(per_piece: Callable[[Piece], np.ndarray]) -> np.ndarray:
        return np.concatenate([per_piece(p) for p in pieces])

    def symbol(p: Piece) -> np.ndarray:
        out = np.full(len(p.status), -1, dtype=np.int64)
        marked = p.status >= 0
        out[marked] = symbol_codes[starts[id(p.cells)][1] + p.status[marked]]
        return out

    area = gather(lambda p: area_codes[starts[id(p.cells)][0] + p.cells.region[p.order]]).astype(np.int64)
    status = gather(symbol).astype(np.int64)
    value = gather(lambda p: p.value).astype(float)
    suppressed = np.zeros(n, dtype=bool)
    if symbols:
        suppressed = np.isin(np.asarray(symbols, dtype=object), SUPPRESSED)[np.maximum(status, 0)]
        suppressed &= (status >= 0) & np.isnan(value)
    flags, flag_words = _flag_codes(pieces, suppressed, n)
    per_piece = {
        "geo_version": _dictionary([p.period.geo_version for p in pieces]),
        "indicator": _dictionary([p.indicator for p in pieces]),
        "unit": _dictionary([p.unit for p in pieces]),
        "source_table": _dictionary([p.period.table for p in pieces]),
        "table_updated": _dictionary(
            [None if p.cells.attrs.get("updated") is None else str(p.cells.attrs["updated"]) for p in pieces]
        ),
    }
    codes = {name: (np.repeat(c, lengths), words) for name, (c, words) in per_piece.items()}
    codes["area"], codes["status"], codes["flags"] = (area, areas), (status, symbols), (flags, flag_words)
    numbers = {
        "year": gather(lambda p: p.cells.year[p.order]).astype(np.int64),
        "numerator": gather(lambda p: p.numerator).astype(float),
        "denominator": gather(lambda p: p.denominator).astype(float),
        "value": value,
        "rounding": np.where(np.isnan(value), np.nan, np.repeat([p.rounding for p in pieces], lengths)),
    }
    if contract:
        kommun_codes, kommuns = _dictionary([RIKET if a == RIKET else str(a)[:4] for a in areas])
        level_codes, levels = _dictionary([level_of_code(str(a))[0] for a in areas])
        codes["kommun"] = (kommun_codes[area] if len(areas) else area, kommuns)
        codes["level"] = (level_codes[area] if len(areas) else area, levels)
        perm = _sort_order(codes, numbers["year"])
        codes = {k: (c[perm], w) for k, (c, w) in codes.items()}
        numbers = {k: v[perm] for k, v in numbers.items()}
    columns = {}
    for name in COLUMNS if contract else ROW_COLUMNS:
        if name == "area_name":
            columns[name] = pd.array(pa.nulls(n, type=pa.large_string()), dtype="string")
        elif name in codes:
            columns[name] = _text(*codes[name], _DTYPES[name])
        else:
            columns[name] = numbers[name]
    return pd.DataFrame(columns)
