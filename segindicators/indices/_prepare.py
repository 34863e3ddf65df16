"""Validate a counts frame and turn it into flat numpy arrays plus segment codes.

Every index function in this package runs on the same representation: one row per areal unit, a group-count
array ``x`` (shape ``(n,)`` for two groups, ``(n, K)`` for K groups), a total array ``t`` and an integer code
per unit saying which ``by`` segment (e.g. kommun × year) it belongs to. Segment sums are then one
``np.bincount`` call, so all municipalities × years are computed at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Missing = Literal["raise", "drop"]


@dataclass(frozen=True)
class Prepared:
    """Arrays ready for the kernels (zero-population units already removed)."""

    x: np.ndarray  # (n,) two-group or (n, K) multigroup counts
    t: np.ndarray  # (n,) totals
    codes: np.ndarray  # (n,) segment code in 0..nseg-1
    nseg: int
    keys: pd.DataFrame  # one row per segment, the by columns
    rows: np.ndarray  # positions (iloc) in the input frame of the kept units
    attrs: dict = field(default_factory=dict)


def _as_list(by: str | Sequence[str]) -> list[str]:
    if isinstance(by, str):
        return [by]
    return list(by)


def _describe_rows(counts: pd.DataFrame, mask: np.ndarray, by: list[str], limit: int = 5) -> str:
    """Name offending rows by index label and by-keys (first ``limit``)."""
    pos = np.flatnonzero(mask)
    parts = []
    for p in pos[:limit]:
        label = counts.index[p]
        keys = ", ".join(f"{b}={counts[b].iloc[p]!r}" for b in by)
        parts.append(f"row {label!r}" + (f" ({keys})" if keys else ""))
    more = f" and {len(pos) - limit} more" if len(pos) > limit else ""
    return "; ".join(parts) + more


def column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Codes of a key column in sorted order of its values (NaN last) and the number of distinct values."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu" and len(column):
        values = column.to_numpy()
        low = values.min()
        span = int(values.max()) - int(low) + 1
        if span <= 4 * len(values) + 1024:  # few possible values (years): ranks from a table, not a hash
            offset = (values.astype(np.int64) - low.astype(np.int64)).astype(np.intp)  # small: no overflow
            present = np.bincount(offset, minlength=span) > 0
            return (np.cumsum(present) - 1)[offset], int(present.sum())
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
    return codes, len(uniques)


def combine_codes(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Dense group codes of rows keyed by several sorted column codes, in key order, and each group's first row.

    The codes are combined in mixed radix (so the combined code orders rows like their key tuples) and made
    dense with one ``np.unique``.
    """
    combined = np.zeros(len(codes[0]) if len(codes) else 0, dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        if (int(combined.max(initial=0)) + 1) * size >= 2**62:  # keep the mixed radix inside int64
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64).reshape(-1)
        combined = combined * size + c
    span = int(combined.max(initial=-1)) + 1
    if span <= 4 * len(combined) + 1024:  # few possible codes (the usual keys): a table instead of a sort
        present = np.bincount(combined, minlength=span) > 0
        first = np.full(span, len(combined), dtype=np.intp)
        np.minimum.at(first, combined, np.arange(len(combined), dtype=np.intp))
        return (np.cumsum(present) - 1)[combined].astype(np.intp), first[present]
    _, first, dense = np.unique(combined, return_index=True, return_inverse=True)
    return dense.astype(np.intp).reshape(-1), first


