"""Print the refresh's fault matrix: each network stage × fault against the demo's fake servers.

Every cell runs the real refresh for the synthetic kommun 9999 over HTTP with one fault injected (see
:mod:`segindicators.testing.faults`) and reports whether the run survived or failed cleanly, and whether the
previous outputs and ``data/raw`` stayed intact. ``tests/integration/test_refresh_faults.py`` asserts the same cells.

    python benchmarks/fault_matrix.py                 # reference year 2024 (quick, about 2 minutes)
    python benchmarks/fault_matrix.py --years 2015-2024 --honour-retry-after
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from segindicators.catalogue.builder import parse_years
from segindicators.testing.faults import FAST_RETRY, FAULTS, NETWORK_STAGES, FaultLab, format_matrix


def main(argv: list[str] | None = None) -> int:
    """Run the matrix and print it; exit 1 unless every cell is clean."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2024", help="reference years of the runs (default 2024)")
    parser.add_argument("--stage", action="append", choices=list(NETWORK_STAGES), help="only these stages")
    parser.add_argument("--fault", action="append", choices=[f.id for f in FAULTS], help="only these faults")
    parser.add_argument(
        "--honour-retry-after", action="store_true", help="wait the full Retry-After (1 s) instead of 0.05 s"
    )
    parser.add_argument("--verbose", action="store_true", help="print each cell's message and problems")
    args = parser.parse_args(argv)
    retry = FAST_RETRY
    if args.honour_retry_after:
        retry = dataclasses.replace(FAST_RETRY, max_retry_after=300.0)
    faults = [f for f in FAULTS if not args.fault or f.id in args.fault]
    stages = args.stage or list(NETWORK_STAGES)
    t0 = time.perf_counter()
    cells = []
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        with FaultLab(Path(tmp), years=tuple(parse_years(args.years)), retry=retry) as lab:
            lab.make_baseline()
            for cell in lab.run_matrix(stages, faults):
                cells.append(cell)
                print(
                    f"{cell.stage:9} {cell.fault:14} {cell.verdict:20} {cell.seconds:5.1f} s", file=sys.stderr
                )
                if args.verbose or not cell.clean:
                    for line in [cell.message, *cell.problems]:
                        if line:
                            print(f"    {line[:400]}", file=sys.stderr)
    print(format_matrix(cells))
    print(f"\n{len(cells)} runs in {time.perf_counter() - t0:.0f} s (years {args.years}).")
    return 0 if all(c.clean for c in cells) else 1


if __name__ == "__main__":
    raise SystemExit(main())
