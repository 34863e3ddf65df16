r"""Open-data reproduction of SCB/Delmos's socio-economic index and områdestyp, at RegSO and DeSO level.

SCB and Delmos's index for a RegSO combines three percentages. The notes of TAB6586's metadata (recorded
2026-06-23) state the method: V1 low economic standard, V2 pre-(upper-)secondary education, V3 financial
assistance for at least ten months and/or unemployed more than six months, "all ratios converted to
percentages", index "(V1+V2+V3)/3", "the higher the value of the index, the worse the socioeconomic
conditions". The metadata names no age band for V2 or V3. The reproduction's inputs:

* **V1** share of persons with low economic standard (< 60 % of the national median; catalogue
  ``low_economic_standard_share``, TAB6685, whole percent — SCB's own V1, 000008IW, has one decimal);
* **V2** share with at most compulsory education (förgymnasial), 25–64 (25–65 from 2024; catalogue
  ``education_compulsory_share``);
* **V3** SCB: share with ≥ 10 months of social assistance and/or > 6 months of unemployment in the year
  (20–64 in the project's method description, issue 5; not in the metadata). **That variable is not open at
  district level.** The reproduction uses a proxy: the share *not employed* 20–64
  (100 − ``employment_rate_20_64``, BAS; RAMS ``employment_rate_20_64_rams`` before 2020, flagged
  ``break``). Every index row carries the flag ``v3_proxy`` and the index is named
  ``socioeconomic_index_v3proxy`` so the substitution shows wherever the number goes.

SCB's published index, components and type (catalogue ``socioeconomic_index_official``,
``socioeconomic_v*_official``, ``area_type_official``) are compared with the reproduction by
:mod:`segindicators.typology.comparison`.

:math:`I_i = (V1_i + V2_i + V3_i)/3` in percent. The area type comes from the distance to the mean in
standard deviations, :math:`z_i = (I_i - \mu)/\sigma` (SCB: "Områdestyperna baseras på hur många
standardavvikelser från indexets medelvärde ett RegSO ligger"; a higher index = worse conditions). The band
edges are a parameter (:class:`BandRule`); the default ``(-1, 0, 1, 2)`` gives type 1 for
:math:`z > 2`, 2 for :math:`1 < z \le 2`, 3 for :math:`0 < z \le 1`, 4 for :math:`-1 < z \le 0` and 5 for
:math:`z \le -1`. These default edges are the project's reading of SCB's description, not cut-offs copied
from SCB's method report (not available offline); :func:`compare_rules` measures how well any set of edges
reproduces the official types on data where both exist. μ and σ are the unweighted mean and standard
deviation (``ddof`` parameter) over all areas of the reference set: the whole country (``"national"``,
SCB's definition — needs national data or explicit ``national=`` μ, σ) or the municipality
(``"kommun"``: the municipal-relative variant, so differences inside one municipality show).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from segindicators.typology._wide import KEYS, wide_indicators

__all__ = [
    "INDEX_NAME",
    "V3_NOTE",
    "Agreement",
    "BandRule",
    "agreement",
    "agreement_from_values",
    "area_types",
    "band_types",
    "compare_rules",
    "socioeconomic_index",
]

INDEX_NAME = "socioeconomic_index_v3proxy"
COMPONENTS = ("v1_low_economic_standard", "v2_compulsory_education", "v3_not_employed_20_64_proxy")
V3_NOTE = (
    "V3 är en ersättning (proxy): SCB/Delmos använder andelen 20–64 år med minst 10 månader ekonomiskt bistånd "
    "och/eller mer än 6 månader arbetslöshet, som inte är öppen statistik på områdesnivå; här används andelen "
    "20–64 år som inte är sysselsatta. / V3 is a proxy: SCB/Delmos use the share aged 20–64 with >= 10 months "
    "of social assistance and/or > 6 months of unemployment (not open at district level); here the share "
    "aged 20-64 not employed is used."
)
_INPUTS = {
    "v1": "low_economic_standard_share",
    "v2": "education_compulsory_share",
    "emp": "employment_rate_20_64",
    "emp_rams": "employment_rate_20_64_rams",
}
NATIONAL_KOMMUNER = 290


@dataclass(frozen=True)
class BandRule:
    """Standard-deviation bands for områdestyp: ``edges`` ascending, in SD units from the mean.

    ``edges = (e1, e2, e3, e4)``: type 5 for z ≤ e1, 4 for e1 < z ≤ e2, 3 for e2 < z ≤ e3, 2 for
    e3 < z ≤ e4, 1 for z > e4 (higher index = worse conditions). ``ddof`` is the delta degrees of freedom of
    σ (0 = population SD).

    Examples
    --------
    >>> BandRule().name
    'sd(-1,0,1,2)'
    >>> BandRule((0, 1, 2))
    Traceback (most recent call last):
    ...
    ValueError: BandRule.edges: expected 4 strictly increasing numbers (5 types), got (0, 1, 2)
    """

    edges: tuple[float, ...] = (-1.0, 0.0, 1.0, 2.0)
    ddof: int = 0

    def __post_init__(self) -> None:
        e = np.asarray(self.edges, dtype=float)
        if e.shape != (4,) or not np.all(np.diff(e) > 0):
            raise ValueError(
                f"BandRule.edges: expected 4 strictly increasing numbers (5 types), got {self.edges!r}"
            )

    @property
    def name(self) -> str:
        return "sd(" + ",".join(f"{x:g}" for x in self.edges) + ")"


def band_types(values: np.ndarray, mu: np.ndarray | float, sigma: np.ndarray | float,
               edges: Sequence[float] = BandRule().edges) -> np.ndarray:  # fmt: skip
    """Områdestyp 1–5 from index values and the reference mean/SD (vectorised; NaN stays NaN).

    Examples
    --------
    >>> band_types(np.array([4.0, 6.0, 7.0, 8.0, 10.0, 12.0, 12.5, np.nan]), 8.0, 2.0)
    array([ 5.,  5.,  4.,  4.,  3.,  2.,  1., nan])
    """
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (v - mu) / sigma
    above = np.searchsorted(np.asarray(edges, dtype=float), z, side="left")  # edges strictly below z
    out = (5 - above).astype(float)
    out[~np.isfinite(z)] = np.nan
    return out


def socioeconomic_index(counts: pd.DataFrame, *, levels: Sequence[str] = ("RegSO", "DeSO")) -> pd.DataFrame:
    """The three components and the index per area × year (percent), from processed counts.

    Parameters
    ----------
    counts
        Processed counts with ``low_economic_standard_share``, ``education_compulsory_share`` and
        ``employment_rate_20_64`` (or ``employment_rate_20_64_rams`` before 2020) rows.
    levels
        Area levels to compute.

    Returns
    -------
    DataFrame
        ``kommun, level, geo_version, year, area, area_name, index, value, flags``; ``index`` is one of
        ``v1_low_economic_standard``, ``v2_compulsory_education``, ``v3_not_employed_20_64_proxy``,
        ``socioeconomic_index_v3proxy``. V3 and index rows carry the flag ``v3_proxy`` (see module notes),
        ``break`` where V3 comes from RAMS, ``suppressed`` where a component is missing (index NaN).
        ``attrs["note"]`` = :data:`V3_NOTE`.

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": "9999", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...     "area": "9999R001", "area_name": "A", "indicator": list(_INPUTS.values())[:3],
    ...     "numerator": np.nan, "denominator": np.nan, "value": [0.30, 0.20, 0.70]})
    >>> socioeconomic_index(c)[["index", "value", "flags"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['v1_low_economic_standard', 30.0, ''], ['v2_compulsory_education', 20.0, ''],
     ['v3_not_employed_20_64_proxy', 30.0, 'v3_proxy'], ['socioeconomic_index_v3proxy', 26.666666666666668, 'v3_proxy']]
    """
    w = wide_indicators(counts, _INPUTS, levels=levels, fields=["value"])
    if w.empty:
        raise ValueError(
            f"counts: no rows for {sorted(_INPUTS.values())} at levels {list(levels)}; the index needs V1 "
            "(low economic standard), V2 (compulsory education) and employment 20–64."
        )
    rams = w["emp_value"].isna() & w["emp_rams_value"].notna()
    emp = w["emp_value"].fillna(w["emp_rams_value"])
    comps = np.column_stack(
        [100.0 * w["v1_value"], 100.0 * w["v2_value"], 100.0 * (1.0 - emp)]
    )  # fmt: skip
    index = comps.mean(axis=1)  # NaN if any component is NaN: no index from two of three
    values = np.column_stack([comps, index])
    names = [*COMPONENTS, INDEX_NAME]
    n = len(w)
    out = w.loc[np.repeat(np.arange(n), 4), [*KEYS, "area_name"]].reset_index(drop=True)
    out["index"] = pd.array(np.tile(np.array(names, dtype=object), n), dtype="str")
    out["value"] = values.reshape(-1)
    proxy = np.tile([False, False, True, True], n)
    brk = np.repeat(rams.to_numpy(), 4) & proxy
    supp = np.isnan(out["value"].to_numpy())
    flags = np.full(len(out), "", dtype=object)
    for token, mask in (("v3_proxy", proxy), ("break", brk), ("suppressed", supp)):
        flags = np.where(mask, np.where(flags == "", token, flags + ";" + token), flags)
    out["flags"] = pd.array(flags, dtype="str")
    out.attrs["note"] = V3_NOTE
    return out


Reference = Literal["national", "kommun"]


def area_types(
    index: pd.DataFrame,
    *,
    rule: BandRule = BandRule(),
    relative_to: Reference = "national",
    national: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Områdestyp 1–5 for every area from the index, by standard-deviation bands.

    Parameters
    ----------
    index
        :func:`socioeconomic_index` output (only ``socioeconomic_index_v3proxy`` rows are used).
    rule
        The band edges (default ``(-1, 0, 1, 2)`` SD, see :class:`BandRule`).
    relative_to
        ``"national"``: μ and σ over all areas of a level, geography version and year (SCB's definition; the
        input must then hold the whole country, or pass ``national``); ``"kommun"``: μ and σ within each
        municipality (the municipal-relative variant).
    national
        Optional frame with ``year`` (and optionally ``level``, ``geo_version``), ``mu``, ``sigma``: the national
        reference when ``index`` covers only some municipalities.

    Returns
    -------
    DataFrame
        ``KEYS, area_name, index, value, z, mu, sigma, rule, flags``; ``index`` is ``area_type_reproduced`` or
        ``area_type_kommun_relative``; ``value`` the type 1–5 (NaN where the index is missing). Flags:
        ``v3_proxy`` always; ``pooled_reference`` when ``relative_to="national"`` but μ, σ come from fewer than
        290 municipalities (then the bands are not national).

    Examples
    --------
    >>> z = np.array([-2, 2, 0, 0, 0, 0, 0, 0, -1, 1, -1, 1.0])  # mean 0, population SD exactly 1
    >>> idx = pd.DataFrame({"kommun": "9999", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...                     "area": [f"R{i:02d}" for i in range(12)], "area_name": pd.NA,
    ...                     "index": INDEX_NAME, "value": 20 + 5 * z, "flags": "v3_proxy"})
    >>> t = area_types(idx, relative_to="kommun")
    >>> t["value"].tolist(), float(t["mu"].iloc[0]), float(t["sigma"].iloc[0])
    ([5.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0, 3.0, 5.0, 3.0], 20.0, 5.0)
    """
    if relative_to not in ("national", "kommun"):
        raise ValueError(f"relative_to: expected 'national' or 'kommun', got {relative_to!r}")
    rows = index.loc[index["index"] == INDEX_NAME].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"index: no {INDEX_NAME!r} rows; pass the output of socioeconomic_index()")
    seg = ["level", "geo_version", "year"] + (["kommun"] if relative_to == "kommun" else [])
    flags = np.full(len(rows), "v3_proxy", dtype=object)
    if relative_to == "national" and national is not None:
        on = [c for c in ("level", "geo_version", "year") if c in national.columns]
        ref = rows[on].merge(national[[*on, "mu", "sigma"]], on=on, how="left", validate="many_to_one")
        if ref["mu"].isna().any():
            miss = rows.loc[ref["mu"].isna().to_numpy(), on].drop_duplicates().head(3).to_dict("records")
            raise ValueError(f"national: no mu/sigma for {miss}; give one row per {on}")
        mu, sigma = ref["mu"].to_numpy(float), ref["sigma"].to_numpy(float)
    else:
        g = rows.groupby(seg, sort=False, dropna=False)["value"]
        mu = g.transform("mean").to_numpy(float)
        sigma = g.transform("std", ddof=rule.ddof).to_numpy(float)
        if relative_to == "national":
            nk = rows.groupby(seg, dropna=False)["kommun"].transform("nunique").to_numpy()
            pooled = nk < NATIONAL_KOMMUNER
            flags = np.where(pooled, "v3_proxy;pooled_reference", flags)
    v = rows["value"].to_numpy(float)
    out = rows[[*KEYS, "area_name"]].copy()
    out["index"] = "area_type_reproduced" if relative_to == "national" else "area_type_kommun_relative"
    out["index"] = out["index"].astype("str")
    out["value"] = band_types(v, mu, sigma, rule.edges)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["z"] = (v - mu) / sigma
    out["mu"], out["sigma"] = mu, sigma
    out["rule"] = rule.name
    out["flags"] = pd.array(flags, dtype="str")
    out.attrs["note"] = V3_NOTE
    return out


