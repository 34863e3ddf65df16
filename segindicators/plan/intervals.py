r"""Intervals of the plan follow-up: Wilson for shares, MOVER for differences, and significance.

The interval of a *difference* (between two years, or between an area and the municipality) combines the
two intervals by MOVER, the method of variance estimates recovery (Newcombe 1998 method 10 for two Wilson
intervals; Zou & Donner 2008 in general): with estimates :math:`a, b` and intervals
:math:`[l_a, u_a], [l_b, u_b]`,

.. math::

    L = (a-b) - \sqrt{(a-l_a)^2 + (u_b-b)^2}, \qquad U = (a-b) + \sqrt{(u_a-a)^2 + (b-l_b)^2}.

Treating the years as independent is conservative: the same people live in an area in consecutive years,
which correlates the values and makes the true interval of the change narrower. A change is *significant*
when its interval excludes 0.

Used by :mod:`~segindicators.plan.series` (per-year intervals) and :mod:`~segindicators.plan.status`
(intervals of changes and gaps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["mover_difference", "significant", "wilson_interval"]


def wilson_interval(
    numerator: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series, z: float = 1.96
) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval for proportions :math:`x/n` (vectorised).

    .. math:: \frac{p + z^2/2n \pm z\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}

    Wilson (1927), JASA 22:209; Newcombe (1998), Stat Med 17:857, method 3. ``n <= 0`` or NaN gives NaN.

    Examples
    --------
    >>> lo, hi = wilson_interval([81], [263])   # Newcombe (1998) Table I example: 0.2553, 0.3662
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(n > 0, n, np.nan)
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def mover_difference(
    a: np.ndarray | pd.Series,
    a_lo: np.ndarray | pd.Series,
    a_hi: np.ndarray | pd.Series,
    b: np.ndarray | pd.Series,
    b_lo: np.ndarray | pd.Series,
    b_hi: np.ndarray | pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Difference ``a − b`` and its MOVER interval from the two intervals (vectorised).

    :math:`L = d - \sqrt{(a-l_a)^2 + (u_b-b)^2}`, :math:`U = d + \sqrt{(u_a-a)^2 + (b-l_b)^2}`
    (Newcombe 1998, method 10; Zou & Donner 2008, Stat Med 27:1693). NaN intervals give NaN bounds.

    Examples
    --------
    >>> d, lo, hi = mover_difference([0.5], [0.4], [0.6], [0.3], [0.25], [0.35])
    >>> round(float(d[0]), 3), round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2, 0.0882, 0.3118)
    """
    a, a_lo, a_hi, b, b_lo, b_hi = (np.asarray(v, dtype=float) for v in (a, a_lo, a_hi, b, b_lo, b_hi))
    d = a - b
    lo = d - np.sqrt((a - a_lo) ** 2 + (b_hi - b) ** 2)
    hi = d + np.sqrt((a_hi - a) ** 2 + (b - b_lo) ** 2)
    return d, lo, hi


def significant(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, pd.arrays.BooleanArray]:
    """Whether each interval was tested (both bounds finite) and, where tested, excludes 0 (vectorised).

    Untested intervals give NA, never False: no interval is not "no change".

    Examples
    --------
    >>> tested, sig = significant(np.array([0.1, -0.2, np.nan]), np.array([0.3, 0.1, 0.2]))
    >>> tested.tolist(), sig.tolist()
    ([True, True, False], [True, False, <NA>])
    """
    tested = np.isfinite(lo) & np.isfinite(hi)
    return tested, pd.array(np.where(tested, (lo > 0) | (hi < 0), None), dtype="boolean")
