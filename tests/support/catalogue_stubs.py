"""Test helpers for the catalogue tests: SCB's recorded metadata with a few Linköping areas, and a recording stub.

The metadata documents are SCB's own (``segindicators/sources/scb/recorded``, from shared/reference); only the Region
list is ours: a handful of real Linköping codes (from SCB's kopplingstabeller) in the spelling SCB's tables use.
The values the stub answers are synthetic (Syntetiska exempeldata – inte officiell statistik).
"""

from __future__ import annotations

import copy
import itertools
import zlib

import pandas as pd

from segindicators.sources.scb.jsonstat import split_region_code
from segindicators.sources.scb.metadata import level_of_code, recorded_metadata, table_spec
from segindicators.sources.scb.query import expand_expressions

#: Region codes by level and version, as SCB's tables spell them (2025 codes suffixed); real Linköping codes:
#: 0580C1190 was split into 0580C1191 + 0580C1192 in 2025 (reference lookups).
REGIONS = {
    ("riket", None): ["00"],
    ("kommun", None): ["0580"],
    ("DeSO", "2018"): ["0580C1010", "0580C1190"],
    ("DeSO", "2025"): ["0580C1010_DeSO2025", "0580C1191_DeSO2025", "0580C1192_DeSO2025"],
    ("RegSO", "2018"): ["0580R001", "0580R018"],
    ("RegSO", "2025"): ["0580R001_RegSO2025", "0580R018_RegSO2025"],
}


def stub_metadata(tables=None) -> dict[str, dict]:
    """SCB's recorded metadata of every catalogue table, each with the stub Region codes of its levels."""
    out = {}
    for table, doc in recorded_metadata().items():
        if tables is not None and table not in tables:
            continue
        spec = table_spec(doc)
        codes = [
            c
            for (level, version), cs in REGIONS.items()
            if level in spec.levels and (version is None or version in spec.geo_versions)
            for c in cs
        ]
        doc = copy.deepcopy(doc)
        doc["dimension"]["Region"]["category"] = {
            "index": {c: i for i, c in enumerate(codes)},
            "label": {c: c for c in codes},
        }
        out[table] = doc
    return out


class RecordingClient:
    """Same ``.data``/``.metadata`` signature as ScbClient; records every call; synthetic values.

    Like SCB (reference README), a 2025-version code asked for a year before 2024 answers 0.
    """

    def __init__(self, metadata: dict[str, dict]):
        self._metadata = metadata
        self.data_calls: list[tuple[str, dict, dict | None]] = []
        self.metadata_calls: list[str] = []

    def metadata(self, table_id: str) -> dict:
        self.metadata_calls.append(table_id)
        return self._metadata.get(table_id)

    def data(self, table_id, selection, codelists=None):
        self.data_calls.append((table_id, {k: list(v) for k, v in selection.items()}, dict(codelists or {})))
        meta = self._metadata[table_id]
        dims = {}
        for var in meta["id"]:
            have = list(meta["dimension"][var]["category"]["index"])
            if var in selection:
                dims[var] = expand_expressions(selection[var], have)
        rows = []
        for combo in itertools.product(*dims.values()):
            cell = dict(zip(dims, combo, strict=True))
            plain, version = split_region_code(cell["Region"])
            level, geo = level_of_code(cell["Region"])
            value = float(zlib.crc32("|".join((table_id, *combo)).encode()) % 900 + 50)
            if geo == "2025" and int(cell["Tid"]) < 2024:
                value = 0.0
            rows.append([plain, version, *[cell[v] for v in dims if v != "Region"], value])
        frame = pd.DataFrame(
            rows, columns=["Region", "region_version", *[v for v in dims if v != "Region"], "value"]
        )
        frame["status"] = None
        frame.attrs["updated"] = meta.get("updated") or "2025-06-01T06:00:00Z"
        return frame
