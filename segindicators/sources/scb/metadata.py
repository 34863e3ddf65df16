"""What a table's ``/tables/{id}/metadata`` answer says, as one typed value: :class:`TableSpec`.

SCB's metadata is the authority on every variable, value code, label, unit (with its published decimals),
elimination flag, Region codelist, reference year and on whether SCB vouches for sums of the table's cells
(``extension.px.aggregallowed``). Everything downstream — the catalogue's run-time check, the builder's call
plan, the fake servers — reads those facts from a :class:`TableSpec` instead of holding beliefs of its own.

Three sources give a metadata document:

* the live service (``ScbClient.metadata``), with the full Region list;
* the recorded answers in ``shared/reference/scb-api-v2/metadata/`` (verbatim head/tail excerpts without the
  Region codes), read by :func:`read_reference_metadata`;
* the copies shipped with the package (``segindicators/sources/scb/recorded/*.json``, :func:`recorded_metadata`),
  made from the reference by :func:`ship_reference_metadata` so the offline demo runs on a machine without
  the reference folder. A test checks they still equal the reference. Tables without recorded metadata
  (TAB6679, TAB5880) are shipped from the evidence the reference README quotes and carry ``x-verify``: the
  run-time check against the live service decides.

The levels a table publishes (riket, län, kommun, DeSO, RegSO) and its geography versions are read from the
Region codes where the document has them, otherwise from its Region codelists (``vs_ARegionRiket``,
``vs_CRegionKommun07``, ``vs_DeSO2018``/``vs_DeSoHE``, ``vs_RegSO2020``/``vs_RegSo1``, ``vs_DeSO2025``,
``vs_RegSO2025``): the reference shows the two agree for every table that has both.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "LEVEL_CODELISTS",
    "VERSION_OF_SUFFIX",
    "TableSpec",
    "VariableSpec",
    "level_of_code",
    "read_reference_metadata",
    "recorded_metadata",
    "recorded_specs",
    "ship_reference_metadata",
    "table_spec",
    "valueset_codes",
]

#: Region codelist id → (level, geography version or None). The codelist names differ per table: TAB5956 and
#: TAB6258 offer ``vs_DeSoHE`` / ``vs_RegSo1`` for the 2018 version (reference metadata, tail files).
LEVEL_CODELISTS: dict[str, tuple[str, str | None]] = {
    "vs_ARegionRiket": ("riket", None),
    "vs_BRegionLän07": ("lan", None),
    "vs_CRegionKommun07": ("kommun", None),
    "vs_DeSO2018": ("DeSO", "2018"),
    "vs_DeSoHE": ("DeSO", "2018"),
    "vs_RegSO2020": ("RegSO", "2018"),
    "vs_RegSo1": ("RegSO", "2018"),
    "vs_DeSO2025": ("DeSO", "2025"),
    "vs_RegSO2025": ("RegSO", "2025"),
}
#: Code suffix → geography version. verify: only ``_DeSO2025``/``_RegSO2025`` are recorded (DESIGN.md, the
#: metadata heads); ``_DeSO2018``/``_RegSO2020``, which a 2018 Region valueset might carry, read as 2018.
VERSION_OF_SUFFIX = {"DeSO2025": "2025", "RegSO2025": "2025", "DeSO2018": "2018", "RegSO2020": "2018"}
_PATTERNS = (
    ("riket", re.compile(r"^00$")),
    ("lan", re.compile(r"^\d{2}$")),
    ("kommun", re.compile(r"^\d{4}$")),
    ("DeSO", re.compile(r"^\d{4}[A-C]\d{4}$")),
    ("RegSO", re.compile(r"^\d{4}R\d{3}$")),
)


_CONSTANT_PRICES = re.compile(r"constant prices|fixed prices|fasta priser", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)  # a national build asks for the same ≈ 20,000 codes table after table
def level_of_code(code: str) -> tuple[str | None, str | None]:
    """Level and geography version of a Region code as SCB's tables spell it.

    Examples
    --------
    >>> level_of_code("0580C1190_DeSO2025"), level_of_code("0580R018"), level_of_code("0580")
    (('DeSO', '2025'), ('RegSO', '2018'), ('kommun', None))
    >>> level_of_code("00"), level_of_code("x")
    (('riket', None), (None, None))
    """
    plain, _, suffix = str(code).partition("_")
    for level, pattern in _PATTERNS:
        if pattern.match(plain):
            if level in ("DeSO", "RegSO"):
                return level, VERSION_OF_SUFFIX.get(suffix, "2018" if not suffix else None)
            return level, None
    return None, None


def valueset_codes(codelist: str, codes: Sequence[str]) -> list[str] | None:
    """A table's Region codes (from its ``/metadata``) of the level and version a Region valueset stands for.

    What the client counts a selection through ``codelist`` with before it knows the valueset itself: the
    valueset selects among the variable's own codes, and :data:`LEVEL_CODELISTS` names its level and version.
    The count decides only whether the call must be split; a call is split on the codes of the valueset as
    ``/codelists/{id}`` answers them, never on these.

    verify: that a level valueset holds exactly the table's metadata codes of its level and version is not
    recorded (``../shared/reference`` has no ``/codelists/vs_*`` answer of a Region valueset, only
    ``agg_Ålder10årJ``). If SCB's valueset holds more codes than counted, SCB refuses the whole call as too
    many cells and the client reads the codelist and splits on it (one call lost, no number changed); the live
    run decides.

    Parameters
    ----------
    codelist
        A Region codelist id.
    codes
        The table's Region codes, in metadata order.

    Returns
    -------
    list of str or None
        The codes of that level and version, in order; None for a codelist :data:`LEVEL_CODELISTS` does not
        name, or when the table has no such code (the metadata then does not say).

    Examples
    --------
    >>> valueset_codes("vs_DeSO2025", ["00", "0580", "0580C1010", "0580C1010_DeSO2025", "0580R001"])
    ['0580C1010_DeSO2025']
    >>> valueset_codes("vs_CRegionKommun07", ["00", "01", "0580", "0581", "0580C1010"])
    ['0580', '0581']
    >>> valueset_codes("vs_Alder5", ["00"]) is None, valueset_codes("vs_RegSO2025", ["00"]) is None
    (True, True)
    """
    wanted = LEVEL_CODELISTS.get(codelist)
    if wanted is None:
        return None
    got = [c for c in codes if level_of_code(c) == wanted]
    return got or None


@dataclass(frozen=True)
class VariableSpec:
    """One non-Region variable: its codes in SCB's order, labels, units and elimination flag."""

    code: str
    label: str
    codes: tuple[str, ...]
    labels: Mapping[str, str]
    elimination: bool
    units: Mapping[str, tuple[str, int]]

    def decimals(self, code: str) -> int | None:
        """Published decimals of a content code (None when the metadata gives no unit)."""
        unit = self.units.get(code)
        return None if unit is None else unit[1]


