"""Bit-identity check of the index engine: hashes of its outputs, recorded before a speed change, compared after.

Every case runs a public entry point of :mod:`segindicators.indices` (and the battery) on synthetic national
counts (:mod:`benchmarks.national_synthetic`; not SCB data) and hashes the result bit for bit: column names,
dtypes, every float's 8 bytes, every string, the ``attrs`` and, for :class:`IndexDraws`, the whole draws
array. A speed change that moves any number by one ulp changes a hash. Run from the repository root:

    python benchmarks/output_hashes.py --record benchmarks/output_hashes.json   # before the change
    python benchmarks/output_hashes.py --check benchmarks/output_hashes.json    # after it: exit 1 on a difference

The hashes depend on numpy's random streams and floating-point kernels, so compare on one machine and
environment (the recorded file names the versions it was made with).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source checkout without installing

from benchmarks.national_synthetic import national_lookup, synthetic_national_counts  # noqa: E402
from segindicators.catalogue import load_catalogue  # noqa: E402
from segindicators.indices import (  # noqa: E402
    IndexDraws,
    bootstrap_draws,
    bootstrap_indices,
    bootstrap_nested,
    ice_summary,
    local_indices,
    nested_decomposition,
    segregation_indices,
)
from segindicators.indices.battery import KEYS, _complete_units, citywide_battery, group_wide  # noqa: E402


def digest(obj: object) -> str:
    """SHA-256 of a DataFrame (columns, dtypes, exact values, attrs) or an :class:`IndexDraws`."""
    h = hashlib.sha256()
    if isinstance(obj, IndexDraws):
        h.update(digest(obj.rows).encode())
        h.update(np.ascontiguousarray(obj.draws).tobytes())
        h.update(repr(sorted(obj.attrs.items())).encode())
        return h.hexdigest()
    assert isinstance(obj, pd.DataFrame), type(obj)
    h.update(repr([(str(c), str(obj[c].dtype)) for c in obj.columns]).encode())
    h.update(repr(list(obj.index[:3])).encode() + str(len(obj.index)).encode())
    for col in obj.columns:
        s = obj[col]
        if s.dtype.kind in "fiub":
            h.update(np.ascontiguousarray(s.to_numpy()).tobytes())
        else:
            h.update("\x1f".join("<NA>" if pd.isna(v) else str(v) for v in s.to_numpy(dtype=object)).encode())
    h.update(repr(sorted((k, repr(v)) for k, v in obj.attrs.items())).encode())
    return h.hexdigest()


def cases(lookups: Path) -> dict[str, Callable[[], object]]:
    """Name → zero-argument function returning the output to hash."""
    lookup = national_lookup(lookups)
    counts = synthetic_national_counts(lookup, seed=7)
    cat = load_catalogue()
    groups = {g.id: g for g in cat.groups}
    some = sorted(counts["kommun"].unique())[::10] + ["0580"]  # 30 municipalities incl. Linköping
    sub = counts[counts["kommun"].isin(some)]

    def wide(gid: str, level: str = "DeSO") -> pd.DataFrame:
        g = groups[gid]
        w = group_wide(counts[counts["level"] == level], g)
        return _complete_units(w, [*g.members, "total"])[0]

    bg, edu, inc = wide("background"), wide("education_levels"), wide("income_quartiles", "RegSO")
    deso = bg.merge(
        lookup[["geo_version", "deso", "regso"]],
        left_on=["geo_version", "area"],
        right_on=["geo_version", "deso"],
    )
    edu_n = edu.merge(
        lookup[["geo_version", "deso", "regso"]],
        left_on=["geo_version", "area"],
        right_on=["geo_version", "deso"],
    )
    edu_m = list(groups["education_levels"].members)
    inc_m = list(groups["income_quartiles"].members)
    return {
        "battery_national_draws0": lambda: citywide_battery(counts, draws=0, lookup=lookup),
        "battery_30_units_draws49": lambda: citywide_battery(sub, draws=49, lookup=lookup, rng=3),
        "battery_30_table_draws29": lambda: citywide_battery(
            sub, draws=29, lookup=lookup, rng=4, resample="table"
        ),
        "segregation_indices_deso": lambda: segregation_indices(bg, group="foreign", total="total", by=KEYS),
        "segregation_indices_multi": lambda: segregation_indices(edu, group=edu_m, total="total", by=KEYS),
        "segregation_indices_multi_nototal": lambda: segregation_indices(inc, group=inc_m, by=KEYS),
        "bootstrap_indices_units": lambda: bootstrap_indices(
            bg, group="foreign", total="total", by=KEYS, draws=39, rng=5
        ),
        "bootstrap_indices_units_chunked": lambda: bootstrap_indices(
            bg, group="foreign", total="total", by=KEYS, draws=23, rng=5, max_cells=150_000
        ),
        "bootstrap_indices_table": lambda: bootstrap_indices(
            bg, group="foreign", total="total", by=KEYS, draws=19, rng=6, resample="table"
        ),
        "bootstrap_indices_multi": lambda: bootstrap_indices(
            edu, group=edu_m, total="total", by=KEYS, draws=19, rng=8
        ),
        "bootstrap_indices_multi_table": lambda: bootstrap_indices(
            inc, group=inc_m, total="total", by=KEYS, draws=19, rng=9, resample="table"
        ),
        "bootstrap_draws_units": lambda: bootstrap_draws(
            bg,
            group="foreign",
            total="total",
            by=KEYS,
            draws=49,
            rng=10,
            indices=["dissimilarity", "theil_h", "gini"],
        ),
        "bootstrap_draws_table": lambda: bootstrap_draws(
            bg, group="foreign", total="total", by=KEYS, draws=29, rng=11, resample="table"
        ),
        "bootstrap_draws_multi": lambda: bootstrap_draws(
            edu, group=edu_m, total="total", by=KEYS, draws=19, rng=12
        ),
        "nested_decomposition": lambda: nested_decomposition(
            deso, group="foreign", total="total", parent="regso", by=KEYS
        ),
        "bootstrap_nested_units": lambda: bootstrap_nested(
            deso, group="foreign", total="total", parent="regso", by=KEYS, draws=19, rng=13
        ),
        "bootstrap_nested_multi_table": lambda: bootstrap_nested(
            edu_n, group=edu_m, total="total", parent="regso", by=KEYS, draws=11, rng=14, resample="table"
        ),
        "local_indices": lambda: local_indices(bg, group="foreign", total="total", unit="area", by=KEYS),
        "ice_summary": lambda: ice_summary(inc, privileged="q4", deprived="q1", total="total", by=KEYS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", type=Path, help="write the hashes to this JSON file")
    mode.add_argument("--check", type=Path, help="compare with the hashes in this JSON file")
    ref = Path(os.environ.get("SEGINDICATORS_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
    parser.add_argument("--lookups", type=Path, default=ref / "lookups")
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    args = parser.parse_args()
    todo = cases(args.lookups)
    if args.only:
        todo = {k: v for k, v in todo.items() if k in args.only}
    got = {}
    for name, fn in todo.items():
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the engine's 'undefined' warnings; only the numbers matter here
            got[name] = digest(fn())
        print(f"{name:40s} {got[name][:16]}  {time.process_time() - t0:6.1f} s CPU", flush=True)
    versions = {"numpy": np.__version__, "pandas": pd.__version__, "python": sys.version.split()[0]}
    if args.record:
        args.record.write_text(json.dumps({"versions": versions, "hashes": got}, indent=1) + "\n")
        print(f"recorded {len(got)} hashes in {args.record}")
        return
    want = json.loads(args.check.read_text())
    if want["versions"] != versions:
        print(f"warning: recorded with {want['versions']}, running {versions}")
    bad = [k for k in got if want["hashes"].get(k) != got[k]]
    for k in bad:
        print(f"DIFFERENT: {k}")
    print(f"{len(got) - len(bad)} of {len(got)} outputs bit-identical to {args.check}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
