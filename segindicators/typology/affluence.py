r"""Concentrated affluence and deprivation for every district of a municipality, in one vectorised call.

Measures per area × year (``measure`` column):

* ICE, the Index of Concentration at the Extremes :math:`(A_i - P_i)/T_i` (Massey 2001; Krieger et al.
  2016), via :func:`segindicators.indices.ice`, on three dimensions:

  - ``ice_income`` — **kvartils-ICE**: persons 20+ in the national top income quartile minus those in the
    bottom quartile, over persons 20+. SCB publishes the quartile *shares*; counts are reconstructed as
    share × persons by the catalogue (``income_q4_share``/``income_q1_share``), so this is a quartile ICE,
    not Krieger's household-income ICE;
  - ``ice_education`` — eftergymnasial ≥ 3 years minus förgymnasial, over residents 25–64 (25–65 from 2024);
  - ``ice_background`` — Swedish minus foreign background, over all residents.

* location quotients :math:`LQ_i = p_i / P_{kommun}` (Isard 1960) via :func:`segindicators.indices.local_indices`
  of ``high_economic_standard`` (> 200 % of the national median), ``post_secondary_3plus`` and
  ``swedish_background``, and the shares themselves (``share_*``).

For each row: the published value, the empirical-Bayes value (``value_eb``, below), the municipal value
(pooled over the areas: :math:`\sum A - \sum P` over :math:`\sum T`, i.e. ``ice_summary``'s ``ice_mean``;
:math:`\sum G/\sum T` for shares; 1 for an LQ), the national value (from ``level == "riket"`` rows when the
processed file has them, else NaN; for an LQ: :math:`P_{riket}/P_{kommun}`, the LQ of a district with the
national share), the distances ``value − kommun_value`` and ``value − national_value``, and the rank of the
area within its municipality and year (1 = most affluent; ranked on ``value_eb``).

Empirical Bayes (beta-binomial, method of moments). Shares of small areas are noisy, so before ranking each
share :math:`p_i = x_i/n_i` is shrunk toward the municipal value :math:`\mu = \sum x/\sum n`:
:math:`\tilde p_i = B_i\mu + (1 - B_i)p_i`, :math:`B_i = M/(n_i + M)`, with the prior Beta(:math:`M\mu`,
:math:`M(1-\mu)`), :math:`M = \mu(1-\mu)/\tau^2 - 1`. The between-area variance :math:`\tau^2` is estimated by
moments: with :math:`S = \sum n_i(p_i-\mu)^2`, :math:`E[S] = \tau^2(N - \sum n_i^2/N - (k-1)) + (k-1)\mu(1-\mu)`
(:math:`N = \sum n_i`, :math:`k` areas), so :math:`\hat\tau^2 = (S - (k-1)\mu(1-\mu))/(N - \sum n_i^2/N - (k-1))`,
truncated to :math:`[0, \mu(1-\mu)]` (Kleinman 1973, "Proportions with extraneous variance", JASA 68(341);
the Poisson analogue is Marshall 1991, Applied Statistics 40(2)). :math:`\hat\tau^2 = 0` shrinks every area
to :math:`\mu` (the data show no variation beyond chance). An ICE is shrunk through its two shares:
:math:`\widetilde{ICE}_i = \tilde p_{A,i} - \tilde p_{P,i}`; an LQ as :math:`\tilde p_i/\mu`.

Flags (explicit thresholds, :class:`Thresholds`): an area is **koncentrerat välstånd / concentrated
affluence** when its EB-ICE is at least ``ice_margin`` (default 0.2) *above* the reference on at least
``min_dimensions`` (default 2) of the three dimensions, and **koncentrerad fattigdom / concentrated
deprivation** when at least ``ice_margin`` *below* it on at least ``min_dimensions``. The reference is the
municipal ICE by default (``reference="kommun"``: the question is which districts are disproportionate
*within* the municipality), the national ICE (``"national"``) or 0 (``"absolute"``: Krieger-style
absolute cut-offs — note that national ICE for background and education are far from 0 in Sweden, so
absolute cut-offs flag most districts on those two dimensions). A row whose base :math:`n` is below
``small_area_n`` persons gets the flag ``small_area``; a missing input gives NaN and ``suppressed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from segindicators.indices import ice, ice_summary, local_indices
from segindicators.typology._wide import KEYS, wide_indicators

__all__ = ["MEASURES", "Thresholds", "affluence_measures", "eb_shrink"]

SEGMENT = ["kommun", "level", "geo_version", "year"]
_INPUTS = {
    "q1": "income_q1_share",
    "q4": "income_q4_share",
    "comp": "education_compulsory_share",
    "post3": "education_post_secondary_3plus_share",
    "foreign": "foreign_background_share",
    "high": "high_economic_standard_share",
}
#: measure id -> (Swedish label, English label)
MEASURES: dict[str, tuple[str, str]] = {
    "ice_income": ("Kvartils-ICE inkomst", "quartile ICE, income (top vs bottom national quartile, 20+)"),
    "ice_education": ("ICE utbildning", "ICE education (post-secondary ≥ 3 years vs compulsory, 25–64)"),
    "ice_background": ("ICE bakgrund", "ICE background (Swedish vs foreign background)"),
    "share_high_economic_standard": ("Andel hög ekonomisk standard", "share with high economic standard"),
    "share_post_secondary_3plus": ("Andel eftergymnasial ≥ 3 år", "share with post-secondary ≥ 3 years"),
    "share_swedish_background": ("Andel svensk bakgrund", "share with Swedish background"),
    "lq_high_economic_standard": ("LQ hög ekonomisk standard", "location quotient, high economic standard"),
    "lq_post_secondary_3plus": ("LQ eftergymnasial ≥ 3 år", "location quotient, post-secondary ≥ 3 years"),
    "lq_swedish_background": ("LQ svensk bakgrund", "location quotient, Swedish background"),
}
AFFLUENCE_SV, DEPRIVATION_SV = "koncentrerat välstånd", "koncentrerad fattigdom"


@dataclass(frozen=True)
class Thresholds:
    """Documented defaults for the concentration flags and the small-area flag (see module notes)."""

    ice_margin: float = 0.2
    min_dimensions: int = 2
    reference: Literal["kommun", "national", "absolute"] = "kommun"
    small_area_n: float = 1000.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_dimensions <= 3:
            raise ValueError(
                f"Thresholds.min_dimensions: expected 1, 2 or 3 (of 3 ICE dimensions), got {self.min_dimensions!r}"
            )
        if not self.ice_margin > 0:
            raise ValueError(
                f"Thresholds.ice_margin: expected a positive ICE difference, got {self.ice_margin!r}"
            )
        if self.reference not in ("kommun", "national", "absolute"):
            raise ValueError(
                f"Thresholds.reference: expected 'kommun', 'national' or 'absolute', got {self.reference!r}"
            )


def eb_shrink(
    x: np.ndarray, n: np.ndarray, codes: np.ndarray, nseg: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Beta-binomial empirical-Bayes shrinkage of shares :math:`x_i/n_i` toward their segment's pooled share.

    Parameters
    ----------
    x, n
        Counts and bases (float; NaN or ``n <= 0`` = not estimable, stays NaN and is left out of the moments).
    codes
        Segment code (0..nseg-1) of every area, e.g. kommun × year.
    nseg
        Number of segments.

    Returns
    -------
    shrunk, mu, tau2
        Shrunk shares (per area), pooled share per segment, estimated between-area variance per segment
        (NaN where it cannot be estimated — fewer than two areas — and then no shrinkage is applied).

    Examples
    --------
    Two areas, same size: between-area variance estimate 0.0 → both shrink fully to the pooled share.

    >>> s, mu, tau2 = eb_shrink(np.array([52.0, 48.0]), np.array([100.0, 100.0]), np.array([0, 0]), 1)
    >>> s.tolist(), mu.tolist(), tau2.tolist()
    ([0.5, 0.5], [0.5], [0.0])

    Far apart: :math:`\hat\tau^2 = (200\cdot0.09 - 0.25)/(200 - 100 - 1)`, :math:`M = 0.25/\hat\tau^2 - 1`.

    >>> s, mu, tau2 = eb_shrink(np.array([80.0, 20.0]), np.array([100.0, 100.0]), np.array([0, 0]), 1)
    >>> round(float(tau2[0]), 6), np.round(s, 4).tolist()
    (0.179293, [0.7988, 0.2012])
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0)
    c = codes[valid]
    xv, nv = x[valid], n[valid]
    N = np.bincount(c, nv, minlength=nseg)
    k = np.bincount(c, minlength=nseg).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.bincount(c, xv, minlength=nseg) / N
        p = xv / nv
        S = np.bincount(c, nv * (p - mu[c]) ** 2, minlength=nseg)
        denom = N - np.bincount(c, nv**2, minlength=nseg) / N - (k - 1)
        var = mu * (1 - mu)
        tau2 = np.where(denom > 0, np.clip((S - (k - 1) * var) / denom, 0.0, var), np.nan)
        M = np.where(tau2 > 0, np.maximum(var / tau2 - 1.0, 0.0), np.inf)
    Mc, t2c = M[c], tau2[c]
    finite_m = np.where(np.isinf(Mc), 0.0, Mc)
    B = np.where(np.isnan(t2c), 0.0, np.where(np.isinf(Mc), 1.0, finite_m / (nv + finite_m)))
    shrunk = np.full(len(x), np.nan)
    shrunk[valid] = B * mu[c] + (1 - B) * p
    return shrunk, mu, tau2


def _count(w: pd.DataFrame, alias: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator (falling back to value × denominator) and denominator of one input indicator."""
    den = w[f"{alias}_denominator"].to_numpy(float)
    num = w[f"{alias}_numerator"].to_numpy(float)
    num = np.where(np.isnan(num), w[f"{alias}_value"].to_numpy(float) * den, num)
    return num, den


