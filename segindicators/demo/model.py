"""The synthetic municipality's data-generating process: every variable of an area-year from its latent score.

**Syntetiska exempeldata – inte officiell statistik.** :func:`simulate` turns arrays of area-years (latent
socio-economic score ``z``, area kind, population, year) into counts of every variable in :data:`VARIABLES`.
All shares are logistic (or ordered-logistic, :func:`ordered_logit`) functions of ``z``, the area
kind and a slow time trend; counts are drawn from them by a ``draw`` object: :class:`RandomCounts`
(binomial/multinomial draws, for districts) or :class:`ExpectedCounts` (rounded expected counts whose parts
add up exactly, for the national series). Either way every part is an integer and parts add up to their
total. The draws happen in a fixed order (age, sex, background, birth region, employment, economic standard,
income quartiles, education, tenure), so a seed gives the same numbers run after run.

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
>>> ExpectedCounts().multinomial(np.array([10]), np.array([[0.5, 0.3, 0.2]])).tolist()
[[5, 3, 2]]
>>> ordered_logit((0.0,), np.array([0.0])).tolist()
[[0.5, 0.5]]
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AGE_BANDS",
    "ES_GROUPS",
    "SEXES",
    "SOURCE_TABLES",
    "VARIABLES",
    "ExpectedCounts",
    "RandomCounts",
    "expit",
    "logit",
    "ordered_logit",
    "simulate",
]

AGE_BANDS = ("0-19", "20-24", "25-64", "65-79", "80+")
SEXES = ("women", "men")
ES_GROUPS = ("0_19", "20_64", "65plus")

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
    **{f"economic_standard_{g}": (("low", "middle", "high", "total"), "persons") for g in ES_GROUPS},
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
    **{f"economic_standard_{g}": "TAB6685" for g in (*ES_GROUPS, "all")},
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


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``.

    Examples
    --------
    >>> float(expit(np.array(0.0)))
    0.5
    """
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    """The log-odds ``log(p / (1 - p))``, the inverse of :func:`expit`.

    Examples
    --------
    >>> logit(0.5)
    0.0
    """
    return float(np.log(p / (1.0 - p)))


