"""Serve the synthetic municipality through a fake PxWebApi v2, shaped like the SCB tables the catalogue uses.

**Syntetiska exempeldata – inte officiell statistik.** :func:`demo_server` registers, on a
:class:`~segindicators.testing.FakePxWeb`, every table ``segindicators/catalogue/indicators.yaml`` needs —
same table ids, variable codes, value codes and ``ContentsCode`` — filled from
:func:`segindicators.demo.synthetic.generate`, plus the four Region codelists (``vs_DeSO2018``,
``vs_RegSO2020``, ``vs_DeSO2025``, ``vs_RegSO2025``; codes suffixed ``_DeSO2025`` etc. mapping to the
table's plain codes). The real :func:`segindicators.catalogue.builder.build_counts` can then run against
it over HTTP, unchanged, for kommun ``9999``.

How synthetic variables become table cells
------------------------------------------
=========  ===============================================  ==============================================
Table      Variables / codes served                         From the synthetic variable
=========  ===============================================  ==============================================
TAB6574    Kon 1/2/1+2, Alder totalt + five-year bands      ``population_sex_age`` (bands derived, below)
TAB6571    Kon 1+2, UtlBakgrund 1/2/SA, 000007Y4            ``background`` foreign/swedish/total
TAB6572    Kon 1+2, Fodelseregion tot/010/020/030/040       ``birth_region``
TAB6680    Kon 1+2, Alder 20-64, 0000089X/0000089Y          ``employment_20_64`` employed/total (2020–)
TAB5880    Kon 1+2, Alder 20-64, Sysselsattning FÖRV/TOTALT ``employment_20_64_rams`` (2015–2019)
TAB6685    Alder tot/0-19/20-64/65+, 000008AC/000008AD      ``economic_standard_*``: low/high as a percent
                                                            of the group's total, one decimal, as SCB
TAB6684    000008A9 (median, tkr)                           ``median_economic_standard_tkr``
TAB6679    Kon 1+2, Inkomstkomponenter 240, 000008A2–A5     ``income_quartile`` q1–q4 as a percent of
           (quartile shares, %), 000008A6 (median, tkr)     persons 20+ (one decimal); ``median_income_tkr``
TAB5956    UtbildningsNiva 21/3+4/5/6/US (2015–2023)        ``education_25_64``
TAB6534    same codes (2024–)                               ``education_25_65``
TAB6258    Upplatelseform 1/2/3/ÖVRIGT (2015–2023)          ``dwellings_tenure``; ÖVRIGT is 0 (the generator
TAB6638    same codes (2024–)                               has no "other" tenure)
TAB6253    Upplatelseform 1/2/3/US                          ``persons_tenure`` rental/cooperative/owner/unknown
TAB6586    000008IU (områdestyp, RegSO only)                ``area_type_official``
=========  ===============================================  ==============================================

Tables whose catalogue entry says ``ContentsCode: ["*"]`` (one unpinned content) get a synthetic content code
``SYNT01``, so nobody mistakes it for SCB's. The generator has five age bands (0-19, 20-24, 25-64, 65-79,
80+); TAB6574's five-year ``Alder`` bands are derived from them deterministically by a largest-remainder split
with fixed weights (:data:`AGE_SPLITS`), per sex, so every band is an integer and the bands add up exactly to
the generator's band (``0-4`` … ``15-19`` sum to ``0-19``, and so on). ``80+`` is served as one band.

Every Region is in one ``Region`` variable: the DeSO of both versions (a code kept in 2025 has 2018-version
values for 2015–2023 and 2025-version values for 2024, as the generator publishes them), the RegSO, the
kommun ``9999`` and riket ``00``. Suppressed cells are ``null`` with status ``".."``. Table labels begin
"Syntetiska exempeldata – ", the source is :data:`~segindicators.demo.synthetic.SYNTHETIC_LABEL`, and each
table has a fixed ``updated`` stamp (:data:`UPDATED`).

Examples
--------
>>> fake = demo_server()
>>> sorted(fake.tables)[:3], fake.tables["TAB6571"].label
(['TAB5880', 'TAB5956', 'TAB6253'], 'Syntetiska exempeldata – Folkmängd efter utländsk/svensk bakgrund')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from segindicators.demo.synthetic import (
    DEFAULT_SEED,
    KOMMUN_NAME,
    SYNTHETIC_LABEL,
    SyntheticMunicipality,
    generate,
)
from segindicators.testing.fake_pxweb import FakePxWeb, region_valueset

__all__ = [
    "AGE_SPLITS",
    "CONTENT",
    "UPDATED",
    "demo_server",
    "register_tables",
    "split_counts",
    "table_frames",
]

LABEL_PREFIX = "Syntetiska exempeldata – "
#: Synthetic content code for tables whose catalogue entry leaves ContentsCode unpinned (``"*"``).
CONTENT = "SYNT01"
#: Fixed ``updated`` stamps of the synthetic tables (deterministic, so repeated runs see no revision).
UPDATED = "2025-06-01T06:00:00Z"

#: Generator age band → (five-year band, weight); the split is largest-remainder, so parts add up exactly.
AGE_SPLITS: dict[str, tuple[tuple[str, float], ...]] = {
    "0-19": (("0-4", 0.245), ("5-9", 0.25), ("10-14", 0.255), ("15-19", 0.25)),
    "20-24": (("20-24", 1.0),),
    "25-64": tuple(
        (f"{a}-{a + 4}", w)
        for a, w in zip(range(25, 65, 5), (0.13, 0.13, 0.125, 0.125, 0.125, 0.125, 0.12, 0.12), strict=True)
    ),
    "65-79": (("65-69", 0.37), ("70-74", 0.34), ("75-79", 0.29)),
    "80+": (("80+", 1.0),),
}
_ALDER_CODES = ["totalt", *(band for parts in AGE_SPLITS.values() for band, _ in parts)]
_KON = {"1": "men", "2": "women"}


def split_counts(n: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """Split integer counts into parts by fixed weights (largest remainder): parts are integers summing to ``n``.

    NaN counts give NaN parts.

    Examples
    --------
    >>> split_counts(np.array([10.0, 7.0, np.nan]), [0.5, 0.3, 0.2]).tolist()
    [[5.0, 3.0, 2.0], [4.0, 2.0, 1.0], [nan, nan, nan]]
    """
    n = np.asarray(n, dtype=float)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    ok = ~np.isnan(n)
    exact = np.where(ok, n, 0.0)[:, None] * w[None, :]
    out = np.floor(exact)
    short = (np.where(ok, n, 0.0) - out.sum(axis=1)).astype(np.int64)
    order = np.argsort(-(exact - out), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    out = out + (ranks < short[:, None])
    out[~ok] = np.nan
    return out


def _wide(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values and statuses as (region, year) × "variable|category" frames (one row per region and year)."""
    c = counts
    dup = c.duplicated(["region", "year", "variable", "category"])
    if dup.any():
        raise ValueError(
            "counts: a region has values from both geography versions for the same year "
            f"(e.g. {c.loc[dup, ['region', 'year']].head(3).values.tolist()}); generate() with the default "
            "version_years publishes each year in one version only, which the fake server needs."
        )
    key = c["variable"] + "|" + c["category"]
    idx = pd.MultiIndex.from_arrays([c["region"], c["year"], key], names=["Region", "Tid", "key"])
    values = pd.Series(c["value"].to_numpy(float), index=idx).unstack("key")
    status = pd.Series(c["status"].astype(object).where(c["status"].notna(), None).to_numpy(), index=idx)
    status = status.unstack("key")
    return values, status


