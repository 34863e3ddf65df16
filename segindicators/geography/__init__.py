"""Geography: DeSO/RegSO/kommun lookups, region labels, focus-area profiles, harmonisation across the
2023/2024 break, and aggregation of counts up the levels."""

from segindicators.geography.labels import LabelJoinError, join_regso_labels, normalise_name, parse_regso_label
from segindicators.geography.lookups import (
    GEO_VERSIONS,
    LOOKUP_COLUMNS,
    geo_version_for_year,
    lookup_from_codelist,
    lookup_from_wfs,
    read_kopplingstabell,
    read_reference_lookups,
    validate_lookup,
)

__all__ = [
    "GEO_VERSIONS",
    "LOOKUP_COLUMNS",
    "LabelJoinError",
    "geo_version_for_year",
    "join_regso_labels",
    "lookup_from_codelist",
    "lookup_from_wfs",
    "normalise_name",
    "parse_regso_label",
    "read_kopplingstabell",
    "read_reference_lookups",
    "validate_lookup",
]
