"""Synthetic district statistics for a fictional municipality (the offline demo's data).

**Syntetiska exempeldata – inte officiell statistik.** Every number this module produces is made up by a
seeded random generator. Nothing here is a figure for a real place (the "riket" comparison series is
only loosely shaped like Sweden's). The municipality
"Exempelstad (syntetisk)" has kommun code ``9999``, which no Swedish municipality has, its districts have
invented names, and its map sits in the Bothnian Sea (SWEREF 99 TM around E 700 000, N 6 850 000), where
there is no town.

What is generated
-----------------
Twelve RegSO (``9999R001`` … ``9999R012``) made of 40 DeSO coded like SCB's (kommun + ``A``/``B``/``C`` +
four digits: ``A`` mainly rural, ``B`` a smaller locality, ``C`` the main town), for 2015–2024, in both
geography versions SCB uses: ``"2018"`` (DeSO 2018 / RegSO 2020, years up to 2023) and ``"2025"``
(DeSO 2025 / RegSO 2025, years from 2024). Four DeSO are split in two in 2025, coded the way SCB coded
Linköping's 2025 splits (``0580C1190`` → ``0580C1191`` + ``0580C1192``: the last digit 0 becomes 1 and 2);
RegSO codes and names are unchanged between versions, as in Linköping. Three focus areas (Norrdalen,
Västerby, Åsbacken) carry concentrated deprivation and two (Ekhagen, Sjövik) concentrated affluence.

The data-generating process: every DeSO has a latent socio-economic score ``z`` (RegSO mean plus DeSO
noise; about -2 in focus areas, about +1.3 in affluent ones, near 0 elsewhere). All shares are logistic
(or ordered-logistic) functions of ``z``, the area kind and a slow time trend, and counts are drawn with
binomial/multinomial draws from those shares, so every part is an integer and parts add up to their total
exactly. Because one score drives everything, the indicators correlate the way real district statistics
do. Focus areas improve a little in employment, adult low economic standard and income quartiles, and not
in child low economic standard (which stays flat or worsens slightly).

Data are generated on the finest geography (DeSO 2025) for every year; DeSO 2018 parents, RegSO, the
municipality are exact sums of it, so a split DeSO's two parts add up to their parent in every year.
Medians cannot be summed: an aggregate's "median" is the person-weighted mean of its parts' medians (an
approximation acceptable for synthetic data, stated here so nobody mistakes it for a real median).

Small cells are suppressed the way SCB marks them (value missing, status ``".."``, never 0):
leaf counts of 1–4 persons/dwellings in birth region, education, income quartile, economic standard
and tenure, and all low/middle/high economic-standard counts of an age group with fewer than 150
persons. These rules are stand-ins that produce a realistic pattern of missing cells; they are not SCB's
actual disclosure rules. Population, background and employment counts and all totals are never
suppressed.

Employment 20–64 comes as the catalogue's two series: ``employment_20_64_rams`` (2015–2019, standing in
for RAMS) and ``employment_20_64`` (2020–, standing in for BAS), with a small synthetic level shift
between them so the series break is visible. Education is ``education_25_64`` up to 2023 and
``education_25_65`` from 2024, as SCB's tables. ``area_type_official`` is a synthetic områdestyp 1–5 per
RegSO, derived from the low-economic-standard share alone (a stand-in for SCB/Delmos' composite index).
``equivalised_income_quartile`` (national quartiles of economic standard of the economic-standard
population, standing in for TAB6684's quartile shares) was added later and is drawn from a random stream of
its own (``[seed, 1]``), so every earlier variable and the geometry are the same as before it existed.
:data:`VARIABLES` lists every variable, its categories and unit; :data:`SOURCE_TABLES` names the SCB
table each variable imitates (the numbers do not come from it).

A synthetic national ("riket", region ``"00"``) comparison series is generated from the same model with
``z = 0``, national population and expected (not drawn) counts.

Calibration (loosely, to the order of magnitude of public aggregate facts about Sweden)
---------------------------------------------------------------------------------------
Figures marked [ref] are in the project's reference material (``shared/reference/README.md``); the
others are rounded orders of magnitude from SCB's published national statistics, quoted from memory
and used only to make the synthetic levels look plausible, not checked here to the decimal.

- Population about 9.9 million in 2015 rising to about 10.5 million in the 2020s (the RegSO reference
  export sums to 10,521,556 for 2022 [ref]); a DeSO has roughly 700–2,700 residents (SCB's DeSO design).
- Age: a bit over a fifth of the population is 0–19 and about a fifth 65+.
- Foreign background (born abroad, or born in Sweden to two foreign-born parents) rising from a little
  over a fifth to about 27 % nationally; about three quarters of them are themselves born abroad (so
  about a fifth of the population is foreign-born); in the most deprived districts a large majority.
- Employment rate 20–64 about 80 % nationally (register-based; Linköping Q2 2022: 77.6 % [ref]), far
  lower (50–60 %) in the most deprived districts.
- Low economic standard (< 60 % of the national median) about 15 % of all persons nationally, somewhat
  higher for children and for 65+; child poverty in the most deprived Swedish districts above 60 %
  (Linköping's own figure for Skäggetorp 2020: 73.1 % of children 0–17 [ref]). High economic
  standard (> 200 % of the median) about 7 % (Linköping 2021: 6.8 % [ref]).
- Median economic standard and median income of adults both in the order of 300 tkr a year around 2022,
  growing by about 3 % a year in nominal terms.
- Education 25–64: roughly a tenth förgymnasial, two fifths gymnasial, a seventh post-secondary under
  3 years and three tenths post-secondary 3 years or more, with education levels rising over time.
- Tenure: roughly a third to two fifths of dwellings are rental (hyresrätt), the rest split between
  bostadsrätt and äganderätt; rental dominates in deprived districts, äganderätt in rural ones.

Examples
--------
>>> demo = generate()
>>> demo.lookup.attrs["synthetic"], SYNTHETIC_LABEL
(True, 'Syntetiska exempeldata – inte officiell statistik')
>>> sorted(demo.lookup.groupby("geo_version")["deso"].nunique().items())
[('2018', 40), ('2025', 44)]
>>> demo.focus_areas
('9999R001', '9999R002', '9999R003')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segindicators._io import atomic_write_bytes, atomic_write_text, write_frame
from segindicators.labels import SYNTHETIC_LABEL  # re-exported: the label lives in the lowest layer
from segindicators.tables import LEVEL_ORDER

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

__all__ = [
    "AFFLUENT_AREAS",
    "DEFAULT_SEED",
    "FOCUS_AREAS",
    "KOMMUN",
    "KOMMUN_NAME",
    "SOURCE_TABLES",
    "SYNTHETIC_LABEL",
    "VARIABLES",
    "YEARS",
    "SyntheticMunicipality",
    "generate",
    "write_demo_data",
]

DEFAULT_SEED = 20241231
KOMMUN = "9999"
KOMMUN_NAME = "Exempelstad (syntetisk)"
RIKET = "00"
YEARS = tuple(range(2015, 2025))
#: Years each geography version is published for (as SCB: DeSO 2018 up to 2023, DeSO 2025 from 2024).
DEFAULT_VERSION_YEARS: dict[str, tuple[int, ...]] = {"2018": tuple(range(2015, 2024)), "2025": (2024,)}

# code, name, kind, DeSO letter, number of DeSO, mean latent score, grid position (column, row)
_REGSO: tuple[tuple[str, str, str, str, int, float, tuple[int, int]], ...] = (
    ("R001", "Norrdalen", "focus", "C", 4, -2.2, (1, 2)),
    ("R002", "Västerby", "focus", "C", 4, -1.8, (0, 1)),
    ("R003", "Åsbacken", "focus", "C", 3, -1.6, (2, 2)),
    ("R004", "Stadskärnan", "centre", "C", 4, 0.3, (1, 1)),
    ("R005", "Ekhagen", "affluent", "C", 3, 1.5, (2, 0)),
    ("R006", "Sjövik", "affluent", "C", 3, 1.2, (1, 0)),
    ("R007", "Lindhöjden", "middle", "C", 4, -0.3, (2, 1)),
    ("R008", "Tallmon", "middle", "C", 4, 0.2, (3, 1)),
    ("R009", "Granbacka", "village", "B", 3, 0.1, (3, 2)),
    ("R010", "Kvarnby", "village", "B", 3, 0.3, (3, 0)),
    ("R011", "Ängsö omland", "rural", "A", 2, 0.2, (0, 2)),
    ("R012", "Fjällsta omland", "rural", "A", 3, 0.4, (0, 0)),
)
FOCUS_AREAS: tuple[str, ...] = tuple(KOMMUN + r[0] for r in _REGSO if r[2] == "focus")
AFFLUENT_AREAS: tuple[str, ...] = tuple(KOMMUN + r[0] for r in _REGSO if r[2] == "affluent")
# (RegSO suffix, index of the DeSO within it) of the DeSO split in two in 2025
_SPLITS = (("R002", 3), ("R004", 1), ("R007", 0), ("R008", 2))

AGE_BANDS = ("0-19", "20-24", "25-64", "65-79", "80+")
SEXES = ("women", "men")
_ES_GROUPS = ("0_19", "20_64", "65plus")

#: Every variable in ``counts``: its categories (``total`` is the sum of the others) and unit.
VARIABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "population_sex_age": (tuple(f"{s}_{a}" for s in SEXES for a in AGE_BANDS) + ("total",), "persons"),
    "population_age": (AGE_BANDS + ("total",), "persons"),
    "background": (("foreign", "swedish", "total"), "persons"),
    "birth_region": (
        ("sweden", "nordic_excl_sweden", "europe_excl_nordic", "outside_europe", "total"),
        "persons",
    ),
    "employment_20_64_rams": (("employed", "not_employed", "total"), "persons"),
    "employment_20_64": (("employed", "not_employed", "total"), "persons"),
    **{f"economic_standard_{g}": (("low", "middle", "high", "total"), "persons") for g in _ES_GROUPS},
    "economic_standard_all": (("low", "middle", "high", "total"), "persons"),
    "median_economic_standard_tkr": (("total",), "tkr"),
    "median_income_tkr": (("total",), "tkr"),
    "income_quartile": (("q1", "q2", "q3", "q4", "total"), "persons"),
    "equivalised_income_quartile": (("q1", "q2", "q3", "q4", "total"), "persons"),
    "education_25_64": (
        ("compulsory", "upper_secondary", "post_secondary_lt3", "post_secondary_3plus", "unknown", "total"),
        "persons",
    ),
    "education_25_65": (
        ("compulsory", "upper_secondary", "post_secondary_lt3", "post_secondary_3plus", "unknown", "total"),
        "persons",
    ),
    "dwellings_tenure": (("rental", "cooperative", "owner", "total"), "dwellings"),
    "persons_tenure": (("rental", "cooperative", "owner", "unknown", "total"), "persons"),
    "area_type_official": (("total",), "type"),
}
#: The SCB table each synthetic variable stands in for (see DESIGN.md); the numbers are not from them.
SOURCE_TABLES: dict[str, str] = {
    "population_sex_age": "TAB6574",
    "population_age": "TAB6574",
    "background": "TAB6571",
    "birth_region": "TAB6572",
    "employment_20_64_rams": "RAMS",
    "employment_20_64": "TAB6680",
    **{f"economic_standard_{g}": "TAB6685" for g in (*_ES_GROUPS, "all")},
    "median_economic_standard_tkr": "TAB6684",
    "median_income_tkr": "TAB6679",
    "income_quartile": "TAB6679",
    "equivalised_income_quartile": "TAB6684",
    "education_25_64": "TAB5956",
    "education_25_65": "TAB6534",
    "dwellings_tenure": "TAB6258/TAB6638",
    "persons_tenure": "TAB6253",
    "area_type_official": "IntGr5Socio",
}
_LEVEL_VARS = ("median_economic_standard_tkr", "median_income_tkr")
# Variables whose 1–4 leaf cells are suppressed.
_SMALL_CELL_VARS = (
    "birth_region",
    "income_quartile",
    "equivalised_income_quartile",
    "education_25_64",
    "education_25_65",
    "dwellings_tenure",
    "persons_tenure",
    *(f"economic_standard_{g}" for g in (*_ES_GROUPS, "all")),
)
_ES_MIN_GROUP = 150


@dataclass(frozen=True)
class SyntheticMunicipality:
    """The generated fictional municipality (all frames carry ``attrs["synthetic"] = True``).

    Attributes
    ----------
    lookup
        One row per DeSO and geography version: ``geo_version`` ("2018"/"2025"), ``deso``, ``regso``,
        ``regso_name``, ``kommun``, ``kommun_name``.
    counts
        Long frame ``geo_version, level, region, year, variable, category, value, unit, status, source``;
        ``level`` is "DeSO", "RegSO", "kommun" or "riket" (region "00"); ``value`` is NaN exactly where
        ``status`` is ``".."``; ``source`` is :data:`SYNTHETIC_LABEL`.
    focus_areas, affluent_areas
        RegSO codes of the deprived focus areas and of the affluent areas.
    splits
        DeSO 2018 code → its two DeSO 2025 codes.
    geometry
        DeSO polygons, EPSG:3006, columns ``geo_version, desokod, regsokod, regsonamn, kommunkod,
        geometry`` (the generator's own table, not a WFS layer: SCB's DeSO layers carry no ``regsonamn``;
        :meth:`segindicators.testing.fake_wfs.FakeWfs.from_synthetic` serves it shaped as SCB's layers).
    regso_geometry
        RegSO polygons (dissolved DeSO), columns ``geo_version, regsokod, regsonamn, kommunkod, geometry``.
    seed
        The seed used.
    label
        :data:`SYNTHETIC_LABEL`.
    """

    lookup: pd.DataFrame
    counts: pd.DataFrame
    focus_areas: tuple[str, ...]
    affluent_areas: tuple[str, ...]
    splits: dict[str, tuple[str, str]]
    geometry: gpd.GeoDataFrame
    regso_geometry: gpd.GeoDataFrame
    seed: int
    label: str = field(default=SYNTHETIC_LABEL)


# ---------------------------------------------------------------------------------------------------------
# Areas


def _areas() -> pd.DataFrame:
    """Fine (DeSO 2025) units with their 2018 parent, RegSO, kind and grid position; no randomness."""
    counters = {"A": 0, "B": {}, "C": 0}
    rows = []
    split_set = set(_SPLITS)
    for suffix, name, kind, letter, n, zmean, pos in _REGSO:
        for k in range(n):
            if letter == "A":
                counters["A"] += 1
                code = f"{KOMMUN}A{counters['A'] * 10:04d}"
            elif letter == "B":
                loc = counters["B"].setdefault(suffix, len(counters["B"]) + 1)
                code = f"{KOMMUN}B{loc}{k + 1:02d}0"
            else:
                counters["C"] += 1
                code = f"{KOMMUN}C{1000 + counters['C'] * 10}"
            base = dict(
                parent=code,
                regso=KOMMUN + suffix,
                regso_name=name,
                kind=kind,
                letter=letter,
                zmean=zmean,
                col=pos[0],
                row=pos[1],
                slot=k,
                nslots=n,
            )
            if (suffix, k) in split_set:
                rows += [dict(base, unit=code[:-1] + "1", part=1), dict(base, unit=code[:-1] + "2", part=2)]
            else:
                rows.append(dict(base, unit=code, part=0))
    return pd.DataFrame(rows)


def _lookup(areas: pd.DataFrame) -> pd.DataFrame:
    cols = ["deso", "regso", "regso_name"]
    v18 = areas.drop_duplicates("parent").rename(columns={"parent": "deso"})[cols].assign(geo_version="2018")
    v25 = areas.rename(columns={"unit": "deso"})[cols].assign(geo_version="2025")
    out = pd.concat([v18, v25], ignore_index=True).assign(kommun=KOMMUN, kommun_name=KOMMUN_NAME)
    out = out[["geo_version", "deso", "regso", "regso_name", "kommun", "kommun_name"]]
    return out.sort_values(["geo_version", "deso"], kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# Drawing: random for districts, expected values (exact margins) for the national series


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


class _Random:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        return self.rng.binomial(n, np.clip(p, 0.0, 1.0))

    def multinomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 0.0, None)
        p = p / p.sum(axis=-1, keepdims=True)
        return self.rng.multinomial(n, p)


class _Expected:
    """Rounded expected counts whose parts add up exactly (largest-remainder allocation)."""

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.rint(n * np.clip(p, 0.0, 1.0)).astype(np.int64)

    def multinomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 0.0, None)
        p = p / p.sum(axis=-1, keepdims=True)
        exact = n[..., None] * p
        out = np.floor(exact).astype(np.int64)
        short = n - out.sum(axis=-1)
        order = np.argsort(-(exact - out), axis=-1, kind="stable")
        ranks = np.argsort(order, axis=-1, kind="stable")
        return out + (ranks < short[..., None])


def _ordered(cuts: tuple[float, ...], shift: np.ndarray) -> np.ndarray:
    """Ordered-logit category probabilities: P(cat ≤ k) = expit(cut_k − shift)."""
    cum = np.stack([_expit(c - shift) for c in cuts] + [np.ones_like(shift)], axis=-1)
    return np.diff(cum, axis=-1, prepend=0.0)


def _simulate(
    z: np.ndarray,
    kind: np.ndarray,
    pop: np.ndarray,
    year: np.ndarray,
    draw: _Random | _Expected,
    noise: np.ndarray,
    extra: _Random | _Expected,
) -> dict[tuple[str, str], np.ndarray]:
    """Generate every variable for arrays of area-years (all inputs share one shape).

    ``noise`` (same shape + (2,)) perturbs the two medians. ``extra`` draws the variables added after the
    first release (``equivalised_income_quartile``) from a stream of their own, so adding them left every
    earlier variable, and the geometry drawn after them, unchanged. Returns ``{(variable, category): array}``.
    """
    tau = (year - 2015) / 9.0
    focus = (kind == "focus").astype(float)
    centre = (kind == "centre").astype(float)
    rural = (kind == "rural").astype(float)
    village = (kind == "village").astype(float)
    affl = (kind == "affluent").astype(float)
    out: dict[tuple[str, str], np.ndarray] = {}

    # Age and sex
    p019 = 0.215 - 0.03 * z - 0.08 * centre - 0.01 * rural + 0.01 * village - 0.005 * tau
    p2024 = 0.055 + 0.05 * centre + 0.01 * focus
    p6579 = np.clip(0.14 + 0.02 * z + 0.045 * rural + 0.02 * village - 0.03 * centre + 0.01 * tau, 0.04, None)
    p80 = np.clip(0.05 + 0.006 * z + 0.01 * rural - 0.01 * centre, 0.015, None)
    p2564 = 1.0 - p019 - p2024 - p6579 - p80
    ages = draw.multinomial(pop, np.stack([p019, p2024, p2564, p6579, p80], axis=-1))
    women = draw.binomial(ages, np.array([0.487, 0.47, 0.49, 0.51, 0.58]))
    for i, a in enumerate(AGE_BANDS):
        out["population_sex_age", f"women_{a}"] = women[..., i]
        out["population_sex_age", f"men_{a}"] = ages[..., i] - women[..., i]
        out["population_age", a] = ages[..., i]
    out["population_sex_age", "total"] = pop
    out["population_age", "total"] = pop
    a019, a2024, a2564, a6579, a80 = (ages[..., i] for i in range(5))
    p2064 = a2024 + a2564

    # Background and birth region (foreign-born ⊂ foreign background)
    foreign = draw.binomial(pop, _expit(-1.25 - 1.1 * z + 0.3 * tau))
    out["background", "foreign"] = foreign
    out["background", "swedish"] = pop - foreign
    out["background", "total"] = pop
    born_abroad = draw.binomial(foreign, np.full(z.shape, 0.74))
    p_out = _expit(0.3 - 0.8 * z + 0.2 * tau)
    regions = draw.multinomial(born_abroad, np.stack([(1 - p_out) * 0.3, (1 - p_out) * 0.7, p_out], axis=-1))
    out["birth_region", "sweden"] = pop - born_abroad
    for i, r in enumerate(("nordic_excl_sweden", "europe_excl_nordic", "outside_europe")):
        out["birth_region", r] = regions[..., i]
    out["birth_region", "total"] = pop

    # Employment 20–64 (focus areas improve; 2020 pandemic dip)
    rate = _expit(1.35 + 0.55 * z + 0.15 * tau + 0.15 * focus * tau - 0.08 * (year == 2020))
    # RAMS (to 2019) and BAS (from 2020) measure employment differently: a synthetic level break
    rams = year <= 2019
    employed = draw.binomial(p2064, _expit(np.log(rate / (1 - rate)) - 0.06 * rams))
    for var, mask in (("employment_20_64_rams", rams), ("employment_20_64", ~rams)):
        out[var, "employed"] = np.where(mask, employed, -1)
        out[var, "not_employed"] = np.where(mask, p2064 - employed, -1)
        out[var, "total"] = np.where(mask, p2064, -1)

    # Economic standard by age group: low (< 60 % of national median) / high (> 200 %)
    group_n = {"0_19": a019, "20_64": p2064, "65plus": a6579 + a80}
    low_c = {"0_19": -1.65, "20_64": -1.95, "65plus": -1.55}
    low_s = {"0_19": 1.1, "20_64": 0.9, "65plus": 0.5}
    low_focus_trend = {"0_19": 0.1, "20_64": -0.3, "65plus": 0.0}
    high_c = {"0_19": -2.8, "20_64": -2.5, "65plus": -2.9}
    sums = {c: 0 for c in ("low", "middle", "high", "total")}
    for g in _ES_GROUPS:
        n = group_n[g] - draw.binomial(group_n[g], 0.012 + 0.02 * focus)
        low = _expit(low_c[g] - low_s[g] * z + 0.1 * tau + low_focus_trend[g] * focus * tau)
        high = _expit(high_c[g] + 0.9 * z)
        cats = draw.multinomial(n, np.stack([low, 1.0 - low - high, high], axis=-1))
        for i, c in enumerate(("low", "middle", "high")):
            out[f"economic_standard_{g}", c] = cats[..., i]
            sums[c] = sums[c] + cats[..., i]
        out[f"economic_standard_{g}", "total"] = n
        sums["total"] = sums["total"] + n
    for c, v in sums.items():
        out["economic_standard_all", c] = v

    # Medians (levels, tkr): national level grows ~3 % a year
    national = 1.03 ** (year - 2015)
    out["median_economic_standard_tkr", "total"] = np.round(
        255.0 * national * np.exp(0.25 * z + noise[..., 0]), 1
    )
    out["median_income_tkr", "total"] = np.round(250.0 * national * np.exp(0.3 * z + noise[..., 1]), 1)

    # National income quartiles of persons 20+
    adults = pop - a019
    q = draw.multinomial(adults, _ordered((-1.0986, 0.0, 1.0986), 0.85 * z + 0.15 * focus * tau))
    for i in range(4):
        out["income_quartile", f"q{i + 1}"] = q[..., i]
    out["income_quartile", "total"] = adults

    # National quartiles of economic standard (equivalised disposable income) of the economic-standard
    # population (SCB's TAB6684 shares): the same latent score, a little steeper than income of adults
    es_total = sums["total"]
    eq = extra.multinomial(es_total, _ordered((-1.0986, 0.0, 1.0986), 0.95 * z + 0.1 * focus * tau))
    for i in range(4):
        out["equivalised_income_quartile", f"q{i + 1}"] = eq[..., i]
    out["equivalised_income_quartile", "total"] = es_total

    # Education 25–64 (SCB's TAB5956, to 2023) or 25–65 (TAB6534, from 2024)
    n_edu = np.where(year >= 2024, a2564 + draw.binomial(a6579, np.full(z.shape, 1 / 15)), a2564)
    unknown = draw.binomial(n_edu, 0.012 + 0.03 * focus)
    edu = draw.multinomial(
        n_edu - unknown, _ordered((_logit(0.11), _logit(0.53), _logit(0.68)), 0.8 * z + 0.3 * tau)
    )
    edu_cats = ("compulsory", "upper_secondary", "post_secondary_lt3", "post_secondary_3plus")
    for var, mask in (("education_25_64", year < 2024), ("education_25_65", year >= 2024)):
        for i, c in enumerate(edu_cats):
            out[var, c] = np.where(mask, edu[..., i], -1)
        out[var, "unknown"] = np.where(mask, unknown, -1)
        out[var, "total"] = np.where(mask, n_edu, -1)

    # Tenure: dwellings, and persons living in them
    hh_size = 2.1 + 0.35 * (affl + rural + village) - 0.35 * centre + 0.2 * focus
    dwellings = np.rint(pop / hh_size).astype(np.int64)
    p_rent = _expit(-0.6 - 1.2 * z + 0.4 * centre - 1.6 * rural - 0.9 * village)
    owner_share = 0.45 + 0.45 * rural + 0.35 * village - 0.35 * centre + 0.15 * affl - 0.2 * focus
    tenure_p = np.stack([p_rent, (1 - p_rent) * (1 - owner_share), (1 - p_rent) * owner_share], axis=-1)
    d = draw.multinomial(dwellings, tenure_p)
    p_unknown = draw.binomial(pop, np.full(z.shape, 0.012))
    persons_p = tenure_p * np.array([0.85, 0.9, 1.3])
    persons = draw.multinomial(pop - p_unknown, persons_p)
    for i, c in enumerate(("rental", "cooperative", "owner")):
        out["dwellings_tenure", c] = d[..., i]
        out["persons_tenure", c] = persons[..., i]
    out["dwellings_tenure", "total"] = dwellings
    out["persons_tenure", "unknown"] = p_unknown
    out["persons_tenure", "total"] = pop
    return out


# ---------------------------------------------------------------------------------------------------------
# Frames


def _fine_panel(areas: pd.DataFrame, rng: np.random.Generator, extra: np.random.Generator) -> pd.DataFrame:
    """Wide frame: one row per fine unit × year, one column per (variable, category).

    ``extra`` is the separate stream of the variables added later (see :func:`_simulate`).
    """
    parents = areas.drop_duplicates("parent")
    z_parent = parents["zmean"].to_numpy() + rng.normal(0.0, 0.3, len(parents))
    is_split = parents["parent"].isin(areas.loc[areas["part"] > 0, "parent"]).to_numpy()
    small = parents["letter"].isin(["A", "B"]).to_numpy()
    base_parent = np.where(
        is_split,
        rng.uniform(2300, 2600, len(parents)),
        np.where(small, rng.uniform(700, 1500, len(parents)), rng.uniform(900, 2300, len(parents))),
    )
    growth_parent = np.where(is_split, 0.02, 0.008) + rng.normal(0.0, 0.004, len(parents))
    share = rng.uniform(0.42, 0.58, len(parents))
    pidx = pd.Index(parents["parent"]).get_indexer(areas["parent"])
    part = areas["part"].to_numpy()
    z = z_parent[pidx] + np.where(part > 0, rng.normal(0.0, 0.15, len(areas)), 0.0)
    frac = np.select([part == 1, part == 2], [share[pidx], 1.0 - share[pidx]], 1.0)
    base = base_parent[pidx] * frac
    growth = growth_parent[pidx]

    years = np.array(YEARS)
    shape = (len(areas), len(years))
    zz = np.broadcast_to(z[:, None], shape)
    yy = np.broadcast_to(years[None, :], shape)
    kind = np.broadcast_to(areas["kind"].to_numpy(dtype=object)[:, None], shape)
    pop = np.rint(
        base[:, None] * (1 + growth[:, None]) ** (yy - 2015) * (1 + rng.normal(0.0, 0.004, shape))
    ).astype(np.int64)
    noise = rng.normal(0.0, 0.02, (*shape, 2))
    values = _simulate(zz, kind, pop, yy, _Random(rng), noise, _Random(extra))
    wide = pd.DataFrame({f"{k[0]}|{k[1]}": v.ravel() for k, v in values.items()})
    wide.insert(0, "year", yy.ravel().astype(np.int64))
    wide.insert(0, "unit", np.repeat(areas["unit"].to_numpy(), len(years)))
    return wide


def _riket(draw: _Expected) -> pd.DataFrame:
    years = np.array(YEARS)
    pop = np.rint(9_850_000 * 1.0085 ** (years - 2015)).astype(np.int64)
    z = np.zeros(len(years))
    kind = np.full(len(years), "middle", dtype=object)
    values = _simulate(z, kind, pop, years, draw, np.zeros((len(years), 2)), draw)
    wide = pd.DataFrame({f"{k[0]}|{k[1]}": v for k, v in values.items()})
    wide.insert(0, "year", years.astype(np.int64))
    wide.insert(0, "region", RIKET)
    return wide


def _aggregate(wide: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Sum counts to ``key`` (one per row of ``wide``); medians become person-weighted means."""
    value_cols = [c for c in wide.columns if "|" in c]
    count_cols = [c for c in value_cols if c.split("|")[0] not in _LEVEL_VARS]
    frame = wide[count_cols].copy()
    weights = {
        "median_economic_standard_tkr|total": "economic_standard_all|total",
        "median_income_tkr|total": "income_quartile|total",
    }
    for col, wcol in weights.items():
        frame[col + "_wx"] = wide[col] * wide[wcol]
    frame["region"] = key.to_numpy()
    frame["year"] = wide["year"].to_numpy()
    summed = frame.groupby(["region", "year"], sort=True).sum()
    for col, wcol in weights.items():
        summed[col] = np.round(summed.pop(col + "_wx") / summed[wcol], 1)
    # columns of the "other" age range / employment register stay -1 (not applicable), not a sum of -1s
    summed[count_cols] = summed[count_cols].where(summed[count_cols] >= 0, -1)
    return summed.reset_index()


def _area_type(wide: pd.DataFrame) -> pd.Series:
    """Synthetic områdestyp 1–5 of a RegSO from its low-economic-standard share (1 = most deprived).

    A stand-in for SCB/Delmos' index, which combines several indicators; thresholds chosen so the demo
    has one type-1 and two type-2 focus areas (the pattern of Linköping's three focus areas).
    """
    low = wide["economic_standard_all|low"] / wide["economic_standard_all|total"]
    return pd.Series(
        np.select([low >= 0.45, low >= 0.25, low >= 0.17, low >= 0.09], [1, 2, 3, 4], 5).astype(float),
        index=wide.index,
    )


def _suppress(long: pd.DataFrame) -> pd.DataFrame:
    """Mark small cells as SCB does: value NaN, status ".."."""
    leaf = long["category"] != "total"
    small = long["variable"].isin(_SMALL_CELL_VARS) & leaf & (long["value"] >= 1) & (long["value"] <= 4)
    es = long["variable"].str.startswith("economic_standard_")
    es_tot = long.loc[es & ~leaf].set_index(["geo_version", "level", "region", "year", "variable"])["value"]
    key = pd.MultiIndex.from_frame(long[["geo_version", "level", "region", "year", "variable"]])
    group_total = es_tot.reindex(key).to_numpy()
    thin = (es & leaf).to_numpy() & (group_total < _ES_MIN_GROUP)
    mask = small.to_numpy() | thin
    long["status"] = pd.Series(np.where(mask, "..", None), index=long.index, dtype="str")
    long.loc[mask, "value"] = np.nan
    return long


def _melt(wide: pd.DataFrame, geo_version: str, level: str) -> pd.DataFrame:
    cols = [c for c in wide.columns if "|" in c]
    n = len(wide)
    values = np.concatenate([wide[c].to_numpy(dtype=float) for c in cols])
    frame = pd.DataFrame(
        {
            "geo_version": geo_version,
            "level": level,
            "region": np.tile(wide["region"].to_numpy(dtype=object), len(cols)),
            "year": np.tile(wide["year"].to_numpy(dtype=np.int64), len(cols)),
            "variable": np.repeat([c.split("|")[0] for c in cols], n),
            "category": np.repeat([c.split("|")[1] for c in cols], n),
            "value": values,
        }
    )
    return frame[frame["value"] >= 0]  # drops the not-applicable education age range


def _counts(
    areas: pd.DataFrame, fine: pd.DataFrame, riket: pd.DataFrame, version_years: Mapping[str, tuple[int, ...]]
) -> pd.DataFrame:
    unit_index = areas.set_index("unit")
    parts = []
    for version, years in version_years.items():
        if version not in DEFAULT_VERSION_YEARS:
            raise ValueError(
                f"version_years: expected geography versions '2018' and/or '2025', got {version!r}; "
                "use '2018' (DeSO 2018 / RegSO 2020) or '2025' (DeSO 2025 / RegSO 2025)."
            )
        bad = sorted(set(years) - set(YEARS))
        if bad:
            raise ValueError(
                f"version_years[{version!r}]: years must lie in {YEARS[0]}–{YEARS[-1]}, got {bad}; "
                "the generator has no data for other years."
            )
        sub = fine[fine["year"].isin(list(years))].reset_index(drop=True)
        deso_key = sub["unit"] if version == "2025" else sub["unit"].map(unit_index["parent"])
        keys = {
            "DeSO": deso_key,
            "RegSO": sub["unit"].map(unit_index["regso"]),
            "kommun": pd.Series(KOMMUN, index=sub.index),
        }
        for level, key in keys.items():
            agg = _aggregate(sub, key)
            if level == "RegSO":
                agg["area_type_official|total"] = _area_type(agg)
            parts.append(_melt(agg, version, level))
        parts.append(_melt(riket[riket["year"].isin(list(years))], version, "riket"))
    long = pd.concat(parts, ignore_index=True)
    long = _suppress(long)
    units = {v: u for v, (_, u) in VARIABLES.items()}
    long["unit"] = long["variable"].map(units)
    long["source"] = SYNTHETIC_LABEL
    long["rank"] = long["level"].map(LEVEL_ORDER)
    long = long.sort_values(["geo_version", "rank", "region", "year"], kind="mergesort").drop(columns="rank")
    cols = ["geo_version", "level", "region", "year", "variable", "category", "value", "unit", "status"]
    long = long[[*cols, "source"]].reset_index(drop=True)
    for c in ("geo_version", "level", "region", "variable", "category", "unit", "status", "source"):
        long[c] = long[c].astype("str")
    return long


# ---------------------------------------------------------------------------------------------------------
# Geometry


def _geometry(areas: pd.DataFrame, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    import geopandas as gpd
    import shapely

    parents = areas.drop_duplicates("parent").reset_index(drop=True)
    spacing, radius = 2500.0, 650.0
    x0, y0 = 700_000.0, 6_850_000.0  # Bothnian Sea: no real town here
    regso = parents.drop_duplicates("regso")
    centre_x = x0 + regso["col"].to_numpy() * spacing + rng.normal(0, 200, len(regso))
    centre_y = y0 + regso["row"].to_numpy() * spacing + rng.normal(0, 200, len(regso))
    ridx = pd.Index(regso["regso"]).get_indexer(parents["regso"])
    angle0 = rng.uniform(0, 2 * np.pi, len(regso))[ridx]
    angle = angle0 + 2 * np.pi * parents["slot"].to_numpy() / parents["nslots"].to_numpy()
    r = radius * rng.uniform(0.75, 1.0, len(parents))
    px = centre_x[ridx] + r * np.cos(angle)
    py = centre_y[ridx] + r * np.sin(angle)
    points = shapely.points(np.round(px), np.round(py))
    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(points)), 1800.0, quad_segs=4)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=hull))
    inside = shapely.contains(cells[:, None], points[None, :])
    polys = shapely.intersection(cells[inside.argmax(axis=0)], hull)

    rows18 = pd.DataFrame(
        {
            "geo_version": "2018",
            "desokod": parents["parent"],
            "regsokod": parents["regso"],
            "regsonamn": parents["regso_name"],
            "kommunkod": KOMMUN,
        }
    )
    geom18 = list(polys)
    # 2025: split parents cut in two through the centroid, across the longer side
    units25, geom25 = [], []
    by_parent = dict(zip(parents["parent"], polys, strict=True))
    for parent, group in areas.groupby("parent", sort=False):
        poly = by_parent[parent]
        if len(group) == 1:
            units25.append(group.iloc[0])
            geom25.append(poly)
            continue
        minx, miny, maxx, maxy = poly.bounds
        c = poly.centroid
        if maxx - minx >= maxy - miny:
            first = shapely.box(minx - 1, miny - 1, c.x, maxy + 1)
        else:
            first = shapely.box(minx - 1, miny - 1, maxx + 1, c.y)
        pieces = [shapely.intersection(poly, first), shapely.difference(poly, first)]
        for (_, row), piece in zip(group.sort_values("part").iterrows(), pieces, strict=True):
            units25.append(row)
            geom25.append(piece)
    u25 = pd.DataFrame(units25)
    rows25 = pd.DataFrame(
        {
            "geo_version": "2025",
            "desokod": u25["unit"].to_numpy(),
            "regsokod": u25["regso"].to_numpy(),
            "regsonamn": u25["regso_name"].to_numpy(),
            "kommunkod": KOMMUN,
        }
    )
    deso = gpd.GeoDataFrame(
        pd.concat([rows18, rows25], ignore_index=True), geometry=geom18 + geom25, crs="EPSG:3006"
    )
    deso = deso.sort_values(["geo_version", "desokod"], kind="mergesort").reset_index(drop=True)
    for c in ("geo_version", "desokod", "regsokod", "regsonamn", "kommunkod"):
        deso[c] = deso[c].astype("str")
    regso_geom = deso.dissolve(by=["geo_version", "regsokod"], as_index=False)[
        ["geo_version", "regsokod", "regsonamn", "kommunkod", "geometry"]
    ]
    return deso, regso_geom


