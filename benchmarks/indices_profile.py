"""Where the index battery's time goes at national DeSO size (issue 13): frame preparation vs kernels, in ms.

A script, not a timed test. On the synthetic national counts (:mod:`benchmarks.national_synthetic`; not SCB
data) and the battery's input for one grouping (background, every DeSO of Sweden × 2015–2024), it prints:

* ``segregation_indices`` (the call ``benchmarks/national.py`` compares with PySAL) split into its steps:
  the segment codes, the rest of the validation (``prepare``), each kernel's marginal cost inside the shared
  :func:`~segindicators.indices.kernels.evaluate` (in output order, so a kernel that reuses a sum computed
  for an earlier one costs only its own work) and the long result frame; best CPU time of ``--repeat`` runs;
* with ``--draws N``: ``bootstrap_indices`` (11 indices, bias correction, random allocation) under
  :mod:`cProfile`, grouped into the binomial draws, the kernels (by function), the summary (percentiles,
  flags) and the rest.

CPU time (user + system) of this process; the load average is printed, since the machine may be shared.
Run from the repository root::

    python benchmarks/indices_profile.py --draws 999
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source checkout without installing

from benchmarks.national import clean_wide, load  # noqa: E402
from benchmarks.national_synthetic import national_lookup, synthetic_national_counts  # noqa: E402
from segindicators.indices import bootstrap_indices, segregation_indices  # noqa: E402
from segindicators.indices._prepare import prepare, segment_codes  # noqa: E402
from segindicators.indices.battery import KEYS  # noqa: E402
from segindicators.indices.citywide import _long_result  # noqa: E402
from segindicators.indices.kernels import TWO_GROUP, evaluate  # noqa: E402


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` calls, in ms."""
    times = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        times.append(time.process_time() - c0)
    return min(times) * 1e3


def point_steps(frame, repeat: int) -> None:
    prep = prepare(frame, group="foreign", total="total", by=KEYS)
    names = list(TWO_GROUP)
    total = best_ms(lambda: segregation_indices(frame, group="foreign", total="total", by=KEYS), repeat)
    codes = best_ms(lambda: segment_codes(frame, KEYS), repeat)
    prepared = best_ms(lambda: prepare(frame, group="foreign", total="total", by=KEYS), repeat)
    print(f"segregation_indices, background at DeSO ({len(frame):,} units, {prep.nseg:,} segments): "
          f"{total:.2f} ms CPU (best of {repeat}) — {load()}")  # fmt: skip
    print(f"  segment codes                 {codes:7.2f} ms")
    print(f"  rest of prepare (validation)  {prepared - codes:7.2f} ms")
    done = best_ms(lambda: evaluate(TWO_GROUP, [], prep.x, prep.t, prep.codes, prep.nseg), repeat)
    kernels = 0.0
    for k, name in enumerate(names, start=1):
        upto = best_ms(
            lambda k=k: evaluate(TWO_GROUP, names[:k], prep.x, prep.t, prep.codes, prep.nseg), repeat
        )
        print(f"  kernel {name:22s} {upto - done:7.2f} ms (marginal)")
        kernels, done = upto, upto
    values = np.column_stack(evaluate(TWO_GROUP, names, prep.x, prep.t, prep.codes, prep.nseg))
    result = best_ms(lambda: _long_result(prep.keys, names, values), repeat)
    print(f"  kernels together              {kernels:7.2f} ms")
    print(f"  result frame                  {result:7.2f} ms")


GROUPS = {
    "binomial draws (draws._simulate)": ("draws.py", "_simulate"),
    "kernels (kernels.evaluate)": ("kernels.py", "evaluate"),
    "summary (inference._summary)": ("inference.py", "_summary"),
}


def bootstrap_profile(frame, draws: int) -> None:
    prof = cProfile.Profile(time.process_time)  # CPU time, as everywhere here
    c0, w0 = time.process_time(), time.perf_counter()
    prof.enable()
    bootstrap_indices(frame, group="foreign", total="total", by=KEYS, draws=draws, rng=1)
    prof.disable()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    stats = pstats.Stats(prof).stats
    print(f"bootstrap_indices, {draws} draws, background at DeSO: {cpu:.2f} s CPU, {wall:.2f} s wall under "
          f"cProfile — {load()}")  # fmt: skip
    grouped = 0.0
    for label, (file, func) in GROUPS.items():
        cum = sum(v[3] for (f, _, fn), v in stats.items() if f.endswith(file) and fn == func)
        grouped += cum
        print(f"  {label:40s} {cum * 1e3:9.0f} ms")
    print(f"  {'everything else':40s} {(cpu - grouped) * 1e3:9.0f} ms (CPU total minus the above)")
    own = sorted(
        ((v[2], fn) for (f, _, fn), v in stats.items() if f.endswith(("kernels.py", "_order.py"))),
        reverse=True,
    )
    print(
        "  inside the kernels, own time by function: "
        + ", ".join(f"{fn} {t * 1e3:.0f} ms" for t, fn in own[:8])
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ref = Path(os.environ.get("SEGINDICATORS_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
    parser.add_argument("--lookups", type=Path, default=ref / "lookups", help="SCB's kopplingstabeller")
    parser.add_argument("--kommuns", help="comma-separated municipality codes (default: all 290)")
    parser.add_argument("--repeat", type=int, default=15, help="runs per step; the best CPU time counts")
    parser.add_argument("--draws", type=int, default=0, help="also profile bootstrap_indices with this many")
    args = parser.parse_args(argv)
    lookup = national_lookup(args.lookups)
    counts = synthetic_national_counts(lookup, kommuns=args.kommuns.split(",") if args.kommuns else None)
    frame, _ = clean_wide(counts, "background", "DeSO")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the engine's 'undefined' warnings; only the times count
        point_steps(frame, args.repeat)
        if args.draws > 0:
            bootstrap_profile(frame, args.draws)


if __name__ == "__main__":
    main()
