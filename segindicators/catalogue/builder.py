"""Build processed counts (numerator, denominator, value per area × year × indicator) for one municipality.

:func:`build_counts` reads each used table's ``/metadata`` (the years and levels it publishes; the run-time
catalogue check), makes the call plan of :func:`~segindicators.catalogue.requests.plan_requests` — every table
becomes exactly one ``ScbClient.data`` call for the municipality: DeSO and RegSO of both geography versions,
the kommun and riket together, Region selected by the table's own codes (``"<kommun>*"`` plus ``"00"`` where
the table publishes riket), each table asked only for the years its metadata lists (the others are reported as
not yet published, ``frame.attrs["unpublished"]``, never as an error) — and turns the frames into rows through
:mod:`segindicators.catalogue.transform`, the code path the national build
(:func:`segindicators.catalogue.national.build_national_counts`) shares.

Aggregation to kommun (where the table has no kommun rows), focus areas and harmonised series is the geography
package's job, not this module's; the tables whose sums SCB does not vouch for (``aggregallowed: false``) are
listed in ``frame.attrs["unvouched_tables"]`` for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators._io import write_frame
from segindicators.catalogue.check import assert_catalogue_matches
from segindicators.catalogue.definitions import Catalogue, GroupDefinition, Indicator, load_catalogue
from segindicators.catalogue.requests import (
    ClientLike,
    TableRequest,
    entries_of,
    expected_years,
    parse_years,
    plan_requests,
)
from segindicators.catalogue.transform import (
    BUILD_LEVELS,
    COLUMNS,
    BuildError,
    counts_from_frames,
    finish_counts,
    group_rows,
    indicator_rows,
    mark_levels,
    rounding_of_percent,
    sum_spec,
)
from segindicators.sources.scb.metadata import TableSpec, table_spec
from segindicators.tables import labels_as_text

__all__ = [
    "BUILD_LEVELS",
    "COLUMNS",
    "BuildError",
    "ClientLike",
    "TableRequest",
    "build_counts",
    "check_levels",
    "expected_years",
    "group_rows",
    "indicator_rows",
    "labels_as_text",
    "metadata_or_none",
    "parse_years",
    "plan_requests",
    "read_specs",
    "rounding_of_percent",
    "sum_spec",
    "used_tables",
]


def check_levels(levels: str | Iterable[str]) -> tuple[str, ...]:
    """``levels`` as a tuple (one name is accepted); anything outside :data:`BUILD_LEVELS` raises.

    >>> check_levels("DeSO")
    ('DeSO',)
    """
    levels = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = sorted(set(levels) - set(BUILD_LEVELS))
    if unknown:
        raise ValueError(f"levels: expected a subset of {BUILD_LEVELS}, got {unknown}")
    return levels


def used_tables(entries: Iterable[Indicator | GroupDefinition], years: Sequence[int]) -> list[str]:
    """Tables of the entries' source periods that cover at least one of ``years``, sorted."""
    return sorted({p.table for e in entries for p in e.sources if any(p.covers(y) for y in years)})


def read_specs(
    client: ClientLike,
    catalogue: Catalogue,
    entries: tuple[list[Indicator], list[GroupDefinition]],
    tables: Sequence[str],
    *,
    check: bool = True,
    metadata: Mapping[str, dict[str, Any] | None] | None = None,
) -> dict[str, TableSpec]:
    """Read (or take) each table's ``/metadata``, check the catalogue against it, and return the specs.

    Parameters
    ----------
    client
        Where ``metadata`` is read when not given.
    catalogue, entries
        The catalogue and the (indicators, groups) to check.
    tables
        The tables the build uses (:func:`used_tables`).
    check
        Run :func:`~segindicators.catalogue.check.assert_catalogue_matches` (a missing table, variable or
        value code, or a code whose label does not mean what the catalogue says, raises naming the entry).
    metadata
        Already-read documents (None for a table SCB answers 404 for).

    Returns
    -------
    dict
        Table id → :class:`~segindicators.sources.scb.metadata.TableSpec` of every table SCB has.
    """
    docs = dict(metadata) if metadata is not None else {t: metadata_or_none(client, t) for t in tables}
    inds, grps = entries
    if check:
        assert_catalogue_matches(
            catalogue, docs, indicators=[i.id for i in inds], groups=[g.id for g in grps], tables=list(tables)
        )
    return {t: table_spec(m) for t, m in docs.items() if m is not None}


