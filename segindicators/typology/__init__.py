"""Area typology: official områdestyp, an open-data reproduction of SCB/Delmos's socio-economic index,
concentrated affluence/deprivation for every district (ICE, location quotients, empirical-Bayes ranks) and
comparison of a municipality's citywide indices with all 290 and with its peers.
"""

from segindicators.typology.official import (
    AREA_TYPE_LABELS_EN,
    AREA_TYPE_LABELS_SV,
    area_type_counts,
    official_area_types,
    read_official_area_types,
)

__all__ = [
    "AREA_TYPE_LABELS_EN",
    "AREA_TYPE_LABELS_SV",
    "area_type_counts",
    "official_area_types",
    "read_official_area_types",
]
