r"""Status of each plan indicator per area and year: change, noise, gaps, pace, and a status word.

Everything here is pure and vectorised over long frames: one *series* frame (indicator × level × area ×
year with a value and an interval) meets one *spec* frame (one row per plan indicator) in merges; there is
no loop over areas.

Noise: an interval from the counts
----------------------------------
Register statistics are a census, not a sample, so there is no sampling error in the survey sense. What a
year-to-year change must be judged against is (a) *random variation*: the population of a district is a
small, changing set of people, and a rate computed on 1,500 residents moves by chance; we model it as
binomial for shares and Poisson for counts, treating the observed population as a draw from the
process that generates it (the usual superpopulation reading of small-area register rates); and (b) *CKM*:
from reference year 2025 SCB perturbs published counts with the Cell Key Method. SCB does not publish the
noise parameters with the tables, so ``ckm_sd`` (the standard deviation of the noise on one published count)
is a parameter, 0 by default, applied to years ``>= ckm_from_year``; set it when known.

Per-year interval (level ``z``, default 1.96 ≈ 95 %):

* ``unit == "share"``: Wilson score interval for :math:`p = x/n` (Wilson 1927; Newcombe 1998, method 3),
  widened in quadrature by the CKM term :math:`z\,\sigma\sqrt{1+p^2}/n` (delta method with independent
  noise of variance :math:`\sigma^2` on numerator and denominator).
* published rounding: a share reconstructed from a percentage SCB publishes with few decimals (TAB6685's
  whole percent) is known only to ±``rounding`` (half the last published decimal, in share units, from the
  table's metadata); the interval is widened by it on both sides (added, not in quadrature: the rounding
  error is bounded, not random) and ``noise_basis`` says ``+rounding``.
* ``unit == "count"``: :math:`x \pm z\sqrt{x + \sigma^2}` (Poisson variance plus CKM).
* citywide indices: the ``ci_low``/``ci_high`` supplied by the index inference (bootstrap etc.).
* anything else (medians in tkr, Kolada values): no interval; ``noise_basis = "none"``.

The interval of a *difference* (between two years, or between an area and the municipality) combines the
two intervals by MOVER, the method of variance estimates recovery (Newcombe 1998 method 10 for two Wilson
intervals; Zou & Donner 2008 in general): with estimates :math:`a, b` and intervals
:math:`[l_a, u_a], [l_b, u_b]`,

.. math::

    L = (a-b) - \sqrt{(a-l_a)^2 + (u_b-b)^2}, \qquad U = (a-b) + \sqrt{(u_a-a)^2 + (b-l_b)^2}.

Treating the years as independent is conservative: the same people live in an area in consecutive years,
which correlates the values and makes the true interval of the change narrower. A change is *significant*
when its interval excludes 0.

Gaps, pace, parity
------------------
``gap_to_municipality = value − municipality value`` (same indicator and year), likewise ``gap_to_sweden``.
``gap_closing_per_year = (|gap_baseline| − |gap_t|) / (t − baseline_year)``; when positive,
``parity_year = t + |gap_t| / gap_closing_per_year`` (the year the gap reaches 0 at that pace; the year
itself when the gap is 0 or has changed sign). Example by hand: gap −20 points in 2020 and −14 in 2023 →
pace 2 points a year → parity 2023 + 14/2 = 2030.

Status rules
------------
Direction sign :math:`s = +1` for ``increase``, :math:`-1` for ``decrease``. Sub-goal path (when the
indicator has one; with several, year t is checked against the next one due, i.e. the earliest with target
year ``>= t``, or the last one once all are past): linear from the baseline to the target,
:math:`\mathrm{path}_t = q_b + (Q - q_b)\,(\min(t, T) - b)/(T - b)`, where :math:`q` is the value
(``kind: value``, :math:`Q` = target) or the gap to the reference (``kind: gap``,
:math:`Q = (1 - f)\,\mathrm{gap}_b`).

+---+---------------------------------------------------------+-----------------------+------------------------------+
| # | condition (the first that holds decides)                | status                | status_sv                    |
+===+=========================================================+=======================+==============================+
| 1 | no value in year t, no baseline value, t <= baseline,   | insufficient data     | otillräckliga data           |
|   | no data at all, or (gap sub-goal) no reference value    |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 2 | sub-goal: s * (q_t - path_t) >= 0 (at or beyond path)   | on track              | i fas                        |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 3 | sub-goal: behind the path and the interval of q_t lies  | off track             | inte i fas                   |
|   | wholly behind it (no interval: behind at all)           |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 4 | sub-goal: behind the path, but within noise             | no significant change | ingen säkerställd förändring |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 5 | no sub-goal: change since baseline significant (its     | on track              | i fas                        |
|   | interval excludes 0), in the desired direction          |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 6 | no sub-goal: change significant, in the wrong direction | off track             | inte i fas                   |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 7 | no sub-goal: the interval of the change contains 0      | no significant change | ingen säkerställd förändring |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 8 | no sub-goal and no interval (noise_basis "none", e.g.   | on track / off track /| (the same, in Swedish)       |
|   | Kolada, medians): the sign of the point change decides; | no significant change |                              |
|   | significance_tested is False                            |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+

Caveat: a gap sub-goal assumes the area starts on the wrong side of the reference; when it starts better
off, "halving the gap" is a path *backwards* and the status says little — choose a value sub-goal then.

The same table is available as a frame from :func:`status_rules`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segindicators.plan.definition import Plan
from segindicators.sources.kolada.elections import mark_carried_forward
from segindicators.tables import TABLES

STATUS_SV: dict[str, str] = {
    "on track": "i fas",
    "off track": "inte i fas",
    "no significant change": "ingen säkerställd förändring",
    "insufficient data": "otillräckliga data",
}
"""Swedish labels of the four status words."""

_GEO_PRIORITY = {"harmonised": 0, "2025": 1, "2018": 2}

SERIES_COLUMNS = [
    "indicator",
    "level",
    "area",
    "area_name",
    "year",
    "value",
    "lo",
    "hi",
    "noise_basis",
    "flags",
]


def status_rules() -> pd.DataFrame:
    """The status rules of the module docstring as a frame (for reports and the README).

    Examples
    --------
    >>> status_rules().shape
    (8, 4)
    """
    rows = [
        (
            1,
            "no value in t, no baseline value, t <= baseline, or no reference value for a gap sub-goal",
            "insufficient data",
        ),
        (2, "sub-goal: value (or gap) at or beyond the linear path to the target", "on track"),
        (3, "sub-goal: behind the path and the interval wholly behind it", "off track"),
        (4, "sub-goal: behind the path but within noise", "no significant change"),
        (5, "no sub-goal: change since baseline significant in the desired direction", "on track"),
        (6, "no sub-goal: change since baseline significant in the wrong direction", "off track"),
        (7, "no sub-goal: interval of the change since baseline contains 0", "no significant change"),
        (
            8,
            "no sub-goal, no interval: the sign of the point change decides (significance_tested=False)",
            "on track / off track / no significant change",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["rule", "condition", "status"])
    frame["status_sv"] = (
        frame["status"].map(STATUS_SV).fillna("i fas / inte i fas / ingen säkerställd förändring")
    )
    return frame


def wilson_interval(
    numerator: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series, z: float = 1.96
) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval for proportions :math:`x/n` (vectorised).

    .. math:: \frac{p + z^2/2n \pm z\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}

    Wilson (1927), JASA 22:209; Newcombe (1998), Stat Med 17:857, method 3. ``n <= 0`` or NaN gives NaN.

    Examples
    --------
    >>> lo, hi = wilson_interval([81], [263])   # Newcombe (1998) Table I example: 0.2553, 0.3662
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(n > 0, n, np.nan)
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def mover_difference(
    a: np.ndarray | pd.Series,
    a_lo: np.ndarray | pd.Series,
    a_hi: np.ndarray | pd.Series,
    b: np.ndarray | pd.Series,
    b_lo: np.ndarray | pd.Series,
    b_hi: np.ndarray | pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Difference ``a − b`` and its MOVER interval from the two intervals (vectorised).

    :math:`L = d - \sqrt{(a-l_a)^2 + (u_b-b)^2}`, :math:`U = d + \sqrt{(u_a-a)^2 + (b-l_b)^2}`
    (Newcombe 1998, method 10; Zou & Donner 2008, Stat Med 27:1693). NaN intervals give NaN bounds.

    Examples
    --------
    >>> d, lo, hi = mover_difference([0.5], [0.4], [0.6], [0.3], [0.25], [0.35])
    >>> round(float(d[0]), 3), round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2, 0.0882, 0.3118)
    """
    a, a_lo, a_hi, b, b_lo, b_hi = (np.asarray(v, dtype=float) for v in (a, a_lo, a_hi, b, b_lo, b_hi))
    d = a - b
    lo = d - np.sqrt((a - a_lo) ** 2 + (b_hi - b) ** 2)
    hi = d + np.sqrt((a_hi - a) ** 2 + (b - b_lo) ** 2)
    return d, lo, hi


