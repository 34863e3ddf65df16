"""A fake PxWebApi v2 server for tests and the offline demo.

A threaded :mod:`http.server` on 127.0.0.1 (random port) serving tables defined in memory, shaped like SCB's
real answers (see ``../shared/reference/scb-api-v2``): ``/config``, ``/tables?query=``, ``/tables/{id}``,
``/tables/{id}/metadata``, ``/codelists/{id}`` and ``POST /tables/{id}/data`` (JSON-stat2).

It enforces a sliding-window call limit (429 + ``Retry-After``; every call counts, metadata too) and a cell
limit (400 problem+json "Too many cells selected"), applies codelists before expanding wildcards, returns
``null`` + status ``".."`` for suppressed cells, and can inject faults (5xx, delays, truncated bodies). Every
request is logged; unknown routes answer 404 and are listed in :attr:`FakePxWeb.unmatched`.

Two ways to define a table:

* :meth:`FakePxWeb.add_recorded_table` — **the rule for anything that stands in for an SCB table**: the table is
  generated from SCB's recorded ``/metadata`` answer (:func:`segindicators.sources.scb.metadata.recorded_metadata`), so
  its variables, value codes, labels, units, elimination flags, codelists, ``extension.px`` and notes cannot
  disagree with SCB. Only the Region codes (left out of the recordings) and the values are supplied.
* :meth:`FakePxWeb.add_table` — a free-form table for tests of the client's plumbing (splitting, retries,
  cache); never use it to imitate an SCB table.

What the fake does with a recorded table, and on what evidence
---------------------------------------------------------------
Recorded (``shared/reference/scb-api-v2/metadata`` and its README, ``TAB6471_*.json``):

* both DeSO/RegSO versions in ONE Region dimension, 2025 codes suffixed ``_DeSO2025`` / ``_RegSO2025``;
  DeSO labels the bare code, RegSO 2020 labels ``"Kommun (Namn)"``, RegSO 2025 labels ``"CODE Kommun (Namn)"``
  (tail files, e.g. ``"2584R015_RegSO2025": "2584R015 Kiruna (Norrmalm)"``); every non-Region dimension and
  the table extension are served exactly as recorded; ``/metadata`` has ``"value": []`` (TAB6471_metadata);
* a 2025-version area code asked for a reference year before 2024 answers **0** (not null; "some reports say
  null") — a trap the client/builder must turn into missing, so the fake sets it whatever values it is given;
* a variable with ``extension.elimination: false`` left out of the selection → 400; an unknown variable,
  codelist or value code → 400; over ``maxDataCells`` → 400 "Too many cells selected" (DESIGN.md, /config);
* ``TOP(n)`` takes the newest n periods; wildcards without a codelist expand over the table's own Region codes
  (``"0580*"`` = kommun 0580 and its DeSO and RegSO of both versions); a codelist is applied before wildcards
  (DESIGN.md: ``{"variableCode":"Region","codelist":"vs_DeSO2025","valueCodes":["0580*"]}`` = all Linköping
  DeSO).

Assumed (nothing recorded; each marked ``verify`` where it is made):

* a 2018-version code asked for a year ≥ 2024 answers ``null`` with status ``".."``;
* an eliminated variable that has a code labelled "total"/"totalt" answers that code's value (as a PX
  elimination value; TAB6471_data shows ``eliminationValueCode`` for Kon, the recorded district metadata show
  none); without such a code its values are summed;
* the Region valuesets' code spellings (:func:`recorded_valueset`), and that a valueset answers only the codes
  the table has;
* the order of the generated Region codes (riket, then per kommun: kommun, its DeSO, its RegSO, the two
  versions of a code next to each other), modelled on the first Region codes of the recorded heads;
* every ``lang`` is answered with the recorded (English, ``lang=en``) labels; codes are the same in both
  languages (metadata README).

Examples
--------
>>> fake = FakePxWeb(max_calls=100, time_window=1.0)
>>> _ = fake.add_table("TAB1", "Folkmängd (syntetiska data)", {"Region": ["0580", "0581"], "Tid": ["2024"]},
...                    values=[100, None], status={1: ".."})
>>> with fake:
...     import httpx
...     r = httpx.post(fake.url + "/tables/TAB1/data?outputFormat=json-stat2&lang=sv",
...                    json={"selection": [{"variableCode": "Region", "valueCodes": ["*"]},
...                                        {"variableCode": "Tid", "valueCodes": ["2024"]}]})
>>> r.json()["value"], r.json()["status"], fake.request_count
([100.0, None], {'1': '..'}, 1)
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

from segindicators.sources.scb.metadata import LEVEL_CODELISTS, table_spec
from segindicators.sources.scb.query import expand_expressions
from segindicators.tables import SYNTHETIC_LABEL
from segindicators.testing.fake_http import FakeJsonServer, RecordedRequest
from segindicators.testing.fake_http import HttpProblem as _Problem
from segindicators.testing.region_codes import region_levels

__all__ = [
    "FIRST_2025_YEAR",
    "SYNTHETIC_SOURCE",
    "UNRECORDED_UPDATED",
    "FakePxWeb",
    "FakeTable",
    "FakeVariable",
    "RecordedRequest",
    "recorded_valueset",
    "region_valueset",
    "total_code",
]

#: The label of every synthetic table the fake serves (:data:`segindicators.tables.SYNTHETIC_LABEL`).
SYNTHETIC_SOURCE = SYNTHETIC_LABEL
#: First reference year SCB publishes in DeSO 2025 / RegSO 2025 (reference README, lookups.py).
FIRST_2025_YEAR = 2024
#: ``updated`` served for a recorded table whose recording has no head (TAB6571, TAB6572, TAB6638) or that is
#: not recorded at all (TAB6679, TAB5880): an assumed, fixed stamp so repeated runs see no revision.
UNRECORDED_UPDATED = "2025-06-01T06:00:00Z"
_TOTAL_LABELS = ("total", "totalt")


def total_code(codes: Sequence[str], labels: Mapping[str, str]) -> str | None:
    """The code whose label is "total"/"totalt" (case-insensitive), or None.

    >>> total_code(["1", "2", "1+2"], {"1": "men", "2": "women", "1+2": "total"})
    '1+2'
    >>> total_code(["21", "3+4"], {"21": "primary", "3+4": "upper secondary"}) is None
    True
    """
    hits = [c for c in codes if str(labels.get(c, "")).strip().lower() in _TOTAL_LABELS]
    return hits[0] if len(hits) == 1 else None


@dataclass
class FakeVariable:
    """One table variable: codes in order with labels.

    ``elimination_code`` is the code answered when the variable is eliminated (left out of a selection);
    None sums the variable's values.
    """

    code: str
    label: str
    codes: list[str]
    labels: list[str]
    elimination: bool = False
    codelists: list[str] = field(default_factory=list)
    elimination_code: str | None = None


@dataclass
class FakeTable:
    """A table held in memory: variables and a dense value cube in variable order.

    ``recorded`` holds the recorded ``/metadata`` document a table made by
    :meth:`FakePxWeb.add_recorded_table` is served from (None for free-form tables).
    """

    id: str
    label: str
    variables: list[FakeVariable]
    values: np.ndarray  # float, shape = sizes, NaN = missing
    status: np.ndarray  # object, same shape, None or symbol
    updated: str
    notes: list[str]
    source: str
    time_variable: str | None = "Tid"
    recorded: dict[str, Any] | None = None

    def variable(self, code: str) -> FakeVariable | None:
        """The variable with this code or None."""
        return next((v for v in self.variables if v.code == code), None)


def region_valueset(
    codelist_id: str, codes: Sequence[str], suffix: str, labels: Sequence[str] | None = None
) -> dict:
    """A PxWeb valueset codelist mapping ``<code>_<suffix>`` to the table's plain ``<code>`` (free-form tables).

    >>> region_valueset("vs_DeSO2025", ["0580C1160"], "DeSO2025")["values"][0]
    {'code': '0580C1160_DeSO2025', 'label': '0580C1160', 'valueMap': ['0580C1160']}
    """
    labels = list(labels) if labels is not None else list(codes)
    return {
        "id": codelist_id,
        "label": codelist_id,
        "language": "sv",
        "languages": ["sv", "en"],
        "elimination": False,
        "type": "Valueset",
        "values": [
            {"code": f"{c}_{suffix}", "label": lab, "valueMap": [c]}
            for c, lab in zip(codes, labels, strict=True)
        ],
        "links": [],
    }


def recorded_valueset(codelist_id: str, label: str, regions: Mapping[str, str]) -> dict:
    """The Region valueset ``codelist_id`` of a recorded table: the table's codes of that level and version.

    verify: no Region valueset of a district table is recorded. The code spellings follow the table's own
    Region codes (recorded heads/tails): DESIGN.md gives ``vs_DeSO2025`` codes as ``0580C1160_DeSO2025`` and
    ``vs_RegSO2025`` as ``0580R001_RegSO2025`` (lookups.py: labels ``"0580R001 Linköping (Berga)"``);
    ``vs_DeSO2018``/``vs_DeSoHE`` are assumed to be the plain 2018 DeSO codes, ``vs_RegSO2020``/``vs_RegSo1``
    the plain RegSO codes, ``vs_CRegionKommun07`` the kommun codes and ``vs_ARegionRiket`` ``00``. Each value
    maps to the one table code of the same spelling (``valueMap``, shape of the recorded
    ``codelist_agg_Ålder10årJ.json``). ``vs_BRegionLän07`` holds the län in ``regions`` (none unless given).

    >>> recorded_valueset("vs_RegSO2025", "RegSO 2025 from year 2024",
    ...                   {"0580": "Linköping", "0580R001_RegSO2025": "0580R001 Linköping (Berga)"})["values"]
    [{'code': '0580R001_RegSO2025', 'label': '0580R001 Linköping (Berga)', 'valueMap': ['0580R001_RegSO2025']}]
    """
    if codelist_id not in LEVEL_CODELISTS:
        raise ValueError(
            f"codelist {codelist_id!r}: not a Region valueset the fake knows; expected one of "
            f"{sorted(LEVEL_CODELISTS)} (segindicators.sources.scb.metadata.LEVEL_CODELISTS). Add it there with the "
            "level and geography version SCB's metadata gives it."
        )
    level, version = LEVEL_CODELISTS[codelist_id]
    codes = list(regions)
    levels, versions = region_levels(codes)
    mine = (levels == level) & (versions == version if version else np.equal(versions, None))
    values = [
        {"code": code, "label": regions[code], "valueMap": [code]} for code in np.asarray(codes, object)[mine]
    ]
    return {
        "id": codelist_id,
        "label": label,
        "language": "en",
        "languages": ["sv", "en"],
        "elimination": False,
        "type": "Valueset",
        "values": values,
        "links": [],
    }


def _is_none(a: np.ndarray) -> np.ndarray:
    return np.equal(a, None)


def _year(code: str) -> int | None:
    head = str(code)[:4]
    return int(head) if head.isdigit() else None


def _fill_cube(
    vars_: Sequence[FakeVariable],
    values: Sequence[float | None] | np.ndarray | None,
    frame: pd.DataFrame | None,
    status: Mapping[int, str] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense (values, status) cubes in variable order from flat values or a long frame."""
    shape = tuple(len(v.codes) for v in vars_)
    n = math.prod(shape)
    cube = np.full(n, np.nan)
    stat = np.full(n, None, dtype=object)
    if frame is not None:
        pos = np.zeros(len(frame), dtype=np.int64)
        for v in vars_:
            idx = pd.Categorical(frame[v.code].astype(str), categories=v.codes).codes.astype(np.int64)
            if (idx < 0).any():
                bad = sorted(set(frame.loc[idx < 0, v.code].astype(str)))[:5]
                raise ValueError(
                    f"frame[{v.code!r}] holds codes not declared for the variable: {bad}; the variable's "
                    f"codes are {v.codes[:8]}{' …' if len(v.codes) > 8 else ''}."
                )
            pos = pos * len(v.codes) + idx
        cube[pos] = frame["value"].to_numpy(dtype=float)
        if "status" in frame:
            stat[pos] = frame["status"].astype(object).where(frame["status"].notna(), None).to_numpy()
    elif values is not None:
        arr = np.asarray(values, dtype=float)
        if arr.size != n:
            raise ValueError(
                f"values: expected {n} cells (sizes {dict(zip([v.code for v in vars_], shape, strict=True))}), "
                f"got {arr.size}."
            )
        cube = np.array(arr.reshape(n), dtype=float, copy=True)  # one copy: the caller's array is not changed
    if isinstance(status, np.ndarray):
        if status.size != n:
            raise ValueError(f"status: expected {n} cells like values, got {status.size}.")
        flat = status.reshape(n)
        set_ = ~_is_none(flat)
        stat[set_] = flat[set_]
    else:
        for i, sym in (status or {}).items():
            stat[int(i)] = sym
    cube[stat == ".."] = np.nan  # suppressed cells are published as null with status ".."
    return cube.reshape(shape), stat.reshape(shape)


