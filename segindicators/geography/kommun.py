"""The municipality's own series: SCB's published kommun figure, pooled from DeSO only where SCB has none.

SCB publishes kommun rows in most district tables; some have none (TAB6680 BAS, TAB6258/TAB6638 dwellings,
per their ``/metadata``). For an indicator × year without SCB's own value the kommun figure is pooled from the
DeSO (sum of numerators over sum of denominators, :func:`~segindicators.geography.aggregate.aggregate_up`) and
flagged ``pooled``. Sums of cells from a table whose metadata says ``aggregallowed: false`` (SCB does not vouch
for them: the cells carry disclosure protection) are flagged ``unvouched_sum`` by :func:`mark_unvouched`, here
and wherever the product adds such cells up (focus areas, split DeSO summed back).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from segindicators.geography.aggregate import AGGREGABLE_UNITS, aggregate_up, rows_where
from segindicators.geography.harmonise import add_flag

__all__ = ["POOLED", "UNVOUCHED", "kommun_series", "mark_unvouched"]

#: Flag of a kommun figure pooled from DeSO because SCB publishes none.
POOLED = "pooled"
#: Flag of a figure that is our own sum of cells from a table whose metadata says ``aggregallowed: false``.
UNVOUCHED = "unvouched_sum"


def mark_unvouched(
    frame: pd.DataFrame, tables: Iterable[str], where: pd.Series | None = None
) -> pd.DataFrame:
    """Add the ``unvouched_sum`` flag to the rows (optionally only ``where``) whose source is one of ``tables``.

    Examples
    --------
    >>> f = pd.DataFrame({"source_table": ["TAB6680", "TAB6574"], "flags": ["pooled", ""]})
    >>> mark_unvouched(f, ["TAB6680"])["flags"].tolist()
    ['pooled;unvouched_sum', '']
    """
    tables = sorted(set(tables))
    if not tables or frame.empty:
        return frame
    hit = frame["source_table"].astype("string").str.contains("|".join(tables), regex=True).fillna(False)
    if where is not None:
        hit &= where.to_numpy()
    return frame.assign(flags=frame["flags"].where(~hit, add_flag(frame["flags"], UNVOUCHED)))


def kommun_series(
    deso: pd.DataFrame,
    own: pd.DataFrame | None,
    lookup: pd.DataFrame,
    *,
    unvouched_tables: Iterable[str] = (),
) -> pd.DataFrame:
    """Kommun rows: SCB's own where it has a value for the indicator and year, else pooled from ``deso``.

    Parameters
    ----------
    deso
        Processed DeSO counts (native geography versions).
    own
        SCB's own kommun rows from the same build (``level == "kommun"``), or None.
    lookup
        DeSO → RegSO → kommun lookup of both versions.
    unvouched_tables
        Tables whose sums SCB does not vouch for (their pooled rows get ``unvouched_sum`` too).

    Returns
    -------
    DataFrame
        SCB's own rows and the pooled ones (flag ``pooled``), in the processed-counts columns.
    """
    agg = rows_where(deso, deso["unit"].isin(AGGREGABLE_UNITS))
    pooled = aggregate_up(agg, lookup, "kommun", from_level="DeSO")
    pieces = []
    if own is not None and len(own):
        # per municipality: a national run holds the kommun rows of every municipality
        key = ["kommun", "indicator", "year"]
        have = own.loc[own["value"].notna(), key].drop_duplicates()
        pooled = pooled.merge(have, on=key, how="left", indicator="_own")
        pooled = pooled[pooled["_own"] == "left_only"].drop(columns="_own")
        pieces.append(own)
    if len(pooled):
        pooled = pooled.assign(flags=add_flag(pooled["flags"], POOLED))
        pieces.append(mark_unvouched(pooled, unvouched_tables))
    return pd.concat(pieces, ignore_index=True) if pieces else pooled
