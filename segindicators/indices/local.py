"""Local (per-area and per-group) indices, the Index of Concentration at the Extremes (ICE) and its summaries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, _as_list, prepare
from segindicators.indices.citywide import _long_result
from segindicators.indices.kernels import _entropy2, _xlogx_ratio, ssum

LOCAL_INDICES = ("location_quotient", "local_entropy", "theil_h_contribution")

#: Index names of :func:`mutual_local`: the local segregation score and the weight it carries in M.
MUTUAL_LOCAL = ("local_segregation", "population_share")


def _local_frame(counts, prep, unit_cols, by_cols, names, values) -> pd.DataFrame:
    n = len(prep.rows)
    base = counts.iloc[prep.rows][[*by_cols, *unit_cols]].reset_index(drop=True)
    out = base.loc[np.repeat(np.arange(n), len(names))].reset_index(drop=True)
    out["index"] = pd.array(np.tile(np.array(names, dtype=object), n), dtype="str")
    out["value"] = np.column_stack(values).reshape(-1)
    out.attrs.update(prep.attrs)
    return out


def local_indices(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    unit: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Per-area location quotient, normalised local entropy and contribution to Theil's H.

    * ``location_quotient`` :math:`LQ_i = p_i / P` (two-group only): the group's share in the area relative
      to its share in the segment (Isard 1960; used as a local segregation measure e.g. by Brown & Chung 2006).
    * ``local_entropy`` :math:`E_i / \ln K`: the area's diversity, 0 (one group only) to 1 (all K groups
      equal) (Theil 1972; White 1986 — normalised by the maximum entropy ln K).
    * ``theil_h_contribution`` :math:`t_i (E - E_i) / (T E)` for two groups, and
      :math:`\sum_k t_i p_{ik}\ln(p_{ik}/P_k) / (T E)` for K groups: the area's additive term of Theil's H
      (Reardon & Firebaugh 2002), so the contributions of a segment sum to its H exactly. Negative when the
      area is more mixed than the segment as a whole (two-group form).

    Parameters
    ----------
    counts, group, total, by, missing
        As in :func:`segindicators.indices.segregation_indices`.
    unit : str or list of str
        Column(s) identifying the area (kept in the output).

    Returns
    -------
    DataFrame
        ``by`` columns + ``unit`` columns + ``index`` + ``value``; zero-population areas are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"area": list("abcd"), "x": [100, 60, 40, 0], "t": [100] * 4})
    >>> r = local_indices(df, group="x", total="t", unit="area")
    >>> r[r["index"] == "location_quotient"]["value"].tolist()
    [2.0, 1.2, 0.8, 0.0]
    >>> round(float(r[r["index"] == "theil_h_contribution"]["value"].sum()), 12)  # = H
    0.514524702773
    """
    by_l, unit_l = _as_list(by), _as_list(unit)
    prep = prepare(counts, group=group, total=total, by=by_l, missing=missing)
    x, t, c, nseg = prep.x, prep.t, prep.codes, prep.nseg
    T = ssum(t, c, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        if x.ndim == 1:
            P = ssum(x, c, nseg) / T
            p = x / t
            E, Ei = _entropy2(P), _entropy2(p)
            values = [p / P[c], Ei / np.log(2.0), t * (E[c] - Ei) / (T * E)[c]]
            names = list(LOCAL_INDICES)
        else:
            K = x.shape[1]
            Pk = np.column_stack([ssum(x[:, k], c, nseg) for k in range(K)]) / T[:, None]
            pik = x / t[:, None]
            E = -_xlogx_ratio(Pk, np.ones_like(Pk)).sum(axis=1)
            Ei = -_xlogx_ratio(pik, np.ones_like(pik)).sum(axis=1)
            contrib = (t[:, None] * _xlogx_ratio(pik, Pk[c])).sum(axis=1) / (T * E)[c]
            values = [Ei / np.log(K), contrib]
            names = ["local_entropy", "multigroup_theil_h_contribution"]
    return _local_frame(counts, prep, unit_l, by_l, names, values)


def _group_table(prep, group) -> tuple[np.ndarray, list[str]]:
    """The unit × group count table (n, K) and the group names, the complement named ``"other"``."""
    if prep.x.ndim == 1:
        return np.column_stack([prep.x, prep.t - prep.x]), [group, "other"]
    names = list(group) + (["other"] if prep.attrs.get("residual_group") else [])
    return prep.x, names


def mutual_local(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    unit: str | Sequence[str],
    by: str | Sequence[str] = (),
    per: str = "unit",
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Local segregation scores of the Mutual Information Index M, per area or per group.

    With :math:`p_{g|i}` the share of group g in area i, :math:`P_g` its share in the segment, :math:`p_i` the
    area's share of the segment's population and :math:`p_{i|g}` the share of group g's members living in i:

    * ``per="unit"``: :math:`L_i = \sum_g p_{g|i} \ln(p_{g|i} / P_g)`, how far area i's composition is from
      the segment's (a Kullback–Leibler divergence, ≥ 0);
    * ``per="group"``: :math:`L_g = \sum_i p_{i|g} \ln(p_{i|g} / p_i)`, how far group g's residential
      distribution is from the population's.

    Both add up to M with their population shares as weights,
    :math:`M = \sum_i p_i L_i = \sum_g P_g L_g` (Theil 1971; Mora & Ruiz-Castillo 2011, who call the
    group terms the groups' local segregation; Elbers's R package ``segregation``, ``mutual_local``).
    :math:`p_i L_i / E` is the area's term of Theil's H (``theil_h_contribution`` of :func:`local_indices`).

    Parameters
    ----------
    counts, group, total, by, missing
        As in :func:`segindicators.indices.segregation_indices`; a single ``group`` column is read against
        the rest of ``total`` (named ``"other"``), and so is the residual ``total − Σ groups`` of a list.
    unit : str or list of str
        Column(s) identifying the area (kept in the output for ``per="unit"``).
    per : {"unit", "group"}
        Score each area or each group.

    Returns
    -------
    DataFrame
        ``per="unit"``: ``by`` + ``unit`` columns, ``index`` ∈ {``local_segregation``, ``population_share``},
        ``value``. ``per="group"``: ``by`` columns, ``group`` (the group's column name, or ``"other"``),
        ``index`` ∈ {``local_segregation``, ``population_share``}, ``value``; a group with no members in the
        segment has ``local_segregation`` NaN (and share 0). Natural logs.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["a", "b"], "x": [100, 0], "t": [100, 100]})
    >>> r = mutual_local(df, group="x", total="t", unit="area")
    >>> r.pivot(index="area", columns="index", values="value").round(6)
    index  local_segregation  population_share
    area
    a               0.693147               0.5
    b               0.693147               0.5
    >>> g = mutual_local(df, group="x", total="t", unit="area", per="group")
    >>> g[g["index"] == "local_segregation"][["group", "value"]].round(6).values.tolist()
    [['x', 0.693147], ['other', 0.693147]]
    """
    if per not in ("unit", "group"):
        raise ValueError(f"per must be 'unit' or 'group', got {per!r}")
    by_l, unit_l = _as_list(by), _as_list(unit)
    if per == "group" and "group" in by_l:
        raise ValueError(
            "mutual_local(per='group') names its group column 'group'; rename the by column 'group'"
        )
    prep = prepare(counts, group=group, total=total, by=by_l, missing=missing)
    F, names = _group_table(prep, group)
    t, c, nseg = prep.t, prep.codes, prep.nseg
    K = F.shape[1]
    T = ssum(t, c, nseg)
    Xk = np.column_stack([ssum(F[:, k], c, nseg) for k in range(K)])  # loop over groups, not units
    with np.errstate(divide="ignore", invalid="ignore"):
        if per == "unit":
            L = _xlogx_ratio(F / t[:, None], (Xk / T[:, None])[c]).sum(axis=1)
            return _local_frame(counts, prep, unit_l, by_l, list(MUTUAL_LOCAL), [L, t / T[c]])
        p_i = (t / T[c])[:, None]
        terms = _xlogx_ratio(F / Xk[c], p_i)
        Lg = np.column_stack([ssum(terms[:, k], c, nseg) for k in range(K)])
        Lg = np.where(Xk > 0, Lg, np.nan)
        share = Xk / T[:, None]
    # rows: segment × group × (local_segregation, population_share)
    out = prep.keys.loc[np.repeat(np.arange(nseg), 2 * K)].reset_index(drop=True)
    out["group"] = pd.array(np.tile(np.repeat(np.array(names, dtype=object), 2), nseg), dtype="str")
    out["index"] = pd.array(np.tile(np.array(MUTUAL_LOCAL, dtype=object), nseg * K), dtype="str")
    out["value"] = np.stack([Lg, share], axis=-1).reshape(-1)
    out.attrs.update(prep.attrs)
    return out


def ice(
    counts: pd.DataFrame,
    *,
    privileged: str,
    deprived: str,
    total: str,
    unit: str | Sequence[str],
    by: str | Sequence[str] = (),
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Index of Concentration at the Extremes per area, :math:`ICE_i = (A_i - P_i) / T_i`.

    Massey (2001), "The prodigal paradigm returns: ecology comes back to sociology", in Booth & Crouter (eds.),
    *Does It Take a Village?*; Krieger et al. (2016), "Public health monitoring of privilege and deprivation with
    the Index of Concentration at the Extremes", AJPH 106(2). ``A`` = persons in the privileged extreme (e.g.
    high economic standard), ``P`` = persons in the deprived extreme (e.g. low economic standard), ``T`` = all
    persons with the characteristic measured. Range −1 (everyone deprived) to +1 (everyone privileged).

    Returns
    -------
    DataFrame
        ``by`` + ``unit`` columns, ``index`` = ``"ice"``, ``value``. Areas with ``total`` 0 are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"area": ["a", "b"], "high": [50, 10], "low": [10, 70], "n": [100, 100]})
    >>> ice(df, privileged="high", deprived="low", total="n", unit="area")["value"].tolist()
    [0.4, -0.6]
    """
    by_l, unit_l = _as_list(by), _as_list(unit)
    prep = prepare(counts, group=[privileged, deprived], total=total, by=by_l, missing=missing)
    a, d = prep.x[:, 0], prep.x[:, 1]
    return _local_frame(counts, prep, unit_l, by_l, ["ice"], [(a - d) / prep.t])


def ice_summary(
    counts: pd.DataFrame,
    *,
    privileged: str,
    deprived: str,
    total: str,
    by: str | Sequence[str] = (),
    high: float = 0.2,
    low: float = -0.2,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Municipal summaries of the ICE: population-weighted mean and shares living at the extremes.

    * ``ice_mean`` :math:`\sum_i T_i ICE_i / \sum_i T_i = (\sum A_i - \sum P_i)/\sum T_i` — the ICE of the
      whole segment;
    * ``ice_share_high`` — share of the population living in areas with :math:`ICE_i \ge` ``high``;
    * ``ice_share_low`` — share living in areas with :math:`ICE_i \le` ``low``.

    The ±0.2 defaults follow common practice of marking concentrated privilege/deprivation (Krieger et al.
    2016 use quintiles; thresholds are parameters because the cut-offs are a policy choice). Sources as in
    :func:`ice`.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["A", "A", "A"], "high": [50, 10, 20], "low": [10, 70, 20], "n": [100, 100, 200]})
    >>> ice_summary(df, privileged="high", deprived="low", total="n", by="k")[["index", "value"]]
                index  value
    0        ice_mean  -0.05
    1  ice_share_high   0.25
    2   ice_share_low   0.25
    """
    if not low < high:
        raise ValueError(f"ice_summary needs low < high, got low={low!r}, high={high!r}")
    prep = prepare(counts, group=[privileged, deprived], total=total, by=by, missing=missing)
    a, d, t, c, nseg = prep.x[:, 0], prep.x[:, 1], prep.t, prep.codes, prep.nseg
    v = (a - d) / t
    T = ssum(t, c, nseg)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.column_stack(
            [
                ssum(a - d, c, nseg) / T,
                ssum(np.where(v >= high, t, 0.0), c, nseg) / T,
                ssum(np.where(v <= low, t, 0.0), c, nseg) / T,
            ]
        )
    out = _long_result(prep.keys, ["ice_mean", "ice_share_high", "ice_share_low"], values)
    out.attrs.update(prep.attrs, ice_high=high, ice_low=low)
    return out