def _components(w: pd.DataFrame) -> tuple[dict, dict]:
    """ICE dimensions {measure: (A, P, T)} and share groups {name: (G, T)} as float arrays."""
    q4, t4 = _count(w, "q4")
    q1, t1 = _count(w, "q1")
    post3, tp = _count(w, "post3")
    comp, tc = _count(w, "comp")
    foreign, tf = _count(w, "foreign")
    high, th = _count(w, "high")
    t_inc = np.where(np.isnan(t1), t4, t1)
    t_edu = np.where(np.isnan(tc), tp, tc)
    ice_dims = {
        "ice_income": (q4, q1, t_inc),
        "ice_education": (post3, comp, t_edu),
        "ice_background": (tf - foreign, foreign, tf),
    }
    shares = {
        "high_economic_standard": (high, th),
        "post_secondary_3plus": (post3, tp),
        "swedish_background": (tf - foreign, tf),
    }
    return ice_dims, shares


def _complete(arrays: dict[str, np.ndarray], keys: pd.DataFrame) -> pd.DataFrame:
    """Rows with every count present and a positive total, with their position ``_row``."""
    df = keys.assign(**arrays)
    ok = np.logical_and.reduce([np.isfinite(a) for a in arrays.values()]) & (arrays["T"] > 0)
    return df.assign(_row=np.arange(len(df))).loc[ok].reset_index(drop=True)


