"""Kolada (RKA): municipality-level KPIs from the API v3, cached with provenance, written for the plan."""

from segindicators.sources.kolada.client import (
    DEFAULT_BASE_URL,
    RETIRED_KPIS,
    KoladaCacheMiss,
    KoladaClient,
    KoladaError,
    KpiInfo,
    UnknownKpiError,
    parse_data_records,
)
from segindicators.sources.kolada.elections import (
    ELECTION_KPIS,
    ELECTION_YEARS,
    carry_forward_conflicts,
    mark_carried_forward,
)
from segindicators.sources.kolada.processed import PROCESSED_COLUMNS, to_processed, write_processed

__all__ = [
    "DEFAULT_BASE_URL",
    "ELECTION_KPIS",
    "ELECTION_YEARS",
    "PROCESSED_COLUMNS",
    "RETIRED_KPIS",
    "KoladaCacheMiss",
    "KoladaClient",
    "KoladaError",
    "KpiInfo",
    "UnknownKpiError",
    "carry_forward_conflicts",
    "mark_carried_forward",
    "parse_data_records",
    "to_processed",
    "write_processed",
]