def _restrict(block: Mapping[str, Any], all_codes: Sequence[str], codes: Sequence[str]) -> dict[str, Any]:
    """A recorded ``category`` or ``extension`` cut to ``codes``: maps keyed by value code (label, unit, note,
    refperiod, …) keep the chosen codes only, ``index`` is renumbered, anything else is kept as is."""
    known = set(all_codes)
    out: dict[str, Any] = {}
    for key, value in block.items():
        if key == "index":
            out[key] = {c: i for i, c in enumerate(codes)}
        elif isinstance(value, Mapping) and value and set(value) <= known:
            out[key] = {c: copy.deepcopy(value[c]) for c in codes if c in value}
        else:
            out[key] = copy.deepcopy(value)
    return out


class FakePxWeb(FakeJsonServer):
    """In-memory PxWebApi v2 server; use as a context manager (``with FakePxWeb() as fake: fake.url``).

    Server plumbing (log, call limit, faults) comes from :class:`~segindicators.testing.fake_http.FakeJsonServer`.

    Parameters
    ----------
    max_cells
        ``maxDataCells``: larger selections get 400 "Too many cells selected".
    max_calls, time_window
        ``maxCallsPerTimeWindow`` per ``timeWindow`` seconds; the 429 carries ``Retry-After``.
    clock
        Monotonic clock for the call limit (injectable).
    enforce_limits
        Switch the call limit off (the cell limit stays).
    advertised_max_cells
        ``maxDataCells`` reported by ``/config`` when it should differ from the enforced ``max_cells`` (to test
        the client's reaction to an unexpected 400 "Too many cells selected").
    """

    base_path = "/api/v2"

    def __init__(
        self,
        *,
        max_cells: int = 150_000,
        max_calls: int = 30,
        time_window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        enforce_limits: bool = True,
        advertised_max_cells: int | None = None,
    ) -> None:
        super().__init__(
            max_calls=max_calls, time_window=time_window, clock=clock, enforce_limits=enforce_limits
        )
        self.max_cells = max_cells
        self.advertised_max_cells = advertised_max_cells
        self.tables: dict[str, FakeTable] = {}
        self.codelists: dict[str, dict] = {}

    # -- defining content -----------------------------------------------------------------------------------
    def add_codelist(self, codelist: Mapping[str, Any]) -> None:
        """Register a ``/codelists/{id}`` answer (shape of the reference ``codelist_*.json``)."""
        self.codelists[codelist["id"]] = dict(codelist)

    def _merge_codelist(self, codelist: Mapping[str, Any]) -> None:
        """Register a valueset, adding its values to an already registered one of the same id."""
        have = self.codelists.get(codelist["id"])
        if have is None:
            self.add_codelist(copy.deepcopy(dict(codelist)))
            return
        known = {v["code"] for v in have["values"]}
        have["values"] = [*have["values"], *(v for v in codelist["values"] if v["code"] not in known)]

    def add_table(
        self,
        table_id: str,
        label: str,
        variables: Mapping[str, Sequence[str] | Mapping[str, str]],
        values: Sequence[float | None] | np.ndarray | None = None,
        *,
        frame: pd.DataFrame | None = None,
        status: Mapping[int, str] | None = None,
        updated: str = "2025-06-01T06:00:00Z",
        notes: Sequence[str] = (),
        source: str = SYNTHETIC_SOURCE,
        elimination: Sequence[str] = (),
        codelists: Mapping[str, Sequence[str] | Mapping[str, Any]] | None = None,
        variable_labels: Mapping[str, str] | None = None,
    ) -> FakeTable:
        """Define a free-form table (client plumbing tests only; SCB tables: :meth:`add_recorded_table`).

        Parameters
        ----------
        variables
            Variable code → codes (list) or code → label (dict), in table order (last varies fastest).
        values
            Flat row-major values (None/NaN = missing), or omit and give ``frame``.
        frame
            Long frame with one column per variable plus ``value`` (and optional ``status``); missing
            combinations are NaN.
        status
            Flat index → symbol; a cell with ``".."`` (suppressed) is served as ``null`` whatever its value.
        codelists
            Variable code → codelist ids already registered, or codelist dicts to register (for example from
            :func:`region_valueset`).
        elimination
            Variables that may be left out of a selection (summed over).
        """
        vars_: list[FakeVariable] = []
        cl_ids: dict[str, list[str]] = {}
        for var, spec in (codelists or {}).items():
            ids = []
            for item in [spec] if isinstance(spec, Mapping) else spec:
                if isinstance(item, Mapping):
                    self.add_codelist(item)
                    ids.append(item["id"])
                else:
                    ids.append(str(item))
            cl_ids[var] = ids
        for code, spec in variables.items():
            if isinstance(spec, Mapping):
                codes, labels = [str(c) for c in spec], [str(v) for v in spec.values()]
            else:
                codes = [str(c) for c in spec]
                labels = list(codes)
            vars_.append(
                FakeVariable(
                    code=code,
                    label=(variable_labels or {}).get(code, code.lower()),
                    codes=codes,
                    labels=labels,
                    elimination=code in elimination,
                    codelists=cl_ids.get(code, []),
                )
            )
        cube, stat = _fill_cube(vars_, values, frame, status)
        table = FakeTable(
            id=table_id,
            label=label,
            variables=vars_,
            values=cube,
            status=stat,
            updated=updated,
            notes=list(notes),
            source=source,
            time_variable="Tid" if any(v.code == "Tid" for v in vars_) else None,
        )
        self.tables[table_id] = table
        return table

    def add_recorded_table(
        self,
        doc: Mapping[str, Any],
        regions: Mapping[str, str] | Sequence[tuple[str, str]],
        values: Sequence[float | None] | np.ndarray | None = None,
        *,
        frame: pd.DataFrame | None = None,
        status: Mapping[int, str] | np.ndarray | None = None,
        synthetic: bool = True,
        label: str | None = None,
        notes: Sequence[str] | None = None,
        updated: str | None = None,
    ) -> FakeTable:
        """Serve a table generated from SCB's recorded ``/metadata`` answer, with these Region codes and values.

        ``/tables/{id}/metadata`` answers ``doc`` with a generated Region category (``regions``); every other
        dimension, the Region codelists and the table's ``extension`` are served as recorded. The Region
        valuesets the table lists are registered under ``/codelists/{id}`` (:func:`recorded_valueset`).

        Parameters
        ----------
        doc
            A recorded metadata document (:func:`segindicators.sources.scb.metadata.recorded_metadata`), Region codes
            left out (any recorded Region codes are replaced).
        regions
            Region code (as the table spells it: ``0580C1160_DeSO2025``) → label, in table order; see
            :func:`segindicators.testing.recorded_tables.table_regions`. Every code must be of a level and
            geography version the table publishes.
        values, frame, status
            As :meth:`add_table`: flat row-major values in the doc's ``id`` order (or an array of that shape),
            or a long frame with one column per variable (``Region``, …, ``Tid``) plus ``value`` (and
            ``status``). ``status`` may also be an object array of the cube's shape.
        synthetic
            Mark the table as synthetic: the label starts with :data:`SYNTHETIC_SOURCE`, the source is it and a
            note saying so is appended (the recorded notes keep their positions, which
            ``extension.noteMandatory`` refers to). ``False`` serves label, source and notes as recorded.
        label, notes, updated
            Override the recorded label, notes and ``updated`` (default: as recorded; a recording without
            head gets a label from ``extension.px.contents`` and :data:`UNRECORDED_UPDATED`).

        Returns
        -------
        FakeTable

        Notes
        -----
        Missing cells (NaN) without a status are served as ``null`` with status ``".."`` (never 0). Whatever
        the values say, a 2025-version code answers 0 for years before :data:`FIRST_2025_YEAR` (recorded SCB
        behaviour) and a 2018-version code answers ``null`` + ``".."`` from that year (verify: not recorded).

        Raises
        ------
        ValueError
            A Region code of a level or version the table does not publish, or values of the wrong size.
        """
        spec = table_spec(doc)
        dims = doc.get("dimension") or {}
        order = list(spec.dimension_order)
        if not spec.id or "Region" not in order:
            raise ValueError(
                f"doc: expected a recorded /metadata document with extension.px.tableid and a Region "
                f"dimension, got table id {spec.id!r} and dimensions {order}. Use recorded_metadata()[table]."
            )
        region_map = dict(regions)
        levels, versions = region_levels(list(region_map))
        pairs = set(zip(levels.tolist(), versions.tolist(), strict=True))  # a handful of (level, version)
        wrong = {
            p
            for p in pairs
            if p[0] is None or not spec.has_level(*p) or (p[0] in ("DeSO", "RegSO") and not p[1])
        }
        bad = (
            [c for c, lv, ve in zip(region_map, levels, versions, strict=True) if (lv, ve) in wrong]
            if wrong
            else []
        )
        if bad:
            raise ValueError(
                f"regions: {spec.id} publishes levels {sorted(spec.levels)} in geography versions "
                f"{sorted(spec.geo_versions)}, but got {bad[:5]}{' …' if len(bad) > 5 else ''}. Build the list "
                "with segindicators.testing.recorded_tables.table_regions(spec, lookup, kommuner)."
            )
        vars_: list[FakeVariable] = []
        for var in order:
            dim = dims[var]
            ext = dim.get("extension") or {}
            codelists = [str(c["id"]) for c in ext.get("codelists") or []]
            if var == "Region":
                vars_.append(
                    FakeVariable(
                        code=var,
                        label=str(dim.get("label", "region")),
                        codes=list(region_map),
                        labels=[str(v) for v in region_map.values()],
                        elimination=bool(ext.get("elimination", False)),
                        codelists=codelists,
                    )
                )
                continue
            vspec = spec.variable(var)
            codes = list(vspec.codes)
            vars_.append(
                FakeVariable(
                    code=var,
                    label=vspec.label,
                    codes=codes,
                    labels=[vspec.labels.get(c, c) for c in codes],
                    elimination=vspec.elimination,
                    codelists=codelists,
                    elimination_code=total_code(codes, vspec.labels) if vspec.elimination else None,
                )
            )
        cube, stat = _fill_cube(vars_, values, frame, status)
        stat[np.isnan(cube) & _is_none(stat)] = ".."
        self._version_traps(vars_, cube, stat)
        px = (doc.get("extension") or {}).get("px") or {}
        base_label = label or doc.get("label") or f"{px.get('contents') or spec.id} [label not recorded]"
        table = FakeTable(
            id=spec.id,
            label=f"{SYNTHETIC_SOURCE}: {base_label}" if synthetic and label is None else base_label,
            variables=vars_,
            values=cube,
            status=stat,
            updated=updated or doc.get("updated") or UNRECORDED_UPDATED,
            notes=list(notes)
            if notes is not None
            else [*doc.get("note", []), *([SYNTHETIC_SOURCE] if synthetic else [])],
            source=SYNTHETIC_SOURCE if synthetic else str(doc.get("source", "Statistics Sweden")),
            time_variable="Tid" if "Tid" in order else None,
            recorded=copy.deepcopy(dict(doc)),
        )
        region_ext = dims["Region"].get("extension") or {}
        for item in region_ext.get("codelists") or []:
            self._merge_codelist(
                recorded_valueset(str(item["id"]), str(item.get("label", item["id"])), region_map)
            )
        self.tables[spec.id] = table
        return table

    @staticmethod
    def _version_traps(vars_: Sequence[FakeVariable], cube: np.ndarray, stat: np.ndarray) -> None:
        """2025-version codes answer 0 before 2024 (recorded); 2018-version codes null ".." from 2024 (assumed)."""
        names = [v.code for v in vars_]
        if "Tid" not in names:
            return
        r_axis, t_axis = names.index("Region"), names.index("Tid")
        years = np.array([_year(c) or -1 for c in vars_[t_axis].codes])
        versions = region_levels(vars_[r_axis].codes)[1][:, None]
        known = (years >= 0)[None, :]
        zero = (versions == "2025") & (years < FIRST_2025_YEAR)[None, :] & known
        null = (versions == "2018") & (years >= FIRST_2025_YEAR)[None, :] & known
        v = np.moveaxis(cube, (r_axis, t_axis), (0, 1))  # views: assignments reach the cubes
        s = np.moveaxis(stat, (r_axis, t_axis), (0, 1))
        v[zero], s[zero] = 0.0, None  # SCB's answer, not a real zero (reference README)
        # verify: nothing recorded for a 2018-version code in a year ≥ 2024; null ".." chosen
        v[null], s[null] = np.nan, ".."

    # -- log ----------------------------------------------------------------------------------------------
    def data_requests(self) -> list[RecordedRequest]:
        """The logged ``POST /tables/{id}/data`` requests."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/data")]

    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        prefix = "/api/v2/"
        path = unquote(path)  # codelist ids such as vs_BRegionLän07 arrive percent-encoded
        if not path.startswith(prefix):
            raise _Problem(404, "Not Found", f"no route {method} {path}")
        parts = [p for p in path[len(prefix) :].split("/") if p]
        if method == "GET" and parts == ["config"]:
            return self._config()
        if method == "GET" and parts == ["tables"]:
            return self._search(query.get("query", [""])[0])
        if len(parts) >= 2 and parts[0] == "tables":
            table = self.tables.get(parts[1])
            if table is None:
                raise _Problem(404, "Not Found", f"table {parts[1]} does not exist")
            if method == "GET" and len(parts) == 2:
                return self._table_entry(table)
            if method == "GET" and parts[2:] == ["metadata"]:
                return self._metadata(table)
            if method == "POST" and parts[2:] == ["data"]:
                fmt = query.get("outputFormat", ["json-stat2"])[0]
                if fmt != "json-stat2":
                    raise _Problem(
                        400, "Bad Request", f"the fake serves outputFormat=json-stat2 only, not {fmt}"
                    )
                return self._data(table, body)
        if method == "GET" and len(parts) == 2 and parts[0] == "codelists":
            cl = self.codelists.get(parts[1])
            if cl is None:
                raise _Problem(404, "Not Found", f"codelist {parts[1]} does not exist")
            return cl
        raise _Problem(404, "Not Found", f"no route {method} {path}")

    def _config(self) -> dict:
        return {
            "apiVersion": "2.0.0",
            "appVersion": "fake",
            "languages": [{"id": "sv", "label": "Svenska"}, {"id": "en", "label": "English"}],
            "defaultLanguage": "sv",
            "maxDataCells": self.advertised_max_cells or self.max_cells,
            "maxCallsPerTimeWindow": self.max_calls,
            "timeWindow": self.time_window,
            "license": "https://creativecommons.org/share-your-work/public-domain/cc0/",
            "sourceReferences": [{"language": "sv", "text": SYNTHETIC_SOURCE}],
            "defaultDataFormat": "json-stat2",
            "dataFormats": ["json-stat2"],
            "features": [],
        }

    def _table_entry(self, t: FakeTable) -> dict:
        tvar = t.variable(t.time_variable) if t.time_variable else None
        return {
            "id": t.id,
            "label": t.label,
            "description": "",
            "sortCode": t.label,
            "updated": t.updated,
            "firstPeriod": tvar.codes[0] if tvar else None,
            "lastPeriod": tvar.codes[-1] if tvar else None,
            "category": "public",
            "variableNames": [v.label for v in t.variables],
            "source": t.source,
            "subjectCode": ((t.recorded or {}).get("extension") or {})
            .get("px", {})
            .get("subject-code", "XX"),
            "timeUnit": "Annual",
            "paths": [],
            "links": [],
        }

    def _search(self, q: str) -> dict:
        words = q.lower().split()
        hits = [
            self._table_entry(t)
            for t in self.tables.values()
            if all(w in (t.id + " " + t.label).lower() for w in words)
        ]
        return {
            "language": "sv",
            "tables": hits,
            "page": {
                "pageNumber": 1,
                "pageSize": len(hits),
                "totalElements": len(hits),
                "totalPages": 1,
                "links": [],
            },
            "links": [],
        }

    def _dimension(
        self, var: FakeVariable, codes: list[str], labels: list[str], with_codelists: bool
    ) -> dict:
        ext: dict[str, Any] = {"elimination": var.elimination, "show": "value"}
        if with_codelists:
            ext["codelists"] = [
                {"id": c, "label": self.codelists.get(c, {}).get("label", c), "type": "Valueset", "links": []}
                for c in var.codelists
            ]
        return {
            "label": var.label,
            "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": dict(zip(codes, labels, strict=True)),
            },
            "extension": ext,
        }

    @staticmethod
    def _recorded_dimension(
        t: FakeTable, var: FakeVariable, codes: list[str], labels: list[str], meta: bool
    ) -> dict:
        """A dimension of a recorded table: as recorded, cut to ``codes``; Region generated."""
        src = (t.recorded or {})["dimension"][var.code]
        ext = copy.deepcopy(src.get("extension") or {})
        if not meta:
            ext.pop("codelists", None)  # data answers carry no codelists (TAB6471_data)
        if var.code == "Region":
            return {
                "label": src.get("label", var.label),
                "category": {
                    "index": {c: i for i, c in enumerate(codes)},
                    "label": dict(zip(codes, labels, strict=True)),
                },
                "extension": ext,
            }
        out = {k: copy.deepcopy(v) for k, v in src.items() if k not in ("category", "extension")}
        recorded_codes = list((src.get("category") or {}).get("index") or {})
        if meta or codes == recorded_codes:
            out["category"] = copy.deepcopy(src["category"])
            out["extension"] = ext
        else:
            out["category"] = _restrict(src["category"], recorded_codes, codes)
            out["extension"] = _restrict(ext, recorded_codes, codes)
        return {k: out[k] for k in src if k in out}

    def _dataset(
        self, t: FakeTable, dims: list[tuple[FakeVariable, list[str], list[str]]], meta: bool
    ) -> dict:
        if t.recorded is not None:
            return self._recorded_dataset(t, dims, meta)
        role: dict[str, list[str]] = {}
        if t.time_variable:
            role["time"] = [t.time_variable]
        if any(v.code == "ContentsCode" for v, _, _ in dims):
            role["metric"] = ["ContentsCode"]
        return {
            "version": "2.0",
            "class": "dataset",
            "label": t.label,
            "source": t.source,
            "updated": t.updated,
            "note": list(t.notes),
            "role": role,
            "id": [v.code for v, _, _ in dims],
            "size": [len(c) for _, c, _ in dims],
            "dimension": {v.code: self._dimension(v, c, lab, meta) for v, c, lab in dims},
            "extension": {"px": {"tableid": t.id, "language": "sv"}},
        }

    def _recorded_dataset(
        self, t: FakeTable, dims: list[tuple[FakeVariable, list[str], list[str]]], meta: bool
    ) -> dict:
        doc = t.recorded or {}
        role = copy.deepcopy(doc.get("role")) or {
            **({"time": [t.time_variable]} if t.time_variable else {}),
            **({"metric": ["ContentsCode"]} if any(v.code == "ContentsCode" for v in t.variables) else {}),
        }
        out: dict[str, Any] = {
            "version": "2.0",
            "class": "dataset",
            "label": t.label,
            "source": t.source,
            "updated": t.updated,
            "note": list(t.notes),
            "role": role,
            "id": [v.code for v, _, _ in dims],
            "size": [len(c) for _, c, _ in dims],
            "dimension": {v.code: self._recorded_dimension(t, v, c, lab, meta) for v, c, lab in dims},
            "extension": copy.deepcopy(doc.get("extension") or {}),
        }
        if "x-verify" in doc:  # not an SCB key: says the document is not a recorded answer
            out["x-verify"] = doc["x-verify"]
        return out

    def _metadata(self, t: FakeTable) -> dict:
        doc = self._dataset(t, [(v, v.codes, v.labels) for v in t.variables], meta=True)
        doc["value"] = [] if t.recorded is not None else None
        return doc

    def _data(self, t: FakeTable, body: Any) -> dict:
        if not isinstance(body, Mapping) or not isinstance(body.get("selection"), list):
            raise _Problem(400, "Bad Request", 'expected a JSON body {"selection": [...]}')
        requested: dict[str, Mapping[str, Any]] = {}
        for item in body["selection"]:
            code = item.get("variableCode")
            if t.variable(code) is None:
                raise _Problem(400, "Bad Request", f"Non-existent variable: {code}")
            requested[code] = item
        dims: list[tuple[FakeVariable, list[str], list[str]]] = []
        index: list[Any] = []  # per table axis: list of lists of base positions (one list per output code)
        for var in t.variables:
            item = requested.get(var.code)
            pos = {c: i for i, c in enumerate(var.codes)}
            if item is None:
                if not var.elimination:
                    raise _Problem(
                        400, "Bad Request", f"Variable {var.code} must be selected (it cannot be eliminated)"
                    )
                index.append(("eliminate", pos.get(var.elimination_code) if var.elimination_code else None))
                continue
            cl_id = item.get("codelist")
            if cl_id:
                if cl_id not in var.codelists or cl_id not in self.codelists:
                    raise _Problem(
                        400, "Bad Request", f"Non-existent codelist {cl_id} for variable {var.code}"
                    )
                values = [v for v in self.codelists[cl_id]["values"] if all(m in pos for m in v["valueMap"])]
                candidates = [v["code"] for v in values]
                labels_by = {v["code"]: v["label"] for v in values}
                maps = {v["code"]: v["valueMap"] for v in values}
            else:
                candidates = var.codes
                labels_by = dict(zip(var.codes, var.labels, strict=True))
                maps = {c: [c] for c in var.codes}
            try:
                chosen = expand_expressions([str(c) for c in item.get("valueCodes", [])], candidates)
            except ValueError as exc:
                raise _Problem(400, "Bad Request", f"Variable {var.code}: {exc}") from None
            if not chosen:
                raise _Problem(400, "Bad Request", f"Variable {var.code}: the selection matches no values")
            index.append([[pos[b] for b in maps[c]] for c in chosen])
            dims.append((var, chosen, [labels_by[c] for c in chosen]))
        cells = math.prod(len(c) for _, c, _ in dims)
        if cells > self.max_cells:
            raise _Problem(
                400,
                "Too many cells selected",
                f"Too many cells selected: {cells} cells requested, the limit is {self.max_cells}",
            )
        values, status = self._cube(t, index)
        doc = self._dataset(t, dims, meta=False)
        flat_v = values.ravel()
        flat_s = status.ravel()
        doc["value"] = [None if np.isnan(x) else float(x) for x in flat_v]
        stat = {str(i): s for i, s in enumerate(flat_s) if s is not None}
        if t.recorded is None or stat:
            doc["status"] = stat
        return doc

    @staticmethod
    def _cube(t: FakeTable, index: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Values for the selected codes: sum over valueMaps; eliminated axes take their total code or sum."""
        values, status = t.values, t.status

        def first_symbol(s: np.ndarray) -> Any:
            return next((x for x in s if x is not None), None)

        for axis in range(len(index) - 1, -1, -1):
            sel = index[axis]
            if isinstance(sel, tuple):  # eliminated
                at = sel[1]
                if at is not None:  # the variable's total code (verify: a PX elimination value, not recorded)
                    values = np.take(values, at, axis=axis)
                    status = np.take(status, at, axis=axis)
                else:  # no total code: sum the axis away
                    values = values.sum(axis=axis)
                    status = np.apply_along_axis(first_symbol, axis, status)
                continue
            if all(len(m) == 1 for m in sel):
                take = [m[0] for m in sel]
                values = np.take(values, take, axis=axis)
                status = np.take(status, take, axis=axis)
            else:
                parts_v = [np.take(values, m, axis=axis).sum(axis=axis, keepdims=True) for m in sel]
                parts_s = [
                    np.apply_along_axis(first_symbol, axis, np.take(status, m, axis=axis)) for m in sel
                ]
                values = np.concatenate(parts_v, axis=axis)
                status = np.stack(parts_s, axis=axis)
        return values, status