def _long(
    parts: Mapping[tuple[str, ...], tuple[pd.Series, pd.Series | None]], dims: Sequence[str]
) -> pd.DataFrame:
    """Stack {code tuple: (values, status)} series indexed by (Region, Tid) into a long frame."""
    frames = []
    for codes, (vals, stat) in parts.items():
        f = vals.rename("value").reset_index()
        f["status"] = None if stat is None else stat.to_numpy()
        for d, code in zip(dims, codes, strict=True):
            f[d] = code
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["Tid"] = out["Tid"].astype(str)
    out["status"] = out["status"].astype(object).where(out["status"].notna(), None)
    return out.loc[out["value"].notna() | out["status"].notna()]


def _percent(num: pd.Series, den: pd.Series, num_status: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A published percentage with one decimal; suppressed numerators stay suppressed (NaN, "..")."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.round(100.0 * num / den.where(den > 0), 1)
    return pct, num_status


def table_frames(demo: SyntheticMunicipality) -> dict[str, dict]:
    """Long frames and variable definitions of every served table (see the module docstring).

    Returns
    -------
    dict
        Table id → ``{"label", "variables" (code → value codes in order), "frame" (long, with ``value`` and
        ``status``)}``.
    """
    v, s = _wide(demo.counts)

    def col(key: str) -> tuple[pd.Series, pd.Series]:
        return v[key], s[key]

    def years(frame: pd.DataFrame) -> list[str]:
        return sorted(frame["Tid"].unique())

    tables: dict[str, dict] = {}

    def add(tid: str, label: str, dims: list[str], parts: dict, fixed: Mapping[str, list[str]]) -> None:
        frame = _long(parts, dims)
        variables: dict[str, list[str]] = {"Region": list(dict.fromkeys(frame["Region"]))}
        for d in dims:
            variables[d] = fixed[d]
        variables["Tid"] = years(frame)
        tables[tid] = {"label": LABEL_PREFIX + label, "variables": variables, "frame": frame}

    # TAB6574: population by sex and five-year age band
    parts: dict = {}
    for kon, sex in _KON.items():
        for band, splits in AGE_SPLITS.items():
            n = v[f"population_sex_age|{sex}_{band}"]
            cut = split_counts(n.to_numpy(), [w for _, w in splits])
            for j, (code, _) in enumerate(splits):
                parts[(kon, code, "000007Y7")] = (pd.Series(cut[:, j], index=n.index), None)
        parts[(kon, "totalt", "000007Y7")] = (
            sum(v[f"population_sex_age|{sex}_{b}"] for b in AGE_SPLITS),
            None,
        )
    for code in _ALDER_CODES:
        parts[("1+2", code, "000007Y7")] = (
            parts[("1", code, "000007Y7")][0] + parts[("2", code, "000007Y7")][0],
            None,
        )
    add("TAB6574", "Folkmängd efter region, kön och ålder", ["Kon", "Alder", "ContentsCode"], parts,
        {"Kon": ["1", "2", "1+2"], "Alder": _ALDER_CODES, "ContentsCode": ["000007Y7"]})  # fmt: skip

    # TAB6571: background
    parts = {("1+2", code, "000007Y4"): col(f"background|{cat}")
             for code, cat in (("1", "foreign"), ("2", "swedish"), ("SA", "total"))}  # fmt: skip
    add("TAB6571", "Folkmängd efter utländsk/svensk bakgrund", ["Kon", "UtlBakgrund", "ContentsCode"], parts,
        {"Kon": ["1+2"], "UtlBakgrund": ["1", "2", "SA"], "ContentsCode": ["000007Y4"]})  # fmt: skip

    # TAB6572: birth region
    regions = {"tot": "total", "010": "sweden", "020": "nordic_excl_sweden", "030": "europe_excl_nordic",
               "040": "outside_europe"}  # fmt: skip
    parts = {("1+2", code, CONTENT): col(f"birth_region|{cat}") for code, cat in regions.items()}
    add("TAB6572", "Folkmängd efter födelseregion", ["Kon", "Fodelseregion", "ContentsCode"], parts,
        {"Kon": ["1+2"], "Fodelseregion": list(regions), "ContentsCode": [CONTENT]})  # fmt: skip

    # TAB6680 (BAS, 2020–) and TAB5880 (RAMS stand-in, 2015–2019)
    parts = {("1+2", "20-64", "0000089X"): col("employment_20_64|employed"),
             ("1+2", "20-64", "0000089Y"): col("employment_20_64|total")}  # fmt: skip
    add("TAB6680", "Sysselsatta 20–64 år (BAS)", ["Kon", "Alder", "ContentsCode"], parts,
        {"Kon": ["1+2"], "Alder": ["20-64"], "ContentsCode": ["0000089X", "0000089Y"]})  # fmt: skip
    parts = {("1+2", "20-64", "FÖRV", CONTENT): col("employment_20_64_rams|employed"),
             ("1+2", "20-64", "TOTALT", CONTENT): col("employment_20_64_rams|total")}  # fmt: skip
    add("TAB5880", "Förvärvsarbetande 20–64 år (RAMS)", ["Kon", "Alder", "Sysselsattning", "ContentsCode"],
        parts, {"Kon": ["1+2"], "Alder": ["20-64"], "Sysselsattning": ["FÖRV", "TOTALT"],
                "ContentsCode": [CONTENT]})  # fmt: skip

    # TAB6685: low/high economic standard, percent of the age group
    ages = {"tot": "all", "0-19": "0_19", "20-64": "20_64", "65+": "65plus"}
    parts = {}
    for code, g in ages.items():
        total = v[f"economic_standard_{g}|total"]
        for content, cat in (("000008AC", "low"), ("000008AD", "high")):
            num, st = col(f"economic_standard_{g}|{cat}")
            parts[(code, content)] = _percent(num, total, st)
    add("TAB6685", "Andel personer med låg respektive hög ekonomisk standard, procent", ["Alder", "ContentsCode"],
        parts, {"Alder": list(ages), "ContentsCode": ["000008AC", "000008AD"]})  # fmt: skip

    # TAB6684: median economic standard
    add("TAB6684", "Ekonomisk standard, medianvärde, tkr", ["ContentsCode"],
        {("000008A9",): col("median_economic_standard_tkr|total")}, {"ContentsCode": ["000008A9"]})  # fmt: skip

    # TAB6679: income quartile shares (percent of persons 20+) and median income
    adults = v["income_quartile|total"]
    parts = {}
    for i, content in enumerate(("000008A2", "000008A3", "000008A4", "000008A5")):
        num, st = col(f"income_quartile|q{i + 1}")
        parts[("1+2", "240", content)] = _percent(num, adults, st)
    parts[("1+2", "240", "000008A6")] = col("median_income_tkr|total")
    add("TAB6679", "Inkomstkvartiler (andel, procent) och medianinkomst (tkr), 20 år och äldre",
        ["Kon", "Inkomstkomponenter", "ContentsCode"], parts,
        {"Kon": ["1+2"], "Inkomstkomponenter": ["240"],
         "ContentsCode": ["000008A2", "000008A3", "000008A4", "000008A5", "000008A6"]})  # fmt: skip

    # Education: TAB5956 (25–64, to 2023) and TAB6534 (25–65, from 2024)
    levels = {"21": "compulsory", "3+4": "upper_secondary", "5": "post_secondary_lt3",
              "6": "post_secondary_3plus", "US": "unknown"}  # fmt: skip
    for tid, var, label in (
        ("TAB5956", "education_25_64", "25–64 år"),
        ("TAB6534", "education_25_65", "25–65 år"),
    ):
        parts = {(code, CONTENT): col(f"{var}|{cat}") for code, cat in levels.items()}
        add(tid, f"Befolkning {label} efter utbildningsnivå", ["UtbildningsNiva", "ContentsCode"], parts,
            {"UtbildningsNiva": list(levels), "ContentsCode": [CONTENT]})  # fmt: skip

    # Dwellings by tenure: TAB6258 (to 2023) and TAB6638 (from 2024); ÖVRIGT served as 0
    tenure = {"1": "rental", "2": "cooperative", "3": "owner"}
    dw_years = v["dwellings_tenure|total"]
    for tid, period in (("TAB6258", dw_years.index.get_level_values("Tid") <= 2023),
                        ("TAB6638", dw_years.index.get_level_values("Tid") >= 2024)):  # fmt: skip
        parts = {}
        for code, cat in tenure.items():
            vals, st = col(f"dwellings_tenure|{cat}")
            parts[(code, CONTENT)] = (vals[period], st[period])
        zero = dw_years[period].where(dw_years[period].isna(), 0.0)
        parts[("ÖVRIGT", CONTENT)] = (zero, None)
        add(tid, "Lägenheter efter upplåtelseform", ["Upplatelseform", "ContentsCode"], parts,
            {"Upplatelseform": ["1", "2", "3", "ÖVRIGT"], "ContentsCode": [CONTENT]})  # fmt: skip

    # TAB6253: persons by tenure
    ptenure = {**tenure, "US": "unknown"}
    parts = {(code, CONTENT): col(f"persons_tenure|{cat}") for code, cat in ptenure.items()}
    add("TAB6253", "Personer efter upplåtelseform", ["Upplatelseform", "ContentsCode"], parts,
        {"Upplatelseform": list(ptenure), "ContentsCode": [CONTENT]})  # fmt: skip

    # TAB6586: area type (RegSO only)
    at = v["area_type_official|total"].dropna()
    add("TAB6586", "Områdestyp (socioekonomiskt index), RegSO", ["ContentsCode"],
        {("000008IU",): (at, s["area_type_official|total"].reindex(at.index))},
        {"ContentsCode": ["000008IU"]})  # fmt: skip
    return tables


def _codelists(demo: SyntheticMunicipality) -> dict[str, dict]:
    lk = demo.lookup
    out = {}
    for version, deso_cl, regso_cl, rsuffix in (("2018", "vs_DeSO2018", "vs_RegSO2020", "RegSO2020"),
                                                ("2025", "vs_DeSO2025", "vs_RegSO2025", "RegSO2025")):  # fmt: skip
        sub = lk[lk["geo_version"] == version]
        deso = sorted(sub["deso"].unique())
        out[deso_cl] = region_valueset(deso_cl, deso, "DeSO" + version)
        regso = sub.drop_duplicates("regso").sort_values("regso")
        labels = [
            f"{c} {KOMMUN_NAME.split(' (')[0]} ({n})"
            for c, n in zip(regso["regso"], regso["regso_name"], strict=True)
        ]
        out[regso_cl] = region_valueset(regso_cl, list(regso["regso"]), rsuffix, labels)
    return out


def register_tables(fake: FakePxWeb, demo: SyntheticMunicipality, *, updated: str = UPDATED) -> FakePxWeb:
    """Register the synthetic tables and Region codelists on ``fake`` (see the module docstring)."""
    codelists = _codelists(demo)
    for cl in codelists.values():
        fake.add_codelist(cl)
    for tid, spec in table_frames(demo).items():
        region_cls = list(codelists) if tid != "TAB6586" else ["vs_RegSO2020", "vs_RegSO2025"]
        fake.add_table(
            tid,
            spec["label"],
            spec["variables"],
            frame=spec["frame"],
            updated=updated,
            source=SYNTHETIC_LABEL,
            notes=[SYNTHETIC_LABEL],
            codelists={"Region": region_cls},
        )
    return fake


def demo_server(
    seed: int = DEFAULT_SEED,
    *,
    max_calls: int = 1000,
    time_window: float = 10.0,
    demo: SyntheticMunicipality | None = None,
) -> FakePxWeb:
    """A (not yet started) :class:`FakePxWeb` serving the synthetic municipality's tables.

    Parameters
    ----------
    seed
        Seed of :func:`segindicators.demo.synthetic.generate`.
    max_calls, time_window
        Call limit the fake enforces and advertises in ``/config`` (the client paces itself to it).
    demo
        An already generated municipality (default: ``generate(seed)``).

    Returns
    -------
    FakePxWeb
        Use as a context manager: ``with demo_server() as fake: ScbClient(base_url=fake.url, ...)``.
    """
    fake = FakePxWeb(max_calls=max_calls, time_window=time_window)
    return register_tables(fake, demo if demo is not None else generate(seed))