class RandomCounts:
    """Binomial and multinomial draws from ``rng`` (probabilities clipped to [0, 1], rows renormalised)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``n`` trials with success probability ``p`` (broadcast), one draw per element."""
        return self.rng.binomial(n, np.clip(p, 0.0, 1.0))

    def multinomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``n`` spread over the categories of the last axis of ``p``; parts add up to ``n``."""
        p = np.clip(p, 0.0, None)
        p = p / p.sum(axis=-1, keepdims=True)
        return self.rng.multinomial(n, p)


class ExpectedCounts:
    """Rounded expected counts whose parts add up exactly (largest-remainder allocation)."""

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``n * p`` rounded to the nearest integer."""
        return np.rint(n * np.clip(p, 0.0, 1.0)).astype(np.int64)

    def multinomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``n * p`` floored, the shortfall given to the largest remainders: parts add up to ``n`` exactly."""
        p = np.clip(p, 0.0, None)
        p = p / p.sum(axis=-1, keepdims=True)
        exact = n[..., None] * p
        out = np.floor(exact).astype(np.int64)
        short = n - out.sum(axis=-1)
        order = np.argsort(-(exact - out), axis=-1, kind="stable")
        ranks = np.argsort(order, axis=-1, kind="stable")
        return out + (ranks < short[..., None])


def ordered_logit(cuts: tuple[float, ...], shift: np.ndarray) -> np.ndarray:
    """Ordered-logit category probabilities: P(cat ≤ k) = expit(cut_k − shift).

    The proportional-odds model (McCullagh 1980, "Regression models for ordinal data", JRSS B 42(2)): one
    more category than ``cuts``, along a new last axis; a larger ``shift`` moves mass to higher categories.
    """
    cum = np.stack([expit(c - shift) for c in cuts] + [np.ones_like(shift)], axis=-1)
    return np.diff(cum, axis=-1, prepend=0.0)


def simulate(
    z: np.ndarray,
    kind: np.ndarray,
    pop: np.ndarray,
    year: np.ndarray,
    draw: RandomCounts | ExpectedCounts,
    noise: np.ndarray,
    extra: RandomCounts | ExpectedCounts,
) -> dict[tuple[str, str], np.ndarray]:
    """Generate every variable for arrays of area-years (all inputs share one shape).

    Parameters
    ----------
    z, kind, pop, year
        Latent socio-economic score, area kind (``"focus"``, ``"centre"``, ``"affluent"``, ``"middle"``,
        ``"village"``, ``"rural"``), population and year of each area-year.
    draw
        How counts are drawn from shares (:class:`RandomCounts` or :class:`ExpectedCounts`).
    noise
        Shape of ``z`` + (2,): perturbs the two medians (log scale).
    extra
        Draws the variables added after the first release (``equivalised_income_quartile``) from a stream
        of their own, so adding them left every earlier variable, and the geometry drawn after them,
        unchanged.

    Returns
    -------
    dict
        ``{(variable, category): array}``; ``-1`` marks a variable that does not apply to that year (the
        other employment register or education age range).
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
    foreign = draw.binomial(pop, expit(-1.25 - 1.1 * z + 0.3 * tau))
    out["background", "foreign"] = foreign
    out["background", "swedish"] = pop - foreign
    out["background", "total"] = pop
    born_abroad = draw.binomial(foreign, np.full(z.shape, 0.74))
    p_out = expit(0.3 - 0.8 * z + 0.2 * tau)
    regions = draw.multinomial(born_abroad, np.stack([(1 - p_out) * 0.3, (1 - p_out) * 0.7, p_out], axis=-1))
    out["birth_region", "sweden"] = pop - born_abroad
    for i, r in enumerate(("nordic_excl_sweden", "europe_excl_nordic", "outside_europe")):
        out["birth_region", r] = regions[..., i]
    out["birth_region", "total"] = pop

    # Employment 20–64 (focus areas improve; 2020 pandemic dip)
    rate = expit(1.35 + 0.55 * z + 0.15 * tau + 0.15 * focus * tau - 0.08 * (year == 2020))
    # RAMS (to 2019) and BAS (from 2020) measure employment differently: a synthetic level break
    rams = year <= 2019
    employed = draw.binomial(p2064, expit(np.log(rate / (1 - rate)) - 0.06 * rams))
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
    for g in ES_GROUPS:
        n = group_n[g] - draw.binomial(group_n[g], 0.012 + 0.02 * focus)
        low = expit(low_c[g] - low_s[g] * z + 0.1 * tau + low_focus_trend[g] * focus * tau)
        high = expit(high_c[g] + 0.9 * z)
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
    q = draw.multinomial(adults, ordered_logit((-1.0986, 0.0, 1.0986), 0.85 * z + 0.15 * focus * tau))
    for i in range(4):
        out["income_quartile", f"q{i + 1}"] = q[..., i]
    out["income_quartile", "total"] = adults

    # National quartiles of economic standard (equivalised disposable income) of the economic-standard
    # population (SCB's TAB6684 shares): the same latent score, a little steeper than income of adults
    es_total = sums["total"]
    eq = extra.multinomial(es_total, ordered_logit((-1.0986, 0.0, 1.0986), 0.95 * z + 0.1 * focus * tau))
    for i in range(4):
        out["equivalised_income_quartile", f"q{i + 1}"] = eq[..., i]
    out["equivalised_income_quartile", "total"] = es_total

    # Education 25–64 (SCB's TAB5956, to 2023) or 25–65 (TAB6534, from 2024)
    n_edu = np.where(year >= 2024, a2564 + draw.binomial(a6579, np.full(z.shape, 1 / 15)), a2564)
    unknown = draw.binomial(n_edu, 0.012 + 0.03 * focus)
    edu = draw.multinomial(
        n_edu - unknown, ordered_logit((logit(0.11), logit(0.53), logit(0.68)), 0.8 * z + 0.3 * tau)
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
    p_rent = expit(-0.6 - 1.2 * z + 0.4 * centre - 1.6 * rural - 0.9 * village)
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
