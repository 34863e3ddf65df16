"""Shared expectations of the chart and report tests: which standard charts the demo draws, and the status
table's cells formatted independently of the report code."""

from __future__ import annotations

import pandas as pd

from segindicators.charts.format import format_number, format_percent, format_percentage_points

DRAWN = [
    "01_trend_low_economic_standard_0_19", "02_trend_employment_rate_20_64", "03_trend_foreign_born_share",
    "04_trend_education_post_secondary_3plus", "05_ranked_low_economic_standard_0_19",
    "06_ranked_employment_rate_20_64", "07_ranked_foreign_born_share", "08_index_trend_economic_standard",
    "09_index_trend_background", "10_decomposition_theil_h_income", "11_ice_economic_standard",
    *[f"14_plan_status_{k}" for k in range(1, 6)], "15_measures_status", "16_map_area_type", "17_map_low_economic_standard_0_19",
]  # fmt: skip
NOT_DRAWN = [  # a single-municipality run has no peer indices; the demo ships a (synthetic) measures register
    "12_peers_dissimilarity_background",
    "13_peers_rank_dissimilarity_background",
]


def expected_status_cells(row: pd.Series) -> list[str]:
    """The cells År … Status of a plan-status row, formatted independently of the report code."""
    ind = str(row["indicator"])
    share = not ind.startswith(("index:", "kolada:"))
    d = 3 if ind.startswith("index:") else 1

    def signed(x: float) -> str:
        t = format_number(x, d)
        return t if t.startswith("−") or t.strip("0,") == "" else "+" + t

    value = format_percent(row["value"], 1) if share else format_number(row["value"], d)
    change = (
        format_percentage_points(row["change_since_baseline"], 1)
        if share
        else signed(row["change_since_baseline"])
    )
    lo, hi = row["change_since_baseline_lo"], row["change_since_baseline_hi"]
    scale = 100 if share else 1
    if pd.isna(lo):
        interval = "."
    else:
        interval = f"{signed(lo * scale)} till {signed(hi * scale)}"
    status = str(row["status_sv"]) + ("" if bool(row["significance_tested"]) else " (ej prövad)")
    return [str(int(row["year"])), value, change, interval, status]


def normalise_text(text: str) -> str:
    """Text with no-break spaces and soft hyphens gone and whitespace collapsed (as a reader sees it)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u00ad", "").split())
