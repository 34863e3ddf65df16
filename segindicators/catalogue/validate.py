"""Validation of processed counts: clear errors listing the first offending areas, and coverage.

Checks (each names indicator, area and year of the first offenders): a group larger than its total, negative
counts, unknown area codes, missing years, suppressed cells that carry a value (a suppressed cell stays NaN,
never 0). Coverage = share of the population living in areas with data, per indicator and year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CountsValidationError", "ValidationReport", "check_counts", "coverage", "validate_counts"]

_PATTERNS = {
    "DeSO": re.compile(r"^\d{4}[A-C]\d{4}$"),
    "RegSO": re.compile(r"^\d{4}R\d{3}$"),
    "kommun": re.compile(r"^\d{4}$"),
}


class CountsValidationError(ValueError):
    """Processed counts failed validation; the message lists each problem and its first offenders."""


@dataclass
class ValidationReport:
    """Problems found (empty = valid) and the coverage table."""

    problems: list[str] = field(default_factory=list)
    coverage: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _first(rows: pd.DataFrame, cols: list[str], n: int) -> str:
    shown = rows.head(n)
    items = ["/".join(str(r[c]) for c in cols) for _, r in shown.iterrows()]
    more = f" (+{len(rows) - n} more)" if len(rows) > n else ""
    return ", ".join(items) + more


def coverage(counts: pd.DataFrame, *, population_indicator: str = "population") -> pd.DataFrame:
    """Share of the population living in areas with a non-missing value, per indicator, level and year.

    Population weights come from the ``population`` rows of the same frame; without them each area weighs 1.

    Examples
    --------
    >>> c = pd.DataFrame({"level": "RegSO", "area": ["A", "B", "A", "B"], "year": 2023,
    ...                   "indicator": ["population", "population", "x", "x"],
    ...                   "value": [300.0, 100.0, 0.5, np.nan]})
    >>> coverage(c).query("indicator == 'x'")["coverage"].item()
    0.75
    """
    keys = ["level", "year", "area"]
    pop = counts.loc[counts["indicator"] == population_indicator, [*keys, "value"]].rename(
        columns={"value": "w"}
    )
    df = counts.merge(pop, on=keys, how="left")
    if pop.empty:
        df["w"] = 1.0
    df["w"] = df["w"].fillna(0.0)
    df["has"] = df["value"].notna()
    df["w_has"] = np.where(df["has"], df["w"], 0.0)
    out = df.groupby(["indicator", "level", "year"], as_index=False).agg(
        areas=("area", "nunique"), areas_with_data=("has", "sum"), population=("w", "sum"),
        population_with_data=("w_has", "sum"),
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = out["population_with_data"] / out["population"].where(out["population"] > 0)
    return out


def validate_counts(
    counts: pd.DataFrame,
    *,
    known_areas: Iterable[str] | None = None,
    expected_years: Iterable[int] | Mapping[str, Iterable[int]] | None = None,
    tolerance: float = 0.0,
    max_listed: int = 5,
) -> ValidationReport:
    """Validate a processed-counts frame; returns the problems and the coverage table.

    Parameters
    ----------
    counts
        Frame following the processed-counts contract.
    known_areas
        Area codes that exist (e.g. from the geography lookup); default: the code pattern of each level.
    expected_years
        Years every indicator must have, or a mapping indicator id -> years.
    tolerance
        Allowed excess of a group over its total (e.g. for Cell Key Method noise); default 0.
    max_listed
        Offending rows listed per problem.
    """
    report = ValidationReport()
    ident = ["indicator", "area", "year"]
    neg = counts[(counts["numerator"] < 0) | (counts["denominator"] < 0)]
    if len(neg):
        report.problems.append(
            f"negative counts in {len(neg)} row(s) (indicator/area/year): {_first(neg, ident, max_listed)}; "
            "counts cannot be negative — check the numerator/denominator codes (a 'minus' larger than its total?)"
        )
    over = counts[(counts["unit"] == "share") & (counts["numerator"] > counts["denominator"] + tolerance)]
    if len(over):
        report.problems.append(
            f"group larger than its total in {len(over)} row(s) (indicator/area/year): "
            f"{_first(over, ident, max_listed)}; the numerator codes are probably not a subset of the denominator"
        )
    if known_areas is not None:
        known = set(known_areas)
        unknown = counts[~counts["area"].isin(known)]
    else:
        ok = pd.Series(True, index=counts.index)
        for level, pattern in _PATTERNS.items():
            m = counts["level"] == level
            ok[m] = counts.loc[m, "area"].astype(str).str.fullmatch(pattern)
        unknown = counts[~ok.astype(bool)]
    if len(unknown):
        codes = sorted(unknown["area"].astype(str).unique())
        report.problems.append(
            f"unknown area codes ({len(codes)}): {', '.join(codes[:max_listed])}"
            f"{' …' if len(codes) > max_listed else ''}; expected codes of the geography lookup for the level"
        )
    if expected_years is not None:
        for ind in sorted(counts["indicator"].unique()):
            want = expected_years.get(ind, ()) if isinstance(expected_years, Mapping) else expected_years
            have = set(counts.loc[counts["indicator"] == ind, "year"].astype(int))
            missing = sorted(set(int(y) for y in want) - have)
            if missing:
                report.problems.append(
                    f"indicator {ind!r}: missing years {missing}; the build did not return them"
                )
    flags = counts["flags"].fillna("").astype(str)
    filled = counts[flags.str.contains("suppressed") & counts["value"].notna()]
    if len(filled):
        report.problems.append(
            f"suppressed cells carry a value in {len(filled)} row(s): {_first(filled, ident, max_listed)}; "
            "a suppressed cell must stay NaN (never 0)"
        )
    report.coverage = coverage(counts)
    return report


def check_counts(counts: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Validate and raise :class:`CountsValidationError` listing every problem; returns the coverage table.

    Examples
    --------
    >>> c = pd.DataFrame({"level": "RegSO", "area": ["0580R001"], "year": [2023], "indicator": ["x"],
    ...                   "numerator": [-1.0], "denominator": [10.0], "value": [-0.1], "unit": ["share"],
    ...                   "flags": [""]})
    >>> check_counts(c)
    Traceback (most recent call last):
    ...
    segindicators.catalogue.validate.CountsValidationError: 1 problem(s) in the processed counts:
      - negative counts in 1 row(s) (indicator/area/year): x/0580R001/2023; ...
    """
    report = validate_counts(counts, **kwargs)
    if report.problems:
        lines = "\n".join(f"  - {p}" for p in report.problems)
        raise CountsValidationError(f"{len(report.problems)} problem(s) in the processed counts:\n{lines}")
    return report.coverage
