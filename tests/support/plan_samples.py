"""A small SYNTHETIC processed folder for the plan and Kolada command tests (not official statistics)."""

from __future__ import annotations

import pandas as pd

SYNTHETIC = "Syntetiska exempeldata – inte officiell statistik"


def synthetic_processed(folder):
    """Counts for three indicators in Berga, Ryd, Skäggetorp-Tornby and the kommun, 2020–2023 (synthetic)."""
    rows = []
    areas = [
        ("RegSO", "0580R001", "Berga"),
        ("RegSO", "0580R017", "Ryd"),
        ("RegSO", "0580R018", "Skäggetorp-Tornby"),
        ("kommun", "0580", "Linköping"),
    ]
    for level, area, name in areas:
        n = 100_000.0 if level == "kommun" else 3_000.0
        for k, year in enumerate(range(2020, 2024)):
            emp = 0.80 if level == "kommun" else 0.50 + 0.03 * k * (area == "0580R001")
            rows.append((level, area, name, year, "employment_rate_20_64", emp * n, n, "share"))
            rows.append((level, area, name, year, "education_compulsory_share", 0.30 * n, n, "share"))
            rows.append((level, area, name, year, "low_economic_standard_20_64", 0.25 * n, n, "share"))
    c = pd.DataFrame(
        rows, columns=["level", "area", "area_name", "year", "indicator", "numerator", "denominator", "unit"]
    )
    c.insert(0, "kommun", "0580")
    c.insert(2, "geo_version", "2025")
    c["year"] = c["year"].astype("int64")
    c["value"] = c["numerator"] / c["denominator"]
    c["status"] = None
    c["source_table"] = SYNTHETIC
    c["table_updated"] = "2026-01-01"
    c["flags"] = ""
    folder.mkdir(parents=True, exist_ok=True)
    c.to_parquet(folder / "counts.parquet")
    idx = pd.DataFrame(
        {
            "year": [2020, 2023],
            "group": "background",
            "index": "dissimilarity",
            "value": [0.45, 0.40],
            "ci_low": [0.44, 0.39],
            "ci_high": [0.46, 0.41],
        }
    )  # synthetic
    idx.to_parquet(folder / "indices.parquet")
    return folder
