"""JSON-stat 2.0 dataset → long, tidy DataFrame (own parser: keeps ``status``, which pxwebpy/pyjstat drop).

JSON-stat 2.0 (https://json-stat.org/format/) stores ``value`` row-major in the order of ``id``: the flat index
of the cell with category positions ``(i_0, ..., i_{n-1})`` is ``sum_k i_k * prod_{j>k} size_j``. The parser builds
every dimension column at once with ``np.repeat``/``np.tile`` and one Arrow take of its codes (no per-cell
Python loop).

Output columns: one per dimension (named by variable code, category codes as strings), ``region_version``
right after ``Region`` when there is a Region dimension (``"DeSO2025"`` etc. taken from code suffixes such as
``0580C1160_DeSO2025``, None when a code has no suffix), then ``value`` (float, NaN where null; suppressed cells
stay NaN) and ``status`` (the JSON-stat symbol such as ``".."``, or None).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

REGION_VERSIONS = ("DeSO2025", "RegSO2025", "DeSO2018", "RegSO2020")
_SUFFIX = re.compile(r"^(?P<code>.+)_(?P<version>" + "|".join(REGION_VERSIONS) + r")$")


def split_region_code(code: str) -> tuple[str, str | None]:
    """Split a PxWeb region code into the plain code and its geography version.

    >>> split_region_code("0580C1160_DeSO2025")
    ('0580C1160', 'DeSO2025')
    >>> split_region_code("0580")
    ('0580', None)
    """
    m = _SUFFIX.match(code)
    return (m["code"], m["version"]) if m else (code, None)


def category_codes(dimension: Mapping[str, Any]) -> list[str]:
    """Category codes of a JSON-stat dimension in index order.

    ``category.index`` may be an object (code → position), an array of codes, or absent for a single category
    (then the one ``label`` key is the code).

    >>> category_codes({"category": {"index": {"b": 1, "a": 0}}})
    ['a', 'b']
    >>> category_codes({"category": {"index": ["x", "y"]}})
    ['x', 'y']
    >>> category_codes({"category": {"label": {"only": "Only"}}})
    ['only']
    """
    category = dimension.get("category", {})
    index = category.get("index")
    if index is None:
        return [str(k) for k in category.get("label", {})]
    if isinstance(index, Mapping):
        codes = [""] * len(index)
        for code, pos in index.items():
            codes[int(pos)] = str(code)
        return codes
    return [str(c) for c in index]


def _values(raw: Any, n: int) -> np.ndarray:
    if isinstance(raw, Mapping):  # sparse: {"flat index": value}
        out = np.full(n, np.nan)
        if raw:
            idx = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            out[idx] = np.array(list(raw.values()), dtype=float)
        return out
    values = np.array(raw, dtype=float)  # None → nan
    if values.shape != (n,):
        raise ValueError(
            f"JSON-stat value: expected {n} cells (product of size), got {values.size}; the response is "
            "incomplete or malformed - fetch it again."
        )
    return values


def _status(raw: Any, n: int) -> np.ndarray:
    out = np.full(n, None, dtype=object)
    if raw is None:
        return out
    if isinstance(raw, str):
        out[:] = raw
    elif isinstance(raw, Mapping):
        if raw:
            idx = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            out[idx] = list(raw.values())
    else:
        seq = list(raw)
        if len(seq) == 1:
            out[:] = seq[0]
        elif len(seq) == n:
            out[:] = seq
        else:
            raise ValueError(f"JSON-stat status: expected 1 or {n} entries, got {len(seq)}.")
    return out


def _codes_column(codes: list[str], positions: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``codes[positions]`` as a text array, by one Arrow take of the dimension's few codes (no per-cell str)."""
    return pd.array(pa.array(codes, type=pa.large_string()).take(pa.array(positions)), dtype="str")


