"""Synthetic national counts for the benchmarks: every DeSO and RegSO of Sweden, every catalogue group and year.

**Syntetiska exempeldata – inte officiell statistik.** The areas are real (SCB's kopplingstabeller: 5,984 DeSO
2018 and 6,160 DeSO 2025 in 3,363 RegSO and 290 municipalities); every count is drawn from a random model, so
the figures show how fast the code is, never anything about Sweden.

The frame follows the processed-counts contract (DESIGN.md) for the catalogue's group rows
(``"<group>.<member>"``, numerator = member count, denominator = the group's total), with SCB's quirks that
the battery must handle: income quartiles and economic standard are rebuilt from shares (fractional
numerators, flag ``reconstructed``), education and tenure totals hold a residual category, a few cells are
suppressed (NaN, flag ``suppressed``), employment status starts in 2020, DeSO 2018 holds 2015–2023 and DeSO
2025 holds 2024. RegSO rows are the sums of their DeSO (NaN where any part is suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from segindicators.geography import read_reference_lookups
from segindicators.labels import SYNTHETIC_LABEL

__all__ = ["GROUPS", "YEARS", "national_lookup", "synthetic_national_counts"]

#: Years per geography version (the national demo's span).
YEARS = {"2018": tuple(range(2015, 2024)), "2025": (2024,)}

#: group id → (members, unlisted categories in the total, rebuilt from shares, first year). Rebuilt groups have
#: fractional numerators (share to two decimals × persons) and the flag ``reconstructed``.
GROUPS: dict[str, tuple[tuple[str, ...], int, bool, int]] = {
    "background": (("foreign", "swedish"), 0, False, 2015),
    "birth_region": (("sweden", "europe_ex_sweden", "rest_of_world"), 0, False, 2015),
    "income_quartiles": (("q1", "q2", "q3", "q4"), 0, True, 2015),
    "economic_standard_low_high": (("low", "high"), 1, True, 2015),
    "education_levels": (
        ("compulsory", "upper_secondary", "post_secondary_lt3", "post_secondary_3plus"),
        1,
        False,
        2015,
    ),  # fmt: skip
    "tenure": (("rental", "cooperative", "owner_occupied"), 1, False, 2015),
    "employment_status": (("employed", "not_employed"), 0, False, 2020),
}


def national_lookup(lookups_dir: str | Path) -> pd.DataFrame:
    """SCB's DeSO → RegSO → kommun lookups of both geography versions (``geo_version, deso, regso, kommun``)."""
    return read_reference_lookups(lookups_dir)[["geo_version", "deso", "regso", "kommun"]]


def _shares(rng: np.random.Generator, kommun_codes: np.ndarray, n_members: int, spread: float) -> np.ndarray:
    """Per-unit composition: a municipal Dirichlet mean, each unit a Dirichlet around it, shape (n, K)."""
    nk = int(kommun_codes.max()) + 1
    base = rng.dirichlet(np.full(n_members, 2.0), size=nk)
    alpha = np.maximum(base[kommun_codes] * spread, 0.05)
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def synthetic_national_counts(
    lookup: pd.DataFrame,
    *,
    seed: int = 0,
    kommuns: Sequence[str] | None = None,
    years: dict[str, Sequence[int]] | None = None,
    suppressed: float = 0.002,
) -> pd.DataFrame:
    """Synthetic group counts of every DeSO and RegSO in ``lookup`` (see the module notes; not SCB data).

    Parameters
    ----------
    lookup
        ``geo_version, deso, regso, kommun`` (:func:`national_lookup`).
    seed
        Seed of the random model: the same seed gives the same frame.
    kommuns
        Municipality codes to keep (default: all in the lookup).
    years
        Years per geography version (default :data:`YEARS`).
    suppressed
        Share of DeSO cells set to NaN with the flag ``suppressed``.

    Returns
    -------
    DataFrame
        ``kommun, level, geo_version, area, year, indicator, numerator, denominator, flags``; ``attrs["label"]``
        is the synthetic-data label.
    """
    rng = np.random.default_rng(seed)
    years = years or YEARS
    frames = []
    for version, version_years in years.items():
        lk = lookup[lookup["geo_version"] == version]
        if kommuns is not None:
            lk = lk[lk["kommun"].isin(list(kommuns))]
        lk = lk.sort_values("deso").reset_index(drop=True)
        n = len(lk)
        kcode = pd.factorize(lk["kommun"])[0]
        size = rng.integers(600, 2800, n)
        for year in version_years:
            growth = 1.0 + 0.004 * (year - 2015)
            persons = np.rint(size * growth * rng.uniform(0.97, 1.03, n)).astype(np.int64)
            for gid, (members, unlisted, rebuilt, first) in GROUPS.items():
                if year < first:
                    continue
                share = _shares(rng, kcode, len(members) + unlisted, spread=rng.uniform(4.0, 30.0))
                base = (
                    rng.binomial(persons, 0.8)
                    if gid in ("employment_status", "income_quartiles")
                    else persons
                )
                counts = rng.multinomial(base, share).astype(np.float64)
                total = base.astype(np.float64)
                num = counts[:, : len(members)].copy()
                flag = "reconstructed" if rebuilt else ""
                if rebuilt:  # SCB publishes these as shares: share to two decimals × persons
                    num = np.round(num / np.maximum(total, 1)[:, None], 2) * total[:, None]
                hole = rng.random(num.shape) < suppressed
                num[hole] = np.nan
                deso = _long(
                    lk["kommun"], lk["deso"], "DeSO", version, year, gid, members, num, total, flag, hole
                )
                regso = _regso(lk, version, year, gid, members, num, total, flag)
                frames += [deso, regso]
    out = pd.concat(frames, ignore_index=True)
    for col in ("kommun", "level", "geo_version", "area", "indicator", "flags"):
        out[col] = out[col].astype("str")
    out.attrs["label"] = SYNTHETIC_LABEL
    return out


def _long(kommun, area, level, version, year, gid, members, num, total, flag, hole) -> pd.DataFrame:
    n, k = num.shape
    flags = np.where(hole, ";".join(f for f in (flag, "suppressed") if f), flag).T.reshape(-1)
    return pd.DataFrame({
        "kommun": np.tile(np.asarray(kommun), k),
        "level": level,
        "geo_version": version,
        "area": np.tile(np.asarray(area), k),
        "year": year,
        "indicator": np.repeat([f"{gid}.{m}" for m in members], n),
        "numerator": num.T.reshape(-1),
        "denominator": np.tile(total, k),
        "flags": flags,
    })  # fmt: skip


def _regso(lk, version, year, gid, members, num, total, flag) -> pd.DataFrame:
    code, regso = pd.factorize(lk["regso"])
    nr = len(regso)
    rsum = np.column_stack([np.bincount(code, weights=num[:, j], minlength=nr) for j in range(num.shape[1])])
    rtot = np.bincount(code, weights=total, minlength=nr)
    kommun = lk.groupby(code)["kommun"].first().to_numpy()
    return _long(kommun, np.asarray(regso), "RegSO", version, year, gid, members, rsum, rtot, flag,
                 np.isnan(rsum))  # fmt: skip
