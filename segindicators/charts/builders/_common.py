"""What the chart builders share: the builder type, series breaks, footnotes on sums, row selection.

A builder takes the :class:`~segindicators.charts.inputs.ChartInputs` and a
:class:`~segindicators.charts.specs.ChartSpec`, and returns :data:`Built` (one or more figures); when its
input is absent it raises :class:`~segindicators.charts.inputs.MissingInput` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
from matplotlib.figure import Figure

from ..inputs import ChartInputs
from ..meta import SeriesBreak, Source, sources_from_frame
from ..specs import ChartSpec

__all__ = [
    "INDEX_BREAK_SV",
    "Builder",
    "Built",
    "breaks_in",
    "flag_years",
    "group_sources",
    "index_breaks",
    "native_latest",
    "one_per_year",
    "sum_notes",
]

INDEX_BREAK_SV = "index beräknade på den nya DeSO-indelningen (DeSO 2025); inte helt jämförbara med åren före"

Built = list[tuple[str, Figure, str | None]]
"""What a builder returns: (export file stem, figure, caption or None for the chart's own) per figure."""

Builder = Callable[[ChartInputs, ChartSpec], Built]
"""A chart builder: processed inputs and the chart's spec in, figures out."""


def breaks_in(breaks: Iterable[SeriesBreak], years: Iterable[int]) -> tuple[SeriesBreak, ...]:
    """The breaks that fall inside the plotted ``years`` (first year excluded), one per year, sorted.

    Examples
    --------
    >>> [b.year for b in breaks_in([SeriesBreak(2020, "a"), SeriesBreak(2015, "b"), SeriesBreak(2020, "c")],
    ...                            [2015, 2016, 2023])]
    [2020]
    """
    ys = [int(y) for y in years]
    if not ys:
        return ()
    lo, hi = min(ys), max(ys)
    seen: dict[int, SeriesBreak] = {}
    for b in breaks:
        if lo < b.year <= hi and b.year not in seen:
            seen[b.year] = b
    return tuple(sorted(seen.values(), key=lambda b: b.year))


def flag_years(frame: pd.DataFrame, token: str = "break") -> set[int]:
    """Years of the rows whose ``;``-joined ``flags`` carry ``token``.

    Examples
    --------
    >>> flag_years(pd.DataFrame({"year": [2023, 2024], "flags": ["", "harmonised;break"]}))
    {2024}
    """
    if "flags" not in frame.columns or frame.empty:
        return set()
    hit = frame["flags"].fillna("").astype(str).str.split(";").map(lambda t: token in t)
    return {int(y) for y in frame.loc[hit.to_numpy(dtype=bool), "year"]}


def one_per_year(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per area and year: the harmonised series where it exists, else the native versions."""
    if frame.empty:
        return frame
    harm = frame["geo_version"].astype(str).eq("harmonised")
    has_h = harm.groupby(frame["area"]).transform("any").to_numpy(dtype=bool)
    keep = frame[(has_h & harm.to_numpy()) | (~has_h)]
    return keep.sort_values(["area", "year"]).drop_duplicates(["area", "year"], keep="first")


def sum_notes(frame: pd.DataFrame, kommun_name: str) -> list[str]:
    """Footnotes for plotted figures that are the product's own sums, not SCB's published figures.

    ``pooled``: SCB's table has no kommun row, the kommun figure is summed from its DeSO; ``unvouched_sum``: the
    table's metadata says SCB does not vouch for sums of its cells (``aggregallowed: false``).

    Examples
    --------
    >>> f = pd.DataFrame({"flags": ["pooled;unvouched_sum", ""], "level": ["kommun", "focus"]})
    >>> [n[:40] for n in sum_notes(f, "Linköping")]
    ['Linköping: SCB redovisar inget kommunvär', 'SCB ansvarar inte för summor av tabellen']
    """
    if frame.empty or "flags" not in frame.columns:
        return []
    tokens = frame["flags"].fillna("").astype(str)
    notes = []
    if tokens.str.contains("pooled").any():
        notes.append(
            f"{kommun_name}: SCB redovisar inget kommunvärde i tabellen; kommunens värde är summerat från dess DeSO."
        )
    if tokens.str.contains("unvouched_sum").any():
        notes.append(
            "SCB ansvarar inte för summor av tabellens celler (cellerna är skyddade mot röjande): summerade värden "
            "för kommunen och fokusområdena är egna beräkningar och kan avvika från SCB:s egna."
        )
    return notes


def native_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the latest year, in that year's own geography version (harmonised only as fallback)."""
    if frame.empty:
        return frame
    y = int(frame["year"].max())
    sub = frame[frame["year"].eq(y)]
    native = sub[~sub["geo_version"].astype(str).eq("harmonised")]
    return native if len(native) else sub


def group_sources(inp: ChartInputs, group: str, level: str, years: Iterable[int]) -> tuple[Source, ...]:
    """Sources of the municipality's counts of a segregation group (``<group>.<member>`` rows) at ``level``."""
    if inp.counts is None:
        return ()
    c = inp.counts
    # group rows are "<group>.<member>"; a plain prefix also finds an indicator standing in for a group
    # (e.g. peer indices computed from foreign_born_share)
    sub = c[c["indicator"].str.startswith(group) & c["level"].eq(level) & c["year"].isin(list(years))]
    return sources_from_frame(sub[sub["kommun"].astype(str).eq(inp.kommun)])


def index_breaks(frame: pd.DataFrame) -> tuple[SeriesBreak, ...]:
    """Breaks of index rows: the years flagged ``break`` (first year of a new DeSO version) inside the series."""
    years = frame["year"].tolist()
    return breaks_in([SeriesBreak(y, INDEX_BREAK_SV) for y in flag_years(frame)], years)
