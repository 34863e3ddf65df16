"""Serve the synthetic municipality through a fake PxWebApi v2, on SCB's recorded tables and real codes.

**Syntetiska exempeldata – inte officiell statistik.** :func:`demo_server` registers, on a
:class:`~segindicators.testing.FakePxWeb`, the catalogue's SCB tables as
:meth:`~segindicators.testing.FakePxWeb.add_recorded_table` generates them from SCB's recorded ``/metadata``
answers (:func:`segindicators.sources.scb.metadata.recorded_metadata`): every variable, value code, label, unit,
elimination flag, Region codelist, ``Tid`` list and the table extension are SCB's, so the demo cannot agree
with a belief SCB contradicts. Only the Region codes (kommun ``9999``, its DeSO and RegSO of the versions the
table has, and riket ``00`` where the table has riket; :func:`~segindicators.testing.recorded_tables.table_regions`
on the demo's lookup) and the values are the demo's. Each table's label starts with, its source is, and its
last note is "Syntetiska exempeldata – inte officiell statistik".

How synthetic variables become table cells
------------------------------------------
=========  ====================================================  ============================================
Table      Codes served (everything else: null, status "..")      From the synthetic variable
=========  ====================================================  ============================================
TAB6574    ``Alder`` ``totalt``, ``-4``, ``5-9`` … ``75-79``,     ``population_sex_age`` (five-year bands
           ``80-``; ``Kon`` ``1``, ``2``, ``1+2``; ``000007Y7``    split from the generator's bands, below)
TAB6571    ``UtlBakgrund`` ``1`` foreign, ``2`` Swedish, ``SA``;   ``background``
           ``Kon`` ``1+2``; ``000007Y4``
TAB6572    ``Fodelseregion`` ``sv``, ``eu``, ``öv``, ``tot``;     ``birth_region``; ``eu`` = nordic_excl_sweden
           ``Kon`` ``1+2``; ``000007Y5``                          + europe_excl_nordic (".." if either is)
TAB6680    ``Kon`` ``1+2``, ``Alder`` ``20-64``: ``0000089X``     ``employment_20_64`` employed / total (2020–)
           employed, ``0000089Y`` total (DeSO/RegSO only)
TAB5880    ``Sysselsattning`` ``FÖRV``/``total``, ``Kon``         ``employment_20_64_rams`` (the generator's
           ``1+2``, ``00000569`` (x-verify)                       RAMS ends in 2019: 2020–2021 are "..")
TAB6685    ``Alder`` ``tot``, ``0-19``, ``20-64``, ``65+``:       ``economic_standard_<g>``: low / high as a
           ``000008AC`` low %, ``000008AD`` high %,              percent of the group's total, rounded to the
           ``000008AE`` persons                                   unit's decimals (0: whole percent); persons =
                                                                  the group's total
TAB6684    ``000008A6``–``000008A9`` quartile shares %,           ``equivalised_income_quartile``;
           ``000008AB`` median tkr, ``000008A5`` persons          ``median_economic_standard_tkr``;
                                                                  ``economic_standard_all|total``
TAB6679    ``InkomstTyp`` ``SaFörInk``, ``Kon`` ``1+2``:          ``income_quartile`` (persons 20+, quartile
           ``0000089O`` persons, ``0000089P``–``S`` quartile      shares q1–q4 in %), ``median_income_tkr``
           1–4 %, ``0000089U`` median (x-verify)
TAB5956    ``UtbildningsNiva`` ``21``, ``3+4``, ``5``, ``6``,      ``education_25_64`` (2015–2023)
           ``US``; ``000005MO``
TAB6534    same codes; ``000007Z6``                               ``education_25_65`` (2024)
TAB6258    ``Upplatelseform`` ``1``, ``2``, ``3``; ``000006OC``   ``dwellings_tenure`` rental / cooperative /
           (DeSO/RegSO; ``ÖVRIGT`` 0: the generator has none)    owner (2015–2023)
TAB6638    same codes; ``00000864`` (DeSO/RegSO 2025 only)        ``dwellings_tenure`` (2024)
TAB6253    ``Upplatelseform`` ``HYRESRÄTT``, ``BOSTADSRÄTT``,     ``persons_tenure`` rental / cooperative /
           ``ÄG/ANDEL``, ``ÖVRIGT``, ``TOTALT``; ``000007DQ``     owner / unknown / total
TAB6586    ``000008IU`` area type, ``000008IW`` low economic      ``area_type_official``;
           standard %, ``000008IV`` pre-upper-secondary %          ``economic_standard_all`` low / total;
           (RegSO only; ``000008IT``, ``000008IX`` "..")          ``education_25_64``/``_25_65`` compulsory /
                                                                  total (a stand-in for SCB's component)
=========  ====================================================  ============================================

Cells the generator has no variable for (men and women apart where only both sexes are generated, other age
bands, other contents, ``NeInk``) and years it does not cover (before 2015, 2025) are ``null`` with status
``".."``, never 0; the served ``Tid`` stays SCB's recorded list. Suppressed cells of the generator stay
suppressed. The fake adds SCB's own traps: a 2025-version code answers 0 for years before 2024, and an
eliminated variable answers its total code (``Kon`` → ``1+2``).

TAB6574's five-year ``Alder`` bands are split from the generator's five bands (0-19, 20-24, 25-64, 65-79,
80+) deterministically by a largest-remainder split with fixed weights (:data:`AGE_SPLITS`), per sex, so every
band is an integer and the bands add up exactly to the generator's band; ``80+`` is SCB's ``80-``.

Examples
--------
>>> fake = demo_server()
>>> sorted(fake.tables)[:3], fake.tables["TAB6571"].label
(['TAB5880', 'TAB5956', 'TAB6253'], 'Syntetiska exempeldata – inte officiell statistik: Population per region [label not recorded]')
>>> fake.tables["TAB6574"].variable("Region").codes[:4]
['00', '9999', '9999A0010', '9999A0010_DeSO2025']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from segindicators.demo.synthetic import (
    DEFAULT_SEED,
    KOMMUN,
    KOMMUN_NAME,
    SyntheticMunicipality,
    generate,
)
from segindicators.sources.scb.metadata import level_of_code, recorded_metadata, table_spec
from segindicators.testing.fake_pxweb import FIRST_2025_YEAR, FakePxWeb
from segindicators.testing.recorded_tables import table_regions

__all__ = [
    "AGE_SPLITS",
    "DEMO_TABLES",
    "demo_server",
    "register_tables",
    "split_counts",
    "table_frames",
]

#: The recorded tables the demo serves (the catalogue's SCB tables).
DEMO_TABLES: tuple[str, ...] = (
    "TAB5880",
    "TAB5956",
    "TAB6253",
    "TAB6258",
    "TAB6534",
    "TAB6571",
    "TAB6572",
    "TAB6574",
    "TAB6586",
    "TAB6638",
    "TAB6679",
    "TAB6680",
    "TAB6684",
    "TAB6685",
)

#: Generator age band → (SCB's TAB6574 ``Alder`` code, weight); the split is largest-remainder, so parts add
#: up exactly.
AGE_SPLITS: dict[str, tuple[tuple[str, float], ...]] = {
    "0-19": (("-4", 0.245), ("5-9", 0.25), ("10-14", 0.255), ("15-19", 0.25)),
    "20-24": (("20-24", 1.0),),
    "25-64": tuple(
        (f"{a}-{a + 4}", w)
        for a, w in zip(range(25, 65, 5), (0.13, 0.13, 0.125, 0.125, 0.125, 0.125, 0.12, 0.12), strict=True)
    ),
    "65-79": (("65-69", 0.37), ("70-74", 0.34), ("75-79", 0.29)),
    "80+": (("80-", 1.0),),
}
_KON = {"1": "men", "2": "women"}
#: Name in the demo's RegSO labels ("Exempelstad (Norrdalen)"): KOMMUN_NAME's own parenthesis would make
#: SCB's "Kommun (Namn)" pattern ambiguous.
_LABEL_NAME = KOMMUN_NAME.split(" (")[0]

_Cell = tuple[pd.Series, pd.Series | None]


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
            "version_years publishes each year in one version only, which the demo server needs."
        )
    key = c["variable"] + "|" + c["category"]
    idx = pd.MultiIndex.from_arrays([c["region"], c["year"], key], names=["Region", "Tid", "key"])
    values = pd.Series(c["value"].to_numpy(float), index=idx).unstack("key")
    status = pd.Series(c["status"].astype(object).where(c["status"].notna(), None).to_numpy(), index=idx)
    status = status.unstack("key")
    status = status.where(status.isin([".."]), None)  # the generator's only symbol; "nan"/None are no symbol
    return values, status


def _long(parts: Mapping[tuple[str, ...], _Cell], dims: Sequence[str]) -> pd.DataFrame:
    """Stack {code tuple: (values, status)} series indexed by (Region, Tid) into a long frame."""
    frames = []
    for codes, (vals, stat) in parts.items():
        f = vals.rename("value").reset_index()
        f["status"] = None if stat is None else stat.reindex(vals.index).to_numpy()
        for d, code in zip(dims, codes, strict=True):
            f[d] = code
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["status"] = out["status"].astype(object).where(out["status"].notna(), None)
    return out.loc[out["value"].notna() | out["status"].notna()]


def _percent(num: _Cell, den: pd.Series, decimals: int) -> _Cell:
    """A published percentage rounded to the unit's decimals; a suppressed numerator stays suppressed."""
    pct = np.round(100.0 * num[0] / den.where(den > 0), decimals)
    return pct, num[1]


