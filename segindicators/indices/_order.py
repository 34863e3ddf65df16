"""Orderings of key arrays: numpy's stable argsort, faster where the input is far from sorted."""

from __future__ import annotations

import numpy as np


def is_sorted(a: np.ndarray) -> bool:
    """True when ``a`` is non-decreasing."""
    return bool(len(a) < 2 or (a[1:] >= a[:-1]).all())


def stable_argsort(key: np.ndarray, *, nearly_sorted: bool = False) -> np.ndarray:
    """The permutation of ``np.argsort(key, kind="stable")`` (equal keys in their input order).

    Input that is far from sorted is sorted with numpy's default (vectorised, unstable) sort and the runs of
    equal keys are then put back in input order, which gives the stable permutation itself; ``nearly_sorted``
    input (or input with NaN) goes to the stable sort, which is near-linear there.

    Examples
    --------
    >>> stable_argsort(np.array([2.0, 1.0, 2.0, 1.0, 0.5])).tolist()
    [4, 1, 3, 0, 2]
    """
    if nearly_sorted or len(key) < 2:
        return np.argsort(key, kind="stable")
    order = np.argsort(key)
    ordered = key[order]
    if np.isnan(ordered[-1]):  # NaN sorts last; NaN != NaN would hide its ties
        return np.argsort(key, kind="stable")
    tie = ordered[1:] == ordered[:-1]
    if tie.any():
        at = np.flatnonzero(tie)
        tied = np.union1d(at, at + 1)  # sorted positions inside a run of equal keys
        run = np.cumsum(np.concatenate(([True], ~tie))[tied])  # a run starts where it is not tied to the last
        members = order[tied]
        order[tied] = members[np.lexsort((members, run))]
    return order