def parse_jsonstat2(doc: Mapping[str, Any] | bytes | str) -> pd.DataFrame:
    """Parse a JSON-stat 2.0 dataset into a long DataFrame (see the module docstring for the columns).

    Parameters
    ----------
    doc
        The parsed JSON object, or the raw response body.

    Returns
    -------
    pandas.DataFrame
        One row per cell in row-major ``id`` order. ``.attrs`` holds ``label``, ``updated``, ``source``,
        ``note`` (list), ``extension``, ``role``, ``dimension_labels`` (code → label), ``category_labels``
        (code → {category code → label}; Region keys keep their suffix), ``dimension_notes`` and ``units``.

    Examples
    --------
    >>> doc = {"version": "2.0", "class": "dataset", "id": ["Region", "Tid"], "size": [2, 2],
    ...        "dimension": {"Region": {"category": {"index": {"0580A0010_DeSO2025": 0, "0580": 1}}},
    ...                      "Tid": {"category": {"index": {"2023": 0, "2024": 1}}}},
    ...        "value": [1, None, 3, 4], "status": {"1": ".."}, "note": ["n1"]}
    >>> df = parse_jsonstat2(doc)
    >>> df["Region"].tolist(), df["region_version"].tolist()
    (['0580A0010', '0580A0010', '0580', '0580'], ['DeSO2025', 'DeSO2025', None, None])
    >>> df["value"].tolist(), df["status"].tolist()
    ([1.0, nan, 3.0, 4.0], [None, '..', None, None])
    >>> df.attrs["note"]
    ['n1']
    """
    if isinstance(doc, bytes | str):
        doc = json.loads(doc)
    if doc.get("class", "dataset") != "dataset":
        raise ValueError(f"JSON-stat class: expected 'dataset', got {doc.get('class')!r}.")
    ids = [str(i) for i in doc["id"]]
    sizes = [int(s) for s in doc["size"]]
    dims = doc["dimension"]
    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    columns: dict[str, Any] = {}
    category_labels: dict[str, dict[str, str]] = {}
    dimension_labels: dict[str, str] = {}
    dimension_notes: dict[str, list[str]] = {}
    units: dict[str, Any] = {}
    for k, (var, size) in enumerate(zip(ids, sizes, strict=True)):
        dim = dims[var]
        codes = category_codes(dim)
        if len(codes) != size:
            raise ValueError(
                f"JSON-stat dimension {var!r}: size says {size} categories, index has {len(codes)}; "
                "the response is malformed."
            )
        inner = int(np.prod(sizes[k + 1 :], dtype=np.int64))
        outer = int(np.prod(sizes[:k], dtype=np.int64))
        positions = np.tile(np.repeat(np.arange(size), inner), outer)
        labels = dim.get("category", {}).get("label") or {}
        category_labels[var] = {c: str(labels.get(c, c)) for c in codes}
        dimension_labels[var] = str(dim.get("label", var))
        if dim.get("note"):
            dimension_notes[var] = list(dim["note"])
        if dim.get("category", {}).get("unit"):
            units.update(dim["category"]["unit"])
        if var == "Region":
            split = [split_region_code(c) for c in codes]
            version = np.array([s[1] for s in split], dtype=object)
            columns[var] = _codes_column([s[0] for s in split], positions)
            columns["region_version"] = version[positions]
        else:
            columns[var] = _codes_column(codes, positions)
    columns["value"] = _values(doc.get("value", []), n)
    columns["status"] = _status(doc.get("status"), n)
    frame = pd.DataFrame(
        {k: (pd.Series(v, dtype=object) if v.dtype == object else v) for k, v in columns.items()}
    )
    frame.attrs.update(
        {
            "label": doc.get("label"),
            "updated": doc.get("updated"),
            "source": doc.get("source"),
            "note": list(doc.get("note") or []),
            "extension": doc.get("extension") or {},
            "role": doc.get("role") or {},
            "dimension_labels": dimension_labels,
            "category_labels": category_labels,
            "dimension_notes": dimension_notes,
            "units": units,
        }
    )
    return frame
