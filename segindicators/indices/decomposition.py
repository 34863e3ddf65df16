"""Nested decomposition of Theil's H into between- and within-parent parts (DeSO within RegSO within kommun)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, _as_list, prepare, segment_codes
from segindicators.indices.citywide import _long_result
from segindicators.indices.kernels import _entropy2, _xlogx_ratio, multigroup_theil_h, ssum, theil_h


def _entropy(x: np.ndarray, t: np.ndarray, codes: np.ndarray, nseg: int) -> tuple[np.ndarray, np.ndarray]:
    """Segment totals T and entropy E (two-group or multigroup), natural log."""
    T = ssum(t, codes, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        if x.ndim == 1:
            return T, _entropy2(ssum(x, codes, nseg) / T)
        Pk = np.column_stack([ssum(x[:, k], codes, nseg) for k in range(x.shape[1])]) / T[:, None]
    return T, -_xlogx_ratio(Pk, np.ones_like(Pk)).sum(axis=1)


def nested_theil(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Split Theil's H into a between-parent part and the weighted within-parent parts.

    .. math:: H = H_{between} + \sum_r \frac{T_r E_r}{T E} H_r

    where :math:`H_{between}` is H computed on the parents (e.g. RegSO) as units, :math:`H_r` is H among the
    children (e.g. DeSO) of parent :math:`r`, and :math:`T_r, E_r` are the parent's population and entropy
    (Theil 1972; Reardon & Firebaugh 2002,; Fischer et al. 2004). Works for two groups
    (``theil_h``) and, with ``group`` a list, for the multigroup M (``multigroup_theil_h``). A parent with
    :math:`E_r = 0` (one group only) has weight 0 and contributes nothing to the within part.

    Parameters
    ----------
    counts, group, total, by, missing
        As in :func:`segindicators.indices.segregation_indices`; rows are the lowest-level units (DeSO).
    parent : str or list of str
        Column(s) naming each unit's parent area (RegSO), nested inside ``by`` (kommun × year).

    Returns
    -------
    DataFrame
        ``by`` columns, ``index`` ∈ {``theil_h``, ``theil_h_between``, ``theil_h_within``,
        ``theil_h_within_share``} (``multigroup_``-prefixed for a list ``group``), ``value``, ``flags``.
        ``theil_h == theil_h_between + theil_h_within`` to rounding (about 1e-15).

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [90, 10, 50, 50], "t": [100] * 4})
    >>> r = nested_theil(df, group="x", total="t", parent="regso")
    >>> v = dict(zip(r["index"], r["value"]))
    >>> round(v["theil_h"], 12) == round(v["theil_h_between"] + v["theil_h_within"], 12)
    True
    >>> round(v["theil_h_between"], 4), round(v["theil_h_within"], 4)
    (0.0, 0.2655)
    """
    by_l, parent_l = _as_list(by), _as_list(parent)
    prep = prepare(counts, group=group, total=total, by=by_l, missing=missing)
    kept = counts.iloc[prep.rows]
    pcode, pkeys = segment_codes(kept, [*by_l, *parent_l])
    npar = len(pkeys)
    # segment of each parent: the by-segment of any of its units (parents are nested inside by)
    par_seg = np.zeros(npar, dtype=np.intp)
    par_seg[pcode] = prep.codes
    if not np.array_equal(par_seg[pcode], prep.codes):  # pragma: no cover - guaranteed by the grouping keys
        raise ValueError("parent areas must be nested inside the by segments")
    x, t = prep.x, prep.t
    kernel = theil_h if x.ndim == 1 else multigroup_theil_h
    prefix = "theil_h" if x.ndim == 1 else "multigroup_theil_h"
    with np.errstate(divide="ignore", invalid="ignore"):
        H = kernel(x, t, prep.codes, prep.nseg)
        # parents as units
        xp = (
            ssum(x, pcode, npar)
            if x.ndim == 1
            else np.column_stack([ssum(x[:, k], pcode, npar) for k in range(x.shape[1])])
        )
        tp = ssum(t, pcode, npar)
        H_between = kernel(xp, tp, par_seg, prep.nseg)
        # children within each parent
        H_r = kernel(x, t, pcode, npar)
        T_r, E_r = _entropy(x, t, pcode, npar)
        T, E = _entropy(x, t, prep.codes, prep.nseg)
        term = np.where(E_r > 0, T_r * E_r * H_r, 0.0)
        H_within = ssum(term, par_seg, prep.nseg) / (T * E)
        values = np.column_stack([H, H_between, H_within, H_within / H])
    names = [prefix, f"{prefix}_between", f"{prefix}_within", f"{prefix}_within_share"]
    out = _long_result(prep.keys, names, values)
    out.attrs.update(prep.attrs)
    return out
