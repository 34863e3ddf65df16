"""Benchmark at national size (issue 13): the index battery with and without bootstrap, PySAL, the national refresh.

A script, not a timed test. It prints, for every DeSO of Sweden (5,984 DeSO 2018 for 2015–2023, 6,160 DeSO
2025 for 2024), every catalogue grouping and every year:

* the citywide battery (:func:`segindicators.indices.battery.citywide_battery`) at DeSO level without and
  with the bootstrap (``--draws``, default 999), and the bootstrap of one grouping alone
  (``bootstrap_indices``: eleven indices with bias correction and the random-allocation baseline;
  ``bootstrap_draws`` of D, H and M, resample ``units`` and ``table``);
* the ratio against PySAL ``segregation``'s one-region-per-call classes, measured in the same process at
  DeSO and RegSO level (PySAL runs on ``--pysal-segments`` evenly spread municipality-years; its time per
  segment is scaled to all of them, and the line says so);
* with ``--refresh``: ``segindicators refresh --national`` in a child process against the national
  synthetic fake (a generous call limit, so no pacing sleeps), its wall and CPU time per stage, its peak
  memory and the rows and MB of every national output. Its ``national_counts`` then feed the battery above
  (the national demo data); without ``--refresh`` the counts come from
  :mod:`benchmarks.national_synthetic`.

Every step runs in a forked child, so each reports its own wall time, CPU time (user + system) and peak
resident memory (the child's ``ru_maxrss``: the inherited counts frame plus what the step allocates). The
machine may be shared: the load average is printed with the figures. All numbers are synthetic
("Syntetiska exempeldata – inte officiell statistik"); only the times mean anything.

Run from the repository root::

    python benchmarks/national.py                 # synthetic national counts, 999 draws
    python benchmarks/national.py --refresh       # the national refresh first, then its counts
    python benchmarks/national.py --kommuns 0580,0581 --draws 19 --pysal-segments 4   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source checkout without installing

from benchmarks.national_synthetic import national_lookup, synthetic_national_counts  # noqa: E402
from segindicators.catalogue import load_catalogue  # noqa: E402
from segindicators.indices import bootstrap_draws, bootstrap_indices, segregation_indices  # noqa: E402
from segindicators.indices.battery import KEYS, _complete_units, citywide_battery, group_wide  # noqa: E402
from segindicators.labels import SYNTHETIC_LABEL  # noqa: E402


@dataclass(frozen=True)
class Measured:
    """One step: wall and CPU seconds, the peak resident memory of its process (MiB) and what it returned."""

    wall: float
    cpu: float
    peak_mib: float
    value: object


def measured(fn: Callable[[], object]) -> Measured:
    """Run ``fn`` in a forked child; its time, CPU time and peak RSS, and its (picklable) return value."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send the result, leave without running the parent's cleanup
        os.close(read)
        code = 0
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the engine's 'undefined' warnings; only the times count
                value = fn()
            payload = (time.perf_counter() - t0, time.process_time() - c0, value, None)
        except BaseException as exc:
            payload, code = (0.0, 0.0, None, repr(exc)), 1
        with os.fdopen(write, "wb") as out:
            pickle.dump(payload, out)
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        data = inp.read()
    _, status, usage = os.wait4(pid, 0)
    wall, cpu, value, error = pickle.loads(data) if data else (0.0, 0.0, None, f"child exit status {status}")
    if error is not None:
        raise RuntimeError(f"benchmark step failed in its child process: {error}")
    return Measured(wall, cpu, usage.ru_maxrss / 1024, value)


def rss_mib() -> float:
    """This process's resident memory now (MiB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def line(what: str, m: Measured, extra: str = "") -> None:
    print(
        f"{what:62s} {m.wall:8.2f} s wall {m.cpu:8.2f} s CPU {m.peak_mib:7.0f} MiB peak  {extra}", flush=True
    )


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def clean_wide(counts: pd.DataFrame, group_id: str, level: str) -> tuple[pd.DataFrame, list[str]]:
    """The battery's input for one grouping: one row per area-year, complete units, whole persons."""
    g = next(g for g in load_catalogue().groups if g.id == group_id)
    wide = group_wide(counts[counts["level"] == level], g)
    return _complete_units(wide, [*g.members, "total"])[0], list(g.members)