@dataclass(frozen=True)
class Agreement:
    r"""Agreement of reproduced with official types: confusion matrix (rows official, columns reproduced).

    Attributes
    ----------
    confusion
        5×5 counts, index ``official`` 1–5, columns ``reproduced`` 1–5.
    n
        Pairs counted (both types present).
    share_agreeing
        :math:`p_o`, the share on the diagonal.
    kappa
        Cohen's (1960) unweighted κ.
    within_one
        Share of pairs whose types differ by at most one class.
    kappa_linear, kappa_quadratic
        Cohen's (1968) weighted κ with linear (:math:`|i-j|`) and quadratic (:math:`(i-j)^2`) disagreement
        weights; NaN when the object was built without them.
    """

    confusion: pd.DataFrame
    n: int
    share_agreeing: float
    kappa: float
    within_one: float
    kappa_linear: float = float("nan")
    kappa_quadratic: float = float("nan")

    def summary(self) -> dict[str, float]:
        return {"n": self.n, "share_agreeing": self.share_agreeing, "kappa": self.kappa,
                "within_one": self.within_one, "kappa_linear": self.kappa_linear}  # fmt: skip

    def per_type(self) -> pd.DataFrame:
        """Per official type: pairs (``n``) and the share reproduced as the same type (NaN where ``n`` is 0).

        Examples
        --------
        >>> a = agreement_from_values(np.array([1.0, 1.0, 2.0]), np.array([1.0, 2.0, 2.0]))
        >>> a.per_type().loc[[1, 2, 3]].values.tolist()
        [[2.0, 0.5], [1.0, 1.0], [0.0, nan]]
        """
        m = self.confusion.to_numpy(dtype=float)
        rows = m.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(rows > 0, np.diag(m) / rows, np.nan)
        return pd.DataFrame({"n": rows, "share_agreeing": share}, index=self.confusion.index)


