r"""Series frames of the plan follow-up: one value and interval per indicator × level × area × year.

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

Series come from the processed counts (:func:`series_from_counts`), the citywide indices
(:func:`series_from_indices`) and Kolada (:func:`series_from_kolada`); :func:`~segindicators.plan.status.plan_status`
takes them concatenated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segindicators.plan.intervals import wilson_interval
from segindicators.sources.kolada.elections import mark_carried_forward
from segindicators.tables import TABLES

__all__ = [
    "SERIES_COLUMNS",
    "series_from_counts",
    "series_from_indices",
    "series_from_kolada",
    "typed_series",
]

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
    return typed_series(out)


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
    return typed_series(out)


def typed_series(frame: pd.DataFrame) -> pd.DataFrame:
    """A series frame with the columns of :data:`SERIES_COLUMNS` in order and their types."""
    out = frame[SERIES_COLUMNS].copy()
    for col in ("indicator", "level", "area", "area_name", "noise_basis", "flags"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("int64")
    for col in ("value", "lo", "hi"):
        out[col] = out[col].astype(float)
    return out.reset_index(drop=True)
