"""Plan follow-up: development areas, indicators with baselines and sub-goals, status, measures register."""

from segindicators.plan.definition import (
    CATALOGUE_IDS,
    DevelopmentArea,
    Plan,
    PlanError,
    PlanIndicator,
    SubGoal,
    load_plan,
    shipped_plans,
)

__all__ = [
    "CATALOGUE_IDS",
    "DevelopmentArea",
    "Plan",
    "PlanError",
    "PlanIndicator",
    "SubGoal",
    "load_plan",
    "shipped_plans",
]
