"""The national run's workbook: every municipality's headline indices, ranks and percentiles by year, in Swedish.

:func:`national_workbook` turns the ``national_ranks`` table into the xlsx a user opens
(``reports/national/<year>/segregation_alla_kommuner_<year>.xlsx``): sheet *Rangordning* holds one row per
municipality × level × group × headline index × year (D and H, their multigroup forms, and ICE:
:data:`HEADLINE`), with the raw and the bias-corrected value, the rank and percentile on each, and the rank
within the peer group where the municipality has one; sheet *Noter* says what the columns mean (and carries
the synthetic label when the data are synthetic). Every index of every municipality is in
``data/national/national_indices.parquet``; a sheet of all of them would not fit Excel's row limit.
"""

from __future__ import annotations

import pandas as pd

from segindicators._io import xlsx_bytes
from segindicators.charts.trends import INDEX_LABELS
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.tables import TABLES

__all__ = ["GROUP_LABELS", "HEADLINE", "national_workbook", "workbook_name"]

#: The indices the workbook shows (the others are in ``national_indices``).
HEADLINE = ("dissimilarity", "theil_h", "multigroup_dissimilarity", "multigroup_theil_h", "ice")

#: Swedish names of the catalogue's groups (and of the ICE definitions, which share some ids).
GROUP_LABELS = {
    "background": "Utländsk eller svensk bakgrund",
    "birth_region": "Födelseregion (Sverige, Europa utom Sverige, övriga världen)",
    "income_quartiles": "Inkomstkvartiler (nationella)",
    "economic_standard_low_high": "Låg eller hög ekonomisk standard",
    "education_levels": "Utbildningsnivå",
    "tenure": "Upplåtelseform",
    "employment_status": "Förvärvsarbetande 20–64 år",
    "income": "Inkomst (högsta mot lägsta kvartilen)",
    "education": "Utbildning (minst 3 år eftergymnasial mot förgymnasial)",
}

_COLUMNS = {
    "kommun": "Kommunkod",
    "kommun_name": "Kommun",
    "level": "Nivå",
    "geo_version": "Geografiversion",
    "year": "År",
    "group": "Grupp",
    "index": "Index",
    "value_raw": "Värde",
    "value_bias_corrected": "Biaskorrigerat värde",
    "rank_bias_corrected": "Rang (biaskorrigerat)",
    "percentile_bias_corrected": "Percentil (biaskorrigerat)",
    "rank_low": "Rangintervall 95 %, från (biaskorrigerat)",
    "rank_high": "Rangintervall 95 %, till (biaskorrigerat)",
    "rank_raw": "Rang (okorrigerat)",
    "percentile_raw": "Percentil (okorrigerat)",
    "n": "Antal kommuner",
    "peer_rank": "Rang bland jämförelsekommuner (biaskorrigerat)",
    "peer_rank_low": "Rangintervall 95 % bland jämförelsekommuner, från",
    "peer_rank_high": "Rangintervall 95 % bland jämförelsekommuner, till",
    "peer_n": "Antal i jämförelsegruppen",
    "flags": "Flaggor",
}


def workbook_name(year: int) -> str:
    """The workbook's file name.

    >>> workbook_name(2024)
    'segregation_alla_kommuner_2024.xlsx'
    """
    return f"segregation_alla_kommuner_{year}.xlsx"


