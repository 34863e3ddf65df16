"""The fake PxWebApi's answers: a table's entry, its ``/metadata``, and ``POST /data`` selections (JSON-stat2).

Pure functions of a :class:`~segindicators.testing.pxweb_tables.FakeTable` and the server's codelists;
:class:`~segindicators.testing.fake_pxweb.FakePxWeb` routes requests to them. One code path builds the
JSON-stat2 document of free-form and recorded tables alike: a recorded table serves its recorded dimensions
(cut to the selected codes), role, extension and ``x-verify`` mark, with a generated Region category.

A selection (:func:`data`) is resolved as the real service does, on the evidence listed in
:mod:`segindicators.testing.fake_pxweb`: an unknown variable, codelist or value code → 400; a variable with
``elimination: false`` left out → 400; a codelist is applied before the expressions (``*``, ``TOP(n)``, …),
and answers only the codes the table has; over ``max_cells`` → 400 "Too many cells selected"; an eliminated
variable answers its total code (verify) or the sum; a codelist value sums its ``valueMap``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from segindicators.sources.scb.query import expand_expressions
from segindicators.testing.fake_http import HttpProblem
from segindicators.testing.pxweb_tables import FakeTable, FakeVariable

__all__ = ["data", "metadata", "search", "table_entry"]

#: (variable, chosen codes, their labels) of one answer dimension.
Dim = tuple[FakeVariable, list[str], list[str]]


def table_entry(t: FakeTable) -> dict:
    """The table's entry in ``/tables`` and ``/tables/{id}``."""
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
        "subjectCode": ((t.recorded or {}).get("extension") or {}).get("px", {}).get("subject-code", "XX"),
        "timeUnit": "Annual",
        "paths": [],
        "links": [],
    }


def search(tables: Sequence[FakeTable], q: str) -> dict:
    """``/tables?query=q``: the tables whose id and label hold every word of ``q``."""
    words = q.lower().split()
    hits = [table_entry(t) for t in tables if all(w in (t.id + " " + t.label).lower() for w in words)]
    page = {"pageNumber": 1, "pageSize": len(hits), "totalElements": len(hits), "totalPages": 1, "links": []}
    return {"language": "sv", "tables": hits, "page": page, "links": []}


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


def _category(codes: Sequence[str], labels: Sequence[str]) -> dict:
    return {"index": {c: i for i, c in enumerate(codes)}, "label": dict(zip(codes, labels, strict=True))}


def _dimension(
    t: FakeTable,
    var: FakeVariable,
    codes: list[str],
    labels: list[str],
    meta: bool,
    cl_label: Callable[[str], str],
) -> dict:
    """One dimension: a free-form table's from its variable; a recorded table's as recorded, cut to ``codes``
    (Region generated; data answers carry no codelists, as TAB6471_data)."""
    src = ((t.recorded or {}).get("dimension") or {}).get(var.code)
    if src is None:
        ext: dict[str, Any] = {"elimination": var.elimination, "show": "value"}
        if meta:
            ext["codelists"] = [
                {"id": c, "label": cl_label(c), "type": "Valueset", "links": []} for c in var.codelists
            ]
        return {"label": var.label, "category": _category(codes, labels), "extension": ext}
    ext = copy.deepcopy(src.get("extension") or {})
    if not meta:
        ext.pop("codelists", None)
    if var.code == "Region":
        return {"label": src.get("label", var.label), "category": _category(codes, labels), "extension": ext}
    out = {k: copy.deepcopy(v) for k, v in src.items() if k not in ("category", "extension")}
    recorded_codes = list((src.get("category") or {}).get("index") or {})
    if meta or codes == recorded_codes:
        out["category"] = copy.deepcopy(src["category"])
        out["extension"] = ext
    else:
        out["category"] = _restrict(src["category"], recorded_codes, codes)
        out["extension"] = _restrict(ext, recorded_codes, codes)
    return {k: out[k] for k in src if k in out}


def dataset(t: FakeTable, dims: Sequence[Dim], meta: bool, cl_label: Callable[[str], str]) -> dict:
    """The JSON-stat2 document of ``dims`` (without ``value``): ``/metadata`` with ``meta``, else a data answer."""
    doc = t.recorded
    role = copy.deepcopy((doc or {}).get("role")) or {
        **({"time": [t.time_variable]} if t.time_variable else {}),
        **({"metric": ["ContentsCode"]} if any(v.code == "ContentsCode" for v, _, _ in dims) else {}),
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
        "dimension": {v.code: _dimension(t, v, c, lab, meta, cl_label) for v, c, lab in dims},
        "extension": copy.deepcopy(doc.get("extension") or {})
        if doc is not None
        else {"px": {"tableid": t.id, "language": "sv"}},
    }
    if doc is not None and "x-verify" in doc:  # not an SCB key: says the document is not a recorded answer
        out["x-verify"] = doc["x-verify"]
    return out