def _national(counts: pd.DataFrame, w: pd.DataFrame) -> dict[str, np.ndarray]:
    """National value of every measure, aligned to the rows of ``w`` (NaN without ``riket`` rows)."""
    nat = wide_indicators(counts, _INPUTS, levels=["riket"])
    out: dict[str, np.ndarray] = {}
    if nat.empty:
        return out
    nat = nat.drop_duplicates(["geo_version", "year"])
    pos = pd.MultiIndex.from_frame(nat[["geo_version", "year"]]).get_indexer(
        pd.MultiIndex.from_frame(w[["geo_version", "year"]])
    )
    dims, shares = _components(nat)
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = {m: (a - p) / t for m, (a, p, t) in dims.items()}
        vals |= {f"share_{s}": g / t for s, (g, t) in shares.items()}
    for m, v in vals.items():
        out[m] = np.where(pos >= 0, v[np.clip(pos, 0, None)], np.nan)
    return out


def affluence_measures(
    counts: pd.DataFrame,
    *,
    level: str = "RegSO",
    thresholds: Thresholds = Thresholds(),
    shrink: bool = True,
) -> pd.DataFrame:
    """ICE, shares and location quotients with EB values, ranks, distances and concentration flags.

    Every municipality × geography version × year in ``counts`` is computed at once (vectorised).

    Parameters
    ----------
    counts
        Processed counts (``data/processed/counts.parquet``) with the rows of ``income_q1_share``,
        ``income_q4_share``, ``education_compulsory_share``, ``education_post_secondary_3plus_share``,
        ``foreign_background_share`` and ``high_economic_standard_share`` at ``level``; ``level == "riket"``
        rows, when present, give the national values.
    level
        ``"RegSO"`` or ``"DeSO"``.
    thresholds
        The concentration and small-area thresholds (:class:`Thresholds`; defaults documented there and in
        the module notes).
    shrink
        Rank on empirical-Bayes values (default). ``False`` ranks the published values (``value_eb`` =
        ``value``).

    Returns
    -------
    DataFrame
        One row per area × year × measure (:data:`MEASURES`): ``kommun, level, geo_version, year, area,
        area_name, measure, label_sv, value, value_eb, n, kommun_value, national_value, diff_kommun,
        diff_national, rank, n_ranked, concentration, flags``. ``concentration`` is ``"koncentrerat
        välstånd"``, ``"koncentrerad fattigdom"`` or ``""`` (the same on every row of an area-year);
        ``flags`` joins ``concentrated_affluence``/``concentrated_deprivation``, ``small_area`` and
        ``suppressed``. ``attrs`` carries the thresholds.

    Raises
    ------
    ValueError
        Unknown ``level``, no input rows, or ``reference="national"`` without ``riket`` rows.
    """
    if level not in ("RegSO", "DeSO"):
        raise ValueError(f"level: expected 'RegSO' or 'DeSO', got {level!r}")
    w = wide_indicators(counts, _INPUTS, levels=[level])
    if w.empty:
        raise ValueError(
            f"counts: no {level} rows for {sorted(_INPUTS.values())}; build them with the catalogue "
            f"(segindicators.catalogue.build_counts(..., level={level!r}))."
        )
    grouped = w.groupby(SEGMENT, sort=True, dropna=False)
    codes = grouped.ngroup().to_numpy(np.intp)
    nseg = int(codes.max()) + 1
    keys = w[SEGMENT]
    dims, shares = _components(w)
    national = _national(counts, w)
    n_area = len(w)
    results: dict[str, dict[str, np.ndarray]] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for m, (a, p, t) in dims.items():
            df = _complete({"A": a, "P": p, "T": t}, keys)
            value = np.full(n_area, np.nan)
            kommun = np.full(nseg, np.nan)
            if len(df):
                r = ice(df, privileged="A", deprived="P", total="T", unit="_row")
                value[r["_row"].to_numpy()] = r["value"].to_numpy()
                s = ice_summary(df, privileged="A", deprived="P", total="T", by=SEGMENT)
                s = s[s["index"] == "ice_mean"]
                seg_pos = pd.MultiIndex.from_frame(grouped.size().index.to_frame(index=False)).get_indexer(
                    pd.MultiIndex.from_frame(s[SEGMENT])
                )
                kommun[seg_pos] = s["value"].to_numpy()
            if shrink:
                sa, _, _ = eb_shrink(a, t, codes, nseg)
                sp, _, _ = eb_shrink(p, t, codes, nseg)
                eb = sa - sp
            else:
                eb = value
            results[m] = {"value": value, "value_eb": eb, "n": t, "kommun_value": kommun[codes],
                          "national_value": national.get(m, np.full(n_area, np.nan))}  # fmt: skip
        for name, (g, t) in shares.items():
            p = g / t
            p = np.where(np.isfinite(p) & (t > 0), p, np.nan)
            shrunk, mu, _ = eb_shrink(g, t, codes, nseg)
            eb = shrunk if shrink else p
            df = _complete({"G": g, "T": t}, keys)
            lq = np.full(n_area, np.nan)
            if len(df):
                r = local_indices(df, group="G", total="T", unit="_row", by=SEGMENT)
                r = r[r["index"] == "location_quotient"]
                lq[r["_row"].to_numpy()] = r["value"].to_numpy()
            nat_share = national.get(f"share_{name}", np.full(n_area, np.nan))
            results[f"share_{name}"] = {"value": p, "value_eb": eb, "n": t, "kommun_value": mu[codes],
                                        "national_value": nat_share}  # fmt: skip
            results[f"lq_{name}"] = {"value": lq, "value_eb": eb / mu[codes], "n": t,
                                     "kommun_value": np.ones(n_area), "national_value": nat_share / mu[codes]}  # fmt: skip

    # concentration per area from the EB ICE of the three dimensions
    ref = {}
    for m in dims:
        if thresholds.reference == "kommun":
            ref[m] = results[m]["kommun_value"]
        elif thresholds.reference == "national":
            ref[m] = results[m]["national_value"]
            if np.isnan(ref[m]).all():
                raise ValueError(
                    "thresholds.reference='national' needs national values: the processed file has no "
                    "level == 'riket' rows for the ICE inputs; add them or use reference='kommun'."
                )
        else:
            ref[m] = np.zeros(n_area)
    diff = np.column_stack([results[m]["value_eb"] - ref[m] for m in dims])
    n_aff = (diff >= thresholds.ice_margin).sum(axis=1)
    n_dep = (diff <= -thresholds.ice_margin).sum(axis=1)
    affluent = n_aff >= thresholds.min_dimensions
    deprived = n_dep >= thresholds.min_dimensions
    conc = np.where(affluent, AFFLUENCE_SV, "")
    conc = np.where(deprived, np.where(conc == "", DEPRIVATION_SV, conc + ";" + DEPRIVATION_SV), conc)

    names = list(MEASURES)
    nm = len(names)
    out = w.loc[np.tile(np.arange(n_area), nm), [*KEYS, "area_name"]].reset_index(drop=True)
    out = out[[*SEGMENT, "area", "area_name"]]
    out["measure"] = pd.array(np.repeat(np.array(names, dtype=object), n_area), dtype="str")
    out["label_sv"] = pd.array(
        np.repeat(np.array([MEASURES[m][0] for m in names], dtype=object), n_area), dtype="str"
    )
    for col in ("value", "value_eb", "n", "kommun_value", "national_value"):
        out[col] = np.concatenate([results[m][col] for m in names])
    out["diff_kommun"] = out["value"] - out["kommun_value"]
    out["diff_national"] = out["value"] - out["national_value"]
    grp = out.groupby([*SEGMENT, "measure"], sort=False, dropna=False)["value_eb"]
    out["rank"] = grp.rank(ascending=False, method="min")
    out["n_ranked"] = grp.transform("count").astype("int64")
    out["concentration"] = pd.array(np.tile(conc, nm), dtype="str")
    tokens = {
        "concentrated_affluence": np.tile(affluent, nm),
        "concentrated_deprivation": np.tile(deprived, nm),
        "small_area": (out["n"] < thresholds.small_area_n).to_numpy(),
        "suppressed": out["value"].isna().to_numpy(),
    }
    flags = np.full(len(out), "", dtype=object)
    for token, mask in tokens.items():
        flags = np.where(mask, np.where(flags == "", token, flags + ";" + token), flags)
    out["flags"] = pd.array(flags, dtype="str")
    out.attrs.update(thresholds=asdict(thresholds), shrink=shrink, level=level)
    return out
