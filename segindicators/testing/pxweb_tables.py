"""The tables the fake PxWebApi serves: variables, a dense value cube, statuses, and the Region valuesets.

The parts :class:`~segindicators.testing.fake_pxweb.FakePxWeb` makes its two kinds of table from:

* a recorded table (**the rule for anything that stands in for an SCB table**): :func:`recorded_variables`,
  :func:`recorded_texts` and :func:`recorded_valuesets` read SCB's recorded ``/metadata`` answer, so its
  variables, codes, labels, units, elimination flags, codelists, ``extension.px`` and notes cannot disagree
  with SCB; only the Region codes and the values are supplied. :func:`mark_recorded` sets SCB's version trap
  whatever the values say: a 2025-version code answers **0** for a year before :data:`FIRST_2025_YEAR`
  (recorded), a 2018-version code ``null`` + ``".."`` from it (verify: not recorded);
* a free-form table (:func:`free_variables`) for tests of the client's plumbing (never to imitate an SCB
  table).

:func:`fill_cube` turns flat values, an array or a long frame into the dense cube of either.

Statuses are stored compactly (``uint8`` indices into :attr:`FakeTable.symbols`, 0 = none): a national table
has up to 16.5 million cells.

Examples
--------
>>> vars_ = free_variables({"Region": ["0580", "0581"], "Tid": ["2024"]})
>>> cube, status, symbols = fill_cube(vars_, [1, 2], None, {1: ".."})
>>> cube.ravel().tolist(), [symbols[s] for s in status.ravel()]
([1.0, nan], [None, '..'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segindicators.sources.scb.metadata import LEVEL_CODELISTS, TableSpec, table_spec
from segindicators.tables import SYNTHETIC_LABEL
from segindicators.testing.region_codes import region_levels

__all__ = [
    "FIRST_2025_YEAR",
    "SYNTHETIC_SOURCE",
    "UNRECORDED_UPDATED",
    "FakeTable",
    "FakeVariable",
    "fill_cube",
    "free_variables",
    "mark_recorded",
    "recorded_texts",
    "recorded_valueset",
    "recorded_valuesets",
    "recorded_variables",
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
_SUPPRESSED = ".."


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
    """A table held in memory: variables, a dense value cube in variable order and its statuses.

    ``status`` holds, per cell, an index into ``symbols`` (``uint8``; 0 = no status, ``symbols[0]`` is None).
    ``recorded`` holds the recorded ``/metadata`` document a table made by :func:`recorded_table` is served
    from (None for free-form tables).
    """

    id: str
    label: str
    variables: list[FakeVariable]
    values: np.ndarray  # float, shape = sizes, NaN = missing
    status: np.ndarray  # uint8, same shape, index into symbols
    updated: str
    notes: list[str]
    source: str
    time_variable: str | None = "Tid"
    recorded: dict[str, Any] | None = None
    symbols: tuple[str | None, ...] = (None, _SUPPRESSED)

    def variable(self, code: str) -> FakeVariable | None:
        """The variable with this code or None."""
        return next((v for v in self.variables if v.code == code), None)

    def status_at(self, index: tuple[int, ...]) -> str | None:
        """The status symbol of one cell (None: no status)."""
        return self.symbols[int(self.status[index])]


def region_valueset(
    codelist_id: str, codes: Sequence[str], suffix: str, labels: Sequence[str] | None = None
) -> dict:
    """A PxWeb valueset codelist mapping ``<code>_<suffix>`` to the table's plain ``<code>`` (free-form tables).

    >>> region_valueset("vs_DeSO2025", ["0580C1160"], "DeSO2025")["values"][0]
    {'code': '0580C1160_DeSO2025', 'label': '0580C1160', 'valueMap': ['0580C1160']}
    """
    labels = list(labels) if labels is not None else list(codes)
    values = [
        {"code": f"{c}_{suffix}", "label": lab, "valueMap": [c]} for c, lab in zip(codes, labels, strict=True)
    ]
    return _valueset(codelist_id, codelist_id, "sv", values)


def _valueset(codelist_id: str, label: str, language: str, values: list[dict]) -> dict:
    """A ``/codelists/{id}`` answer of type Valueset (shape of the recorded ``codelist_agg_Ålder10årJ.json``)."""
    return {
        "id": codelist_id,
        "label": label,
        "language": language,
        "languages": ["sv", "en"],
        "elimination": False,
        "type": "Valueset",
        "values": values,
        "links": [],
    }


def recorded_valueset(
    codelist_id: str,
    label: str,
    regions: Mapping[str, str],
    levels: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """The Region valueset ``codelist_id`` of a recorded table: the table's codes of that level and version.

    verify: no Region valueset of a district table is recorded. The code spellings follow the table's own
    Region codes (recorded heads/tails): DESIGN.md gives ``vs_DeSO2025`` codes as ``0580C1160_DeSO2025`` and
    ``vs_RegSO2025`` as ``0580R001_RegSO2025`` (lookups.py: labels ``"0580R001 Linköping (Berga)"``);
    ``vs_DeSO2018``/``vs_DeSoHE`` are assumed to be the plain 2018 DeSO codes, ``vs_RegSO2020``/``vs_RegSo1``
    the plain RegSO codes, ``vs_CRegionKommun07`` the kommun codes and ``vs_ARegionRiket`` ``00``. Each value
    maps to the one table code of the same spelling (``valueMap``, shape of the recorded
    ``codelist_agg_Ålder10årJ.json``). ``vs_BRegionLän07`` holds the län in ``regions`` (none unless given).
    ``levels`` may pass :func:`~segindicators.testing.region_codes.region_levels` of ``regions`` when known.

    >>> recorded_valueset("vs_RegSO2025", "RegSO 2025 from year 2024",
    ...                   {"0580": "Linköping", "0580R001_RegSO2025": "0580R001 Linköping (Berga)"})["values"]
    [{'code': '0580R001_RegSO2025', 'label': '0580R001 Linköping (Berga)', 'valueMap': ['0580R001_RegSO2025']}]
    """
    if codelist_id not in LEVEL_CODELISTS:
        raise ValueError(
            f"codelist {codelist_id!r}: not a Region valueset the fake knows; expected one of "
            f"{sorted(LEVEL_CODELISTS)} (segindicators.sources.scb.metadata.LEVEL_CODELISTS). Add it there with "
            "the level and geography version SCB's metadata gives it."
        )
    level, version = LEVEL_CODELISTS[codelist_id]
    codes = np.asarray(list(regions), dtype=object)
    have_levels, have_versions = levels if levels is not None else region_levels(codes)
    mine = (have_levels == level) & (have_versions == version if version else np.equal(have_versions, None))
    values = [{"code": c, "label": regions[c], "valueMap": [c]} for c in codes[mine].tolist()]
    return _valueset(codelist_id, label, "en", values)


def _year(code: str) -> int | None:
    head = str(code)[:4]
    return int(head) if head.isdigit() else None


def _encode(flat: np.ndarray) -> tuple[np.ndarray, tuple[str | None, ...]]:
    """Object statuses (None or a symbol) → (uint8 indices, symbols with None first and ``".."`` second)."""
    given = ~np.equal(flat, None)
    found = sorted({str(s) for s in pd.unique(flat[given])} - {_SUPPRESSED}) if given.any() else []
    if len(found) > 253:
        raise ValueError(f"status: at most 253 symbols besides '..', got {len(found)} ({found[:5]} …).")
    symbols: tuple[str | None, ...] = (None, _SUPPRESSED, *found)
    codes = np.zeros(len(flat), dtype=np.uint8)
    if given.any():
        codes[given] = pd.Index(symbols[1:]).get_indexer(flat[given].astype(str)) + 1
    return codes, symbols


def fill_cube(
    vars_: Sequence[FakeVariable],
    values: Sequence[float | None] | np.ndarray | None,
    frame: pd.DataFrame | None,
    status: Mapping[int, str] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, tuple[str | None, ...]]:
    """Dense (values, status indices, symbols) in variable order from flat values or a long frame."""
    shape = tuple(len(v.codes) for v in vars_)
    n = math.prod(shape)
    stat: np.ndarray | None = None  # object statuses (None or a symbol) where any are given
    if frame is not None:
        cube = np.full(n, np.nan)
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
            stat = np.full(n, None, dtype=object)
            stat[pos] = frame["status"].astype(object).where(frame["status"].notna(), None).to_numpy()
    elif values is not None:
        arr = np.asarray(values, dtype=float)
        if arr.size != n:
            raise ValueError(
                f"values: expected {n} cells (sizes {dict(zip([v.code for v in vars_], shape, strict=True))}), "
                f"got {arr.size}."
            )
        flat = arr.reshape(n)  # a copy already when ``arr`` is not contiguous (a transposed cube)
        cube = flat.copy() if np.may_share_memory(flat, arr) else flat  # the caller's array is never changed
    else:
        cube = np.full(n, np.nan)
    if isinstance(status, np.ndarray):
        if status.size != n:
            raise ValueError(f"status: expected {n} cells like values, got {status.size}.")
        flat = status.reshape(n)
        if stat is None:
            stat = flat
        else:
            given = ~np.equal(flat, None)
            stat[given] = flat[given]
    elif status:
        stat = np.full(n, None, dtype=object) if stat is None else stat
        for i, sym in status.items():
            stat[int(i)] = sym
    codes, symbols = _encode(stat) if stat is not None else (np.zeros(n, dtype=np.uint8), (None, _SUPPRESSED))
    cube[codes == 1] = np.nan  # suppressed cells are published as null with status ".."
    return cube.reshape(shape), codes.reshape(shape), symbols


def free_variables(
    variables: Mapping[str, Sequence[str] | Mapping[str, str]],
    *,
    elimination: Sequence[str] = (),
    codelists: Mapping[str, Sequence[str]] | None = None,
    variable_labels: Mapping[str, str] | None = None,
) -> list[FakeVariable]:
    """The variables of a free-form table (:meth:`FakePxWeb.add_table` describes the parameters).

    ``codelists`` maps a variable code to codelist ids (registered on the server separately).
    """
    vars_: list[FakeVariable] = []
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
                codelists=list((codelists or {}).get(code, [])),
            )
        )
    return vars_


def recorded_variables(
    doc: Mapping[str, Any], region_map: Mapping[str, str]
) -> tuple[TableSpec, list[FakeVariable], tuple[np.ndarray, np.ndarray]]:
    """The variables of a table generated from its recorded ``/metadata``, with these Region codes.

    Returns the table's spec, its variables in the document's ``id`` order and the Region codes' levels and
    versions (:func:`~segindicators.testing.region_codes.region_levels`).

    Raises
    ------
    ValueError
        ``doc`` is not a recorded metadata document, or a Region code is of a level or geography version the
        table does not publish.
    """
    spec = table_spec(doc)
    dims = doc.get("dimension") or {}
    order = list(spec.dimension_order)
    if not spec.id or "Region" not in order:
        raise ValueError(
            f"doc: expected a recorded /metadata document with extension.px.tableid and a Region "
            f"dimension, got table id {spec.id!r} and dimensions {order}. Use recorded_metadata()[table]."
        )
    levels = region_levels(list(region_map))
    pairs = set(zip(*(a.tolist() for a in levels), strict=True))  # a handful of (level, version)
    wrong = {
        p for p in pairs if p[0] is None or not spec.has_level(*p) or (p[0] in ("DeSO", "RegSO") and not p[1])
    }
    if wrong:
        bad = [c for c, *p in zip(region_map, *levels, strict=True) if tuple(p) in wrong]
        raise ValueError(
            f"regions: {spec.id} publishes levels {sorted(spec.levels)} in geography versions "
            f"{sorted(spec.geo_versions)}, but got {bad[:5]}{' …' if len(bad) > 5 else ''}. Build the list "
            "with segindicators.testing.recorded_tables.table_regions(spec, lookup, kommuner)."
        )
    vars_: list[FakeVariable] = []
    for var in order:
        ext = dims[var].get("extension") or {}
        codelists = [str(c["id"]) for c in ext.get("codelists") or []]
        if var == "Region":
            vars_.append(
                FakeVariable(code=var, label=str(dims[var].get("label", "region")), codes=list(region_map),
                             labels=[str(v) for v in region_map.values()],
                             elimination=bool(ext.get("elimination", False)), codelists=codelists)
            )  # fmt: skip
            continue
        vspec = spec.variable(var)
        codes = list(vspec.codes)
        vars_.append(
            FakeVariable(code=var, label=vspec.label, codes=codes, labels=[vspec.labels.get(c, c) for c in codes],
                         elimination=vspec.elimination, codelists=codelists,
                         elimination_code=total_code(codes, vspec.labels) if vspec.elimination else None)
        )  # fmt: skip
    return spec, vars_, levels


def recorded_texts(
    doc: Mapping[str, Any],
    table_id: str,
    *,
    synthetic: bool,
    label: str | None,
    notes: Sequence[str] | None,
    updated: str | None,
) -> dict[str, Any]:
    """``label``, ``updated``, ``notes`` and ``source`` of a recorded table (the synthetic label where synthetic)."""
    px = (doc.get("extension") or {}).get("px") or {}
    base_label = label or doc.get("label") or f"{px.get('contents') or table_id} [label not recorded]"
    return {
        "label": f"{SYNTHETIC_SOURCE}: {base_label}" if synthetic and label is None else base_label,
        "updated": updated or doc.get("updated") or UNRECORDED_UPDATED,
        "notes": list(notes)
        if notes is not None
        else [*doc.get("note", []), *([SYNTHETIC_SOURCE] if synthetic else [])],
        "source": SYNTHETIC_SOURCE if synthetic else str(doc.get("source", "Statistics Sweden")),
    }


def recorded_valuesets(
    doc: Mapping[str, Any], region_map: Mapping[str, str], levels: tuple[np.ndarray, np.ndarray]
) -> list[dict]:
    """One :func:`recorded_valueset` per Region codelist the recorded metadata lists."""
    region = (doc.get("dimension") or {})["Region"]
    return [
        recorded_valueset(str(item["id"]), str(item.get("label", item["id"])), region_map, levels)
        for item in (region.get("extension") or {}).get("codelists") or []
    ]


def mark_recorded(
    vars_: Sequence[FakeVariable], versions: np.ndarray, cube: np.ndarray, stat: np.ndarray
) -> None:
    """A recorded table's cells as SCB serves them: NaN → ``null`` + ``".."`` (never 0), and the version traps.

    A 2025-version code answers 0 before 2024 (recorded); a 2018-version code null ``".."`` from 2024 (assumed).
    """
    stat[np.isnan(cube) & (stat == 0)] = 1
    _version_traps(vars_, versions, cube, stat)


def _version_traps(
    vars_: Sequence[FakeVariable], versions: np.ndarray, cube: np.ndarray, stat: np.ndarray
) -> None:
    """2025-version codes answer 0 before 2024 (recorded); 2018-version codes null ".." from 2024 (assumed)."""
    names = [v.code for v in vars_]
    if "Tid" not in names:
        return
    r_axis, t_axis = names.index("Region"), names.index("Tid")
    years = np.array([_year(c) or -1 for c in vars_[t_axis].codes])
    known = (years >= 0)[None, :]
    zero = (versions == "2025")[:, None] & (years < FIRST_2025_YEAR)[None, :] & known
    null = (versions == "2018")[:, None] & (years >= FIRST_2025_YEAR)[None, :] & known
    v = np.moveaxis(cube, (r_axis, t_axis), (0, 1))  # views: assignments reach the cubes
    s = np.moveaxis(stat, (r_axis, t_axis), (0, 1))
    v[zero], s[zero] = 0.0, 0  # SCB's answer, not a real zero (reference README)
    # verify: nothing recorded for a 2018-version code in a year ≥ 2024; null ".." chosen
    v[null], s[null] = np.nan, 1