# ---------------------------------------------------------------------------------------------------------
# Public API


def _label(frame: pd.DataFrame) -> pd.DataFrame:
    frame.attrs["synthetic"] = True
    frame.attrs["label"] = SYNTHETIC_LABEL
    return frame


def generate(
    seed: int = DEFAULT_SEED, *, version_years: Mapping[str, tuple[int, ...]] | None = None
) -> SyntheticMunicipality:
    """Generate the synthetic municipality "Exempelstad (syntetisk)" (kommun 9999).

    Parameters
    ----------
    seed
        Seed of the :class:`numpy.random.Generator`; the same seed gives identical frames (and
        byte-identical parquet through :func:`segindicators._io.write_frame`).
    version_years
        Years to publish for each geography version. Default: ``{"2018": 2015–2023, "2025": (2024,)}``
        as SCB does. The numbers do not depend on this choice (data are generated on the finest
        geography for all years first), so publishing both versions for a year lets a test check that
        split DeSO add up to their parent.

    Returns
    -------
    SyntheticMunicipality
        Lookup, long counts, focus/affluent RegSO codes, splits and geometry; all labelled synthetic.

    Raises
    ------
    ValueError
        If ``version_years`` names an unknown version or a year outside 2015–2024.

    Examples
    --------
    >>> demo = generate(1)
    >>> demo.splits["9999C1080"]
    ('9999C1081', '9999C1082')
    >>> c = demo.counts
    >>> row = c[(c.level == "kommun") & (c.year == 2024) & (c.variable == "background")]
    >>> int(row.value[row.category == "foreign"].iloc[0] + row.value[row.category == "swedish"].iloc[0]) \\
    ...     == int(row.value[row.category == "total"].iloc[0])
    True
    """
    if version_years is None:
        version_years = DEFAULT_VERSION_YEARS
    rng = np.random.default_rng(seed)
    areas = _areas()
    fine = _fine_panel(areas, rng, np.random.default_rng([seed, 1]))
    riket = _riket(_Expected())
    counts = _counts(areas, fine, riket, version_years)
    geometry, regso_geometry = _geometry(areas, rng)
    splits = {p: tuple(g["unit"]) for p, g in areas[areas["part"] > 0].sort_values("unit").groupby("parent")}
    return SyntheticMunicipality(
        lookup=_label(_lookup(areas)),
        counts=_label(counts),
        focus_areas=FOCUS_AREAS,
        affluent_areas=AFFLUENT_AREAS,
        splits=splits,
        geometry=_label(geometry),
        regso_geometry=_label(regso_geometry),
        seed=seed,
    )


