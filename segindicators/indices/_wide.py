"""The catalogue's group rows of processed counts, pivoted to one row per area × year through integer codes.

The battery reads every catalogue group from one long counts frame (national size: about two million rows of
``"<group>.<member>"`` indicators). :class:`CodedCounts` factorises the frame's key and indicator columns
once; :meth:`CodedCounts.wide` then builds a group's wide frame with numpy alone (no string operations, no
groupby), with the result of the pandas recipe it replaces::

    sub.groupby([*KEY, "member"], sort=True, dropna=False)["numerator"].first().unstack("member")
    sub.groupby(KEY, sort=True, dropna=False)["denominator"].first()

i.e. one row per observed area-year in sorted key order, each cell the first non-missing value in row
order (NaN where the area has none: suppressed cells stay NaN, never 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import column_codes, combine_codes

#: The key of one area-year row of the wide frame.
KEY = ["kommun", "level", "geo_version", "area", "year"]


def first_valid(group: np.ndarray, values: np.ndarray, ngroups: int) -> np.ndarray:
    """Per group, the first non-NaN value in row order, NaN where a group has none (``groupby().first()``).

    Examples
    --------
    >>> first_valid(np.array([0, 1, 0, 1, 2]), np.array([np.nan, 2.0, 3.0, 4.0, np.nan]), 3).tolist()
    [3.0, 2.0, nan]
    """
    out = np.full(ngroups, np.nan)
    ok = ~np.isnan(values)
    present, first = np.unique(group[ok], return_index=True)
    out[present] = values[ok][first]
    return out


class CodedCounts:
    """A processed counts frame with its key, indicator and flag columns factorised once.

    Parameters
    ----------
    counts
        Processed counts (DESIGN.md contract): ``kommun, level, geo_version, area, year, indicator,
        numerator, denominator, flags``.
    indicators, levels
        Keep only the rows of these indicators and levels (default: all), so that a national counts frame
        with every indicator is factorised only where groups are read from it.
    """

    def __init__(
        self, counts: pd.DataFrame, *, indicators: Sequence[str] | None = None,
        levels: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        #: The group ids present in ``counts`` (the part of ``"<group>.<member>"`` before the first dot).
        self.present = {str(i).split(".", 1)[0] for i in pd.unique(counts["indicator"]) if not pd.isna(i)}
        keep = np.ones(len(counts), dtype=bool)
        if indicators is not None:
            keep &= counts["indicator"].isin(list(indicators)).to_numpy(dtype=bool)
        if levels is not None:
            keep &= counts["level"].isin(list(levels)).to_numpy(dtype=bool)
        if not keep.all():  # the rows in their order: the first valid value of a cell stays the first
            counts = counts.loc[keep, [*KEY, "indicator", "numerator", "denominator", "flags"]]
        self.keys = counts[KEY]
        self.key_codes = [column_codes(counts[k]) for k in KEY]  # sorted codes: their order is the keys'
        self.indicator, self.indicators = pd.factorize(counts["indicator"])
        self.numerator = counts["numerator"].to_numpy(dtype=np.float64, na_value=np.nan)
        self.denominator = counts["denominator"].to_numpy(dtype=np.float64, na_value=np.nan)
        flag_codes, flag_values = pd.factorize(counts["flags"])  # a few distinct flag strings
        recon = np.array(["reconstructed" in str(f) for f in flag_values], dtype=bool)
        self.reconstructed = np.append(recon, False)[flag_codes]  # code -1 (missing flags) → False

    def rows(self, names: Sequence[str]) -> np.ndarray:
        """Row positions (ascending, in the kept rows) whose indicator is one of ``names``."""
        wanted = np.flatnonzero(pd.Index(self.indicators).isin(list(names)))
        return np.flatnonzero(np.isin(self.indicator, wanted))

    def wide(self, group_id: str, members: Sequence[str]) -> pd.DataFrame:
        """One row per area × year of a group: a column per member, ``total`` and ``reconstructed``, as
        :func:`segindicators.indices.battery.group_wide` documents."""
        names = [f"{group_id}.{m}" for m in members]
        sub = self.rows(names)
        if not len(sub):
            return pd.DataFrame(columns=[*KEY, *members, "total", "reconstructed"])
        code, first = combine_codes([c[sub] for c, _ in self.key_codes], [n for _, n in self.key_codes])
        ngroups = len(first)
        out = self.keys.iloc[sub[first]].reset_index(drop=True)
        out.attrs = {}  # a frame of its own, as groupby builds it (the counts' attrs stay with the counts)
        member_of = pd.Index(names).get_indexer(self.indicators)[self.indicator[sub]]
        num = self.numerator[sub]
        for j, m in enumerate(members):  # a loop over the group's members, not over areas
            mine = member_of == j
            out[m] = first_valid(code[mine], num[mine], ngroups)
        out["total"] = first_valid(code, self.denominator[sub], ngroups)
        out["reconstructed"] = np.bincount(code, weights=self.reconstructed[sub], minlength=ngroups) > 0
        return out
