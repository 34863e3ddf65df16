"""Test helpers for the catalogue tests: a recording stub client and synthetic metadata.

All values produced here are synthetic (Syntetiska exempeldata – inte officiell statistik).
"""

from __future__ import annotations

import itertools
import zlib

import pandas as pd

from segindicators.catalogue.builder import plan_requests

CODELISTS = ["vs_DeSO2018", "vs_DeSO2025", "vs_RegSO2020", "vs_RegSO2025"]
AREAS = {
    "vs_DeSO2018": ["0580C1010", "0580C1190"],
    "vs_DeSO2025": ["0580C1010", "0580C1190", "0580C1191"],
    "vs_RegSO2020": ["0580R001", "0580R018"],
    "vs_RegSO2025": ["0580R001", "0580R018"],
}
SUFFIX = {"vs_DeSO2025": "DeSO2025", "vs_RegSO2025": "RegSO2025"}


def synthetic_metadata(catalogue, tables=None) -> dict[str, dict]:
    """PxWeb v2 metadata documents (JSON-stat2 shape) holding every code the catalogue asks for."""
    codes: dict[str, dict[str, set[str]]] = {}
    for level in ("DeSO", "RegSO"):
        for req in plan_requests(catalogue, "0580", range(2010, 2027), level):
            for var, cs in req.selection.items():
                if var in ("Region",):
                    continue
                codes.setdefault(req.table, {}).setdefault(var, set()).update(c for c in cs if c != "*")
                if "*" in cs:
                    codes[req.table][var].add("X")
    out = {}
    for table, dims in codes.items():
        if tables is not None and table not in tables:
            continue
        dimension = {
            "Region": {
                "label": "region",
                "category": {"index": {"00": 0, "0580": 1}, "label": {"00": "Riket", "0580": "Linköping"}},
                "extension": {"codelists": [{"id": c, "type": "Valueset"} for c in CODELISTS]},
            }
        }
        for var, cs in dims.items():
            dimension[var] = {"label": var, "category": {"index": {c: i for i, c in enumerate(sorted(cs))}}}
        out[table] = {"version": "2.0", "class": "dataset", "id": ["Region", *dims], "dimension": dimension,
                      "updated": "2025-06-01T06:00:00Z"}  # fmt: skip
    return out


class RecordingClient:
    """Same ``.data``/``.metadata`` signature as ScbClient; records every call; synthetic values."""

    def __init__(self, metadata: dict[str, dict]):
        self._metadata = metadata
        self.data_calls: list[tuple[str, dict, dict | None]] = []
        self.metadata_calls: list[str] = []

    def metadata(self, table_id: str) -> dict:
        self.metadata_calls.append(table_id)
        return self._metadata.get(table_id)

    def data(self, table_id, selection, codelists=None):
        self.data_calls.append((table_id, {k: list(v) for k, v in selection.items()}, dict(codelists or {})))
        codelist = (codelists or {})["Region"]
        prefix = selection["Region"][0].rstrip("*")
        regions = [a for a in AREAS[codelist] if a.startswith(prefix)]
        dims = {v: (["X"] if cs == ["*"] else cs) for v, cs in selection.items() if v != "Region"}
        rows = []
        for region in regions:
            for combo in itertools.product(*dims.values()):
                key = "|".join((table_id, region, *combo))
                rows.append(
                    [region, SUFFIX.get(codelist), *combo, float(zlib.crc32(key.encode()) % 900 + 50)]
                )
        frame = pd.DataFrame(rows, columns=["Region", "region_version", *dims, "value"])
        frame["status"] = None
        frame.attrs["updated"] = "2025-06-01T06:00:00Z"
        return frame