@dataclass(frozen=True)
class TableSpec:
    """The facts of one table's metadata that the product relies on.

    Attributes
    ----------
    levels
        Region levels the table publishes (``riket``, ``lan``, ``kommun``, ``DeSO``, ``RegSO``).
    geo_versions
        Geography versions of its DeSO/RegSO codes (``"2018"``, ``"2025"``).
    region_codelists
        Region codelists the table offers.
    years
        Reference years (``Tid``) it publishes.
    aggregallowed
        Whether SCB vouches for sums of its cells (``extension.px.aggregallowed``).
    verify
        Evidence text when the spec is not from a recorded answer (``None`` for recorded metadata).
    constant_prices
        Amounts in constant prices of the latest reference year (label or notes say so, e.g. TAB6684's
        "Constant prices" / "Incomes in fixed prices, referring to last year of data"): each release re-bases
        the whole series.
    """

    id: str
    label: str
    updated: str | None
    dimension_order: tuple[str, ...]
    variables: Mapping[str, VariableSpec]
    region_codelists: tuple[str, ...]
    levels: frozenset[str]
    geo_versions: frozenset[str]
    years: tuple[int, ...]
    aggregallowed: bool
    verify: str | None = None
    constant_prices: bool = False

    def variable(self, code: str) -> VariableSpec:
        """The variable with this code; the error lists the table's variables."""
        try:
            return self.variables[code]
        except KeyError:
            raise KeyError(
                f"table {self.id} has no variable {code!r}; its variables are {sorted(self.variables)}"
            ) from None

    def has_level(self, level: str, geo_version: str | None = None) -> bool:
        """True when the table publishes ``level`` (in ``geo_version`` for DeSO/RegSO)."""
        if level not in self.levels:
            return False
        return geo_version is None or level not in ("DeSO", "RegSO") or geo_version in self.geo_versions


