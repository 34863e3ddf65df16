"""Area typology: every district of a municipality on one scale, and the municipality among all 290.

* :mod:`~.official` — SCB/Delmos's områdestyp 1–5 per RegSO from processed counts or the web export;
* :mod:`~.socioeconomic` — open-data reproduction of the socio-economic index (V3 is a proxy: share not
  employed 20–64), SD-band types (national and municipal-relative) and agreement with the official types;
* :mod:`~.comparison` — the reproduction against SCB's published index, components and type (TAB6586):
  κ, weighted κ, per type and year, component errors, the band rule alone (:mod:`~.comparison_sheets`:
  the same as spreadsheet-shaped frames);
* :mod:`~.affluence` — concentrated affluence/deprivation: ICE (income quartiles, education, background),
  location quotients, empirical-Bayes shrinkage, ranks, distances and flags for every area at once;
* :mod:`~.table` — the MP note answered: affluent areas next to the focus areas (CLI ``segindicators affluence``);
* :mod:`~.peers` — citywide indices of all municipalities, rank/percentile and peer-group comparison;
* :mod:`~.ranks` — rank intervals from bootstrap draws (on bias-corrected values) and "moved beyond noise".
"""

from segindicators.typology.affluence import MEASURES, Thresholds, affluence_measures, eb_shrink
from segindicators.typology.comparison import PublishedComparison, compare_counts, compare_with_published
from segindicators.typology.comparison_sheets import comparison_sheets
from segindicators.typology.official import (
    AREA_TYPE_LABELS_EN,
    AREA_TYPE_LABELS_SV,
    area_type_counts,
    official_area_types,
    read_official_area_types,
)
from segindicators.typology.peers import (
    citywide_by_kommun,
    citywide_draws_by_kommun,
    foreign_born_counts_from_export,
    peer_comparison,
)
from segindicators.typology.ranks import rank_change, rank_intervals
from segindicators.typology.socioeconomic import (
    INDEX_NAME,
    V3_NOTE,
    Agreement,
    BandRule,
    agreement,
    agreement_from_values,
    area_types,
    band_types,
    compare_rules,
    socioeconomic_index,
)
from segindicators.typology.table import affluence_table

__all__ = [
    "AREA_TYPE_LABELS_EN",
    "AREA_TYPE_LABELS_SV",
    "INDEX_NAME",
    "MEASURES",
    "PublishedComparison",
    "V3_NOTE",
    "Agreement",
    "BandRule",
    "Thresholds",
    "affluence_measures",
    "affluence_table",
    "agreement",
    "agreement_from_values",
    "area_type_counts",
    "area_types",
    "band_types",
    "citywide_by_kommun",
    "citywide_draws_by_kommun",
    "compare_counts",
    "compare_rules",
    "compare_with_published",
    "comparison_sheets",
    "eb_shrink",
    "foreign_born_counts_from_export",
    "official_area_types",
    "peer_comparison",
    "rank_change",
    "rank_intervals",
    "read_official_area_types",
    "socioeconomic_index",
]
