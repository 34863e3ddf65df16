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

The generator is split by job: :mod:`segindicators.demo.areas` (codes, names, the lookup),
:mod:`segindicators.demo.model` (the data-generating process and its calibration to public facts about
Sweden), :mod:`segindicators.demo.panel` (the area-year frames, aggregation, suppression) and
:mod:`segindicators.demo.geometry` (the polygons). This module puts them together in one seeded run.

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
from segindicators.demo.areas import (
    AFFLUENT_AREAS,
    DEFAULT_VERSION_YEARS,
    FOCUS_AREAS,
    KOMMUN,
    KOMMUN_NAME,
    RIKET,
    YEARS,
    area_table,
    lookup_table,
)
from segindicators.demo.geometry import polygons
from segindicators.demo.model import AGE_BANDS, SEXES, SOURCE_TABLES, VARIABLES, ExpectedCounts
from segindicators.demo.panel import fine_panel, long_counts, riket_panel
from segindicators.labels import SYNTHETIC_LABEL  # re-exported: the label lives in the lowest layer

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

__all__ = [
    "AFFLUENT_AREAS",
    "AGE_BANDS",
    "DEFAULT_SEED",
    "DEFAULT_VERSION_YEARS",
    "FOCUS_AREAS",
    "KOMMUN",
    "KOMMUN_NAME",
    "RIKET",
    "SEXES",
    "SOURCE_TABLES",
    "SYNTHETIC_LABEL",
    "VARIABLES",
    "YEARS",
    "SyntheticMunicipality",
    "generate",
    "write_demo_data",
]

DEFAULT_SEED = 20241231


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
    areas = area_table()
    fine = fine_panel(areas, rng, np.random.default_rng([seed, 1]))
    riket = riket_panel(ExpectedCounts())
    counts = long_counts(areas, fine, riket, version_years)
    geometry, regso_geometry = polygons(areas, rng)
    splits = {p: tuple(g["unit"]) for p, g in areas[areas["part"] > 0].sort_values("unit").groupby("parent")}
    return SyntheticMunicipality(
        lookup=_label(lookup_table(areas)),
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