def _region_facts(dim: Mapping[str, Any]) -> tuple[tuple[str, ...], set[str], set[str]]:
    ext = dim.get("extension") or {}
    codelists = tuple(str(c.get("id")) for c in ext.get("codelists") or [] if isinstance(c, Mapping))
    levels: set[str] = set()
    versions: set[str] = set()
    index = (dim.get("category") or {}).get("index") or {}
    if index:
        for code in index:
            level, version = level_of_code(code)
            if level:
                levels.add(level)
            if version:
                versions.add(version)
    else:
        for cl in codelists:
            level, version = LEVEL_CODELISTS.get(cl, (None, None))
            if level:
                levels.add(level)
            if version:
                versions.add(version)
    return codelists, levels, versions


def table_spec(doc: Mapping[str, Any]) -> TableSpec:
    """Read a ``/tables/{id}/metadata`` answer (JSON-stat2) into a :class:`TableSpec`.

    Parameters
    ----------
    doc
        A live, recorded or shipped metadata document. Region codes are optional (the levels then come
        from the Region codelists).

    Examples
    --------
    >>> spec = recorded_specs()["TAB6684"]
    >>> spec.variable("ContentsCode").labels["000008AB"], spec.variable("ContentsCode").decimals("000008A6")
    ('Median value, SEK thousands', 0)
    >>> sorted(spec.levels), sorted(spec.geo_versions), spec.years[-1], spec.aggregallowed
    (['DeSO', 'RegSO', 'kommun', 'lan', 'riket'], ['2018', '2025'], 2024, True)
    >>> sorted(recorded_specs()["TAB6680"].levels), recorded_specs()["TAB6680"].aggregallowed
    (['DeSO', 'RegSO'], False)
    >>> spec.constant_prices, recorded_specs()["TAB6685"].constant_prices
    (True, False)
    """
    ext = doc.get("extension") or {}
    px = ext.get("px") or {}
    notes = doc.get("note") or []
    notes = [notes] if isinstance(notes, str) else list(notes)
    table_id = str(px.get("tableid") or doc.get("x-table") or "")
    dims = doc.get("dimension") or {}
    order = tuple(str(v) for v in doc.get("id") or dims)
    variables: dict[str, VariableSpec] = {}
    codelists: tuple[str, ...] = ()
    levels: set[str] = set()
    versions: set[str] = set()
    years: tuple[int, ...] = ()
    for var in order:
        dim = dims.get(var) or {}
        if var == "Region":
            codelists, levels, versions = _region_facts(dim)
            continue
        cat = dim.get("category") or {}
        index = cat.get("index") or {}
        codes = tuple(sorted(index, key=index.get)) if isinstance(index, Mapping) else tuple(index)
        labels = {str(k): str(v) for k, v in (cat.get("label") or {}).items()}
        units = {
            str(k): (str(u.get("base", "")), int(u.get("decimals", 0)))
            for k, u in (cat.get("unit") or {}).items()
        }
        variables[var] = VariableSpec(
            code=var,
            label=str(dim.get("label", var)),
            codes=codes,
            labels=labels,
            elimination=bool((dim.get("extension") or {}).get("elimination", False)),
            units=units,
        )
        if var == "Tid":
            years = tuple(int(c) for c in codes if str(c).isdigit())
    return TableSpec(
        id=table_id,
        label=str(doc.get("label", "")),
        updated=doc.get("updated"),
        dimension_order=order,
        variables=variables,
        region_codelists=codelists,
        levels=frozenset(levels),
        geo_versions=frozenset(versions),
        years=years,
        aggregallowed=bool(px.get("aggregallowed", True)),
        verify=doc.get("x-verify"),
        constant_prices=bool(
            _CONSTANT_PRICES.search(" ".join([str(doc.get("label", "")), *map(str, notes)]))
        ),
    )


# ----------------------------------------------------------------------------------------- the reference


