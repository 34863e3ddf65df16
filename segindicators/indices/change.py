"""Decompose a change in segregation between two years into marginal (composition) and structural parts."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, _as_list, prepare
from segindicators.indices.citywide import resolve_indices
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, ssum

COMPONENTS = ("total", "unit_marginal", "group_marginal", "structural")


def _segment_colsums(F: np.ndarray, codes: np.ndarray, nseg: int) -> np.ndarray:
    return np.column_stack([ssum(F[:, k], codes, nseg) for k in range(F.shape[1])])


def ipf(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    codes: np.ndarray,
    nseg: int,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> tuple[np.ndarray, bool]:
    r"""Iterative proportional fitting of unit × group tables to new margins, all segments at once.

    Rescales ``seed`` (shape ``(n, K)``) alternately so its row sums equal ``row_target`` and its per-segment
    column sums equal ``col_target`` (shape ``(nseg, K)``). The result keeps the seed's odds ratios (its
    association structure) with the target margins (Deming & Stephan 1940; used for segregation by Elbers
    2021). Returns the fitted table and whether it converged (max relative margin error < ``tol``).

    Examples
    --------
    >>> seed = np.array([[9.0, 1], [1, 9]])
    >>> F, ok = ipf(seed, np.array([10.0, 30]), np.array([[20.0, 20]]), np.zeros(2, dtype=int), 1)
    >>> ok, F.sum(axis=1).round(9).tolist(), F.sum(axis=0).round(9).tolist()
    (True, [10.0, 30.0], [20.0, 20.0])
    >>> round(float(F[0, 0] * F[1, 1] / (F[0, 1] * F[1, 0])), 6)  # odds ratio of the seed is kept
    81.0
    """
    F = seed.astype(np.float64, copy=True)
    for _ in range(max_iter):
        rs = F.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            F *= np.where(rs > 0, row_target / rs, 0.0)[:, None]
            cs = _segment_colsums(F, codes, nseg)
            F *= np.where(cs > 0, col_target / cs, 0.0)[codes]
        rs = F.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.where(row_target > 0, np.abs(rs - row_target) / row_target, np.abs(rs))
        if err.max(initial=0.0) < tol:
            return F, True
    return F, False


def change_decomposition(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    unit: str | Sequence[str],
    year: str = "year",
    from_year: int,
    to_year: int,
    by: str | Sequence[str] = (),
    indices: str | Sequence[str] = "theil_h",
    missing: Missing = "raise",
    tol: float = 1e-10,
) -> pd.DataFrame:
    r"""Split the change of an index between two years into unit-marginal, group-marginal and structural parts.

    Following Elbers (2021), "A method for studying differences in segregation across time and space",
    *Sociological Methods & Research* 52(1) (doi:10.1177/0049124121986204): a segment's unit × group table is
    described by three factors — its unit margins (how many live in each area), its group margins (the city's
    group mix) and its structure (the odds ratios: who lives where, net of the margins). For each of the
    :math:`2^3` combinations of the three factors from ``from_year`` (0) or ``to_year`` (1) a counterfactual
    table is built by iterative proportional fitting (:func:`ipf`: the structure's table fitted to the
    margins), the index is computed, and the total change :math:`I_{111} - I_{000}` is split by the Shapley
    value (each factor's average marginal effect over the 3! switching orders), so the parts add up exactly.

    ``unit_marginal + group_marginal`` is the *composition* part ("the mix changed"); ``structural`` the
    *distribution* part ("people sorted differently"). The structure is margin-free, so this answers "did
    segregation fall because people moved or because the mix changed?".

    Parameters
    ----------
    counts, group, total, by, missing
        As in :func:`segindicators.indices.segregation_indices`, with both years in the rows.
    unit : str or list of str
        Area column(s); areas are matched between the two years (areas present in only one year, or with zero
        population in one of them, are dropped with a warning and counted in ``attrs["unmatched_units"]``).
    year, from_year, to_year
        Year column and the two years compared.
    indices : str or list of str
        Index names from the registry (default ``"theil_h"``; ``"dissimilarity"`` works too; for a list
        ``group`` use ``"multigroup_theil_h"``).
    tol : float
        IPF convergence tolerance (relative margin error); segments where IPF does not converge are flagged
        ``ipf_not_converged``.

    Returns
    -------
    DataFrame
        ``by`` columns, ``index``, ``component`` ∈ {``total``, ``unit_marginal``, ``group_marginal``,
        ``structural``}, ``value``, ``flags``; ``total`` = sum of the other three (to ~1e-12).

    Examples
    --------
    >>> a = pd.DataFrame({"year": 2020, "area": ["a", "b"], "x": [80, 20], "t": [100, 100]})
    >>> b = pd.DataFrame({"year": 2023, "area": ["a", "b"], "x": [90, 40], "t": [100, 100]})
    >>> r = change_decomposition(pd.concat([a, b]), group="x", total="t", unit="area",
    ...                          from_year=2020, to_year=2023)
    >>> {k: round(v, 4) for k, v in zip(r["component"], r["value"])}
    {'total': -0.0489, 'unit_marginal': 0.0, 'group_marginal': -0.0242, 'structural': -0.0246}
    """
    by_l, unit_l = _as_list(by), _as_list(unit)
    if year in by_l:
        raise ValueError(f"year column {year!r} must not be in by={by_l!r}; the two years are compared")
    multigroup = not isinstance(group, str)
    names = resolve_indices(indices, multigroup)
    registry = MULTIGROUP if multigroup else TWO_GROUP
    tables = []
    for yr in (from_year, to_year):
        sub = counts[counts[year] == yr]
        if sub.empty:
            raise ValueError(f"no rows with {year}={yr!r}; years present: {sorted(counts[year].unique())!r}")
        prep = prepare(sub, group=group, total=total, by=by_l, missing=missing)
        cells = np.column_stack([prep.x, prep.t - prep.x]) if prep.x.ndim == 1 else prep.x
        keys = sub.iloc[prep.rows][[*by_l, *unit_l]].reset_index(drop=True)
        tables.append((keys, cells))
    (ka, A), (kb, B) = tables
    ka = ka.assign(_ia=np.arange(len(ka)))
    kb = kb.assign(_ib=np.arange(len(kb)))
    merged = ka.merge(kb, on=[*by_l, *unit_l], how="inner", validate="one_to_one")
    unmatched = len(ka) + len(kb) - 2 * len(merged)
    if unmatched:
        warnings.warn(
            f"{unmatched} area-year row(s) have no partner in the other year (or zero population) and are "
            "left out of the change decomposition",
            UserWarning,
            stacklevel=2,
        )
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            "the two years have a different number of groups (a residual group in only one year)"
        )
    A, B = A[merged["_ia"].to_numpy()], B[merged["_ib"].to_numpy()]
    if by_l:
        grouped = merged.groupby(by_l, sort=True, dropna=False, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.intp)
        seg_keys = grouped.size().index.to_frame(index=False)
    else:
        codes, seg_keys = np.zeros(len(merged), dtype=np.intp), pd.DataFrame(index=range(1))
    nseg = len(seg_keys)
    # work with joint proportions (each segment's table sums to 1) so margins of different years are
    # compatible; every index here is scale invariant
    A = A / ssum(A.sum(axis=1), codes, nseg)[codes][:, None]
    B = B / ssum(B.sum(axis=1), codes, nseg)[codes][:, None]
    rows = {0: A.sum(axis=1), 1: B.sum(axis=1)}
    cols = {0: _segment_colsums(A, codes, nseg), 1: _segment_colsums(B, codes, nseg)}
    struct = {0: A, 1: B}
    value: dict[tuple[int, int, int], np.ndarray] = {}
    converged = np.ones(nseg, dtype=bool)
    for s, r, c in itertools.product((0, 1), repeat=3):  # 8 counterfactual tables (loop over factors)
        if (r, c) == (s, s):
            F = struct[s]
        else:
            F, ok = ipf(struct[s], rows[r], cols[c], codes, nseg, tol=tol)
            if not ok:
                converged[:] = False
        with np.errstate(divide="ignore", invalid="ignore"):
            if multigroup:
                v = [registry[nm](F, F.sum(axis=1), codes, nseg) for nm in names]
            else:
                v = [registry[nm](F[:, 0], F.sum(axis=1), codes, nseg) for nm in names]
        value[(s, r, c)] = np.column_stack(v)

    def shapley(pos: int) -> np.ndarray:
        # factor order in the key: (structure, unit margins, group margins)
        total_w = np.zeros_like(value[(0, 0, 0)])
        for other in itertools.product((0, 1), repeat=2):
            k = sum(other)
            w = math.factorial(k) * math.factorial(3 - k - 1) / math.factorial(3)
            on, off = list(other), list(other)
            on.insert(pos, 1)
            off.insert(pos, 0)
            total_w += w * (value[tuple(on)] - value[tuple(off)])
        return total_w

    parts = {
        "total": value[(1, 1, 1)] - value[(0, 0, 0)],
        "unit_marginal": shapley(1),
        "group_marginal": shapley(2),
        "structural": shapley(0),
    }
    nidx, ncomp = len(names), len(COMPONENTS)
    vals = np.stack([parts[cn] for cn in COMPONENTS], axis=-1)  # (nseg, nidx, ncomp)
    out = seg_keys.loc[np.repeat(np.arange(nseg), nidx * ncomp)].reset_index(drop=True)
    out["index"] = pd.array(np.tile(np.repeat(np.array(names, dtype=object), ncomp), nseg), dtype="str")
    out["component"] = pd.array(np.tile(np.array(COMPONENTS, dtype=object), nseg * nidx), dtype="str")
    out["value"] = vals.reshape(-1)
    bad = ~np.isfinite(out["value"].to_numpy())
    conv = np.repeat(converged, nidx * ncomp)
    flags = np.where(bad, "undefined", "")
    flags = np.where(~conv, np.char.add(flags.astype(str), ";ipf_not_converged"), flags)
    out["flags"] = pd.array([f.strip(";") for f in flags], dtype="str")
    if bad.any():
        warnings.warn(
            f"{int(bad.sum())} change component(s) are undefined (NaN, flagged) because an index is undefined "
            "in one of the counterfactual tables (e.g. a group absent in a segment)",
            UserWarning,
            stacklevel=2,
        )
    out.attrs.update(unmatched_units=unmatched, from_year=from_year, to_year=to_year)
    return out
