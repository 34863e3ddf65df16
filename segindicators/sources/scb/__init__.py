"""Statistics Sweden (SCB): PxWebApi v2 client, JSON-stat2 parsing, raw cache and web-export CSV reader."""

from segindicators.sources.scb.client import DEFAULT_BASE_URL, ScbCacheMiss, ScbClient, ScbError
from segindicators.sources.scb.export_csv import read_export_csv
from segindicators.sources.scb.jsonstat import parse_jsonstat2

__all__ = ["DEFAULT_BASE_URL", "ScbCacheMiss", "ScbClient", "ScbError", "parse_jsonstat2", "read_export_csv"]
