"""Geography: DeSO/RegSO/kommun lookups, region labels, municipality profiles (focus areas, peers),
harmonisation across the 2023/2024 break, and aggregation of counts up the levels.

Modules: :mod:`~.lookups` (normalised lookup frame from kopplingstabeller, WFS attributes or codelists),
:mod:`~.labels` ("Kommun (RegSO-namn)" → code), :mod:`~.profiles` (``profiles/<kommun>.yaml``),
:mod:`~.harmonise` (DeSO crosswalk, RegSO continuity), :mod:`~.aggregate` (pooled sums, never means of shares).
"""

from segindicators.geography.aggregate import (
    AGGREGABLE_UNITS,
    NotAggregableError,
    aggregate_counts,
    aggregate_up,
    groups_mapping,
    level_mapping,
)
from segindicators.geography.harmonise import (
    add_flag,
    crosswalk_summary,
    deso_crosswalk,
    harmonise_deso,
    harmonise_regso,
    regso_changes,
)
from segindicators.geography.labels import (
    LabelJoinError,
    join_regso_labels,
    regso_key_columns,
    normalise_name,
    parse_regso_label,
)
from segindicators.geography.lookups import (
    GEO_VERSIONS,
    LOOKUP_COLUMNS,
    geo_version_for_year,
    geo_version_from_region_version,
    lookup_from_codelist,
    lookup_from_wfs,
    read_kopplingstabell,
    read_reference_lookups,
    validate_lookup,
)
from segindicators.geography.profiles import (
    FocusArea,
    Profile,
    ProfileError,
    focus_mapping,
    load_profile,
    validate_profile,
)

__all__ = [
    "AGGREGABLE_UNITS",
    "GEO_VERSIONS",
    "LOOKUP_COLUMNS",
    "FocusArea",
    "LabelJoinError",
    "NotAggregableError",
    "Profile",
    "ProfileError",
    "add_flag",
    "aggregate_counts",
    "aggregate_up",
    "crosswalk_summary",
    "deso_crosswalk",
    "focus_mapping",
    "geo_version_for_year",
    "geo_version_from_region_version",
    "groups_mapping",
    "harmonise_deso",
    "harmonise_regso",
    "join_regso_labels",
    "regso_key_columns",
    "level_mapping",
    "load_profile",
    "lookup_from_codelist",
    "lookup_from_wfs",
    "normalise_name",
    "parse_regso_label",
    "read_kopplingstabell",
    "read_reference_lookups",
    "regso_changes",
    "validate_lookup",
    "validate_profile",
]
