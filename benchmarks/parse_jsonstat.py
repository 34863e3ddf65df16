"""Benchmark: parse a 150,000-cell JSON-stat2 response (SCB's maxDataCells) into a long DataFrame.

Synthetic response (not real statistics): 6,250 DeSO-like codes × 4 contents × 6 years = 150,000 cells, with
~2 % suppressed cells (null + status ".."). Times ``parse_jsonstat2`` on the raw bytes (json.loads included)
and on the already-decoded dict. Target: < 0.5 s.

Run from the repository root: ``python benchmarks/parse_jsonstat.py`` (package installed) or
``PYTHONPATH=. python benchmarks/parse_jsonstat.py``.
"""

from __future__ import annotations

import json
import time

import numpy as np

from segindicators.sources.scb.jsonstat import parse_jsonstat2


def build(n_regions: int = 6250, n_contents: int = 4, n_years: int = 6, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    regions = [f"{1000 + i // 40:04d}{'ABC'[i % 3]}{i:04d}_DeSO2025" for i in range(n_regions)]
    contents = [f"0000{i:04X}" for i in range(n_contents)]
    years = [str(2019 + i) for i in range(n_years)]
    n = n_regions * n_contents * n_years
    values = rng.integers(0, 3000, n).astype(float)
    suppressed = rng.random(n) < 0.02
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "Syntetisk benchmarktabell (inte officiell statistik)",
        "source": "syntetisk",
        "updated": "2026-01-01T06:00:00Z",
        "note": ["Syntetiska exempeldata – inte officiell statistik"],
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [n_regions, n_contents, n_years],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {c: i for i, c in enumerate(regions)},
                    "label": {c: c[:9] for c in regions},
                },
            },
            "ContentsCode": {
                "label": "tabellinnehåll",
                "category": {
                    "index": {c: i for i, c in enumerate(contents)},
                    "label": {c: c for c in contents},
                },
            },
            "Tid": {
                "label": "år",
                "category": {"index": {c: i for i, c in enumerate(years)}, "label": {c: c for c in years}},
            },
        },
        "value": [None if s else v for v, s in zip(values.tolist(), suppressed.tolist(), strict=True)],
        "status": {str(i): ".." for i in np.flatnonzero(suppressed).tolist()},
    }
    return json.dumps(doc).encode("utf-8")


def main(repeats: int = 5) -> None:
    body = build()
    doc = json.loads(body)
    n = int(np.prod(doc["size"]))
    parse_jsonstat2(body)  # warm-up (imports, caches)
    t_bytes, t_dict = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        frame = parse_jsonstat2(body)
        t_bytes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        parse_jsonstat2(doc)
        t_dict.append(time.perf_counter() - t0)
    assert len(frame) == n and frame["status"].eq("..").sum() == frame["value"].isna().sum()
    print(f"cells: {n:,}; body {len(body) / 1e6:.1f} MB")
    print(
        f"parse from bytes (json.loads + parse): best {min(t_bytes):.3f} s, median {sorted(t_bytes)[repeats // 2]:.3f} s"
    )
    print(
        f"parse from dict:                       best {min(t_dict):.3f} s, median {sorted(t_dict)[repeats // 2]:.3f} s"
    )
    print("target < 0.5 s:", "met" if sorted(t_bytes)[repeats // 2] < 0.5 else "NOT met")


if __name__ == "__main__":
    main()