def _notes(synthetic: bool, draws: int, n_kommuner: int) -> pd.DataFrame:
    lines = [SYNTHETIC_LABEL] if synthetic else []
    lines += [
        f"Segregationsindex för landets kommuner ({n_kommuner} kommuner med värden), beräknade på kommunens "
        "DeSO respektive RegSO, varje år i den geografiversion SCB redovisar det i (DeSO 2018 till och med "
        "2023, DeSO 2025 från 2024).",
        "Rang 1 är den mest segregerade kommunen; lika värden delar den bättre rangen. För exponeringsindex "
        "betyder ett lägre värde mer segregation. Percentilen är andelen kommuner som är högst lika "
        "segregerade, i procent.",
        "Biaskorrigerat värde: små områden och små grupper gör att indexen blir för höga av slumpen, mest i "
        "små kommuner. Det biaskorrigerade värdet (2 × värdet − medelvärdet av bootstrapdragningarna, Efron "
        f"& Tibshirani 1993) drar bort den delen; {draws} dragningar per index. Jämför kommuner med det "
        "biaskorrigerade värdet och dess rang.",
        "ICE (koncentration vid ytterligheterna) är linjärt i antalen och har ingen sådan bias: där är de två "
        "värdena lika.",
        "Rangintervall 95 %: de platser kommunen rimligen kan ha när man tar hänsyn till slumpvariationen i "
        f"indexen; varje bootstrapdragning ({draws} st.) rangordnas som en hel tabell (Goldstein & "
        "Spiegelhalter 1996). Överlappar två års intervall kan man inte säga att kommunens plats har ändrats. "
        "Intervallen finns för D och Theils H av utländsk eller svensk bakgrund; tomt för de andra indexen.",
        "Rang bland jämförelsekommuner: bland kommunen och de jämförelsekommuner dess profil anger "
        "(segindicators/geography/profiles); tomt för kommuner utan profil.",
        f"Här visas dissimilaritetsindex (D), Theils H och ICE; alla index finns i "
        f"data/national/{TABLES['national_indices'].parquet} och rangordningarna i "
        f"data/national/{TABLES['national_ranks'].parquet}.",
        "Källa: SCB, statistik på DeSO och RegSO (PxWebApi v2); beräkningar: segindicators.",
    ]
    return pd.DataFrame({"Noter": lines})


def national_workbook(ranks: pd.DataFrame, *, synthetic: bool, draws: int) -> bytes:
    """The xlsx of every municipality's headline indices, ranks and percentiles by year (Swedish headers).

    Parameters
    ----------
    ranks
        The ``national_ranks`` table of every municipality.
    synthetic
        The data are synthetic: the label heads the notes and the workbook's name sheet.
    draws
        Bootstrap draws per index behind the bias-corrected values (for the notes).

    Returns
    -------
    bytes
        The workbook (byte-stable for the same content).

    Examples
    --------
    >>> r = pd.DataFrame({"kommun": "0580", "kommun_name": "Linköping", "level": "RegSO", "geo_version": "2025",
    ...                   "year": 2024, "group": "background", "index": "dissimilarity",
    ...                   "ranked_on": ["bias_corrected", "raw"], "value_raw": 0.4, "value_bias_corrected": 0.38,
    ...                   "rank": [3.0, 2.0], "percentile": [99.0, 99.3], "n": 290, "peer_rank": [1.0, 1.0],
    ...                   "peer_n": 9, "flags": ""})  # synthetic
    >>> national_workbook(r, synthetic=True, draws=199)[:2]
    b'PK'
    """
    rows = ranks[ranks["index"].isin(HEADLINE)]
    cell = ["kommun", "kommun_name", "level", "geo_version", "year", "group", "index"]
    corrected = rows[rows["ranked_on"] == "bias_corrected"]
    raw = rows[rows["ranked_on"] == "raw"]
    wide = raw[[*cell, "value_raw", "value_bias_corrected", "rank", "percentile", "n"]].merge(
        corrected.reindex(columns=[*cell, "rank", "percentile", "rank_low", "rank_high", "peer_rank",
                                   "peer_rank_low", "peer_rank_high", "peer_n", "flags"]),  # intervals: NaN if absent
        on=cell, how="left", suffixes=("_raw", "_bias_corrected"),
    )  # fmt: skip
    wide = wide.sort_values(["kommun", "level", "group", "index", "year"], kind="mergesort")
    wide["group"] = wide["group"].map(lambda g: GROUP_LABELS.get(g, g))
    wide["index"] = wide["index"].map(lambda i: INDEX_LABELS.get(i, i))
    sheet = wide[list(_COLUMNS)].rename(columns=_COLUMNS)
    sheets = {"Rangordning": sheet, "Noter": _notes(synthetic, draws, ranks["kommun"].nunique())}
    if synthetic:
        sheets = {"Syntetiska data": pd.DataFrame({"Obs": [SYNTHETIC_LABEL]}), **sheets}
    return xlsx_bytes(sheets)
