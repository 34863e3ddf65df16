"""Timing: bootstrap draws and rank intervals for 290 synthetic municipalities × 2 years × 2 levels × 999 draws.

Synthetic counts (not SCB data): each municipality has a log-normal number of DeSO (median 15, about 6,000
in all, as in Sweden) of 700–2,700 residents, paired into RegSO; group shares vary by municipality and area.
Run from the repository root:

    python benchmarks/ranks.py              # --draws 999 --indices dissimilarity,theil_h,mutual_information

Prints the wall time of :func:`citywide_draws_by_kommun` (the bootstrap), :func:`rank_intervals` (every
municipality ranked in every draw) and :func:`peer_comparison` with draws, and the size of the draws array.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source checkout without installing

from segindicators.typology.peers import citywide_by_kommun, citywide_draws_by_kommun, peer_comparison  # noqa: E402
from segindicators.typology.ranks import rank_intervals  # noqa: E402


def synthetic_counts(
    kommuns: int = 290, years: tuple[int, ...] = (2022, 2023), seed: int = 0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_deso = np.clip(np.rint(rng.lognormal(np.log(15), 0.9, kommuns)), 3, 600).astype(int)
    kommun = np.repeat([f"{i:04d}" for i in range(1, kommuns + 1)], n_deso)
    pos = np.concatenate([np.arange(n) for n in n_deso])
    size = rng.integers(700, 2700, len(kommun))
    base = np.repeat(rng.uniform(0.05, 0.35, kommuns), n_deso)
    share = rng.beta(2, 2 / np.maximum(base, 0.01) - 2 + 1e-9)
    frames = []
    for y, year in enumerate(years):
        grp = rng.binomial(size, np.clip(share * (1 + 0.03 * y), 0, 1))
        deso = pd.DataFrame({"kommun": kommun, "area": [f"{k}C{p:04d}" for k, p in zip(kommun, pos, strict=True)],
                             "numerator": grp.astype(float), "denominator": size.astype(float),
                             "regso": [f"{k}R{p // 2:04d}" for k, p in zip(kommun, pos, strict=True)]})  # fmt: skip
        regso = deso.groupby(["kommun", "regso"], as_index=False)[["numerator", "denominator"]].sum()
        frames += [deso.drop(columns="regso").assign(level="DeSO", year=year),
                   regso.rename(columns={"regso": "area"}).assign(level="RegSO", year=year)]  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    return out.assign(geo_version="2018", indicator="foreign_born_share")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=999)
    parser.add_argument("--indices", default="dissimilarity,theil_h,mutual_information")
    args = parser.parse_args()
    names = args.indices.split(",")
    counts = synthetic_counts()
    units = counts.groupby("level").size().to_dict()
    print(f"synthetic counts: {counts['kommun'].nunique()} municipalities × 2 years, units per year: "
          f"{ {k: v // 2 for k, v in units.items()} }; {args.draws} draws; indices {names}")  # fmt: skip
    clock = [(time.perf_counter(), time.process_time())]
    draws = citywide_draws_by_kommun(counts, indices=names, draws=args.draws, rng=1)
    clock.append((time.perf_counter(), time.process_time()))
    ranks = rank_intervals(draws)
    clock.append((time.perf_counter(), time.process_time()))
    indices = citywide_by_kommun(counts, indices=names)
    pc = peer_comparison(indices, "0001", peers=["0002", "0003"], draws=draws)
    clock.append((time.perf_counter(), time.process_time()))
    wall, cpu = (np.diff([c[i] for c in clock]) for i in (0, 1))
    print(f"draws array {draws.draws.shape}, {draws.draws.nbytes / 1e6:.0f} MB")
    steps = ["bootstrap draws (citywide_draws_by_kommun)", f"rank intervals, all {len(ranks):,} rows",
             "peer_comparison with draws (one municipality)"]  # fmt: skip
    for step, w, c in zip(steps, wall, cpu, strict=True):
        print(f"{step}: {w:6.2f} s wall, {c:6.2f} s CPU")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    width = (ranks["rank_high"] - ranks["rank_low"]).groupby([ranks["level"], ranks["index"]]).median()
    print("median rank-interval width (places):", width.to_dict())
    print(pc[["level", "year", "index", "rank", "rank_low", "rank_high", "peer_rank", "peer_rank_low",
              "peer_rank_high"]].to_string(index=False))  # fmt: skip


if __name__ == "__main__":
    main()