def _sum(*cells: _Cell) -> _Cell:
    """Sum of cells: missing (".." if any part is suppressed) when any part is missing."""
    total = sum(c[0] for c in cells)
    stat = None
    for _, s in cells:
        if s is not None:
            stat = s if stat is None else stat.where(stat.notna(), s)
    return total, stat


def _recipes(
    v: pd.DataFrame, s: pd.DataFrame, decimals: Callable[[str, str], int]
) -> dict[str, dict[tuple[str, ...], _Cell]]:
    """Per table: code tuple (the doc's dimensions without Region and Tid, in order) → (values, status)."""

    def col(key: str) -> _Cell:
        return v[key], s[key] if key in s else None

    def years(cell: _Cell, lo: int, hi: int) -> _Cell:
        t = cell[0].index.get_level_values("Tid")
        keep = (t >= lo) & (t <= hi)
        return cell[0][keep], None if cell[1] is None else cell[1][keep]

    out: dict[str, dict[tuple[str, ...], _Cell]] = {}

    # TAB6574 [Alder, Kon, ContentsCode]: five-year bands per sex, split from the generator's bands
    parts: dict[tuple[str, ...], _Cell] = {}
    for kon, sex in _KON.items():
        for band, splits in AGE_SPLITS.items():
            n = v[f"population_sex_age|{sex}_{band}"]
            cut = split_counts(n.to_numpy(), [w for _, w in splits])
            for j, (code, _) in enumerate(splits):
                parts[(code, kon, "000007Y7")] = (pd.Series(cut[:, j], index=n.index), None)
        parts[("totalt", kon, "000007Y7")] = (
            sum(v[f"population_sex_age|{sex}_{b}"] for b in AGE_SPLITS),
            None,
        )
    for code in ["totalt", *(c for sp in AGE_SPLITS.values() for c, _ in sp)]:
        parts[(code, "1+2", "000007Y7")] = (
            parts[(code, "1", "000007Y7")][0] + parts[(code, "2", "000007Y7")][0],
            None,
        )
    out["TAB6574"] = parts

    # TAB6571 [UtlBakgrund, Kon, ContentsCode]
    out["TAB6571"] = {
        (code, "1+2", "000007Y4"): col(f"background|{cat}")
        for code, cat in (("1", "foreign"), ("2", "swedish"), ("SA", "total"))
    }

    # TAB6572 [Fodelseregion, Kon, ContentsCode]: eu = Europe except Sweden
    out["TAB6572"] = {
        ("sv", "1+2", "000007Y5"): col("birth_region|sweden"),
        ("eu", "1+2", "000007Y5"): _sum(
            col("birth_region|nordic_excl_sweden"), col("birth_region|europe_excl_nordic")
        ),
        ("öv", "1+2", "000007Y5"): col("birth_region|outside_europe"),
        ("tot", "1+2", "000007Y5"): col("birth_region|total"),
    }

    # TAB6680 [Kon, Alder, ContentsCode] (BAS, 2020–); TAB5880 [Sysselsattning, Kon, ContentsCode] (RAMS)
    out["TAB6680"] = {
        ("1+2", "20-64", "0000089X"): col("employment_20_64|employed"),
        ("1+2", "20-64", "0000089Y"): col("employment_20_64|total"),
    }
    out["TAB5880"] = {
        ("FÖRV", "1+2", "00000569"): col("employment_20_64_rams|employed"),
        ("total", "1+2", "00000569"): col("employment_20_64_rams|total"),
    }

    # TAB6685 [Alder, ContentsCode]: low/high as a percent of the age group; persons = the group's total
    parts = {}
    for code, g in (("tot", "all"), ("0-19", "0_19"), ("20-64", "20_64"), ("65+", "65plus")):
        total = v[f"economic_standard_{g}|total"]
        for content, cat in (("000008AC", "low"), ("000008AD", "high")):
            parts[(code, content)] = _percent(
                col(f"economic_standard_{g}|{cat}"), total, decimals("TAB6685", content)
            )
        parts[(code, "000008AE")] = col(f"economic_standard_{g}|total")
    out["TAB6685"] = parts

    # TAB6684 [ContentsCode]: quartile shares of economic standard, median, persons
    eq_total = v["equivalised_income_quartile|total"]
    parts = {
        (content,): _percent(
            col(f"equivalised_income_quartile|q{i + 1}"), eq_total, decimals("TAB6684", content)
        )
        for i, content in enumerate(("000008A6", "000008A7", "000008A8", "000008A9"))
    }
    med = v["median_economic_standard_tkr|total"]
    parts[("000008AB",)] = (np.round(med, decimals("TAB6684", "000008AB")), None)
    parts[("000008A5",)] = col("economic_standard_all|total")
    out["TAB6684"] = parts

    # TAB6679 [InkomstTyp, Kon, ContentsCode] (x-verify): persons 20+, quartile shares, median
    adults = v["income_quartile|total"]
    parts = {("SaFörInk", "1+2", "0000089O"): col("income_quartile|total")}
    for i, content in enumerate(("0000089P", "0000089Q", "0000089R", "0000089S")):
        parts[("SaFörInk", "1+2", content)] = _percent(
            col(f"income_quartile|q{i + 1}"), adults, decimals("TAB6679", content)
        )
    parts[("SaFörInk", "1+2", "0000089U")] = (
        np.round(v["median_income_tkr|total"], decimals("TAB6679", "0000089U")),
        None,
    )
    out["TAB6679"] = parts

    # Education [UtbildningsNiva, ContentsCode]: TAB5956 (25–64, to 2023), TAB6534 (25–65, from 2024)
    levels = {"21": "compulsory", "3+4": "upper_secondary", "5": "post_secondary_lt3",
              "6": "post_secondary_3plus", "US": "unknown"}  # fmt: skip
    out["TAB5956"] = {(code, "000005MO"): col(f"education_25_64|{cat}") for code, cat in levels.items()}
    out["TAB6534"] = {(code, "000007Z6"): col(f"education_25_65|{cat}") for code, cat in levels.items()}

    # Dwellings by tenure [Upplatelseform, ContentsCode]: TAB6258 (to 2023), TAB6638 (from 2024). The generator
    # has no "other/missing" tenure, so ÖVRIGT is a true 0 of the synthetic municipality (not a suppressed cell):
    # 0 where the dwellings total is known, missing where it is not.
    tenure = {"1": "rental", "2": "cooperative", "3": "owner"}
    dw_total = v["dwellings_tenure|total"]
    none_other = (dw_total.where(dw_total.isna(), 0.0), None)
    for tid, content, lo, hi in (("TAB6258", "000006OC", 0, FIRST_2025_YEAR - 1),
                                 ("TAB6638", "00000864", FIRST_2025_YEAR, 9999)):  # fmt: skip
        cells = {(c, content): years(col(f"dwellings_tenure|{t}"), lo, hi) for c, t in tenure.items()}
        cells[("ÖVRIGT", content)] = years(none_other, lo, hi)
        out[tid] = cells

    # TAB6253 [Upplatelseform, ContentsCode]: persons by tenure
    ptenure = {"HYRESRÄTT": "rental", "BOSTADSRÄTT": "cooperative", "ÄG/ANDEL": "owner", "ÖVRIGT": "unknown",
               "TOTALT": "total"}  # fmt: skip
    out["TAB6253"] = {(c, "000007DQ"): col(f"persons_tenure|{t}") for c, t in ptenure.items()}

    # TAB6586 [ContentsCode] (RegSO only): area type; two of the three components
    edu_total = v["education_25_64|total"].fillna(v["education_25_65|total"])
    edu_low = (
        v["education_25_64|compulsory"].fillna(v["education_25_65|compulsory"]),
        s["education_25_64|compulsory"].where(
            s["education_25_64|compulsory"].notna(), s["education_25_65|compulsory"]
        ),
    )
    out["TAB6586"] = {
        ("000008IU",): col("area_type_official|total"),
        ("000008IW",): _percent(
            col("economic_standard_all|low"),
            v["economic_standard_all|total"],
            decimals("TAB6586", "000008IW"),
        ),
        ("000008IV",): _percent(edu_low, edu_total, decimals("TAB6586", "000008IV")),
    }
    return out


