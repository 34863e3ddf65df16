"""Benchmark: build the national synthetic fake (every recorded table, all 290 municipalities) and serve it.

Synthetic values (Syntetiska exempeldata – inte officiell statistik) on SCB's real kopplingstabeller:
5,984 DeSO 2018, 6,160 DeSO 2025, 3,363 RegSO of each version, 290 kommuner and riket. Prints the build's wall
and CPU time, the cells and bytes the fake holds, the peak resident memory, and the time of national
answers (a table's ``/metadata``, a Region valueset, a data selection just under the 150,000-cell limit and
one over it).

Run from the repository root: ``PYTHONPATH=. python benchmarks/national_fake.py [LOOKUPS_DIR]`` (default
``../shared/reference/lookups`` or ``$SEGINDICATORS_REFERENCE_DIR/lookups``).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import httpx

from segindicators.geography import read_reference_lookups
from segindicators.testing import national_synthetic_server

#: TAB6574 for every DeSO 2018 through its valueset: 5,984 × 4 ages × 2 sexes × 3 years = 143,616 cells.
SELECTION = [
    {"variableCode": "Region", "codelist": "vs_DeSO2018", "valueCodes": ["*"]},
    {"variableCode": "Alder", "valueCodes": ["totalt", "-4", "5-9", "10-14"]},
    {"variableCode": "Kon", "valueCodes": ["1", "2"]},
    {"variableCode": "ContentsCode", "valueCodes": ["*"]},
    {"variableCode": "Tid", "valueCodes": ["2021", "2022", "2023"]},
]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:
    """Build, serve, print the numbers."""
    args = sys.argv[1:] if argv is None else argv
    reference = Path(
        os.environ.get("SEGINDICATORS_REFERENCE_DIR", Path(__file__).parents[2] / "shared/reference")
    )
    lookup = read_reference_lookups(Path(args[0]) if args else reference / "lookups")
    before = _peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    fake = national_synthetic_server(lookup, seed=0, max_calls=10_000, time_window=1.0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    cells = sum(t.values.size for t in fake.tables.values())
    held = sum(t.values.nbytes + t.status.nbytes for t in fake.tables.values()) / 2**20
    print(f"build: {wall:.1f} s wall, {cpu:.1f} s CPU, {len(fake.tables)} tables, {cells:,} cells, "
          f"{held:.0f} MiB held; peak RSS {before:.0f} MiB before, {_peak_mib():.0f} MiB after")  # fmt: skip
    over = [SELECTION[0], {"variableCode": "Alder", "valueCodes": ["*"]}, *SELECTION[2:]]
    with fake, httpx.Client(base_url=fake.url, timeout=120) as http:
        calls = {
            "metadata TAB6574": lambda: http.get("/tables/TAB6574/metadata"),
            "codelist vs_DeSO2025": lambda: http.get("/codelists/vs_DeSO2025"),
            "data, 143,616 cells": lambda: http.post("/tables/TAB6574/data", json={"selection": SELECTION}),
            "data, over the cell limit": lambda: http.post("/tables/TAB6574/data", json={"selection": over}),
        }
        for what, call in calls.items():
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                r = call()
                best = min(best, time.perf_counter() - t0)
            print(
                f"{what}: HTTP {r.status_code}, {len(r.content) / 2**20:.1f} MiB, best of 3 {best * 1000:.0f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