CLASSES = (1, 2, 3, 4, 5)


def _weighted_kappa(p: np.ndarray, power: int) -> float:
    """Cohen's (1968) weighted κ of a joint-proportion matrix, disagreement weights :math:`|i-j|^{power}`."""
    k = np.arange(p.shape[0], dtype=float)
    v = np.abs(k[:, None] - k[None, :]) ** power
    expected = float((v * np.outer(p.sum(axis=1), p.sum(axis=0))).sum())
    return 1.0 - float((v * p).sum()) / expected if expected > 0 else float("nan")


def agreement_from_values(official: np.ndarray, reproduced: np.ndarray) -> Agreement:
    r""":class:`Agreement` of two aligned arrays of types 1–5 (pairs with a NaN on either side left out).

    :math:`\kappa = (p_o - p_e)/(1 - p_e)` with :math:`p_o = \sum_k p_{kk}` and
    :math:`p_e = \sum_k p_{k\cdot} p_{\cdot k}` (Cohen 1960). Weighted (Cohen 1968):
    :math:`\kappa_w = 1 - \sum_{ij} v_{ij} p_{ij} / \sum_{ij} v_{ij} p_{i\cdot} p_{\cdot j}` with
    :math:`v_{ij} = |i-j|` (linear) or :math:`(i-j)^2` (quadratic). The types are ordered SD bands, so a
    disagreement by two classes is worse than by one: the linear weights count classes apart and are the
    weighted figure to quote; the quadratic one is given because it is the common choice elsewhere (it
    approaches the intraclass correlation, Fleiss & Cohen 1973) and weighs large misses more.

    Raises
    ------
    ValueError
        If the arrays differ in length, no pair remains, or a value is not a class 1–5.

    Examples
    --------
    >>> a = agreement_from_values(np.array([1.0, 2, 3, 3, np.nan]), np.array([1.0, 3, 3, 3, 2]))
    >>> a.n, a.share_agreeing, round(a.kappa, 4), round(a.kappa_linear, 4)  # κ_w = 1 - 0.25/0.875
    (4, 0.75, 0.5556, 0.7143)
    """
    off = np.asarray(official, dtype=float)
    rep = np.asarray(reproduced, dtype=float)
    if off.shape != rep.shape or off.ndim != 1:
        raise ValueError(
            f"agreement: official and reproduced must be aligned 1-d arrays, got shapes {off.shape} and "
            f"{rep.shape}; pair them on the same areas and years first."
        )
    keep = ~np.isnan(off) & ~np.isnan(rep)
    off, rep = off[keep], rep[keep]
    if off.size == 0:
        raise ValueError("agreement: no pairs with both types; check that the areas and years overlap")
    for name, v in (("official", off), ("reproduced", rep)):
        bad = ~np.isin(v, CLASSES)
        if bad.any():
            raise ValueError(
                f"agreement: {name} types must be classes 1–5, got {sorted(set(v[bad].tolist()))[:5]}; "
                "pass area types, not index values."
            )
    cells = np.bincount((off.astype(int) - 1) * 5 + (rep.astype(int) - 1), minlength=25).reshape(5, 5)
    conf = pd.DataFrame(cells, index=pd.Index(CLASSES, name="official"),
                        columns=pd.Index(CLASSES, name="reproduced"))  # fmt: skip
    p = cells / off.size
    po = float(np.trace(p))
    pe = float(p.sum(axis=1) @ p.sum(axis=0))
    kappa = (po - pe) / (1.0 - pe) if pe < 1 else float("nan")
    within = float(np.mean(np.abs(rep - off) <= 1))
    return Agreement(conf, int(off.size), po, kappa, within, _weighted_kappa(p, 1), _weighted_kappa(p, 2))


