r"""Targets of the plan follow-up: the gap's pace and parity year, and the linear path to a sub-goal.

Gaps, pace, parity
------------------
``gap_to_municipality = value − municipality value`` (same indicator and year), likewise ``gap_to_sweden``.
``gap_closing_per_year = (|gap_baseline| − |gap_t|) / (t − baseline_year)``; when positive,
``parity_year = t + |gap_t| / gap_closing_per_year`` (the year the gap reaches 0 at that pace; the year
itself when the gap is 0 or has changed sign). Example by hand: gap −20 points in 2020 and −14 in 2023 →
pace 2 points a year → parity 2023 + 14/2 = 2030.

Sub-goal path
-------------
Linear from the baseline to the target: :math:`\mathrm{path}_t = q_b + (Q - q_b)\,(\min(t, T) - b)/(T - b)`,
where :math:`q` is the value (``kind: value``, :math:`Q` = target) or the gap to the reference (``kind: gap``,
:math:`Q = (1 - f)\,\mathrm{gap}_b`), :math:`b` the baseline year and :math:`T` the sub-goal's year.
"""

from __future__ import annotations

import numpy as np

__all__ = ["parity_year", "subgoal_path"]


def parity_year(gap_baseline, gap_now, baseline_year, year) -> tuple[np.ndarray, np.ndarray]:
    """Pace at which ``|gap|`` closes per year and the year of parity at that pace (vectorised).

    Returns ``(pace, parity)``; ``parity`` is NaN when the gap is not closing, the current year when the
    gap is 0 or has changed sign since the baseline.

    Examples
    --------
    >>> pace, parity = parity_year([-20.0], [-14.0], [2020], [2023])
    >>> float(pace[0]), float(parity[0])
    (2.0, 2030.0)
    >>> float(parity_year([-5.0], [-6.0], [2020], [2022])[1][0])
    nan
    """
    gb = np.asarray(gap_baseline, dtype=float)
    gt = np.asarray(gap_now, dtype=float)
    span = np.asarray(year, dtype=float) - np.asarray(baseline_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(span > 0, (np.abs(gb) - np.abs(gt)) / span, np.nan)
        crossed = (gt == 0) | (np.sign(gt) * np.sign(gb) < 0)
        parity = np.where(
            crossed & ~np.isnan(gt),
            np.asarray(year, dtype=float),
            np.where(pace > 0, np.asarray(year, dtype=float) + np.abs(gt) / pace, np.nan),
        )
    return pace, parity


def subgoal_path(q_baseline, q_target, baseline_year, target_year, year) -> np.ndarray:
    r"""The sub-goal path at ``year``: linear from ``q_baseline`` at the baseline to ``q_target`` at the
    target year, flat after it (vectorised; NaN where there is no sub-goal).

    :math:`\mathrm{path}_t = q_b + (Q - q_b)\,(\min(t, T) - b)/(T - b)`

    Examples
    --------
    >>> subgoal_path([-20.0], [-10.0], [2020], [2030], [2025]).tolist()  # halfway: half the reduction
    [-15.0]
    >>> subgoal_path([0.5], [0.7], [2020], [2024], [2030]).tolist()  # after the target year: the target
    [0.7]
    """
    q_b = np.asarray(q_baseline, dtype=float)
    t = np.asarray(year, dtype=float)
    b = np.asarray(baseline_year, dtype=float)
    T = np.asarray(target_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return q_b + (np.asarray(q_target, dtype=float) - q_b) * (np.minimum(t, T) - b) / (T - b)