def parity_year(gap_baseline, gap_now, baseline_year, year) -> tuple[np.ndarray, np.ndarray]:
    """Pace at which ``|gap|`` closes per year and the year of parity at that pace (vectorised).

    Returns ``(pace, parity)``; ``parity`` is NaN when the gap is not closing, the current year when the
    gap is 0 or has changed sign since the baseline.

    Examples
    --------
    >>> pace, parity = parity_year([-20.0], [-14.0], [2020], [2023])
    >>> float(pace[0]), float(parity[0])
    (2.0, 2030.0)
    >>> float(parity_year([-5.0], [-6.0], [2020], [2022])[1][0])
    nan
    """
    gb = np.asarray(gap_baseline, dtype=float)
    gt = np.asarray(gap_now, dtype=float)
    span = np.asarray(year, dtype=float) - np.asarray(baseline_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(span > 0, (np.abs(gb) - np.abs(gt)) / span, np.nan)
        crossed = (gt == 0) | (np.sign(gt) * np.sign(gb) < 0)
        parity = np.where(
            crossed & ~np.isnan(gt),
            np.asarray(year, dtype=float),
            np.where(pace > 0, np.asarray(year, dtype=float) + np.abs(gt) / pace, np.nan),
        )
    return pace, parity


def series_from_counts(
    counts: pd.DataFrame, *, z: float = 1.96, ckm_sd: float = 0.0, ckm_from_year: int = 2025
) -> pd.DataFrame:
    """Turn processed counts (the issue-3 contract) into a series frame with per-year intervals.

    One row per indicator × level × area × year: where several ``geo_version`` rows exist the
    ``harmonised`` one is used, else ``2025``, else ``2018``. Intervals as in the module docstring.

    Parameters
    ----------
    counts
        Frame with the processed-counts columns (``kommun``, ``level``, ``geo_version``, ``area``,
        ``area_name``, ``year``, ``indicator``, ``numerator``, ``denominator``, ``value``, ``unit``, ``flags``).
    z
        Normal quantile of the interval.
    ckm_sd
        Standard deviation of the Cell Key Method noise on one published count (0: none).
    ckm_from_year
        First reference year carrying CKM noise.

    Examples
    --------
    >>> c = pd.DataFrame({"kommun": "0580", "level": "RegSO", "geo_version": "2025", "area": "0580R001",
    ...     "area_name": "Berga", "year": [2020], "indicator": "employment_rate_20_64", "numerator": [600.0],
    ...     "denominator": [1000.0], "value": [0.6], "unit": "share", "flags": ""})
    >>> s = series_from_counts(c)
    >>> round(float(s.lo[0]), 4), round(float(s.hi[0]), 4), s.noise_basis[0]
    (0.5693, 0.6299, 'wilson')
    >>> s = series_from_counts(c.assign(rounding=0.005))  # a whole-percent share: ±0.5 percentage points more
    >>> round(float(s.lo[0]), 4), round(float(s.hi[0]), 4), s.noise_basis[0]
    (0.5643, 0.6349, 'wilson+rounding')
    """
    missing = {"level", "area", "year", "indicator", "value", "unit"} - set(counts.columns)
    if missing:
        raise ValueError(
            f"counts: missing columns {sorted(missing)}; expected the processed-counts contract "
            f"(data/processed/{TABLES['counts'].parquet})."
        )
    c = counts.copy()
    for col, default in (
        ("geo_version", "2025"),
        ("numerator", np.nan),
        ("denominator", np.nan),
        ("area_name", pd.NA),
        ("flags", ""),
    ):
        if col not in c.columns:
            c[col] = default
    c["_prio"] = c["geo_version"].astype("string").map(_GEO_PRIORITY).fillna(9)
    c = c.sort_values(["indicator", "level", "area", "year", "_prio"], kind="stable")
    c = c.drop_duplicates(["indicator", "level", "area", "year"], keep="first")
    x = c["numerator"].to_numpy(float)
    n = c["denominator"].to_numpy(float)
    v = c["value"].to_numpy(float)
    sigma = np.where(c["year"].to_numpy() >= ckm_from_year, float(ckm_sd), 0.0)
    share = (c["unit"] == "share").to_numpy() & np.isfinite(x) & np.isfinite(n)
    count = (c["unit"] == "count").to_numpy() & np.isfinite(v)
    w_lo, w_hi = wilson_interval(x, n, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        ckm = z * sigma * np.sqrt(1 + p**2) / n
        s_lo = v - np.sqrt((v - w_lo) ** 2 + ckm**2)
        s_hi = v + np.sqrt((w_hi - v) ** 2 + ckm**2)
        pois = z * np.sqrt(np.clip(v, 0, None) + sigma**2)
    lo = np.select([share, count], [s_lo, v - pois], np.nan)
    hi = np.select([share, count], [s_hi, v + pois], np.nan)
    basis = np.select([share, count], ["wilson", "poisson"], "none")
    basis = np.where(share & (sigma > 0), "wilson+ckm", np.where(count & (sigma > 0), "poisson+ckm", basis))
    rounding = c["rounding"].to_numpy(float) if "rounding" in c.columns else np.zeros(len(c))
    rounded = share & np.isfinite(rounding) & (rounding > 0)
    r = np.where(rounded, rounding, 0.0)
    lo = np.where(rounded, np.clip(lo - r, 0.0, None), lo)
    hi = np.where(rounded, np.clip(hi + r, None, 1.0), hi)
    basis = np.where(rounded, np.char.add(basis.astype(str), "+rounding"), basis)
    out = pd.DataFrame(
        {
            "indicator": c["indicator"].astype("string").to_numpy(),
            "level": c["level"].astype("string").to_numpy(),
            "area": c["area"].astype("string").to_numpy(),
            "area_name": c["area_name"].astype("string").to_numpy(),
            "year": c["year"].astype("int64").to_numpy(),
            "value": v,
            "lo": lo,
            "hi": hi,
            "noise_basis": pd.array(basis, dtype="string"),
            "flags": c["flags"].fillna("").astype("string").to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def series_from_indices(
    indices: pd.DataFrame, municipality: str, *, unit_level: str = "DeSO"
) -> pd.DataFrame:
    """Citywide index results (long: ``year``, ``group``, ``index``, ``value``, [``ci_low``, ``ci_high``])
    as a series frame with ids ``index:<index>:<group>`` at level ``kommun``.

    Rows of another ``kommun`` (when that column exists) are dropped; when a ``level`` column says on which
    areal units the index was computed, only ``unit_level`` rows are kept (D on DeSO and D on RegSO are
    different numbers). Without ``ci_low``/``ci_high`` the noise basis is ``none``.

    Raises
    ------
    ValueError
        If columns are missing, or several rows remain for one index, group and year (another by-key the
        plan cannot choose between: filter the frame first).

    Examples
    --------
    >>> i = pd.DataFrame({"year": [2020], "group": ["background"], "index": ["dissimilarity"],
    ...                   "value": [0.45], "ci_low": [0.43], "ci_high": [0.47]})
    >>> series_from_indices(i, "0580").loc[0, ["indicator", "area", "noise_basis"]].tolist()
    ['index:dissimilarity:background', '0580', 'ci']
    """
    missing = {"year", "group", "index", "value"} - set(indices.columns)
    if missing:
        raise ValueError(
            f"indices: missing columns {sorted(missing)}; plan follow-up needs the index-result contract with "
            "the group id as a by-key column 'group' and 'year' (e.g. group='background', index='dissimilarity')."
        )
    i = indices
    if "kommun" in i.columns:
        i = i[i["kommun"].astype("string") == municipality]
    if "level" in i.columns:
        i = i[i["level"].astype("string") == unit_level]
    dup = i.duplicated(["index", "group", "year"], keep=False)
    if dup.any():
        extra = [c for c in i.columns if c not in {"index", "group", "year", "value", "ci_low", "ci_high"}]
        raise ValueError(
            f"indices: {int(dup.sum())} rows share index, group and year (e.g. "
            f"{i.loc[dup, ['index', 'group', 'year']].iloc[0].tolist()}); other key columns {extra} must be "
            "filtered to one value before plan follow-up."
        )
    lo = i["ci_low"].to_numpy(float) if "ci_low" in i.columns else np.full(len(i), np.nan)
    hi = i["ci_high"].to_numpy(float) if "ci_high" in i.columns else np.full(len(i), np.nan)
    out = pd.DataFrame(
        {
            "indicator": (
                "index:" + i["index"].astype("string") + ":" + i["group"].astype("string")
            ).to_numpy(),
            "level": "kommun",
            "area": municipality,
            "area_name": pd.NA,
            "year": i["year"].astype("int64").to_numpy(),
            "value": i["value"].to_numpy(float),
            "lo": lo,
            "hi": hi,
            "noise_basis": np.where(np.isfinite(lo) & np.isfinite(hi), "ci", "none"),
            "flags": "",
        }
    )
    return _typed(out)


def series_from_kolada(kolada: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """Kolada values (``kpi``, ``municipality``, ``year``, ``value``) as a series frame.

    ``kpi`` may be ``"N15428"`` or ``"kolada:N15428"``; municipality ``"0000"`` (Kolada's code for Sweden)
    becomes level ``riket``. Kolada gives no counts, so the noise basis is ``none``. If a ``gender`` column
    exists only ``"T"`` (total) rows are used. Only new observations are used: rows whose
    ``carried_forward`` is False (election KPIs such as N05401 repeat the last election in the years between,
    see :mod:`segindicators.sources.kolada.elections`; a frame without the column, e.g. an older ``kolada.parquet``,
    gets it computed here).

    Examples
    --------
    >>> k = pd.DataFrame({"kpi": ["N15428", "N15428"], "municipality": ["0580", "0000"],
    ...                   "year": [2022, 2022], "value": [80.1, 82.0]})  # synthetic
    >>> series_from_kolada(k, "0580")[["indicator", "level"]].values.tolist()
    [['kolada:N15428', 'kommun'], ['kolada:N15428', 'riket']]
    """
    k = kolada
    if "gender" in k.columns:
        k = k[k["gender"].astype("string") == "T"]
    k = k[k["municipality"].astype("string").isin([municipality, "0000"])]
    carried = k["carried_forward"] if "carried_forward" in k.columns else mark_carried_forward(k)
    k = k[~carried.astype("boolean").fillna(True).to_numpy(bool)]  # True and NA are not new observations
    kpi = k["kpi"].astype("string")
    kpi = kpi.where(kpi.str.startswith("kolada:"), "kolada:" + kpi)
    muni = k["municipality"].astype("string")
    out = pd.DataFrame(
        {
            "indicator": kpi.to_numpy(),
            "level": np.where(muni == "0000", "riket", "kommun"),
            "area": muni.to_numpy(),
            "area_name": pd.NA,
            "year": k["year"].astype("int64").to_numpy(),
            "value": k["value"].to_numpy(float),
            "lo": np.nan,
            "hi": np.nan,
            "noise_basis": "none",
            "flags": "",
        }
    )
    return _typed(out)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[SERIES_COLUMNS].copy()
    for col in ("indicator", "level", "area", "area_name", "noise_basis", "flags"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("int64")
    for col in ("value", "lo", "hi"):
        out[col] = out[col].astype(float)
    return out.reset_index(drop=True)


def plan_spec(plan: Plan) -> pd.DataFrame:
    """One row per plan indicator and sub-goal (one row when it has none), the sub-goal flattened.

    Examples
    --------
    >>> from segindicators.plan import load_plan
    >>> spec = plan_spec(load_plan("linkoping_2023"))
    >>> int(spec["development_area"].nunique())
    5
    """
    rows = []
    for area, ind in plan.indicators():
        for sg in sorted(ind.subgoals, key=lambda s: s.year) or [None]:
            rows.append(
                {
                    "development_area": area.id,
                    "development_area_title": area.title,
                    "indicator": ind.id,
                    "label": ind.label,
                    "geography": ind.geography,
                    "baseline_year": ind.baseline_year,
                    "direction": ind.direction,
                    "subgoal_kind": sg.kind if sg else None,
                    "subgoal_year": sg.year if sg else None,
                    "subgoal_target": sg.target if sg else None,
                    "subgoal_reference": sg.reference if sg else None,
                    "subgoal_reduce_gap_by": sg.reduce_gap_by if sg else None,
                    "subgoal_adopted": sg.adopted if sg else None,
                }
            )
    spec = pd.DataFrame(rows)
    spec["subgoal_year"] = spec["subgoal_year"].astype("Int64")
    spec["subgoal_target"] = spec["subgoal_target"].astype(float)
    spec["subgoal_reduce_gap_by"] = spec["subgoal_reduce_gap_by"].astype(float)
    return spec


def plan_status(plan: Plan, series: pd.DataFrame, *, year: int | None = None) -> pd.DataFrame:
    """Status per plan indicator × area × year (see the rules table in the module docstring).

    Parameters
    ----------
    plan
        A validated :class:`~segindicators.plan.definition.Plan`.
    series
        Series frame(s) concatenated: from :func:`series_from_counts`, :func:`series_from_indices`,
        :func:`series_from_kolada`. Must contain the municipality rows (level ``kommun``) for gaps and,
        optionally, ``riket`` rows for the gap to Sweden.
    year
        When given, keep only the latest year ``<= year`` per indicator and area.

    Returns
    -------
    DataFrame
        One row per development area × indicator × area × year from the baseline year on, with ``value``,
        ``baseline_value``, ``change_since_baseline`` (+ ``_lo``/``_hi``, ``_significant``), ``previous_year``,
        ``change_since_previous`` (+ interval, significance), ``municipality_value``,
        ``gap_to_municipality`` (+ interval), ``sweden_value``, ``gap_to_sweden``, ``gap_closing_per_year``,
        ``parity_year``, ``subgoal_path``, ``status``, ``status_sv``, ``reason``, ``significance_tested``,
        ``noise_basis``, ``flags``. A plan indicator with no data at all gets one row with status
        ``insufficient data`` and NA area and year, so the follow-up lists every indicator.
    """
    spec = plan_spec(plan)
    s = _typed(series)
    dup = s.duplicated(["indicator", "level", "area", "year"], keep=False)
    if dup.any():
        first = s.loc[dup, ["indicator", "level", "area", "year"]].iloc[0].tolist()
        raise ValueError(
            f"series: {int(dup.sum())} rows repeat an indicator, level, area and year (first: {first}); "
            "pass one value per key (series_from_counts picks one geo_version for you)."
        )
    s = s.sort_values(["indicator", "level", "area", "year"], kind="stable").reset_index(drop=True)
    # previous available year per series (vectorised with groupby shift)
    g = s.groupby(["indicator", "level", "area"], sort=False)
    for col in ("year", "value", "lo", "hi"):
        s[f"prev_{col}"] = g[col].shift(1)

    # rows each plan indicator follows
    focus = list(plan.focus_areas)
    m = spec.merge(s, on="indicator", how="inner")
    geo = m["geography"]
    keep = (
        (
            (geo == "focus_areas")
            & (((m["level"] == "RegSO") & m["area"].isin(focus)) | (m["level"] == "focus"))
        )
        | ((geo == "all_districts") & (m["level"] == "RegSO"))
        | ((geo == "municipality") & (m["level"] == "kommun") & (m["area"] == plan.municipality))
    )
    m = m[keep & (m["year"] >= m["baseline_year"])].copy()
    # several sub-goals: keep the one due next (earliest target year >= t), else the last one passed
    sy = m["subgoal_year"].astype("Float64").to_numpy(float, na_value=np.nan)
    m["_order"] = np.where(sy < m["year"].to_numpy(float), 1e6 - sy, sy)
    keys = ["development_area", "indicator", "level", "area", "year"]
    m = m.sort_values([*keys, "_order"], kind="stable").drop_duplicates(keys, keep="first")

    # baseline values
    base = s[["indicator", "level", "area", "year", "value", "lo", "hi"]].rename(
        columns={"year": "baseline_year", "value": "baseline_value", "lo": "baseline_lo", "hi": "baseline_hi"}
    )
    m = m.merge(base, on=["indicator", "level", "area", "baseline_year"], how="left")

    # reference levels: municipality and Sweden, at t and at the baseline year
    muni = s[(s["level"] == "kommun") & (s["area"] == plan.municipality)][
        ["indicator", "year", "value", "lo", "hi"]
    ]
    riket = s[s["level"] == "riket"].drop_duplicates(["indicator", "year"])[
        ["indicator", "year", "value", "lo", "hi"]
    ]
    for name, ref in (("municipality", muni), ("sweden", riket)):
        r = ref.rename(columns={"value": f"{name}_value", "lo": f"{name}_lo", "hi": f"{name}_hi"})
        m = m.merge(r, on=["indicator", "year"], how="left")
        rb = ref[["indicator", "year", "value"]].rename(
            columns={"year": "baseline_year", "value": f"{name}_baseline"}
        )
        m = m.merge(rb, on=["indicator", "baseline_year"], how="left")
    is_muni_row = (m["level"] == "kommun") & (m["area"] == plan.municipality)
    for name in ("municipality_value", "municipality_lo", "municipality_hi", "municipality_baseline"):
        m[name] = m[name].where(~is_muni_row, np.nan)

    d, lo, hi = mover_difference(
        m["value"], m["lo"], m["hi"], m["baseline_value"], m["baseline_lo"], m["baseline_hi"]
    )
    m["change_since_baseline"], m["change_since_baseline_lo"], m["change_since_baseline_hi"] = d, lo, hi
    dp, plo, phi = mover_difference(m["value"], m["lo"], m["hi"], m["prev_value"], m["prev_lo"], m["prev_hi"])
    m["previous_year"] = m["prev_year"].astype("Int64")
    m["change_since_previous"], m["change_since_previous_lo"], m["change_since_previous_hi"] = dp, plo, phi

    tested = np.isfinite(lo) & np.isfinite(hi)
    m["significance_tested"] = tested
    m["change_since_baseline_significant"] = pd.array(
        np.where(tested, (lo > 0) | (hi < 0), None), dtype="boolean"
    )
    ptested = np.isfinite(plo) & np.isfinite(phi)
    m["change_since_previous_significant"] = pd.array(
        np.where(ptested, (plo > 0) | (phi < 0), None), dtype="boolean"
    )

    gm, gm_lo, gm_hi = mover_difference(
        m["value"], m["lo"], m["hi"], m["municipality_value"], m["municipality_lo"], m["municipality_hi"]
    )
    m["gap_to_municipality"], m["gap_to_municipality_lo"], m["gap_to_municipality_hi"] = gm, gm_lo, gm_hi
    gs, gs_lo, gs_hi = mover_difference(
        m["value"], m["lo"], m["hi"], m["sweden_value"], m["sweden_lo"], m["sweden_hi"]
    )
    m["gap_to_sweden"] = gs
    gm_b = m["baseline_value"].to_numpy(float) - m["municipality_baseline"].to_numpy(float)
    gs_b = m["baseline_value"].to_numpy(float) - m["sweden_baseline"].to_numpy(float)
    pace, parity = parity_year(gm_b, gm, m["baseline_year"], m["year"])
    m["gap_closing_per_year"], m["parity_year"] = pace, parity

    # --- status ---
    sgn = np.where(m["direction"] == "increase", 1.0, -1.0)
    t = m["year"].to_numpy(float)
    b = m["baseline_year"].to_numpy(float)
    kind = m["subgoal_kind"].astype("string").fillna("")
    has_sg = (kind != "").to_numpy()
    is_gap = (kind == "gap").to_numpy()
    ref_sweden = (m["subgoal_reference"].astype("string") == "sweden").fillna(False).to_numpy()
    gap_b = np.where(ref_sweden, gs_b, gm_b)
    q = np.where(is_gap, np.where(ref_sweden, gs, gm), m["value"].to_numpy(float))
    q_lo = np.where(is_gap, np.where(ref_sweden, gs_lo, gm_lo), m["lo"].to_numpy(float))
    q_hi = np.where(is_gap, np.where(ref_sweden, gs_hi, gm_hi), m["hi"].to_numpy(float))
    q_b = np.where(is_gap, gap_b, m["baseline_value"].to_numpy(float))
    q_target = np.where(
        is_gap, (1 - m["subgoal_reduce_gap_by"].to_numpy(float)) * gap_b, m["subgoal_target"].to_numpy(float)
    )
    T = m["subgoal_year"].astype("Float64").to_numpy(float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        path = q_b + (q_target - q_b) * (np.minimum(t, T) - b) / (T - b)
    m["subgoal_path"] = np.where(has_sg, path, np.nan)
    m["subgoal_quantity"] = np.where(has_sg, q, np.nan)

    value_missing = ~np.isfinite(m["value"].to_numpy(float)) | ~np.isfinite(
        m["baseline_value"].to_numpy(float)
    )
    insufficient = value_missing | (t <= b) | (has_sg & ~(np.isfinite(q) & np.isfinite(path)))
    reason_insuff = np.select(
        [~np.isfinite(m["value"].to_numpy(float)), ~np.isfinite(m["baseline_value"].to_numpy(float)), t <= b],
        ["no value this year", "no baseline value", "baseline year: no change yet"],
        "no reference value for the gap sub-goal",
    )
    ahead = sgn * (q - path) >= 0
    q_tested = np.isfinite(q_lo) & np.isfinite(q_hi)
    wholly_behind = np.where(sgn > 0, q_hi < path, q_lo > path)
    sg_off = np.where(q_tested, wholly_behind, ~ahead)
    improving = sgn * d
    conditions = [
        insufficient,
        has_sg & ahead,
        has_sg & sg_off,
        has_sg,
        tested & (improving > 0) & ((lo > 0) | (hi < 0)),
        tested & (improving < 0) & ((lo > 0) | (hi < 0)),
        tested,
        improving > 0,
        improving < 0,
    ]
    statuses = [
        "insufficient data",
        "on track",
        "off track",
        "no significant change",
        "on track",
        "off track",
        "no significant change",
        "on track",
        "off track",
    ]
    reasons = [
        reason_insuff,
        "at or beyond the sub-goal path",
        "significantly behind the sub-goal path",
        "behind the sub-goal path, within noise",
        "significant change in the desired direction",
        "significant change in the wrong direction",
        "change within noise",
        "point change in the desired direction (not tested)",
        "point change in the wrong direction (not tested)",
    ]
    m["status"] = pd.array(np.select(conditions, statuses, "no significant change"), dtype="string")
    m["reason"] = pd.array(np.select(conditions, reasons, "no point change (not tested)"), dtype="string")
    m["status_sv"] = m["status"].map(STATUS_SV).astype("string")
    m["significance_tested"] = np.where(has_sg, q_tested, tested)

    m = m.sort_values(["development_area", "indicator", "level", "area", "year"], kind="stable")
    if year is not None:
        m = m[m["year"] <= year]
        m = m.drop_duplicates(["development_area", "indicator", "level", "area"], keep="last")
    cols = [
        "development_area",
        "development_area_title",
        "indicator",
        "label",
        "geography",
        "level",
        "area",
        "area_name",
        "year",
        "value",
        "lo",
        "hi",
        "baseline_year",
        "baseline_value",
        "change_since_baseline",
        "change_since_baseline_lo",
        "change_since_baseline_hi",
        "change_since_baseline_significant",
        "previous_year",
        "change_since_previous",
        "change_since_previous_lo",
        "change_since_previous_hi",
        "change_since_previous_significant",
        "municipality_value",
        "gap_to_municipality",
        "gap_to_municipality_lo",
        "gap_to_municipality_hi",
        "sweden_value",
        "gap_to_sweden",
        "gap_closing_per_year",
        "parity_year",
        "direction",
        "subgoal_kind",
        "subgoal_year",
        "subgoal_target",
        "subgoal_reference",
        "subgoal_reduce_gap_by",
        "subgoal_adopted",
        "subgoal_quantity",
        "subgoal_path",
        "status",
        "status_sv",
        "reason",
        "significance_tested",
        "noise_basis",
        "flags",
    ]
    out = m[cols].reset_index(drop=True)
    # every plan indicator appears: one without any data gets a single "insufficient data" row
    have = pd.MultiIndex.from_frame(out[["development_area", "indicator"]])
    lacking = spec[~pd.MultiIndex.from_frame(spec[["development_area", "indicator"]]).isin(have)]
    lacking = lacking.drop_duplicates(["development_area", "indicator"])
    if len(lacking):
        empty = lacking.reindex(columns=cols).assign(
            status="insufficient data",
            reason="no data supplied for this indicator and geography",
            significance_tested=False,
            noise_basis="none",
            flags="",
        )
        out = pd.concat([out.astype({"year": "Int64"}), empty.astype({"year": "Int64"})], ignore_index=True)
        out["status_sv"] = out["status"].map(STATUS_SV)
        out = out.sort_values(["development_area", "indicator"], kind="stable").reset_index(drop=True)
    out["year"] = out["year"].astype("Int64")
    for col in (
        "indicator",
        "level",
        "area",
        "area_name",
        "status",
        "status_sv",
        "reason",
        "noise_basis",
        "flags",
    ):
        out[col] = out[col].astype("string")
    out["change_since_baseline_significant"] = out["change_since_baseline_significant"].astype("boolean")
    out["change_since_previous_significant"] = out["change_since_previous_significant"].astype("boolean")
    for col in (
        "development_area_title",
        "label",
        "geography",
        "direction",
        "subgoal_kind",
        "subgoal_reference",
    ):
        out[col] = out[col].astype("string")
    out["subgoal_adopted"] = out["subgoal_adopted"].astype("boolean")
    out["significance_tested"] = out["significance_tested"].astype(bool)
    return out