def table_frames(demo: SyntheticMunicipality) -> dict[str, dict]:
    """Recorded document, Region list and long frame of every served table (see the module docstring).

    Returns
    -------
    dict
        Table id → ``{"doc" (recorded metadata), "regions" (code → label), "frame" (long: ``Region`` as the
        table spells it, one column per other dimension, ``value``, ``status``)}``. Combinations not in the
        frame are served as ``null`` with status ``".."``.
    """
    docs = recorded_metadata()
    specs = {t: table_spec(docs[t]) for t in DEMO_TABLES}
    v, s = _wide(demo.counts)
    recipes = _recipes(v, s, lambda t, c: specs[t].variable("ContentsCode").decimals(c) or 0)
    out = {}
    for tid in DEMO_TABLES:
        spec, doc = specs[tid], docs[tid]
        dims = [d for d in spec.dimension_order if d not in ("Region", "Tid")]
        frame = _long(recipes[tid], dims)
        frame = frame[frame["Tid"].astype(str).isin(spec.variable("Tid").codes)]
        regions = table_regions(spec, demo.lookup, [KOMMUN], kommun_names={KOMMUN: _LABEL_NAME})
        # a table code takes the generator's row of its plain code in the years of its geography version
        codes = pd.DataFrame({"code": list(regions)})
        codes["Region"] = codes["code"].str.split("_").str[0]
        version = codes["code"].map(lambda c: level_of_code(c)[1])
        codes["lo"] = np.where(version == "2025", FIRST_2025_YEAR, 0)
        codes["hi"] = np.where(version == "2018", FIRST_2025_YEAR - 1, 9999)
        frame = frame.merge(codes, on="Region", how="inner")
        frame = frame[(frame["Tid"] >= frame["lo"]) & (frame["Tid"] <= frame["hi"])]
        frame = frame.drop(columns=["Region", "lo", "hi"]).rename(columns={"code": "Region"})
        frame["Tid"] = frame["Tid"].astype(str)
        out[tid] = {"doc": doc, "regions": regions, "frame": frame.reset_index(drop=True)}
    return out


def register_tables(fake: FakePxWeb, demo: SyntheticMunicipality, *, updated: str | None = None) -> FakePxWeb:
    """Register the demo's recorded tables (and their Region valuesets) on ``fake``, labelled synthetic.

    Parameters
    ----------
    fake
        The server.
    demo
        The synthetic municipality.
    updated
        Override every table's ``updated`` (default: SCB's recorded stamp, or
        :data:`~segindicators.testing.fake_pxweb.UNRECORDED_UPDATED` where none is recorded).
    """
    for spec in table_frames(demo).values():
        fake.add_recorded_table(
            spec["doc"], spec["regions"], frame=spec["frame"], synthetic=True, updated=updated
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
