"""Statistics Sweden (SCB): PxWebApi v2 client, JSON-stat2 parsing, raw cache and web-export CSV reader."""

from segindicators.scb.export_csv import read_export_csv

__all__ = ["read_export_csv"]
