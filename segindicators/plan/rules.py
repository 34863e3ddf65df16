r"""The status rules of the plan follow-up: which status word a row gets, and why.

Direction sign :math:`s = +1` for ``increase``, :math:`-1` for ``decrease``. Sub-goal path (when the
indicator has one; with several, year t is checked against the next one due, i.e. the earliest with target
year ``>= t``, or the last one once all are past): linear from the baseline to the target,
:math:`\mathrm{path}_t = q_b + (Q - q_b)\,(\min(t, T) - b)/(T - b)`
(:func:`~segindicators.plan.targets.subgoal_path`), where :math:`q` is the value (``kind: value``,
:math:`Q` = target) or the gap to the reference (``kind: gap``, :math:`Q = (1 - f)\,\mathrm{gap}_b`).

+---+---------------------------------------------------------+-----------------------+------------------------------+
| # | condition (the first that holds decides)                | status                | status_sv                    |
+===+=========================================================+=======================+==============================+
| 1 | no value in year t, no baseline value, t <= baseline,   | insufficient data     | otillräckliga data           |
|   | no data at all, or (gap sub-goal) no reference value    |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 2 | sub-goal: s * (q_t - path_t) >= 0 (at or beyond path)   | on track              | i fas                        |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 3 | sub-goal: behind the path and the interval of q_t lies  | off track             | inte i fas                   |
|   | wholly behind it (no interval: behind at all)           |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 4 | sub-goal: behind the path, but within noise             | no significant change | ingen säkerställd förändring |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 5 | no sub-goal: change since baseline significant (its     | on track              | i fas                        |
|   | interval excludes 0), in the desired direction          |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 6 | no sub-goal: change significant, in the wrong direction | off track             | inte i fas                   |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 7 | no sub-goal: the interval of the change contains 0      | no significant change | ingen säkerställd förändring |
+---+---------------------------------------------------------+-----------------------+------------------------------+
| 8 | no sub-goal and no interval (noise_basis "none", e.g.   | on track / off track /| (the same, in Swedish)       |
|   | Kolada, medians): the sign of the point change decides; | no significant change |                              |
|   | significance_tested is False                            |                       |                              |
+---+---------------------------------------------------------+-----------------------+------------------------------+

Caveat: a gap sub-goal assumes the area starts on the wrong side of the reference; when it starts better
off, "halving the gap" is a path *backwards* and the status says little — choose a value sub-goal then.

The same table is available as a frame from :func:`status_rules`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segindicators.plan.targets import subgoal_path

__all__ = ["STATUS_SV", "status_columns", "status_rules"]

STATUS_SV: dict[str, str] = {
    "on track": "i fas",
    "off track": "inte i fas",
    "no significant change": "ingen säkerställd förändring",
    "insufficient data": "otillräckliga data",
}
"""Swedish labels of the four status words."""


def status_rules() -> pd.DataFrame:
    """The status rules of the module docstring as a frame (for reports and the README).

    Examples
    --------
    >>> status_rules().shape
    (8, 4)
    """
    rows = [
        (
            1,
            "no value in t, no baseline value, t <= baseline, or no reference value for a gap sub-goal",
            "insufficient data",
        ),
        (2, "sub-goal: value (or gap) at or beyond the linear path to the target", "on track"),
        (3, "sub-goal: behind the path and the interval wholly behind it", "off track"),
        (4, "sub-goal: behind the path but within noise", "no significant change"),
        (5, "no sub-goal: change since baseline significant in the desired direction", "on track"),
        (6, "no sub-goal: change since baseline significant in the wrong direction", "off track"),
        (7, "no sub-goal: interval of the change since baseline contains 0", "no significant change"),
        (
            8,
            "no sub-goal, no interval: the sign of the point change decides (significance_tested=False)",
            "on track / off track / no significant change",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["rule", "condition", "status"])
    frame["status_sv"] = (
        frame["status"].map(STATUS_SV).fillna("i fas / inte i fas / ingen säkerställd förändring")
    )
    return frame


def status_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """The sub-goal path and the status of every row, by the rules of the module docstring (vectorised).

    Parameters
    ----------
    frame
        One row per development area × indicator × level × area × year with ``direction``, ``year``,
        ``baseline_year``, ``value``, ``lo``, ``hi``, ``baseline_value``, ``change_since_baseline`` (+ ``_lo``,
        ``_hi``), ``gap_to_municipality`` and ``gap_to_sweden`` (each + ``_lo``, ``_hi``),
        ``municipality_baseline``, ``sweden_baseline`` and the sub-goal columns of
        :func:`~segindicators.plan.status.plan_spec`.

    Returns
    -------
    dict
        Column → values, aligned with ``frame``: ``subgoal_path``, ``subgoal_quantity``, ``status``,
        ``reason``, ``status_sv``, ``significance_tested``.
    """
    m = frame
    value = m["value"].to_numpy(float)
    baseline = m["baseline_value"].to_numpy(float)
    d = m["change_since_baseline"].to_numpy(float)
    lo = m["change_since_baseline_lo"].to_numpy(float)
    hi = m["change_since_baseline_hi"].to_numpy(float)
    tested = np.isfinite(lo) & np.isfinite(hi)
    sgn = np.where(m["direction"] == "increase", 1.0, -1.0)
    t = m["year"].to_numpy(float)
    b = m["baseline_year"].to_numpy(float)
    kind = m["subgoal_kind"].astype("string").fillna("")
    has_sg = (kind != "").to_numpy()
    is_gap = (kind == "gap").to_numpy()
    ref_sweden = (m["subgoal_reference"].astype("string") == "sweden").fillna(False).to_numpy()
    ref = {
        part: np.where(
            ref_sweden,
            m[f"gap_to_sweden{part}"].to_numpy(float),
            m[f"gap_to_municipality{part}"].to_numpy(float),
        )
        for part in ("", "_lo", "_hi")
    }
    gap_b = np.where(
        ref_sweden,
        baseline - m["sweden_baseline"].to_numpy(float),
        baseline - m["municipality_baseline"].to_numpy(float),
    )
    q = np.where(is_gap, ref[""], value)
    q_lo = np.where(is_gap, ref["_lo"], m["lo"].to_numpy(float))
    q_hi = np.where(is_gap, ref["_hi"], m["hi"].to_numpy(float))
    q_b = np.where(is_gap, gap_b, baseline)
    q_target = np.where(
        is_gap, (1 - m["subgoal_reduce_gap_by"].to_numpy(float)) * gap_b, m["subgoal_target"].to_numpy(float)
    )
    T = m["subgoal_year"].astype("Float64").to_numpy(float, na_value=np.nan)
    path = subgoal_path(q_b, q_target, b, T, t)

    insufficient = ~np.isfinite(value) | ~np.isfinite(baseline) | (t <= b)
    insufficient |= has_sg & ~(np.isfinite(q) & np.isfinite(path))
    reason_insuff = np.select(
        [~np.isfinite(value), ~np.isfinite(baseline), t <= b],
        ["no value this year", "no baseline value", "baseline year: no change yet"],
        "no reference value for the gap sub-goal",
    )
    ahead = sgn * (q - path) >= 0
    q_tested = np.isfinite(q_lo) & np.isfinite(q_hi)
    wholly_behind = np.where(sgn > 0, q_hi < path, q_lo > path)
    sg_off = np.where(q_tested, wholly_behind, ~ahead)
    improving = sgn * d
    significant = tested & ((lo > 0) | (hi < 0))
    # (condition, status, reason): the first condition that holds decides (rules 1-8 of the module docstring)
    rules = [
        (insufficient, "insufficient data", reason_insuff),
        (has_sg & ahead, "on track", "at or beyond the sub-goal path"),
        (has_sg & sg_off, "off track", "significantly behind the sub-goal path"),
        (has_sg, "no significant change", "behind the sub-goal path, within noise"),
        (significant & (improving > 0), "on track", "significant change in the desired direction"),
        (significant & (improving < 0), "off track", "significant change in the wrong direction"),
        (tested, "no significant change", "change within noise"),
        (improving > 0, "on track", "point change in the desired direction (not tested)"),
        (improving < 0, "off track", "point change in the wrong direction (not tested)"),
    ]
    conditions = [c for c, _, _ in rules]
    status = pd.array(
        np.select(conditions, [s for _, s, _ in rules], "no significant change"), dtype="string"
    )
    return {
        "subgoal_path": np.where(has_sg, path, np.nan),
        "subgoal_quantity": np.where(has_sg, q, np.nan),
        "status": status,
        "reason": pd.array(
            np.select(conditions, [r for _, _, r in rules], "no point change (not tested)"), dtype="string"
        ),
        "status_sv": pd.Series(status, index=m.index).map(STATUS_SV).astype("string"),
        "significance_tested": np.where(has_sg, q_tested, tested),
    }