def combined_codes(columns: Sequence[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Group code of each row over several key columns, in sorted key order, and the first row of each group.

    The grouping of ``groupby(columns, sort=True, dropna=False, observed=True)`` (NaN keys sort last, as
    there), without building a groupby.

    Examples
    --------
    >>> codes, first = combined_codes([pd.Series(["b", "a", "b"]), pd.Series([2, 1, 1])])
    >>> codes.tolist(), first.tolist()
    ([2, 0, 1], [1, 2, 0])
    """
    sorted_prefix = _sorted_prefix(columns)
    if sorted_prefix is None:
        parts = [column_codes(c) for c in columns]
        return combine_codes([p[0] for p in parts], [p[1] for p in parts])
    k, change = (
        sorted_prefix  # the rows are sorted by the first k columns: runs of equal keys instead of codes
    )
    run = np.concatenate(([0], np.cumsum(change, dtype=np.intp)))
    if k == len(columns):
        return run, np.flatnonzero(np.concatenate(([True], change)))
    parts = [column_codes(c) for c in columns[k:]]
    return combine_codes([run, *(p[0] for p in parts)], [int(run[-1]) + 1, *(p[1] for p in parts)])


def _changes(column: pd.Series) -> tuple[np.ndarray, Callable[[np.ndarray], bool]] | None:
    """``column[i + 1] != column[i]`` for each pair of neighbouring rows, and a function telling whether
    ``column[i + 1] < column[i]`` for some pair where a mask is True; None when that is not cheap and exact
    (missing values, or a dtype other than integers, booleans and pyarrow strings, whose order is that of
    their code points, as in a sort)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        values = column.to_numpy()
        return values[1:] != values[:-1], lambda where: bool(((values[1:] < values[:-1]) & where).any())
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        strings = pa.array(column.array)
        if strings.null_count:
            return None
        change = pc.not_equal(strings.slice(1), strings.slice(0, len(strings) - 1))

        def descends(where: np.ndarray) -> bool:  # compared only where the mask (few rows) is True
            at = np.flatnonzero(where)
            return bool(pc.any(pc.less(strings.take(at + 1), strings.take(at))).as_py()) if len(at) else False

        return change.to_numpy(zero_copy_only=False), descends
    return None


def _sorted_prefix(columns: Sequence[pd.Series]) -> tuple[int, np.ndarray] | None:
    """The number k ≥ 1 of leading key columns by which the rows are already sorted (a wide frame is sorted by
    its keys) and where neighbouring rows differ in them, or None when the first column is not.

    Rows sorted by the first k columns lie in runs of equal keys, each run's keys greater than the last's, so
    the runs number the key tuples in sorted order, as :func:`combine_codes` would: the check compares
    neighbours, one pass a column, instead of factorising (the order is compared only where a column changes
    and the columns before it do not).
    """
    n = len(columns[0]) if len(columns) else 0
    if n < 2:
        return None
    change = np.zeros(n - 1, dtype=bool)
    k = 0
    for col in columns:
        found = _changes(col)
        if found is None:
            break
        own, descends = found
        if descends(own & ~change):  # where this column changes and the earlier ones do not
            break
        change |= own
        k += 1
    return (k, change) if k else None


def segment_codes(counts: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Factorise the ``by`` columns: an integer code per row and the sorted unique key frame."""
    if not by:
        return np.zeros(len(counts), dtype=np.intp), pd.DataFrame(index=range(1))
    codes, first = combined_codes([counts[b] for b in by])
    if len(set(by)) == len(by):  # one frame built from the key columns' first rows
        keys = pd.DataFrame({b: counts[b].array.take(first) for b in by}, index=pd.RangeIndex(len(first)))
    else:
        keys = counts[by].iloc[first].reset_index(drop=True)
    keys.attrs = {}  # a key frame of its own, as groupby builds it (the input's attrs stay with the input)
    return codes, keys


def prepare(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None,
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> Prepared:
    """Validate ``counts`` and return :class:`Prepared` arrays.

    Rules: NaN counts raise unless ``missing="drop"`` (then the rows are dropped, counted in
    ``attrs["dropped_missing"]`` and a warning is emitted); negative counts raise; a group count above the
    total raises, naming the rows; units whose total is 0 drop out silently (they carry no population)
    and are counted in ``attrs["zero_population_units"]``.
    """
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(
            f"counts must be a pandas DataFrame with one row per areal unit, got {type(counts)!r}"
        )
    by_l = _as_list(by)
    multigroup = not isinstance(group, str)
    groups = [group] if not multigroup else list(group)
    if multigroup and len(groups) < 2:
        raise ValueError(f"group as a list needs at least two columns (multigroup), got {groups!r}")
    if not multigroup and total is None:
        raise ValueError(
            f"group={group!r} is a single column, so total= is required (the other group is total − group); "
            "pass total='your_total_column' or give group as a list of columns for a multigroup index"
        )
    needed = [*groups, *([total] if total is not None else []), *by_l]
    absent = [c for c in needed if c not in counts.columns]
    if absent:
        raise KeyError(f"counts has no column(s) {absent!r}; available: {list(counts.columns)!r}")
    if missing not in ("raise", "drop"):
        raise ValueError(f"missing must be 'raise' or 'drop', got {missing!r}")

    num_cols = [*groups, *([total] if total is not None else [])]
    try:
        values = counts[num_cols].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"count columns {num_cols!r} must be numeric: {exc}") from exc
    attrs: dict = {"dropped_missing": 0, "zero_population_units": 0}

    nan_rows = np.isnan(values).any(axis=1)
    if nan_rows.any():
        if missing == "raise":
            raise ValueError(
                f"{int(nan_rows.sum())} unit(s) have NaN counts in {num_cols!r}: "
                f"{_describe_rows(counts, nan_rows, by_l)}. Suppressed cells cannot enter an index; fix the "
                "data or pass missing='drop' to drop those units (the number dropped is reported)"
            )
        attrs["dropped_missing"] = int(nan_rows.sum())
        warnings.warn(
            f"missing='drop': dropped {int(nan_rows.sum())} unit(s) with NaN counts "
            f"({_describe_rows(counts, nan_rows, by_l)})",
            UserWarning,
            stacklevel=3,
        )
    if np.isinf(values).any():
        raise ValueError(f"counts in {num_cols!r} must be finite; found ±inf")
    neg = (values < 0).any(axis=1) & ~nan_rows
    if neg.any():
        raise ValueError(f"counts must be ≥ 0; negative values in {_describe_rows(counts, neg, by_l)}")

    codes_all, keys = segment_codes(counts, by_l)
    keep = ~nan_rows
    gx = values[:, : len(groups)]
    if multigroup:
        gsum = gx.sum(axis=1)
        if total is not None:
            t_all = values[:, -1]
            over = (gsum > t_all * (1 + 1e-12)) & keep
            if over.any():
                raise ValueError(
                    f"the groups {groups!r} sum to more than total={total!r} in "
                    f"{_describe_rows(counts, over, by_l)}; fix the counts or leave total=None"
                )
            resid = np.clip(t_all - gsum, 0, None)
            if (resid[keep] > 0).any():
                # the residual (total − Σ groups) is a group of its own: "other"
                gx = np.column_stack([gx, resid])
                attrs["residual_group"] = True
        else:
            t_all = gsum
    else:
        t_all = values[:, 1]
        over = (gx[:, 0] > t_all) & keep
        if over.any():
            raise ValueError(
                f"group={group!r} exceeds total={total!r} in {_describe_rows(counts, over, by_l)}; "
                "a group count cannot be larger than the unit's total"
            )
        gx = gx[:, 0]
    zero = keep & (t_all == 0)
    attrs["zero_population_units"] = int(zero.sum())
    keep &= t_all > 0
    rows = np.flatnonzero(keep)
    return Prepared(
        x=np.ascontiguousarray(gx[rows]),
        t=np.ascontiguousarray(t_all[rows]),
        codes=codes_all[rows],
        nseg=len(keys),
        keys=keys,
        rows=rows,
        attrs=attrs,
    )