def build_counts(
    client: ClientLike,
    kommun: str,
    years: Iterable[int],
    levels: Iterable[str] = BUILD_LEVELS,
    *,
    catalogue: Catalogue | None = None,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    check: bool = True,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Fetch and transform every catalogue indicator (and group) for one municipality, all levels at once.

    Parameters
    ----------
    client
        An :class:`segindicators.sources.scb.ScbClient` (or anything with the same ``data``/``metadata``).
    kommun
        Municipality code, e.g. ``"0580"``.
    years
        Reference years; each indicator builds for the years its source periods cover and its table publishes
        (the others are listed in ``attrs["unpublished"]``).
    levels
        Levels to keep, from ``("DeSO", "RegSO", "kommun", "riket")`` (a single level name is accepted); each
        comes straight from SCB's cells where the table publishes it (no aggregation here).
    catalogue
        Default: the packaged catalogue.
    indicators, groups
        Ids to build (default: all; ``groups=[]`` for no group rows).
    check
        Check the catalogue against each used table's ``/metadata`` first (one metadata call per table, read
        anyway for the years and levels); a missing table, variable or value code, or a code whose label does
        not mean what the catalogue says, raises
        :class:`~segindicators.catalogue.check.CatalogueMismatchError` naming the indicator.
    out
        When given, the frame is also written there (parquet or csv by suffix) with ``_io.write_frame``.

    Returns
    -------
    DataFrame
        The processed-counts contract: ``kommun, level, geo_version, area, area_name, year, indicator,
        numerator, denominator, value, unit, status, source_table, table_updated, flags, rounding``. ``attrs``:
        ``unpublished`` (rows ``{indicator, table, years}`` for years a table does not publish yet),
        ``unvouched_tables`` (tables whose metadata says ``aggregallowed: false``), ``requests`` (the calls),
        ``tables`` (every table whose metadata was read).
    """
    levels = check_levels(levels)
    cat = catalogue or load_catalogue()
    years = sorted(set(years))
    inds, grps = entries_of(cat, indicators, groups)
    specs = read_specs(client, cat, (inds, grps), used_tables([*inds, *grps], years), check=check)
    requests = plan_requests(cat, kommun, years, specs=specs, indicators=indicators, groups=groups)
    frames = {
        req.table: mark_levels(client.data(req.table, req.selection), kommun)
        for req in requests
        if req.selection["Tid"]
    }
    rows, unpublished = counts_from_frames(
        frames, [*inds, *grps], specs, years, levels, ckm_from=cat.ckm_from
    )
    result = finish_counts(rows, kommun)
    result.attrs = {
        "unpublished": unpublished,
        "unvouched_tables": sorted(t for t, sp in specs.items() if not sp.aggregallowed),
        "requests": [(r.table, r.selection) for r in requests if r.selection["Tid"]],
        "tables": sorted(specs),
    }
    if out is not None:
        write_frame(result, out)
    return result


def metadata_or_none(client: ClientLike, table: str) -> dict[str, Any] | None:
    """A table's metadata, or None when SCB answers that the table does not exist (HTTP 404)."""
    try:
        return client.metadata(table)
    except Exception as exc:
        status = getattr(exc, "status_code", None) or getattr(
            getattr(exc, "response", None), "status_code", None
        )
        status = status or getattr(exc, "status", None)
        if status == 404 or isinstance(exc, LookupError | FileNotFoundError):
            return None
        raise
