"""Every district on one scale: :func:`build_typology`, the domain function of the refresh's ``typology`` stage.

From the processed counts, for the municipality and every year (each year in its own
geography version and in the harmonised series):

* concentrated affluence and deprivation at RegSO and DeSO level
  (:func:`~segindicators.typology.affluence.affluence_measures`, default :class:`Thresholds`; the ``riket``
  rows give the national values) → ``data/processed/typology.parquet`` (+ ``.csv``);
* the open-data socio-economic index (V3 is a proxy, flagged ``v3_proxy``) and the area types 1–5 at RegSO
  and DeSO level, with SCB's official områdestyp when the counts hold ``area_type_official`` rows →
  ``data/processed/area_types.parquet``;
* the MP note's table (affluent areas next to the focus areas, RegSO, the report year) →
  ``reports/<year>/affluence.xlsx`` (sheets *Välstånd*, *Överensstämmelse* when computed, *Noter*) and
  ``affluence.csv``.

National or municipal-relative bands. SCB's types are standard-deviation bands around the mean over *all*
the country's RegSO. The ``riket`` rows of a refresh are one national aggregate, not the distribution over
the country's areas, so they cannot give the bands' μ and σ. When the counts cover every municipality
(:data:`~segindicators.typology.socioeconomic.NATIONAL_KOMMUNER`) the national bands are used
(``area_type_reproduced``); for a run on one municipality the bands are **municipal-relative**
(``area_type_kommun_relative``, flag ``kommun_relative``): type 1 then means "far below this municipality's
own mean", not SCB's national type. The summary line and the notes sheet say which variant ran.

Agreement. When official types exist, the reproduced types are compared with them (RegSO, native geography
versions, every year; Cohen's kappa via :func:`~segindicators.typology.socioeconomic.agreement`). With
municipal-relative bands the comparison is between a local and a national classification, so it measures
how well the local ranking lines up with SCB's types, not how well SCB's method is reproduced; on the
synthetic demo the figure says nothing about real data (its official types are synthetic too).

:func:`build_typology` takes values and returns a :class:`Typology`; the stage adapter
(:func:`segindicators.pipeline.stages.stage_typology`) writes the files named above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segindicators._io import xlsx_bytes
from segindicators.geography import geo_version_for_year
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.tables import TABLES, add_flag, normalise
from segindicators.typology.affluence import AFFLUENCE_SV, DEPRIVATION_SV, Thresholds, affluence_measures
from segindicators.typology.official import official_area_types
from segindicators.typology.socioeconomic import (
    NATIONAL_KOMMUNER,
    V3_NOTE,
    Agreement,
    agreement,
    area_types,
    socioeconomic_index,
)
from segindicators.typology.table import affluence_table

__all__ = [
    "AREA_TYPE_COLUMNS",
    "AreaTypology",
    "Typology",
    "area_typology",
    "band_reference",
    "build_typology",
    "combine_area_types",
    "typology_summary",
]

#: Columns of the ``area_types`` table (declared in :data:`segindicators.tables.TABLES`).
AREA_TYPE_COLUMNS = TABLES["area_types"].column_names
NATIVE = ("2018", "2025")


def band_reference(index: pd.DataFrame) -> str:
    """``"national"`` when the index covers every municipality at some level, else ``"kommun"``.

    Examples
    --------
    >>> band_reference(pd.DataFrame({"kommun": ["0580", "0581"], "level": "RegSO"}))
    'kommun'
    >>> band_reference(pd.DataFrame({"kommun": [f"{i:04d}" for i in range(290)], "level": "RegSO"}))
    'national'
    """
    per_level = index.groupby("level")["kommun"].nunique()
    return "national" if len(per_level) and int(per_level.max()) >= NATIONAL_KOMMUNER else "kommun"


def combine_area_types(
    index: pd.DataFrame, types: pd.DataFrame, official: pd.DataFrame | None
) -> pd.DataFrame:
    """Index components, index, reproduced types and official types as one long frame (:data:`AREA_TYPE_COLUMNS`).

    Official rows get ``index == "area_type_official"`` and NaN ``z``/``mu``/``sigma``; ``rule`` is NA
    except on reproduced types.

    Examples
    --------
    >>> idx = pd.DataFrame({"kommun": "9999", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...     "area": ["9999R001"], "area_name": "A", "index": "socioeconomic_index_v3proxy", "value": 20.0,
    ...     "flags": "v3_proxy"})  # synthetic
    >>> combine_area_types(idx, idx.iloc[:0], None)[["index", "value", "rule"]].values.tolist()
    [['socioeconomic_index_v3proxy', 20.0, <NA>]]
    """
    parts = [index.assign(z=np.nan, mu=np.nan, sigma=np.nan, rule=pd.NA), types]
    if official is not None and not official.empty:
        off = official.assign(index="area_type_official", z=np.nan, mu=np.nan, sigma=np.nan, rule=pd.NA)
        parts.append(off)
    return normalise(
        "area_types", pd.concat([p[AREA_TYPE_COLUMNS] for p in parts if len(p)], ignore_index=True)
    )


def _agreement(types: pd.DataFrame, official: pd.DataFrame | None, year: int) -> dict[str, Agreement] | None:
    """Agreement of reproduced RegSO types with official ones: all years and the report year (native versions)."""
    if official is None or official.empty:
        return None
    rep = types[(types["level"] == "RegSO") & types["geo_version"].isin(NATIVE)]
    off = official[official["geo_version"].isin(NATIVE)]
    on = ("geo_version", "area", "year")
    out: dict[str, Agreement] = {}
    try:
        out["all_years"] = agreement(rep, off, on=on)
    except ValueError:
        return None
    try:
        out[str(year)] = agreement(rep[rep["year"] == year], off[off["year"] == year], on=on)
    except ValueError:
        pass
    return out


def _agreement_sheet(agreements: dict[str, Agreement]) -> pd.DataFrame:
    rows = []
    for name, a in agreements.items():
        rows.append({"Urval": "alla år" if name == "all_years" else f"år {name}", "Antal områdesår": a.n,
                     "Andel lika": a.share_agreeing, "Cohens kappa": a.kappa, "Högst en klass ifrån": a.within_one})  # fmt: skip
    summary = pd.DataFrame(rows)
    conf = agreements["all_years"].confusion.copy()
    conf.index = [f"officiell {i}" for i in conf.index]
    conf.columns = [f"reproducerad {c}" for c in conf.columns]
    return pd.concat([summary, conf.reset_index(names="Urval")], ignore_index=True)


def _notes(
    kommun: str, synthetic: bool, year: int, reference: str, th: Thresholds, agreements: dict | None
) -> list[str]:
    notes = []
    if synthetic:
        notes.append(SYNTHETIC_LABEL)
    notes += [
        f"Kommun {kommun}, RegSO, år {year}. Bearbetning: segindicators (refresh, steget typology).",
        f"Koncentrerat välstånd / koncentrerad fattigdom: EB-ICE minst {th.ice_margin} över / under "
        f"referensen ({th.reference}) på minst {th.min_dimensions} av 3 dimensioner (inkomst, utbildning, bakgrund).",
        "Kvartils-ICE: personer 20+ i rikets högsta minus lägsta inkomstkvartil (andelar × personer, rekonstruerat).",
        f"Värden som publicerade; rang och flaggor på empiriska Bayes-skattningar. small_area = bas under "
        f"{th.small_area_n:g} personer.",
        V3_NOTE,
    ]
    if reference == "kommun":
        notes.append(
            "Områdestyperna är kommunrelativa (standardavvikelseband kring kommunens eget medelvärde, flagga "
            "kommun_relative): en körning för en kommun har inte fördelningen över landets alla områden som "
            "SCB:s nationella band kräver."
        )
    if agreements:
        a = agreements["all_years"]
        notes.append(
            f"Överensstämmelse med officiell områdestyp (RegSO, alla år): {a.share_agreeing:.0%} lika, "
            f"kappa {a.kappa:.2f}, n = {a.n}"
            + (" – syntetiska officiella typer, säger inget om verkliga data." if synthetic else ".")
        )
    return notes


def _xlsx(table: pd.DataFrame, agreement_sheet: pd.DataFrame | None, notes: list[str]) -> bytes:
    sheets = {"Välstånd": table}
    if agreement_sheet is not None:
        sheets["Överensstämmelse"] = agreement_sheet
    sheets["Noter"] = pd.DataFrame({"Not": notes})
    return xlsx_bytes(sheets)  # the same content gives the same bytes (no save time inside)


def _table_year(measures: pd.DataFrame, kommun: str, wanted: int) -> int:
    years = sorted(measures.loc[measures["kommun"] == kommun, "year"].unique().tolist())
    if not years:
        raise ValueError(f"kommun {kommun}: no affluence measures for any year; are the ICE inputs fetched?")
    if wanted in years:
        return wanted
    earlier = [y for y in years if y <= wanted]
    return int(earlier[-1] if earlier else years[-1])


@dataclass(frozen=True)
class AreaTypology:
    """What :func:`area_typology` computed for every area of the counts (one municipality or all).

    Attributes
    ----------
    measures
        RegSO + DeSO affluence measures.
    index
        The socio-economic index and its components.
    types
        The reproduced area types (flag ``kommun_relative`` with municipal-relative bands).
    official
        SCB's official area types, or None when the counts hold none.
    area_types
        The :data:`AREA_TYPE_COLUMNS` frame (index, reproduced and official types).
    reference
        ``"national"`` or ``"kommun"`` (:func:`band_reference`).
    """

    measures: pd.DataFrame
    index: pd.DataFrame
    types: pd.DataFrame
    official: pd.DataFrame | None
    area_types: pd.DataFrame
    reference: str


def area_typology(counts: pd.DataFrame, *, thresholds: Thresholds | None = None) -> AreaTypology:
    """Affluence measures, socio-economic index and area types of every RegSO and DeSO in ``counts``.

    National bands when the counts cover every municipality (the national run: all 3,363 RegSO), else
    municipal-relative bands (see the module notes); the ``riket`` rows give the national values.

    Parameters
    ----------
    counts
        Processed counts of one municipality or of all, with the ``riket`` rows.
    thresholds
        Default :class:`Thresholds`.

    Returns
    -------
    AreaTypology
    """
    th = thresholds or Thresholds()
    measures = pd.concat(
        [affluence_measures(counts, level=level, thresholds=th) for level in ("RegSO", "DeSO")],
        ignore_index=True,
    )
    index = socioeconomic_index(counts, levels=("RegSO", "DeSO"))
    reference = band_reference(index)
    types = area_types(index, relative_to=reference)
    if reference == "kommun":
        types["flags"] = add_flag(types["flags"], "kommun_relative")
    has_official = (counts["indicator"] == "area_type_official").any()
    official = official_area_types(counts) if has_official else None
    combined = combine_area_types(index, types, official)
    return AreaTypology(measures, index, types, official, combined, reference)


@dataclass(frozen=True)
class Typology:
    """What :func:`build_typology` computed: the tables of the ``typology`` stage and what the charts use.

    Attributes
    ----------
    measures
        RegSO + DeSO affluence measures (``typology.parquet``).
    index
        The socio-economic index and its components.
    area_types
        The :data:`AREA_TYPE_COLUMNS` frame (``area_types.parquet``).
    official
        SCB's official area types, or None when the counts hold none.
    table
        The MP note's table (``affluence.xlsx`` / ``affluence.csv``).
    table_year
        The year the table shows.
    reference
        ``"national"`` or ``"kommun"`` (band variant, see :func:`band_reference`).
    agreement
        :class:`~segindicators.typology.socioeconomic.Agreement` keyed ``"all_years"`` and the year, or None.
    thresholds
        The :class:`Thresholds` used.
    workbook
        ``affluence.xlsx`` as bytes (sheets *Välstånd*, *Överensstämmelse* when computed, *Noter*).
    warnings
        Notes for the run's warnings (e.g. the table shows another year than the report year).
    summary
        One line (:func:`typology_summary`).
    """

    measures: pd.DataFrame
    index: pd.DataFrame
    area_types: pd.DataFrame
    official: pd.DataFrame | None
    table: pd.DataFrame
    table_year: int
    reference: str
    agreement: dict[str, Agreement] | None
    thresholds: Thresholds
    workbook: bytes
    warnings: tuple[str, ...]
    summary: str


def build_typology(
    counts: pd.DataFrame,
    *,
    kommun: str,
    report_year: int,
    focus: Mapping[str, str],
    synthetic: bool = False,
) -> Typology:
    """Affluence measures, socio-economic index and area types, agreement, and the MP-note table.

    Parameters
    ----------
    counts
        Processed counts (``counts.parquet``); rows of ``kommun`` and the ``riket`` rows are used.
    kommun
        Four-digit municipality code.
    report_year
        The year the MP-note table should show (the last earlier year with measures when it has none).
    focus
        RegSO code → focus area name (the profile's RegSO focus areas).
    synthetic
        The data are synthetic: the notes sheet carries the label.

    Returns
    -------
    Typology
        Every table; nothing is written.
    """
    counts = counts[(counts["kommun"] == kommun) | (counts["level"] == "riket")]
    th = Thresholds()
    areas = area_typology(counts, thresholds=th)
    measures, index, types, official = areas.measures, areas.index, areas.types, areas.official
    reference, combined = areas.reference, areas.area_types

    year = _table_year(measures, kommun, report_year)
    warnings: list[str] = []
    if year != report_year:
        warnings.append(
            f"typology: no affluence measures for the report year {report_year}; "
            f"the affluence table shows {year} instead."
        )
    regso = measures[measures["level"] == "RegSO"]
    table = affluence_table(regso, kommun=kommun, year=year, focus=dict(focus), official=official)
    agreements = _agreement(types, official, year)
    notes = _notes(kommun, synthetic, year, reference, th, agreements)
    sheet = _agreement_sheet(agreements) if agreements else None
    return Typology(
        measures=measures, index=index, area_types=combined, official=official, table=table, table_year=year,
        reference=reference, agreement=agreements, thresholds=th, workbook=_xlsx(table, sheet, notes),
        warnings=tuple(warnings), summary=typology_summary(measures, year, reference, agreements),
    )  # fmt: skip


def typology_summary(
    measures: pd.DataFrame, year: int, reference: str, agreements: dict[str, Agreement] | None
) -> str:
    """One line: affluent/deprived RegSO (and DeSO) in ``year``, the band variant, agreement if computed.

    Examples
    --------
    >>> m = pd.DataFrame({"level": ["RegSO", "RegSO", "DeSO"], "year": 2024, "geo_version": "2025",
    ...                   "area": ["R1", "R2", "D1"], "concentration": [AFFLUENCE_SV, "", DEPRIVATION_SV]})
    >>> typology_summary(m, 2024, "kommun", None)
    '2024: RegSO 1 koncentrerat välstånd / 0 koncentrerad fattigdom, DeSO 0 / 1; områdestyper kommunrelativa'
    """
    own = geo_version_for_year(int(year))
    parts = []
    for level in ("RegSO", "DeSO"):
        m = measures[(measures["level"] == level) & (measures["year"] == year)]
        if (m["geo_version"] == own).any():
            m = m[m["geo_version"] == own]
        first = m.drop_duplicates("area")["concentration"].astype("string").fillna("")
        n_aff = int(first.str.contains(AFFLUENCE_SV, regex=False).sum())
        n_dep = int(first.str.contains(DEPRIVATION_SV, regex=False).sum())
        parts.append((level, n_aff, n_dep))
    (l1, a1, d1), (l2, a2, d2) = parts
    text = f"{year}: {l1} {a1} {AFFLUENCE_SV} / {d1} {DEPRIVATION_SV}, {l2} {a2} / {d2}; områdestyper "
    text += "nationella band" if reference == "national" else "kommunrelativa"
    if agreements:
        a = agreements["all_years"]
        text += f"; överensstämmelse med officiell typ {a.share_agreeing:.0%} (kappa {a.kappa:.2f}, n {a.n})"
    return text