def agreement(
    reproduced: pd.DataFrame, official: pd.DataFrame, *, on: Sequence[str] = ("area", "year")
) -> Agreement:
    r"""Confusion matrix, share agreeing and Cohen's kappa between reproduced and official types.

    :math:`\kappa = (p_o - p_e)/(1 - p_e)` with :math:`p_o` the share on the diagonal and
    :math:`p_e = \sum_k p_{k\cdot} p_{\cdot k}` the agreement expected from the margins (Cohen 1960,
    "A coefficient of agreement for nominal scales", Educ. Psychol. Meas. 20(1)); weighted κ (linear and
    quadratic disagreement weights, Cohen 1968, "Weighted kappa", Psychol. Bull. 70(4)) as in
    :func:`agreement_from_values`. ``within_one`` = share whose types differ by at most one class. Pairs with
    a missing type on either side are left out.

    Examples
    --------
    >>> off = pd.DataFrame({"area": list("abcd"), "year": 2022, "value": [1.0, 2.0, 3.0, 3.0]})
    >>> rep = pd.DataFrame({"area": list("abcd"), "year": 2022, "value": [1.0, 3.0, 3.0, 3.0]})
    >>> a = agreement(rep, off)
    >>> a.share_agreeing, round(a.kappa, 4), a.within_one
    (0.75, 0.5556, 1.0)
    """
    on_l = list(on)
    m = reproduced[[*on_l, "value"]].merge(
        official[[*on_l, "value"]], on=on_l, suffixes=("_rep", "_off"), validate="one_to_one"
    )
    m = m.dropna(subset=["value_rep", "value_off"])
    if m.empty:
        raise ValueError(
            f"agreement: no pairs with both types on {on_l}; check that the areas and years overlap"
        )
    return agreement_from_values(m["value_off"].to_numpy(float), m["value_rep"].to_numpy(float))


def compare_rules(
    index: pd.DataFrame,
    official: pd.DataFrame,
    rules: Mapping[str, BandRule] | None = None,
    *,
    relative_to: Reference = "national",
    national: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Agreement of each band rule with the official types (one row per rule, best first by kappa).

    Use on real data when online (national RegSO index and TAB6586) to choose the rule; on synthetic data the
    figure says nothing about real agreement.

    Returns
    -------
    DataFrame
        ``rule, edges, n, share_agreeing, kappa, within_one, v3`` (``v3`` states the proxy), sorted by kappa
        (descending); ``attrs["note"]`` = :data:`V3_NOTE`.
    """
    rules = rules or {"default": BandRule()}
    rows = []
    for name, rule in rules.items():
        t = area_types(index, rule=rule, relative_to=relative_to, national=national)
        t = t[t["level"] == "RegSO"]
        a = agreement(t, official)
        rows.append({"rule": name, "edges": rule.name, **a.summary(), "v3": "proxy: not employed 20-64"})
    out = pd.DataFrame(rows).sort_values("kappa", ascending=False, kind="mergesort").reset_index(drop=True)
    out.attrs["note"] = V3_NOTE
    return out
