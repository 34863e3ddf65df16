"""Benchmark: the national build of the whole catalogue 2015–2025 against the national synthetic fake.

The fake (:func:`segindicators.testing.serve_national`) serves every DeSO, RegSO and kommun of SCB's
kopplingstabeller with SCB's recorded metadata and synthetic values (Syntetiska exempeldata – inte officiell
statistik), under SCB's production limits (150,000 cells per call, 30 calls per 10 s) on a fake clock, so the
client's pacing costs no real waiting. Prints the per-table calls and the summary of a first run (downloads)
and a second run on the same cache (no data download), with wall and CPU seconds. The fake runs in this
process: CPU seconds include its answers.

Run from the repository root with the reference data:
``PYTHONPATH=. python benchmarks/national_build.py ../shared/reference/lookups``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from segindicators.catalogue.national import build_national_counts, summary_text
from segindicators.sources.scb import ScbClient
from segindicators.testing import serve_national


class Clock:
    """Fake monotonic time shared by the fake's call limit and the client's pacing."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def main(lookups: str) -> None:
    clock = Clock()
    cache = Path(tempfile.mkdtemp()) / "raw"
    with serve_national(lookups, seed=13, max_calls=30, time_window=10.0, clock=clock.time) as fake:
        for run in ("first run", "second run (cache)"):
            wall, cpu = time.perf_counter(), time.process_time()
            with ScbClient(fake.url, cache_dir=cache, clock=clock.time, sleep=clock.sleep) as client:
                out = build_national_counts(client, range(2015, 2026))
            statuses = sorted({r.status for r in fake.requests})
            print(f"== {run}: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
                  f"HTTP statuses {statuses}, paced {clock.now:.0f} s of fake time")  # fmt: skip
            print(summary_text(out))
            fake.reset_log()
            clock.sleep(10.0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/lookups")
