"""A fake PxWebApi v2 server for tests and the offline demo.

A threaded :mod:`http.server` on 127.0.0.1 (random port) serving tables defined in memory, shaped like SCB's
real answers (see ``../shared/reference/scb-api-v2``): ``/config``, ``/tables?query=``, ``/tables/{id}``,
``/tables/{id}/metadata``, ``/codelists/{id}`` and ``POST /tables/{id}/data`` (JSON-stat2).

It enforces a sliding-window call limit (429 + ``Retry-After``; every call counts, metadata too) and a cell
limit (400 problem+json "Too many cells selected"), applies codelists before expanding wildcards, returns
``null`` + status ``".."`` for suppressed cells, and can inject faults (5xx, delays, truncated bodies). Every
request is logged; unknown routes answer 404 and are listed in :attr:`FakePxWeb.unmatched`.

Two ways to define a table (its parts: :mod:`segindicators.testing.pxweb_tables`; the answers:
:mod:`segindicators.testing.pxweb_answers`):

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
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

from segindicators.testing import pxweb_answers as answers
from segindicators.testing.fake_http import FakeJsonServer, RecordedRequest
from segindicators.testing.fake_http import HttpProblem as _Problem
from segindicators.testing.pxweb_tables import (
    FIRST_2025_YEAR,
    SYNTHETIC_SOURCE,
    UNRECORDED_UPDATED,
    FakeTable,
    FakeVariable,
    fill_cube,
    free_variables,
    mark_recorded,
    recorded_texts,
    recorded_valueset,
    recorded_valuesets,
    recorded_variables,
    region_valueset,
    total_code,
)

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


class FakePxWeb(FakeJsonServer):
    """In-memory PxWebApi v2 server; use as a context manager (``with FakePxWeb() as fake: fake.url``).

    Server plumbing (log, call limit, faults) comes from :class:`~segindicators.testing.fake_http.FakeJsonServer`;
    the tables from :mod:`segindicators.testing.pxweb_tables`, the answers from
    :mod:`segindicators.testing.pxweb_answers`.

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
            self.add_codelist({**codelist, "values": list(codelist["values"])})
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
        vars_ = free_variables(
            variables, elimination=elimination, codelists=cl_ids, variable_labels=variable_labels
        )
        cube, stat, symbols = fill_cube(vars_, values, frame, status)
        table = FakeTable(
            id=table_id, label=label, variables=vars_, values=cube, status=stat, updated=updated,
            notes=list(notes), source=source, time_variable="Tid" if "Tid" in variables else None,
            symbols=symbols,
        )  # fmt: skip
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
        region_map = dict(regions)
        spec, vars_, levels = recorded_variables(doc, region_map)
        cube, stat, symbols = fill_cube(vars_, values, frame, status)
        mark_recorded(vars_, levels[1], cube, stat)
        texts = recorded_texts(doc, spec.id, synthetic=synthetic, label=label, notes=notes, updated=updated)
        table = FakeTable(
            id=spec.id, variables=vars_, values=cube, status=stat, **texts,
            time_variable="Tid" if "Tid" in spec.dimension_order else None, recorded=copy.deepcopy(dict(doc)),
            symbols=symbols,
        )  # fmt: skip
        for valueset in recorded_valuesets(doc, region_map, levels):
            self._merge_codelist(valueset)
        self.tables[table.id] = table
        return table

    # -- log ----------------------------------------------------------------------------------------------
    def data_requests(self) -> list[RecordedRequest]:
        """The logged ``POST /tables/{id}/data`` requests."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/data")]

    # -- answers ------------------------------------------------------------------------------------------
    def _codelist_label(self, codelist_id: str) -> str:
        return str(self.codelists.get(codelist_id, {}).get("label", codelist_id))

    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        prefix = "/api/v2/"
        path = unquote(path)  # codelist ids such as vs_BRegionLän07 arrive percent-encoded
        if not path.startswith(prefix):
            raise _Problem(404, "Not Found", f"no route {method} {path}")
        parts = [p for p in path[len(prefix) :].split("/") if p]
        if method == "GET" and parts == ["config"]:
            return self._config()
        if method == "GET" and parts == ["tables"]:
            return answers.search(list(self.tables.values()), query.get("query", [""])[0])
        if len(parts) >= 2 and parts[0] == "tables":
            table = self.tables.get(parts[1])
            if table is None:
                raise _Problem(404, "Not Found", f"table {parts[1]} does not exist")
            if method == "GET" and len(parts) == 2:
                return answers.table_entry(table)
            if method == "GET" and parts[2:] == ["metadata"]:
                return answers.metadata(table, self._codelist_label)
            if method == "POST" and parts[2:] == ["data"]:
                fmt = query.get("outputFormat", ["json-stat2"])[0]
                if fmt != "json-stat2":
                    raise _Problem(
                        400, "Bad Request", f"the fake serves outputFormat=json-stat2 only, not {fmt}"
                    )
                return answers.data(table, body, self.codelists, self.max_cells, self._codelist_label)
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