def _body(path: Path) -> str:
    return "".join(
        line for line in path.read_text("utf-8").splitlines(keepends=True) if not line.startswith("# ")
    )


def read_reference_metadata(folder: str | Path) -> dict[str, dict[str, Any]]:
    """The recorded metadata excerpts of ``shared/reference/scb-api-v2/metadata`` as documents, Region codes left out.

    Each table has a ``*_metadata_tail.txt`` (Region's codelists, every other dimension, the table extension)
    and most a ``*_metadata_head.txt`` (label, ``updated``, notes, ``id``, ``size``). The tail parses as JSON
    once prefixed as the folder's README says; from the head the leading keys are read up to the Region
    category. The first Region codes in the head are kept under ``x-region-head`` (evidence of levels).

    Parameters
    ----------
    folder
        The ``metadata`` folder.

    Returns
    -------
    dict
        Table id → metadata document (JSON-stat2 shaped; ``dimension.Region`` has label and extension only).
    """
    folder = Path(folder)
    tails = sorted(folder.glob("TAB*_metadata_tail.txt"))
    if not tails:
        raise FileNotFoundError(
            f"metadata folder {folder}: expected TABxxxx_metadata_tail.txt files, found none. Point at "
            "shared/reference/scb-api-v2/metadata (or set SEGINDICATORS_REFERENCE_DIR)."
        )
    out: dict[str, dict[str, Any]] = {}
    for tail in tails:
        table = tail.name.split("_")[0]
        body = _body(tail)
        start = body.index('"}}')
        doc = json.loads('{"dimension": {"Region": {"category": {"label": {"x": "' + body[start:])
        region = doc["dimension"]["Region"]
        region.pop("category", None)
        head_path = folder / f"{table}_metadata_head.txt"
        if head_path.exists():
            head = _body(head_path)
            cut = head.index('"dimension": {')
            first = json.loads(head[:cut].rstrip().rstrip(",") + "}")
            region_part = head[cut:]
            region["label"] = json.loads(
                "{" + region_part[len('"dimension": {') :].split(', "category"')[0] + "}}"
            )["Region"]["label"]
            codes = re.findall(r'"([^"]+)": \d+', region_part.split('"index": {', 1)[1])
            head_doc = {k: v for k, v in first.items() if k != "dimension"}
            head_doc["x-region-head"] = codes
        else:
            head_doc = {}
        dims = doc["dimension"]
        ordered = {"Region": dims.pop("Region"), **dims}
        out[table] = {
            **{k: v for k, v in head_doc.items() if k not in ("id", "size")},
            "id": head_doc.get("id") or ["Region", *[d for d in ordered if d != "Region"]],
            "dimension": ordered,
            "extension": doc.get("extension", {}),
            "x-source": f"shared/reference/scb-api-v2/metadata/{table}_metadata_*.txt (verbatim SCB answer, lang=en)",
        }
    return out


def _recorded_dir() -> Any:
    return resources.files("segindicators.sources.scb").joinpath("recorded")


def recorded_metadata() -> dict[str, dict[str, Any]]:
    """The metadata documents shipped with the package (Region codes left out), by table id."""
    out = {}
    for entry in sorted(_recorded_dir().iterdir(), key=lambda e: e.name):
        if entry.name.startswith("TAB") and entry.name.endswith(".json"):
            out[entry.name.removesuffix(".json")] = json.loads(entry.read_text("utf-8"))
    return out


def recorded_specs() -> dict[str, TableSpec]:
    """:class:`TableSpec` of every shipped metadata document, by table id."""
    return {tid: table_spec(doc) for tid, doc in recorded_metadata().items()}


def ship_reference_metadata(reference: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write the reference's metadata documents into the package's ``recorded/`` folder (one JSON a table).

    Run after the reference folder changes (``python -m segindicators.sources.scb.metadata <reference>``); the test
    ``tests/unit/sources/scb/test_scb_metadata.py`` fails while the shipped copies differ from the reference. Documents not
    in the reference (the ``x-verify`` ones) are left as they are.
    """
    folder = Path(out) if out is not None else Path(str(_recorded_dir()))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, doc in read_reference_metadata(Path(reference) / "scb-api-v2" / "metadata").items():
        path = folder / f"{table}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    for p in ship_reference_metadata(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference"):
        print(p)
