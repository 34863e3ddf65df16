"""Small synthetic frames for the chart tests. Fictional numbers: "Syntetiska exempeldata", not statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segindicators.charts import ChartMeta, SeriesBreak, Source

YEARS = list(range(2016, 2024))
SRC = (Source("TAB6685", "2025-02-21T08:00:00Z"),)


def trend_frame() -> pd.DataFrame:
    """Low economic standard 0–19, three fictional focus areas, the municipality and Sweden."""
    base = {"Norrby": 0.62, "Söderås": 0.41, "Västermark": 0.33, "Exempelstad": 0.17, "Riket": 0.15}
    level = {"Exempelstad": "kommun", "Riket": "riket"}
    code = {
        "Norrby": "9999R001",
        "Söderås": "9999R002",
        "Västermark": "9999R003",
        "Exempelstad": "9999",
        "Riket": "00",
    }
    rows = []
    for i, (name, b) in enumerate(base.items()):
        for j, y in enumerate(YEARS):
            v = b - 0.006 * j + 0.01 * np.sin(j + i)
            rows.append(
                {
                    "area": code[name],
                    "area_name": name,
                    "level": level.get(name, "RegSO"),
                    "year": y,
                    "value": round(v, 4),
                }
            )
    df = pd.DataFrame(rows)
    df.loc[(df["area_name"] == "Västermark") & (df["year"] == 2019), "value"] = np.nan  # suppressed cell
    return df


def trend_meta(synthetic: bool = True) -> ChartMeta:
    return ChartMeta(
        title="Låg ekonomisk standard, barn och unga 0–19 år, andel (%)",
        subtitle="Fokusområden, kommunen och riket, 2016–2023",
        unit="share",
        sources=SRC,
        breaks=(SeriesBreak(2020, "ny inkomstdefinition i registret (exempel)"),),
        synthetic=synthetic,
        definition="Andel barn 0–19 år i hushåll med disponibel inkomst per konsumtionsenhet under 60 % av medianen.",
        retrieved="2025-03-01",
    )


def ranked_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    names = [f"Område {c}" for c in "ABCDEFGHIJKLMNOPQR"]
    vals = np.round(rng.uniform(0.03, 0.55, len(names)), 3)
    df = pd.DataFrame(
        {
            "area": [f"9999R{i + 1:03d}" for i in range(len(names))],
            "area_name": names,
            "year": 2023,
            "value": vals,
        }
    )
    df.loc[5, "value"] = np.nan
    return df


def ranked_meta() -> ChartMeta:
    return ChartMeta(
        title="Utrikes födda, samtliga invånare, andel (%)",
        subtitle="RegSO i Exempelstad, 2023",
        unit="share",
        sources=(Source("TAB6572", "2024-05-02"),),
        synthetic=True,
    )


def index_frame() -> pd.DataFrame:
    rows = []
    for j, y in enumerate(YEARS):
        for name, b in (("dissimilarity", 0.42), ("theil_h", 0.16)):
            v = b + 0.004 * j
            rows.append({"year": y, "index": name, "value": v, "ci_low": v - 0.03, "ci_high": v + 0.03})
    return pd.DataFrame(rows)


def index_meta() -> ChartMeta:
    return ChartMeta(
        title="Segregationsindex, låg respektive hög ekonomisk standard, index 0–1",
        subtitle="Exempelstad, DeSO, 2016–2023",
        unit="index",
        sources=SRC,
        synthetic=True,
        breaks=((2020, "exempel på seriebrott"),),
    )


def decomposition_frame() -> pd.DataFrame:
    rows = []
    for j, y in enumerate(range(2019, 2024)):
        rows.append({"year": y, "component": "between", "value": 0.11 + 0.003 * j})
        rows.append({"year": y, "component": "within", "value": 0.05 - 0.001 * j})
    return pd.DataFrame(rows)


def ice_frame() -> pd.DataFrame:
    vals = np.linspace(-0.55, 0.62, 12).round(3)
    return pd.DataFrame(
        {
            "area": [f"9999R{i + 1:03d}" for i in range(12)],
            "area_name": [f"Område {c}" for c in "ABCDEFGHIJKL"],
            "value": vals[::-1],
        }
    )


def measures_frame() -> pd.DataFrame:
    rows = []
    for y, (g, p, e) in {2022: (3, 8, 5), 2023: (7, 7, 2), 2024: (11, 4, 1)}.items():
        for s, n in (("genomförd", g), ("pågår", p), ("ej genomförd", e)):
            rows.append({"year": y, "status": s, "count": n})
    return pd.DataFrame(rows)


def plan_frame() -> pd.DataFrame:
    rows = []
    for ind, base, step, status in (
        ("employment_rate_20_64", 0.55, 0.01, "i fas"),
        ("low_economic_standard_0_19", 0.62, -0.005, "inte i fas"),
    ):
        for area in ("Norrby", "Söderås"):
            for j, y in enumerate(range(2020, 2025)):
                target = base + (0.02 if step > 0 else -0.02) * j
                rows.append(
                    {
                        "indicator": ind,
                        "area": area,
                        "year": y,
                        "value": base + step * j,
                        "target_path": target,
                        "status": status if y == 2024 else None,
                    }
                )
    return pd.DataFrame(rows)


def peers_frame() -> pd.DataFrame:
    rows = []
    for i, m in enumerate(["Exempelstad", "Ort A", "Ort B", "Ort C", "Ort D", "Ort E"]):
        for j, y in enumerate(range(2020, 2024)):
            rows.append({"municipality": m, "year": y, "value": 0.30 + 0.03 * i - 0.004 * j * (i % 3)})
    return pd.DataFrame(rows)