def metadata(t: FakeTable, cl_label: Callable[[str], str]) -> dict:
    """``/tables/{id}/metadata``: every code; ``"value": []`` for a recorded table (TAB6471_metadata)."""
    doc = dataset(t, [(v, v.codes, v.labels) for v in t.variables], True, cl_label)
    doc["value"] = [] if t.recorded is not None else None
    return doc


def _resolve(
    t: FakeTable, selection: Sequence[Mapping[str, Any]], codelists: Mapping[str, Mapping[str, Any]]
) -> tuple[list[Dim], list[Any]]:
    """The answer's dimensions and, per table axis, the base positions each chosen code sums (or elimination)."""
    requested: dict[str, Mapping[str, Any]] = {}
    for item in selection:
        code = item.get("variableCode")
        if t.variable(code) is None:
            raise HttpProblem(400, "Bad Request", f"Non-existent variable: {code}")
        requested[code] = item
    dims: list[Dim] = []
    index: list[Any] = []  # per table axis: list of lists of base positions (one list per output code)
    for var in t.variables:
        item = requested.get(var.code)
        pos = {c: i for i, c in enumerate(var.codes)}
        if item is None:
            if not var.elimination:
                raise HttpProblem(
                    400, "Bad Request", f"Variable {var.code} must be selected (it cannot be eliminated)"
                )
            index.append(("eliminate", pos.get(var.elimination_code) if var.elimination_code else None))
            continue
        cl_id = item.get("codelist")
        if cl_id:
            if cl_id not in var.codelists or cl_id not in codelists:
                raise HttpProblem(
                    400, "Bad Request", f"Non-existent codelist {cl_id} for variable {var.code}"
                )
            values = [v for v in codelists[cl_id]["values"] if all(m in pos for m in v["valueMap"])]
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
            raise HttpProblem(400, "Bad Request", f"Variable {var.code}: {exc}") from None
        if not chosen:
            raise HttpProblem(400, "Bad Request", f"Variable {var.code}: the selection matches no values")
        index.append([[pos[b] for b in maps[c]] for c in chosen])
        dims.append((var, chosen, [labels_by[c] for c in chosen]))
    return dims, index


def data(
    t: FakeTable,
    body: Any,
    codelists: Mapping[str, Mapping[str, Any]],
    max_cells: int,
    cl_label: Callable[[str], str],
) -> dict:
    """``POST /tables/{id}/data`` (JSON-stat2): the selected cells, ``null`` + status where missing.

    Raises
    ------
    HttpProblem
        400 for a malformed body, an unknown variable/codelist/code, a non-eliminable variable left out, or a
        selection of more than ``max_cells`` cells ("Too many cells selected").
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("selection"), list):
        raise HttpProblem(400, "Bad Request", 'expected a JSON body {"selection": [...]}')
    dims, index = _resolve(t, body["selection"], codelists)
    cells = math.prod(len(c) for _, c, _ in dims)
    if cells > max_cells:
        raise HttpProblem(
            400,
            "Too many cells selected",
            f"Too many cells selected: {cells} cells requested, the limit is {max_cells}",
        )
    values, status = _cube(t, index)
    doc = dataset(t, dims, False, cl_label)
    flat_v, flat_s = values.ravel(), status.ravel()
    doc["value"] = np.where(np.isnan(flat_v), None, flat_v.astype(object)).tolist()
    marked = np.flatnonzero(flat_s)
    stat = dict(
        zip(marked.astype(str).tolist(), [t.symbols[s] for s in flat_s[marked].tolist()], strict=True)
    )
    if t.recorded is None or stat:
        doc["status"] = stat
    return doc


def _first_mark(status: np.ndarray, axis: int) -> np.ndarray:
    """The first non-zero status along ``axis`` (0 where there is none): the symbol of a sum of cells."""
    first = np.argmax(status != 0, axis=axis)
    return np.take_along_axis(status, np.expand_dims(first, axis), axis=axis).squeeze(axis)


def _cube(t: FakeTable, index: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Values for the selected codes: sum over valueMaps; eliminated axes take their total code or sum."""
    values, status = t.values, t.status
    for axis in range(len(index) - 1, -1, -1):
        sel = index[axis]
        if isinstance(sel, tuple):  # eliminated
            at = sel[1]
            if at is not None:  # the variable's total code (verify: a PX elimination value, not recorded)
                values = np.take(values, at, axis=axis)
                status = np.take(status, at, axis=axis)
            else:  # no total code: sum the axis away
                values = values.sum(axis=axis)
                status = _first_mark(status, axis)
            continue
        if all(len(m) == 1 for m in sel):
            take = [m[0] for m in sel]
            values = np.take(values, take, axis=axis)
            status = np.take(status, take, axis=axis)
        else:
            parts_v = [np.take(values, m, axis=axis).sum(axis=axis, keepdims=True) for m in sel]
            parts_s = [_first_mark(np.take(status, m, axis=axis), axis) for m in sel]
            values = np.concatenate(parts_v, axis=axis)
            status = np.stack(parts_s, axis=axis)
    return values, status