def pysal_ratio(frame: pd.DataFrame, group: str | list[str], segments: int, level: str) -> None:
    """Our battery on every segment vs PySAL's classes on ``segments`` of them (scaled), same process."""
    if isinstance(group, str):
        from segregation.singlegroup import (
            Atkinson,
            CorrelationR,
            Dissim,
            Entropy,
            Gini,
            Interaction,
            Isolation,
        )

        classes = [Dissim, Gini, Entropy, Isolation, Interaction, CorrelationR, Atkinson]

        def call(cls, sub):
            return cls(sub, group, "total").statistic
    else:
        from segregation.multigroup import MultiDissim, MultiDivergence, MultiInfoTheory

        classes = [MultiDissim, MultiInfoTheory, MultiDivergence]

        def call(cls, sub):
            return cls(sub, group).statistic

    parts = [sub.reset_index(drop=True) for _, sub in frame.groupby(KEYS)]
    pick = parts[:: max(1, len(parts) // max(segments, 1))][:segments]
    ours = []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        res = segregation_indices(frame, group=group, total="total", by=KEYS)
        ours.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(w for w, _ in ours), min(c for _, c in ours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL's own warnings; its loop is only timed here
        for cls in classes:  # numba compilation (PySAL's Gini) outside the timing
            call(cls, pick[0])
        t0, c0 = time.perf_counter(), time.process_time()
        for sub in pick:
            for cls in classes:
                call(cls, sub)
        p_wall, p_cpu = time.perf_counter() - t0, time.process_time() - c0
    scale = len(parts) / len(pick)
    print(
        f"  {level}: ours {res['index'].nunique()} indices × {len(parts):,} segments ({len(frame):,} units) "
        f"{cpu * 1e3:.0f} ms CPU / {wall * 1e3:.0f} ms wall (best of 3); PySAL {len(classes)} classes × "
        f"{len(pick)} segments {p_cpu:.3f} s CPU / {p_wall:.3f} s wall, scaled ×{scale:.1f} to all: "
        f"{p_cpu * scale:.1f} s CPU → ratio {p_cpu * scale / cpu:,.0f}× CPU, {p_wall * scale / wall:,.0f}× wall",
        flush=True,
    )


def run_refresh(lookups: Path, years: str, draws: int, home: Path) -> dict:
    """``refresh --national`` in a child process against the national fake; stage times, peak memory, outputs."""
    from segindicators.testing.recorded_tables import serve_national

    first, last = (int(y) for y in (years.split("-") if "-" in years else (years, years)))
    with serve_national(lookups, years=range(first, last + 1), max_calls=1_000_000, time_window=1.0) as fake:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--refresh-child", "--lookups", str(lookups),
               "--years", years, "--draws", str(draws), "--home", str(home), "--base-url", fake.url]  # fmt: skip
        t0, c0 = time.perf_counter(), time.process_time()  # this process only serves the fake meanwhile
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
        )
        out, _ = proc.communicate()
        wall, fake_cpu = time.perf_counter() - t0, time.process_time() - c0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        calls = len(fake.requests)
    if proc.returncode != 0:
        raise RuntimeError(f"refresh --national failed (exit {proc.returncode}): {out[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    report.update(
        wall=wall,
        fake_cpu=fake_cpu,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,
        calls=calls,
    )
    return report


def refresh_child(args: argparse.Namespace) -> None:
    """In the child: run the national refresh, print one JSON line (stage times, outputs)."""
    from segindicators.pipeline.context import NationalOptions
    from segindicators.pipeline.national import run_national

    first, last = (int(y) for y in (args.years.split("-") if "-" in args.years else (args.years,) * 2))
    stages: dict[str, list[float]] = {}
    clock: dict[str, tuple[float, float]] = {}

    def on_stage(name: str, state: str, seconds: float | None) -> None:
        if state == "start":
            clock[name] = (time.perf_counter(), time.process_time())
        else:
            w0, c0 = clock[name]
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # natmem: the peak so far, MiB
            stages[name] = [time.perf_counter() - w0, time.process_time() - c0, peak]

    opts = NationalOptions(years=tuple(range(first, last + 1)), base_url=args.base_url, home=args.home,
                           lookups=args.lookups, national_draws=args.draws, synthetic=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_national(opts, on_stage=on_stage)
    outputs = {}
    for f in sorted((args.home / "data" / "national").rglob("*")):
        if f.is_file():
            rows = None
            if f.suffix == ".parquet":
                import pyarrow.parquet as pq

                rows = pq.ParquetFile(f).metadata.num_rows
            outputs[str(f.relative_to(args.home))] = [rows, f.stat().st_size / 1e6]
    print(json.dumps({"stages": stages, "outputs": outputs}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ref = Path(os.environ.get("SEGINDICATORS_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
    parser.add_argument("--lookups", type=Path, default=ref / "lookups", help="SCB's kopplingstabeller")
    parser.add_argument("--draws", type=int, default=999, help="bootstrap draws of the battery")
    parser.add_argument("--kommuns", help="comma-separated municipality codes (default: all 290)")
    parser.add_argument("--pysal-segments", type=int, default=120, help="segments PySAL runs on (scaled)")
    parser.add_argument(
        "--refresh", action="store_true", help="run refresh --national first and use its counts"
    )
    parser.add_argument("--refresh-years", default="2015-2024")
    parser.add_argument("--refresh-draws", type=int, default=199, help="--national-draws of the refresh")
    parser.add_argument("--table", action="store_true", help="also the battery with resample='table'")
    parser.add_argument("--parts", default="battery,grouping,pysal", help="which of battery,grouping,pysal")
    parser.add_argument("--refresh-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--years", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_child:
        return refresh_child(args)

    print(f"{SYNTHETIC_LABEL}: only the times mean anything. {load()}")
    lookup = national_lookup(args.lookups)
    kommuns = args.kommuns.split(",") if args.kommuns else None
    counts = None
    if args.refresh:
        with tempfile.TemporaryDirectory(prefix="segindicators-national-") as tmp:
            rep = run_refresh(args.lookups, args.refresh_years, args.refresh_draws, Path(tmp))
            counts = pd.read_parquet(Path(tmp) / "data" / "national" / "national_counts.parquet")
        print(f"refresh --national ({args.refresh_years}, {args.refresh_draws} draws, no charts; fake call "
              f"limit lifted, {rep['calls']} calls): {rep['wall']:.1f} s wall, {rep['cpu']:.1f} s CPU (+ "
              f"{rep['fake_cpu']:.1f} s CPU serving the fake), "
              f"{rep['peak_mib']:.0f} MiB peak RSS — {load()}")  # fmt: skip
        for name, (w, c, peak) in rep["stages"].items():
            print(f"  stage {name:12s} {w:8.1f} s wall {c:8.1f} s CPU {peak:7.0f} MiB peak so far")
        for name, (rows, mb) in rep["outputs"].items():
            print(f"  {name:60s} {'' if rows is None else f'{rows:>12,} rows'} {mb:9.1f} MB")
        if kommuns:
            counts = counts[counts["kommun"].isin(kommuns)]
    else:
        counts = synthetic_national_counts(lookup, kommuns=kommuns)
    counts = counts.reset_index(drop=True)
    deso = counts[counts["level"] == "DeSO"]
    units = deso.groupby("geo_version")["area"].nunique().to_dict()
    print(f"counts: {len(counts):,} rows; DeSO per version {units}; years {min(counts['year'])}–{max(counts['year'])}; "
          f"{counts['kommun'].nunique()} municipalities. Parent RSS {rss_mib():.0f} MiB")  # fmt: skip

    steps: list[tuple[str, Callable[[], object]]] = [
        ("battery, DeSO, no bootstrap", lambda: len(citywide_battery(counts, levels=("DeSO",), draws=0))),
        ("battery, DeSO, no bootstrap, + nested DeSO-in-RegSO",
         lambda: len(citywide_battery(counts, levels=("DeSO",), draws=0, lookup=lookup))),
        (f"battery, DeSO, {args.draws} draws (units)",
         lambda: len(citywide_battery(counts, levels=("DeSO",), draws=args.draws))),
    ]  # fmt: skip
    if args.table:
        steps.append((f"battery, DeSO, {args.draws} draws (table)",
                      lambda: len(citywide_battery(counts, levels=("DeSO",), draws=args.draws, resample="table"))))  # fmt: skip
    parts = set(args.parts.split(","))
    for what, fn in steps if "battery" in parts else []:
        m = measured(fn)
        line(what, m, f"{m.value:,} rows")
    if "grouping" in parts:
        grouping(counts, args.draws)
    if "pysal" in parts:
        print(f"PySAL segregation, same process ({load()}):")
        for level in ("DeSO", "RegSO"):
            frame, _ = clean_wide(counts, "background", level)
            pysal_ratio(frame, "foreign", args.pysal_segments, level)
        multi, members = clean_wide(counts, "birth_region", "DeSO")
        pysal_ratio(multi, members, args.pysal_segments, "DeSO multigroup (birth region)")
    print(load())


def grouping(counts: pd.DataFrame, draws: int) -> None:
    """The bootstrap of one two-group grouping (background) at DeSO level, both resampling schemes."""
    bg, _ = clean_wide(counts, "background", "DeSO")
    nseg = bg.groupby(KEYS).ngroups
    print(f"one grouping (background) at DeSO: {len(bg):,} area-years in {nseg:,} municipality-years")
    for resample in ("units", "table"):
        m = measured(lambda r=resample: bootstrap_indices(bg, group="foreign", total="total", by=KEYS,
                                                         draws=draws, rng=1, resample=r).shape)  # fmt: skip
        line(f"  bootstrap_indices, 11 indices + random allocation, {resample}", m)
        m = measured(lambda r=resample: bootstrap_draws(bg, group="foreign", total="total", by=KEYS,
                                                       indices=["dissimilarity", "theil_h", "mutual_information"],
                                                       draws=draws, rng=1, resample=r).draws.nbytes / 1e6)  # fmt: skip
        line(f"  bootstrap_draws, D + H + M, {resample}", m, f"draws array {m.value:.0f} MB")


if __name__ == "__main__":
    main()
