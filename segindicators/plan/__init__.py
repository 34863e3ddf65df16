"""Plan follow-up: development areas, indicators with baselines and sub-goals, status, measures register.

- :mod:`segindicators.plan.definition` — plan YAML loader and validation (:func:`load_plan`); shipped plans
  and registers are found by :mod:`~segindicators.plan.files`.
- :mod:`segindicators.plan.series` — series frames with per-year intervals (:func:`series_from_counts` …).
- :mod:`segindicators.plan.status` — status per indicator × area × year (:func:`plan_status`), from
  :mod:`~segindicators.plan.intervals` (Wilson, MOVER), :mod:`~segindicators.plan.targets` (parity year,
  sub-goal path) and :mod:`~segindicators.plan.rules` (the status rules).
- :mod:`segindicators.plan.measures` — the measures register (:func:`load_register`, :func:`summarise`).
- :mod:`segindicators.plan.cli` — ``segindicators plan status | measures``.
"""

from segindicators.plan.definition import (
    CATALOGUE_IDS,
    DevelopmentArea,
    Plan,
    PlanError,
    PlanIndicator,
    SubGoal,
    load_plan,
    plan_from_dict,
    resolve_plan,
    shipped_plans,
)
from segindicators.plan.measures import (
    Measure,
    MeasuresRegister,
    RegisterError,
    YearTotals,
    load_register,
    save_register,
    shipped_register,
    summarise,
    summary_by_year,
)
from segindicators.plan.rules import STATUS_SV, status_rules
from segindicators.plan.series import series_from_counts, series_from_indices, series_from_kolada
from segindicators.plan.status import plan_status

__all__ = [
    "CATALOGUE_IDS",
    "STATUS_SV",
    "DevelopmentArea",
    "Measure",
    "MeasuresRegister",
    "Plan",
    "PlanError",
    "PlanIndicator",
    "RegisterError",
    "SubGoal",
    "YearTotals",
    "load_plan",
    "load_register",
    "plan_from_dict",
    "resolve_plan",
    "plan_status",
    "save_register",
    "series_from_counts",
    "series_from_indices",
    "series_from_kolada",
    "shipped_plans",
    "shipped_register",
    "status_rules",
    "summarise",
    "summary_by_year",
]
