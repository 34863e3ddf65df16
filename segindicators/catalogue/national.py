"""Build processed counts for every municipality at once: the national build (issue 13).

:func:`build_national_counts` reads the whole country through the same cache and the same transformations as
the one-municipality :func:`~segindicators.catalogue.builder.build_counts`, in few calls:

* **the call plan** (:func:`plan_national_requests`): per table, one ``ScbClient.data`` call per level ×
  geography version, Region selected with the table's own Region codelist for it (from its ``/metadata``:
  ``vs_DeSO2018`` or ``vs_DeSoHE``, ``vs_RegSO2020`` or ``vs_RegSo1``, ``vs_DeSO2025``, ``vs_RegSO2025``; for
  kommun ``vs_CRegionKommun07``, for riket ``vs_ARegionRiket``) and ``["*"]``, the years that version covers
  (the catalogue's source periods name the version per year: DeSO 2018 / RegSO 2020 up to 2023, the 2025
  versions from 2024) ∩ the table's published years ∩ the requested years, and the catalogue's codes for the
  other variables. A call is split only by the cell limit (``maxDataCells`` from ``/config``, 150,000 at SCB),
  by the client (:func:`segindicators.sources.scb.query.plan_chunks`); the client paces every call under
  ``/config``'s limit (30 calls per 10 s at SCB) and keeps every answer in the raw cache, so a second run makes
  no data download;
* **the transformations**: every answer's rows are checked to be of the level and version its codelist names
  (:func:`read_slice`), the slices of one table are concatenated and go through
  :func:`~segindicators.catalogue.transform.counts_from_frames` — the code path ``build_counts`` uses, on whole
  columns, with no per-area or per-municipality loop; ``kommun`` is each area's own (its code's first four
  digits).

verify: the recorded metadata lists these codelists for every district table (shared/reference/scb-api-v2/
metadata, tails: TAB5956 and TAB6258 offer ``vs_DeSoHE``/``vs_RegSo1``, TAB6586 ``vs_RegSO2020``/
``vs_RegSO2025``, TAB6638 only the 2025 versions), and DESIGN.md records that the server applies a codelist
before expanding a wildcard (``vs_DeSO2025`` with ``0580*`` = all Linköping DeSO). No answer to a data call with
a district codelist and ``*`` is recorded, nor the code spelling such an answer uses (the 2025 valuesets are
documented as ``0580C1160_DeSO2025``): the run-time metadata read picks only codelists the table lists, and
:func:`read_slice` stops the build when an answer holds codes of another level or version than asked. TAB6679
and TAB5880 have no recorded metadata: their codelists are those of the shipped evidence documents
(``x-verify``), and the live ``/metadata`` read at run time replaces them. The client counts a call's cells
on the table's own Region codes of the valueset's level and version (the metadata lists them: ``00``, ``0114``,
``0114A0010``, ``0114A0010_DeSO2025`` …), and reads ``/codelists/{id}`` (recorded for an aggregation codelist,
``codelist_agg_Ålder10årJ.json``, not for these valuesets) only to split a call over the limit on the
codelist's own codes, or when SCB refused a call that count let through (400 "Too many cells": the count was
low); a refused split answer is split again by the client.

The target of at most 3 data calls per table × level × version is met everywhere but TAB6685 × DeSO 2018:
5,984 DeSO × 9 years (2015–2023) × 4 age bands × 3 contents = 646,272 cells need 5 calls of 150,000 (the 9 of the
12 code combinations the catalogue uses would still need 4). Every request is split into the fewest calls its
cells allow (``ceil(cells / 150,000)``), and a codelist is read only by a request that must be split
(:func:`planned_calls` computes both without a data call). The full catalogue 2015–2025 at DeSO and RegSO makes
79 SCB calls in all (60 data parts, 14 metadata, 4 codelists — vs_DeSO2018, vs_DeSoHE, vs_RegSO2020, vs_RegSo1,
the valuesets of the calls that must be split —, /config); with kommun and riket (the national run) 97 (78 data
parts, the same 4 codelists); a second run 15 (/config and the 14 metadata, whose ``updated`` revalidates the
cache: no data download).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segindicators.catalogue.builder import check_levels, metadata_or_none, read_specs, used_tables
from segindicators.catalogue.cells import BuildError, region_levels
from segindicators.catalogue.definitions import Catalogue, load_catalogue
from segindicators.catalogue.requests import ClientLike, TableRequest, entries_of, table_codes
from segindicators.catalogue.transform import counts_from_frames
from segindicators.sources.scb import query
from segindicators.sources.scb.metadata import LEVEL_CODELISTS, TableSpec

__all__ = [
    "NATIONAL_LEVELS",
    "TableProgress",
    "build_national_counts",
    "plan_national_requests",
    "planned_calls",
    "read_slice",
    "region_codelist",
    "summary_text",
]

#: Levels of the national build by default (kommun and riket can be asked for too).
NATIONAL_LEVELS = ("DeSO", "RegSO")
_AREAL = ("DeSO", "RegSO")


@dataclass(frozen=True)
class TableProgress:
    """One table of a national build, done: what :func:`build_national_counts` reports to ``progress``.

    Attributes
    ----------
    table
        Table id.
    done, total
        Tables finished so far and tables in the build.
    calls
        HTTP calls to SCB for this table (metadata, codelists, data parts, update checks; retries included;
        the first table's include ``/config``).
    downloads
        Data parts downloaded (0 when every answer came from the cache).
    cells
        Cells received.
    seconds
        Wall time spent on the table's data.
    """

    table: str
    done: int
    total: int
    calls: int
    downloads: int
    cells: int
    seconds: float


def region_codelist(spec: TableSpec, level: str, geo_version: str | None) -> str | None:
    """The table's own Region codelist for ``level`` (and ``geo_version`` for DeSO/RegSO), or None.

    Only codelists the table's metadata lists are used; where it lists two for the same level and version,
    the first in the metadata's order.

    Examples
    --------
    >>> from segindicators.sources.scb.metadata import recorded_specs
    >>> specs = recorded_specs()
    >>> region_codelist(specs["TAB5956"], "DeSO", "2018"), region_codelist(specs["TAB6574"], "DeSO", "2018")
    ('vs_DeSoHE', 'vs_DeSO2018')
    >>> region_codelist(specs["TAB6638"], "RegSO", "2018") is None, region_codelist(specs["TAB6574"], "riket", None)
    (True, 'vs_ARegionRiket')
    """
    wanted = (level, geo_version if level in _AREAL else None)
    return next((c for c in spec.region_codelists if LEVEL_CODELISTS.get(c) == wanted), None)


def plan_national_requests(
    catalogue: Catalogue,
    years: Iterable[int],
    *,
    specs: Mapping[str, TableSpec],
    levels: Sequence[str] = NATIONAL_LEVELS,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
) -> list[TableRequest]:
    """The national build's data calls: per table, one per level × geography version it publishes.

    Parameters
    ----------
    catalogue
        The loaded catalogue.
    years
        Reference years wanted.
    specs
        Table id → :class:`~segindicators.sources.scb.metadata.TableSpec` from the tables' ``/metadata``: Region
        codelists, published years and levels. A used table without a spec raises :class:`BuildError`.
    levels
        From ``("DeSO", "RegSO", "kommun", "riket")``.
    indicators, groups
        Ids to build (default: all; ``groups=[]`` for none).

    Returns
    -------
    list of TableRequest
        Sorted by table; ``codelists`` is ``{"Region": <codelist>}``, Region ``["*"]``; requests whose years
        are all unpublished keep ``Tid == []`` and list the years in ``unpublished``.

    Examples
    --------
    >>> from segindicators.sources.scb.metadata import recorded_specs
    >>> reqs = plan_national_requests(load_catalogue(), range(2015, 2026), specs=recorded_specs(),
    ...                               indicators=["employment_rate_20_64"], groups=[])
    >>> [(r.codelists["Region"], r.selection["Tid"][0], r.selection["Tid"][-1], r.unpublished) for r in reqs]
    [('vs_DeSO2018', '2020', '2023', ()), ('vs_DeSO2025', '2024', '2024', (2025,)), ('vs_RegSO2020', '2020', '2023', ()), ('vs_RegSO2025', '2024', '2024', (2025,))]
    """
    levels = check_levels(levels)
    inds, grps = entries_of(catalogue, indicators, groups)
    out = []
    for table, got in table_codes([*inds, *grps], years).items():
        spec = specs.get(table)
        if spec is None:
            raise BuildError(
                f"table {table}: no /metadata was read for it (SCB answered 404, or it was not passed in specs); "
                "the national build picks each table's Region codelists from its metadata. Check the table id "
                "in indicators.yaml against SCB (segindicators scb search)."
            )
        slices = [(lvl, g, ys) for lvl in levels if lvl in _AREAL for g, ys in sorted(got.years.items())]
        slices += [(lvl, None, got.all_years()) for lvl in levels if lvl not in _AREAL]
        for level, geo, ys in sorted(slices, key=lambda s: (s[0], s[1] or "")):
            if not spec.has_level(level, geo):
                continue  # the table publishes no such codes (e.g. TAB6680 has no kommun, TAB6638 no 2018)
            codelist = region_codelist(spec, level, geo)
            if codelist is None:
                raise BuildError(
                    f"table {table}: its metadata has {level} codes{'' if geo is None else f' of version {geo}'} "
                    f"but lists no Region codelist for them (it lists {list(spec.region_codelists)}); the "
                    "national build selects Region only through the table's own codelists. Build this table "
                    "per municipality (build_counts) or add the codelist to LEVEL_CODELISTS if SCB named it anew."
                )
            asked = sorted(ys & set(spec.years))
            selection = {"Region": ["*"], **got.selection(), "Tid": [str(y) for y in asked]}
            unpublished = tuple(sorted(ys - set(spec.years)))
            out.append(TableRequest(table, selection, unpublished, {"Region": codelist}, level, geo))
    return sorted(out, key=lambda r: r.table)


def planned_calls(
    requests: Sequence[TableRequest],
    metadata: Mapping[str, Mapping[str, Any]],
    codelists: Mapping[str, Mapping[str, Any]],
    max_cells: int,
) -> pd.DataFrame:
    """The data calls the client makes for each request on an empty cache, computed without a data call.

    The client's own rules (:mod:`segindicators.sources.scb.query`): a request counted on the table's Region
    codes of its codelist's level fits in one call (:func:`~segindicators.sources.scb.query.whole_chunk`)
    and reads no codelist; otherwise it reads its codelist and is split on the codelist's codes
    (:func:`~segindicators.sources.scb.query.plan_chunks`).

    Parameters
    ----------
    requests
        :func:`plan_national_requests` output (requests without years are skipped, as the build does).
    metadata
        Table id → its ``/metadata`` answer.
    codelists
        Codelist id → its ``/codelists/{id}`` answer (only those of split requests are read).
    max_cells
        ``maxDataCells`` of ``/config``.

    Returns
    -------
    DataFrame
        One row per request: ``table``, ``level``, ``geo_version``, ``codelist``, ``cells``, ``data_calls``,
        ``reads_codelist`` (bool), ``fewest`` (``ceil(cells / max_cells)``).
    """
    rows = []
    for r in requests:
        if not r.selection["Tid"]:
            continue
        variables = query.metadata_variables(metadata[r.table])
        sel = query.normalise_selection(r.selection)
        whole = query.whole_chunk(variables, sel, r.codelists, max_cells)
        if whole is not None:
            cells, calls = whole.cells, 1
        else:
            values = {var: query.codelist_codes(codelists[cid]) for var, cid in r.codelists.items()}
            expanded = query.expand_selection(variables, sel, values)
            cells, calls = query.count_cells(expanded), len(query.plan_chunks(sel, expanded, max_cells))
        rows.append({"table": r.table, "level": r.level, "geo_version": r.geo_version,
                     "codelist": r.codelists.get("Region"), "cells": cells, "data_calls": calls,
                     "reads_codelist": whole is None, "fewest": -(-cells // max_cells)})  # fmt: skip
    return pd.DataFrame(rows)


def read_slice(client: ClientLike, request: TableRequest) -> pd.DataFrame:
    """One national call's frame; Region codes of another level or version than asked raise :class:`BuildError`.

    The answer's level and version are read from its Region codes (:func:`~segindicators.catalogue.cells.
    region_levels`), never assumed from the codelist: a codelist that brought other codes stops the build.
    """
    frame = client.data(request.table, request.selection, request.codelists)
    view = pd.DataFrame(frame, copy=False)  # without attrs: pandas deep-copies them on every column access
    level, geo = region_levels(view["Region"], view["region_version"] if "region_version" in view else None)
    wrong = level != request.level
    if request.level in _AREAL:
        wrong |= geo != request.geo_version
    if wrong.any():
        seen = view.loc[wrong, ["Region", "region_version"]].drop_duplicates().head(5)
        examples = ", ".join(
            f"{r}{'' if v is None or pd.isna(v) else '_' + str(v)}" for r, v in seen.to_numpy()
        )
        version_text = "" if request.geo_version is None else f" of version {request.geo_version}"
        raise BuildError(
            f"table {request.table} read through Region codelist {request.codelists['Region']!r} answered "
            f"{int(wrong.sum())} cell(s) whose Region code is not {request.level}{version_text} (e.g. "
            f"{examples}); the codelist does not select what its metadata entry says. Nothing was built from "
            "this table: report it, and build per municipality (build_counts) meanwhile."
        )
    return frame


def _calls(client: ClientLike) -> int:
    return int(getattr(client, "http_calls", 0))


def _downloads(client: ClientLike, table: str) -> int:
    return int(getattr(client, "downloads", {}).get(table, 0))


def _reporter(progress: Any, total: int) -> Callable[[TableProgress], None]:
    """``progress`` as a callback: a callable is called; a rich ``Progress`` gets a task advanced per table."""
    if progress is None:
        return lambda event: None
    if hasattr(progress, "add_task") and hasattr(progress, "update"):
        task = progress.add_task("SCB-tabeller", total=total)
        return lambda event: progress.update(
            task, advance=1, description=f"{event.table}: {event.calls} anrop, {event.cells:,} celler"
        )
    if callable(progress):
        return progress
    raise TypeError(
        f"progress: expected a callable taking a TableProgress or a rich.progress.Progress, got {type(progress)!r}"
    )


def build_national_counts(
    client: ClientLike,
    years: Iterable[int],
    *,
    levels: Iterable[str] = NATIONAL_LEVELS,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    catalogue: Catalogue | None = None,
    check: bool = True,
    progress: Any = None,
) -> pd.DataFrame:
    """Fetch and transform every catalogue indicator (and group) for every municipality of the country.

    Parameters
    ----------
    client
        An :class:`segindicators.sources.scb.ScbClient` (or anything with the same ``data``/``metadata``).
    years
        Reference years; as :func:`~segindicators.catalogue.builder.build_counts`.
    levels
        From ``("DeSO", "RegSO", "kommun", "riket")``; default DeSO and RegSO.
    indicators, groups
        Ids to build (default: all; ``groups=[]`` for no group rows).
    catalogue
        Default: the packaged catalogue.
    check
        Check the catalogue against each table's ``/metadata`` first (as ``build_counts``).
    progress
        Called with a :class:`TableProgress` after each table, or a ``rich.progress.Progress`` (one task
        advanced per table).

    Returns
    -------
    DataFrame
        The processed-counts contract (as ``build_counts``; ``kommun`` is each area's municipality). For one
        municipality the rows equal ``build_counts`` for it. ``attrs``: ``unpublished``, ``unvouched_tables``,
        ``requests`` (table, selection, codelists), ``tables`` as ``build_counts``; ``calls`` (HTTP calls
        to SCB: metadata, codelists, data parts, update checks) and ``downloads`` (data parts downloaded) per
        table; ``slices``, one record per call (table, level, geo_version, codelist, years, cells,
        downloads); ``summary`` ``{tables, calls, downloads, rows, cells, seconds, transform_seconds,
        transform_cpu_seconds}`` (:func:`summary_text` prints it).
    """
    start = time.perf_counter()
    levels = check_levels(levels)
    cat = catalogue or load_catalogue()
    years = sorted(set(years))
    inds, grps = entries_of(cat, indicators, groups)
    tables = used_tables([*inds, *grps], years)
    calls0 = _calls(client)
    calls = dict.fromkeys(tables, 0)
    metadata = {}
    for table in tables:
        before = _calls(client)
        metadata[table] = metadata_or_none(client, table)
        calls[table] += _calls(client) - before
    specs = read_specs(client, cat, (inds, grps), tables, check=check, metadata=metadata)
    requests = plan_national_requests(
        cat, years, specs=specs, levels=levels, indicators=indicators, groups=groups
    )
    report = _reporter(progress, len(tables))
    frames: dict[str, pd.DataFrame] = {}
    slices: list[dict[str, Any]] = []
    for i, table in enumerate(tables, start=1):
        t0, before = time.perf_counter(), _calls(client)
        parts = []
        for request in (r for r in requests if r.table == table and r.selection["Tid"]):
            down0 = _downloads(client, table)
            parts.append(read_slice(client, request))
            slices.append({
                "table": table, "level": request.level, "geo_version": request.geo_version,
                "codelist": request.codelists["Region"], "years": request.years, "cells": len(parts[-1]),
                "downloads": _downloads(client, table) - down0,
            })  # fmt: skip
        if parts:
            frames[table] = pd.concat([pd.DataFrame(p, copy=False) for p in parts], ignore_index=True)
            frames[table].attrs = dict(parts[0].attrs)  # the first answer's (``updated``), as one call gives
        calls[table] += _calls(client) - before
        mine = [s for s in slices if s["table"] == table]
        report(TableProgress(table, i, len(tables), calls[table], sum(s["downloads"] for s in mine),
                             sum(s["cells"] for s in mine), time.perf_counter() - t0))  # fmt: skip
    t0, cpu0 = time.perf_counter(), time.process_time()
    result, unpublished = counts_from_frames(
        frames, [*inds, *grps], specs, years, levels, ckm_from=cat.ckm_from
    )
    downloads = {t: sum(s["downloads"] for s in slices if s["table"] == t) for t in tables}
    result.attrs = {
        "unpublished": unpublished,
        "unvouched_tables": sorted(t for t, sp in specs.items() if not sp.aggregallowed),
        "requests": [(r.table, r.selection, r.codelists) for r in requests if r.selection["Tid"]],
        "tables": sorted(specs),
        "calls": calls,
        "downloads": downloads,
        "slices": slices,
        "summary": {
            "tables": len(tables),
            "calls": _calls(client) - calls0,
            "downloads": sum(downloads.values()),
            "rows": len(result),
            "cells": sum(s["cells"] for s in slices),
            "seconds": round(time.perf_counter() - start, 3),
            "transform_seconds": round(time.perf_counter() - t0, 3),
            "transform_cpu_seconds": round(time.process_time() - cpu0, 3),
        },
    }
    return result


def summary_text(counts: pd.DataFrame) -> str:
    """The summary and per-table calls of a national build as printable lines.

    >>> f = pd.DataFrame()
    >>> f.attrs = {"calls": {"TAB6574": 5}, "downloads": {"TAB6574": 4},
    ...            "summary": {"tables": 1, "calls": 6, "downloads": 4, "rows": 10, "cells": 20, "seconds": 1.5}}
    >>> print(summary_text(f))
    TAB6574: 5 SCB calls, 4 data downloads
    1 tables, 6 SCB calls (4 data downloads), 10 rows from 20 cells in 1.5 s
    """
    lines = [
        f"{t}: {n} SCB calls, {counts.attrs['downloads'].get(t, 0)} data downloads"
        for t, n in counts.attrs["calls"].items()
    ]
    s = counts.attrs["summary"]
    transform = f" (transform {s['transform_seconds']:.1f} s)" if "transform_seconds" in s else ""
    lines.append(
        f"{s['tables']} tables, {s['calls']} SCB calls ({s['downloads']} data downloads), "
        f"{s['rows']:,} rows from {s['cells']:,} cells in {s['seconds']:.1f} s{transform}"
    )
    return "\n".join(lines)
