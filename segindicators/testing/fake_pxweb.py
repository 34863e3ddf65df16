"""A fake PxWebApi v2 server for tests and the offline demo.

A threaded :mod:`http.server` on 127.0.0.1 (random port) serving tables defined in memory, shaped like SCB's
real answers (see ``../shared/reference/scb-api-v2``): ``/config``, ``/tables?query=``, ``/tables/{id}``,
``/tables/{id}/metadata``, ``/codelists/{id}`` and ``POST /tables/{id}/data`` (JSON-stat2).

It enforces a sliding-window call limit (429 + ``Retry-After``; every call counts, metadata too) and a cell
limit (400 problem+json "Too many cells selected"), applies codelists before expanding wildcards, returns
``null`` + status ``".."`` for suppressed cells, and can inject faults (5xx, delays, truncated bodies). Every
request is logged; unknown routes answer 404 and are listed in :attr:`FakePxWeb.unmatched`.

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

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segindicators.scb.query import expand_expressions
from segindicators.testing.fake_http import FakeJsonServer, RecordedRequest
from segindicators.testing.fake_http import HttpProblem as _Problem

__all__ = ["SYNTHETIC_SOURCE", "FakePxWeb", "FakeTable", "FakeVariable", "RecordedRequest", "region_valueset"]

SYNTHETIC_SOURCE = "Syntetiska exempeldata – inte officiell statistik"


@dataclass
class FakeVariable:
    """One table variable: codes in order with labels."""

    code: str
    label: str
    codes: list[str]
    labels: list[str]
    elimination: bool = False
    codelists: list[str] = field(default_factory=list)


@dataclass
class FakeTable:
    """A table held in memory: variables and a dense value cube in variable order."""

    id: str
    label: str
    variables: list[FakeVariable]
    values: np.ndarray  # float, shape = sizes, NaN = missing
    status: np.ndarray  # object, same shape, None or symbol
    updated: str
    notes: list[str]
    source: str
    time_variable: str | None = "Tid"

    def variable(self, code: str) -> FakeVariable | None:
        """The variable with this code or None."""
        return next((v for v in self.variables if v.code == code), None)


def region_valueset(
    codelist_id: str, codes: Sequence[str], suffix: str, labels: Sequence[str] | None = None
) -> dict:
    """A PxWeb valueset codelist mapping ``<code>_<suffix>`` to the table's plain ``<code>``.

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
        """Define a table.

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
        shape = tuple(len(v.codes) for v in vars_)
        n = math.prod(shape)
        cube = np.full(n, np.nan)
        stat = np.full(n, None, dtype=object)
        if frame is not None:
            pos = np.zeros(len(frame), dtype=np.int64)
            for v in vars_:
                idx = pd.Categorical(frame[v.code].astype(str), categories=v.codes).codes.astype(np.int64)
                if (idx < 0).any():
                    raise ValueError(f"frame[{v.code!r}] holds codes not declared in variables[{v.code!r}].")
                pos = pos * len(v.codes) + idx
            cube[pos] = frame["value"].to_numpy(dtype=float)
            if "status" in frame:
                stat[pos] = frame["status"].astype(object).where(frame["status"].notna(), None).to_numpy()
        elif values is not None:
            arr = np.array(values, dtype=float)
            if arr.size != n:
                raise ValueError(f"values: expected {n} cells (sizes {shape}), got {arr.size}.")
            cube[:] = arr.ravel()
        for i, sym in (status or {}).items():
            stat[int(i)] = sym
        cube[stat == ".."] = np.nan  # suppressed cells are published as null with status ".."
        table = FakeTable(
            id=table_id,
            label=label,
            variables=vars_,
            values=cube.reshape(shape),
            status=stat.reshape(shape),
            updated=updated,
            notes=list(notes),
            source=source,
            time_variable="Tid" if any(v.code == "Tid" for v in vars_) else None,
        )
        self.tables[table_id] = table
        return table

    # -- log ----------------------------------------------------------------------------------------------
    def data_requests(self) -> list[RecordedRequest]:
        """The logged ``POST /tables/{id}/data`` requests."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/data")]

    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        prefix = "/api/v2/"
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
            "subjectCode": "XX",
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

    def _dataset(
        self, t: FakeTable, dims: list[tuple[FakeVariable, list[str], list[str]]], meta: bool
    ) -> dict:
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

    def _metadata(self, t: FakeTable) -> dict:
        doc = self._dataset(t, [(v, v.codes, v.labels) for v in t.variables], meta=True)
        doc["value"] = None
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
            if item is None:
                if not var.elimination:
                    raise _Problem(
                        400, "Bad Request", f"Variable {var.code} must be selected (it cannot be eliminated)"
                    )
                index.append(None)
                continue
            cl_id = item.get("codelist")
            if cl_id:
                if cl_id not in var.codelists or cl_id not in self.codelists:
                    raise _Problem(
                        400, "Bad Request", f"Non-existent codelist {cl_id} for variable {var.code}"
                    )
                values = self.codelists[cl_id]["values"]
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
            pos = {c: i for i, c in enumerate(var.codes)}
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
        doc["status"] = {str(i): s for i, s in enumerate(flat_s) if s is not None}
        return doc

    @staticmethod
    def _cube(t: FakeTable, index: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Values for the selected codes: sum over valueMaps and eliminated axes (NaN/status propagate)."""
        values, status = t.values, t.status
        for axis in range(len(index) - 1, -1, -1):
            sel = index[axis]
            if sel is None:  # eliminated: sum the axis away
                values = values.sum(axis=axis)
                status = np.apply_along_axis(
                    lambda s: next((x for x in s if x is not None), None), axis, status
                )
                continue
            if all(len(m) == 1 for m in sel):
                take = [m[0] for m in sel]
                values = np.take(values, take, axis=axis)
                status = np.take(status, take, axis=axis)
            else:
                parts_v = [np.take(values, m, axis=axis).sum(axis=axis, keepdims=True) for m in sel]
                parts_s = [
                    np.apply_along_axis(
                        lambda s: next((x for x in s if x is not None), None),
                        axis,
                        np.take(status, m, axis=axis),
                    )
                    for m in sel
                ]
                values = np.concatenate(parts_v, axis=axis)
                status = np.stack(parts_s, axis=axis)
        return values, status
