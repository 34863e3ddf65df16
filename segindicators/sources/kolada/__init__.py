"""Kolada (RKA): municipality-level KPIs from the API v3, cached with provenance, written for the plan.

- :mod:`~segindicators.sources.kolada.client` — :class:`KoladaClient` (endpoints, paging, cache, offline);
- :mod:`~segindicators.sources.kolada.query` — ids, years and Kolada's 25-id lists (pure);
- :mod:`~segindicators.sources.kolada.records` — KPI metadata and data records read into frames (pure);
- :mod:`~segindicators.sources.kolada.errors` — :class:`KoladaError` and its kinds;
- :mod:`~segindicators.sources.kolada.elections`, :mod:`~segindicators.sources.kolada.processed`,
  :mod:`~segindicators.sources.kolada.fetch` — election KPIs, the processed table, the refresh's fetch.
"""

from segindicators.sources.kolada.client import DEFAULT_BASE_URL, KoladaClient
from segindicators.sources.kolada.elections import (
    ELECTION_KPIS,
    ELECTION_YEARS,
    carry_forward_conflicts,
    mark_carried_forward,
)
from segindicators.sources.kolada.errors import KoladaCacheMiss, KoladaError, UnknownKpiError
from segindicators.sources.kolada.processed import PROCESSED_COLUMNS, to_processed, write_processed
from segindicators.sources.kolada.query import RETIRED_KPIS
from segindicators.sources.kolada.records import KpiInfo, parse_data_records

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