def write_demo_data(out_dir: str | os.PathLike[str], seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the synthetic municipality to ``out_dir`` (atomic writes; byte-stable files).

    Files: ``lookup.parquet``, ``counts.parquet``, ``deso_geometry.parquet`` and
    ``regso_geometry.parquet`` (GeoParquet, EPSG:3006), and ``SYNTETISKA_DATA.txt`` carrying the label.

    Parameters
    ----------
    out_dir
        Target folder; created if missing.
    seed
        Generator seed, see :func:`generate`.

    Returns
    -------
    list of Path
        The written files.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in write_demo_data(tempfile.mkdtemp())]  # doctest: +NORMALIZE_WHITESPACE
    ['lookup.parquet', 'counts.parquet', 'deso_geometry.parquet', 'regso_geometry.parquet',
     'SYNTETISKA_DATA.txt']
    """
    import io

    out = Path(out_dir)
    demo = generate(seed)
    written = [
        write_frame(demo.lookup, out / "lookup.parquet"),
        write_frame(demo.counts, out / "counts.parquet"),
    ]
    for name, gdf in (("deso_geometry", demo.geometry), ("regso_geometry", demo.regso_geometry)):
        buf = io.BytesIO()
        gdf.to_parquet(buf, index=False, compression="zstd")
        written.append(atomic_write_bytes(out / f"{name}.parquet", buf.getvalue()))
    text = (
        f"{SYNTHETIC_LABEL}\n\n"
        f"Fiktiv kommun {KOMMUN_NAME}, kommunkod {KOMMUN}, seed {seed}. Alla siffror är slumpgenererade\n"
        "av segindicators.demo.synthetic och beskriver ingen verklig plats.\n"
    )
    written.append(atomic_write_text(out / "SYNTETISKA_DATA.txt", text))
    return written
