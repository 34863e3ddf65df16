"""Citywide (evenness and exposure) segregation indices for every ``by`` segment in one vectorised pass."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, Prepared, prepare
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, evaluate


def resolve_indices(indices: str | Sequence[str] | None, multigroup: bool) -> list[str]:
    """Check requested index names against the registry for this kind of input.

    Examples
    --------
    >>> resolve_indices(["gini", "dissimilarity"], multigroup=False)
    ['gini', 'dissimilarity']
    >>> resolve_indices(None, multigroup=True)
    ['multigroup_dissimilarity', 'multigroup_theil_h', 'multigroup_mutual_information']
    """
    registry = MULTIGROUP if multigroup else TWO_GROUP
    if indices is None:
        return list(registry)
    names = [indices] if isinstance(indices, str) else list(indices)
    unknown = [n for n in names if n not in registry]
    if unknown:
        kind = "multigroup (group given as a list)" if multigroup else "two-group (group given as one column)"
        raise ValueError(f"unknown index name(s) {unknown!r} for {kind} input; available: {list(registry)!r}")
    return names


def _long_result(keys: pd.DataFrame, names: list[str], values: np.ndarray) -> pd.DataFrame:
    """Assemble the contract frame: by columns, ``index``, ``value``, ``flags`` from a (nseg, nidx) array.

    A NaN value (index undefined for that segment, e.g. its group share is 0 or 1) gets the flag
    ``"undefined"`` and a warning naming the segments; the value stays NaN rather than a made-up number.
    """
    nseg, nidx = values.shape
    rows = np.repeat(np.arange(nseg), nidx)
    columns = {name: keys[name].array.take(rows) for name in keys.columns}  # one frame built once
    # text columns taken from their few distinct values (building them from one Python string a row is slow)
    columns["index"] = pd.array(np.array(names, dtype=object), dtype="str").take(
        np.tile(np.arange(nidx), nseg)
    )
    vals = values.reshape(-1)
    columns["value"] = vals  # copied by the DataFrame (dict input)
    undefined = ~np.isfinite(vals)
    columns["flags"] = pd.array(np.array(["", "undefined"], dtype=object), dtype="str").take(
        undefined.astype(np.intp)
    )
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    if undefined.any():
        bad = out.loc[undefined].drop(columns=["value", "flags"]).head(5).to_dict("records")
        warnings.warn(
            f"{int(undefined.sum())} index value(s) are undefined (NaN, flagged 'undefined') because the "
            f"segment has no group members, only group members, or a zero denominator; first: {bad}",
            UserWarning,
            stacklevel=3,
        )
    return out


def _compute(prep: Prepared, names: list[str], multigroup: bool) -> np.ndarray:
    """Run the registry kernels on prepared arrays; returns shape (nseg, len(names))."""
    registry = MULTIGROUP if multigroup else TWO_GROUP
    cols = evaluate(registry, names, prep.x, prep.t, prep.codes, prep.nseg)
    return np.column_stack(cols) if cols else np.empty((prep.nseg, 0))


def segregation_indices(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    by: str | Sequence[str] = (),
    indices: str | Sequence[str] | None = None,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Citywide segregation indices for every ``by`` segment (e.g. kommun × year) at once.

    Parameters
    ----------
    counts : DataFrame
        One row per areal unit (DeSO/RegSO) × the ``by`` keys.
    group : str or list of str
        A column of group counts (two-group: the other group is ``total − group``), or a list of columns
        (multigroup; ``total`` defaults to their sum; if ``total`` is given, ``total − Σ groups`` is added as
        one more group, so Cell-Key-noised SCB totals are respected).
    total : str, optional
        Column of unit totals; required for two-group input.
    by : str or sequence of str
        Segment keys; one result per unique combination.
    indices : str or list of str, optional
        Names from :data:`~segindicators.indices.kernels.TWO_GROUP` (``dissimilarity``, ``gini``,
        ``theil_h``, ``mutual_information`` (M), ``isolation``, ``exposure`` (xPy), ``exposure_yx`` (yPx),
        ``correlation_ratio``, ``atkinson_0.1``, ``atkinson_0.5``, ``atkinson_0.9``) or, for a list ``group``,
        :data:`~segindicators.indices.kernels.MULTIGROUP` (``multigroup_dissimilarity``,
        ``multigroup_theil_h``, ``multigroup_mutual_information``). Default: all of the kind.
    missing : {"raise", "drop"}
        NaN counts raise ``ValueError`` by default; ``"drop"`` drops those units, warns, and records the
        number in ``result.attrs["dropped_missing"]``.

    Returns
    -------
    DataFrame
        Long: the ``by`` columns, ``index`` (str), ``value`` (float), ``flags`` (``"undefined"`` where the
        index is 0/0 for the segment, e.g. the group is absent (P = 0) or is everyone (P = 1); the value is
        then NaN and a warning is emitted). ``attrs`` carries ``dropped_missing`` and
        ``zero_population_units`` (units with total 0 drop out of every formula).

    Notes
    -----
    Formulas (natural logs; :math:`p_i = x_i/t_i`, :math:`P = X/T`):
    :math:`D = \sum_i t_i|p_i-P| / (2TP(1-P))` (Duncan & Duncan 1955);
    :math:`G = \sum_{i,j} t_i t_j |p_i-p_j| / (2T^2P(1-P))`, isolation :math:`\sum_i (x_i/X)(x_i/t_i)`,
    exposure :math:`\sum_i (x_i/X)(y_i/t_i)`, :math:`\eta^2 = (_xP_x^* - P)/(1-P)` and Atkinson
    :math:`A_b` (Massey & Denton 1988; Atkinson 1970); Theil's :math:`H = \sum_i t_i(E-E_i)/(TE)` (Theil 1972;
    Reardon & Firebaugh 2002); the Mutual Information Index
    :math:`M = \sum_i (t_i/T) \sum_g p_{g|i} \ln(p_{g|i}/P_g) = H E` (Theil 1971; Mora & Ruiz-Castillo 2011). See :mod:`segindicators.indices.kernels` for each kernel.

    Examples
    --------
    >>> df = pd.DataFrame({"kommun": ["A"] * 4 + ["B"] * 2,
    ...                    "foreign": [100, 60, 40, 0, 5, 5], "total": [100, 100, 100, 100, 10, 10]})
    >>> r = segregation_indices(df, group="foreign", total="total", by="kommun",
    ...                         indices=["dissimilarity", "isolation"])
    >>> r[["kommun", "index", "value"]]
      kommun          index  value
    0      A  dissimilarity    0.6
    1      A      isolation    0.76
    2      B  dissimilarity    0.0
    3      B      isolation    0.5
    """
    multigroup = not isinstance(group, str)
    names = resolve_indices(indices, multigroup)
    prep = prepare(counts, group=group, total=total, by=by, missing=missing)
    values = _compute(prep, names, multigroup)
    out = _long_result(prep.keys, names, values)
    out.attrs.update(prep.attrs)
    return out
