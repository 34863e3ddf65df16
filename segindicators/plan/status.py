r"""Status of each plan indicator per area and year: change, noise, gaps, pace, and a status word.

Everything here is pure and vectorised over long frames: one *series* frame (indicator × level × area ×
year with a value and an interval, :mod:`~segindicators.plan.series`) meets one *spec* frame (one row per plan
indicator, :func:`plan_spec`) in merges; there is no loop over areas. :func:`plan_status` then computes, per
row, the change since the baseline and since the previous year and the gaps to the municipality and to Sweden,
each with its MOVER interval (:mod:`~segindicators.plan.intervals`), the pace at which the gap closes and the
year of parity (:mod:`~segindicators.plan.targets`), and the status word by the rules of
:mod:`~segindicators.plan.rules` (the rules table is there, and as a frame from :func:`status_rules`).

The series builders are importable from here too (the refresh's stage adapters read the plan status as
``series_from_counts`` … ``plan_status`` from this module).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segindicators.plan.definition import Plan
from segindicators.plan.intervals import mover_difference, significant
from segindicators.plan.rules import STATUS_SV, status_columns, status_rules
from segindicators.plan.series import (
    series_from_counts,
    series_from_indices,
    series_from_kolada,
    typed_series,
)
from segindicators.plan.targets import parity_year
from segindicators.tables import TABLES

__all__ = [
    "STATUS_SV",
    "plan_spec",
    "plan_status",
    "series_from_counts",
    "series_from_indices",
    "series_from_kolada",
    "status_rules",
]

#: Text columns of :func:`plan_status` (typed ``string``).
_TEXT = (
    "indicator", "level", "area", "area_name", "status", "status_sv", "reason", "noise_basis", "flags",
    "development_area_title", "label", "geography", "direction", "subgoal_kind", "subgoal_reference",
)  # fmt: skip


def plan_spec(plan: Plan) -> pd.DataFrame:
    """One row per plan indicator and sub-goal (one row when it has none), the sub-goal flattened.

    Examples
    --------
    >>> from segindicators.plan import load_plan
    >>> spec = plan_spec(load_plan("linkoping_2023"))
    >>> int(spec["development_area"].nunique())
    5
    """
    rows = []
    for area, ind in plan.indicators():
        for sg in sorted(ind.subgoals, key=lambda s: s.year) or [None]:
            rows.append(
                {
                    "development_area": area.id,
                    "development_area_title": area.title,
                    "indicator": ind.id,
                    "label": ind.label,
                    "geography": ind.geography,
                    "baseline_year": ind.baseline_year,
                    "direction": ind.direction,
                    "subgoal_kind": sg.kind if sg else None,
                    "subgoal_year": sg.year if sg else None,
                    "subgoal_target": sg.target if sg else None,
                    "subgoal_reference": sg.reference if sg else None,
                    "subgoal_reduce_gap_by": sg.reduce_gap_by if sg else None,
                    "subgoal_adopted": sg.adopted if sg else None,
                }
            )
    spec = pd.DataFrame(rows)
    spec["subgoal_year"] = spec["subgoal_year"].astype("Int64")
    spec["subgoal_target"] = spec["subgoal_target"].astype(float)
    spec["subgoal_reduce_gap_by"] = spec["subgoal_reduce_gap_by"].astype(float)
    return spec


def plan_status(plan: Plan, series: pd.DataFrame, *, year: int | None = None) -> pd.DataFrame:
    """Status per plan indicator × area × year (see the rules table in the module docstring).

    Parameters
    ----------
    plan
        A validated :class:`~segindicators.plan.definition.Plan`.
    series
        Series frame(s) concatenated: from :func:`series_from_counts`, :func:`series_from_indices`,
        :func:`series_from_kolada`. Must contain the municipality rows (level ``kommun``) for gaps and,
        optionally, ``riket`` rows for the gap to Sweden.
    year
        When given, keep only the latest year ``<= year`` per indicator and area.

    Returns
    -------
    DataFrame
        One row per development area × indicator × area × year from the baseline year on, with ``value``,
        ``baseline_value``, ``change_since_baseline`` (+ ``_lo``/``_hi``, ``_significant``), ``previous_year``,
        ``change_since_previous`` (+ interval, significance), ``municipality_value``,
        ``gap_to_municipality`` (+ interval), ``sweden_value``, ``gap_to_sweden``, ``gap_closing_per_year``,
        ``parity_year``, ``subgoal_path``, ``status``, ``status_sv``, ``reason``, ``significance_tested``,
        ``noise_basis``, ``flags``. A plan indicator with no data at all gets one row with status
        ``insufficient data`` and NA area and year, so the follow-up lists every indicator.
    """
    spec = plan_spec(plan)
    s = typed_series(series)
    dup = s.duplicated(["indicator", "level", "area", "year"], keep=False)
    if dup.any():
        first = s.loc[dup, ["indicator", "level", "area", "year"]].iloc[0].tolist()
        raise ValueError(
            f"series: {int(dup.sum())} rows repeat an indicator, level, area and year (first: {first}); "
            "pass one value per key (series_from_counts picks one geo_version for you)."
        )
    s = s.sort_values(["indicator", "level", "area", "year"], kind="stable").reset_index(drop=True)
    # previous available year per series (vectorised with groupby shift)
    g = s.groupby(["indicator", "level", "area"], sort=False)
    for col in ("year", "value", "lo", "hi"):
        s[f"prev_{col}"] = g[col].shift(1)

    # rows each plan indicator follows
    focus = list(plan.focus_areas)
    m = spec.merge(s, on="indicator", how="inner")
    geo = m["geography"]
    keep = (
        (
            (geo == "focus_areas")
            & (((m["level"] == "RegSO") & m["area"].isin(focus)) | (m["level"] == "focus"))
        )
        | ((geo == "all_districts") & (m["level"] == "RegSO"))
        | ((geo == "municipality") & (m["level"] == "kommun") & (m["area"] == plan.municipality))
    )
    m = m[keep & (m["year"] >= m["baseline_year"])].copy()
    # several sub-goals: keep the one due next (earliest target year >= t), else the last one passed
    sy = m["subgoal_year"].astype("Float64").to_numpy(float, na_value=np.nan)
    m["_order"] = np.where(sy < m["year"].to_numpy(float), 1e6 - sy, sy)
    keys = ["development_area", "indicator", "level", "area", "year"]
    m = m.sort_values([*keys, "_order"], kind="stable").drop_duplicates(keys, keep="first")

    # baseline values
    base = s[["indicator", "level", "area", "year", "value", "lo", "hi"]].rename(
        columns={"year": "baseline_year", "value": "baseline_value", "lo": "baseline_lo", "hi": "baseline_hi"}
    )
    m = m.merge(base, on=["indicator", "level", "area", "baseline_year"], how="left")

    # reference levels: municipality and Sweden, at t and at the baseline year
    muni = s[(s["level"] == "kommun") & (s["area"] == plan.municipality)][
        ["indicator", "year", "value", "lo", "hi"]
    ]
    riket = s[s["level"] == "riket"].drop_duplicates(["indicator", "year"])[
        ["indicator", "year", "value", "lo", "hi"]
    ]
    for name, ref in (("municipality", muni), ("sweden", riket)):
        r = ref.rename(columns={"value": f"{name}_value", "lo": f"{name}_lo", "hi": f"{name}_hi"})
        m = m.merge(r, on=["indicator", "year"], how="left")
        rb = ref[["indicator", "year", "value"]].rename(
            columns={"year": "baseline_year", "value": f"{name}_baseline"}
        )
        m = m.merge(rb, on=["indicator", "baseline_year"], how="left")
    is_muni_row = (m["level"] == "kommun") & (m["area"] == plan.municipality)
    for name in ("municipality_value", "municipality_lo", "municipality_hi", "municipality_baseline"):
        m[name] = m[name].where(~is_muni_row, np.nan)

    # changes and gaps: the value against a reference value (prefix), each with its MOVER interval
    m["previous_year"] = m["prev_year"].astype("Int64")
    for ref, name in (
        ("baseline", "change_since_baseline"),
        ("prev", "change_since_previous"),
        ("municipality", "gap_to_municipality"),
        ("sweden", "gap_to_sweden"),
    ):
        m[name], m[f"{name}_lo"], m[f"{name}_hi"] = mover_difference(
            m["value"], m["lo"], m["hi"], m[f"{ref}_value"], m[f"{ref}_lo"], m[f"{ref}_hi"]
        )
    for name in ("change_since_baseline", "change_since_previous"):
        _, m[f"{name}_significant"] = significant(m[f"{name}_lo"].to_numpy(), m[f"{name}_hi"].to_numpy())
    gap_baseline = m["baseline_value"].to_numpy(float) - m["municipality_baseline"].to_numpy(float)
    m["gap_closing_per_year"], m["parity_year"] = parity_year(
        gap_baseline, m["gap_to_municipality"].to_numpy(), m["baseline_year"], m["year"]
    )

    m = m.assign(**status_columns(m))

    m = m.sort_values(["development_area", "indicator", "level", "area", "year"], kind="stable")
    if year is not None:
        m = m[m["year"] <= year]
        m = m.drop_duplicates(["development_area", "indicator", "level", "area"], keep="last")
    cols = TABLES["plan_status"].column_names
    out = m[cols].reset_index(drop=True)
    # every plan indicator appears: one without any data gets a single "insufficient data" row
    have = pd.MultiIndex.from_frame(out[["development_area", "indicator"]])
    lacking = spec[~pd.MultiIndex.from_frame(spec[["development_area", "indicator"]]).isin(have)]
    lacking = lacking.drop_duplicates(["development_area", "indicator"])
    if len(lacking):
        empty = lacking.reindex(columns=cols).assign(
            status="insufficient data",
            reason="no data supplied for this indicator and geography",
            significance_tested=False,
            noise_basis="none",
            flags="",
        )
        out = pd.concat([out.astype({"year": "Int64"}), empty.astype({"year": "Int64"})], ignore_index=True)
        out["status_sv"] = out["status"].map(STATUS_SV)
        out = out.sort_values(["development_area", "indicator"], kind="stable").reset_index(drop=True)
    out["year"] = out["year"].astype("Int64")
    for col in _TEXT:
        out[col] = out[col].astype("string")
    for col in ("change_since_baseline_significant", "change_since_previous_significant", "subgoal_adopted"):
        out[col] = out[col].astype("boolean")
    out["significance_tested"] = out["significance_tested"].astype(bool)
    return out
