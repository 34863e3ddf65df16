"""Benchmark: segindicators' vectorised index battery vs PySAL `segregation`'s one-region-per-call classes.

Data: the real national RegSO export (SCB, population by birth region 2020–2023, reference folder
``../shared/reference`` or ``$SEGINDICATORS_REFERENCE_DIR``): foreign-born = totalt − Sverige, units = RegSO,
segments = kommun × year (290 × 4 = 1,160). Run from the repository root:

    python benchmarks/indices.py            # add --draws 999 (default) to change the bootstrap size

Prints the time of the full segindicators battery, of the PySAL class loop on the same data in the same run
(numba compilation of PySAL's Gini is done before timing), their ratio, the time of a 999-draw bootstrap
(with bias correction) for all municipalities × years, once with unit sizes fixed and once with Elbers's
whole-table resampling, and Linköping's rank among the 290 municipalities on raw and bias-corrected D.
PySAL's classes give seven of our eleven two-group indices (its ``Atkinson`` class always uses b = 0.5), so
the ratio understates the speed-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source checkout without installing

from segindicators.indices import bootstrap_indices, segregation_indices  # noqa: E402
from segindicators.sources.scb import read_export_csv  # noqa: E402


def national_frame() -> pd.DataFrame:
    ref = Path(os.environ.get("SEGINDICATORS_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
    raw = read_export_csv(ref / "scb-export-csv" / "regso2020_born_in_sweden_2020_2023.csv")
    w = raw.pivot_table(index=["region", "year"], columns="födelseregion", values="value", aggfunc="first")
    w = w.reset_index()
    w.columns.name = None
    w["foreign"] = w["totalt"] - w["Sverige"]
    w["kommun"] = w["region"].str.split(" (", n=1, regex=False).str[0]
    return w


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=999)
    args = parser.parse_args()

    w = national_frame()
    nseg = w.groupby(["kommun", "year"]).ngroups
    print(
        f"data: {len(w):,} RegSO × year rows, {w['kommun'].nunique()} municipalities, {nseg:,} kommun × year"
    )

    def ours():
        return segregation_indices(w, group="foreign", total="totalt", by=["kommun", "year"])

    t_ours = best_of(ours, 5)
    n_ind = ours()["index"].nunique()

    from segregation.singlegroup import Atkinson, CorrelationR, Dissim, Entropy, Gini, Interaction, Isolation

    classes = [Dissim, Gini, Entropy, Isolation, Interaction, CorrelationR, Atkinson]
    groups = [sub.reset_index(drop=True) for _, sub in w.groupby(["kommun", "year"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL's own warnings; the loop is only timed here
        Gini(groups[0], "foreign", "totalt")  # numba JIT compile outside the timing
        t0 = time.perf_counter()
        for sub in groups:
            for cls in classes:
                cls(sub, "foreign", "totalt").statistic  # noqa: B018
        t_pysal = time.perf_counter() - t0

    print(f"segindicators battery ({n_ind} indices × {nseg} segments): {t_ours * 1e3:8.1f} ms (best of 5)")
    print(f"PySAL class loop ({len(classes)} indices × {nseg} segments): {t_pysal:8.2f} s")
    print(f"speed-up: {t_pysal / t_ours:,.0f}×")

    boot = None
    for resample in ("units", "table"):
        t0, c0 = time.perf_counter(), time.process_time()
        res = bootstrap_indices(
            w,
            group="foreign",
            total="totalt",
            by=["kommun", "year"],
            draws=args.draws,
            rng=np.random.default_rng(0),
            resample=resample,
        )
        t_boot, c_boot = time.perf_counter() - t0, time.process_time() - c0
        boot = res if boot is None else boot
        print(
            f"bootstrap, resample={resample!r} ({args.draws} draws, {n_ind} indices with bias correction, + 199 "
            f"random-allocation draws for D, H and M, {nseg} segments): {t_boot:.2f} s wall, {c_boot:.2f} s CPU"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    lk = boot[(boot["kommun"] == "Linköping") & (boot["year"] == 2023)]
    cols = ["index", "value", "value_bias_corrected", "bias", "ci_low", "ci_high", "expected_random"]
    print(lk[cols].to_string(index=False))
    d = boot[boot["index"] == "dissimilarity"].copy()
    for col in ("value", "value_bias_corrected"):
        d[f"rank_{col}"] = d.groupby("year")[col].rank(ascending=False, method="min").astype(int)
    lk_rank = d[d["kommun"] == "Linköping"].set_index("year")[["rank_value", "rank_value_bias_corrected"]]
    print("Linköping's rank of 290 on D (1 = most segregated), raw vs bias-corrected:")
    print(lk_rank.to_string())
    moved = (d["rank_value"] - d["rank_value_bias_corrected"]).abs()
    print(f"ranks moved by the correction: median {moved.median():.0f}, max {moved.max()} places")


if __name__ == "__main__":
    main()
