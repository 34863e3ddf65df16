"""Kolada (RKA): municipality-level KPIs from the API v3, cached with provenance, written for the plan."""

from segindicators.kolada.client import (
    DEFAULT_BASE_URL,
    KoladaCacheMiss,
    KoladaClient,
    KoladaError,
    KpiInfo,
    UnknownKpiError,
    parse_data_records,
)
from segindicators.kolada.processed import PROCESSED_COLUMNS, to_processed, write_processed

__all__ = [
    "DEFAULT_BASE_URL",
    "PROCESSED_COLUMNS",
    "KoladaCacheMiss",
    "KoladaClient",
    "KoladaError",
    "KpiInfo",
    "UnknownKpiError",
    "parse_data_records",
    "to_processed",
    "write_processed",
]
