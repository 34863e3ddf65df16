"""Typed indicator and group definitions, loaded from the declarative ``indicators.yaml``.

The YAML file is the single place where an indicator is defined (table per period, selection, numerator,
denominator, breaks, caveats). This module turns it into frozen dataclasses and rejects a malformed entry with
an error that names the indicator (or group) and the field.

The types themselves are :mod:`segindicators.catalogue.model` (each importable from here too).

Every value code is written with what it means, ``{ContentsCode: {"000008AB": "median"}}``: the run-time check
(:mod:`segindicators.catalogue.check`) compares that meaning with the label in SCB's metadata, so a code that
exists but means something else (a quartile share where the median was meant) stops the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators._io import read_yaml
from segindicators.catalogue.model import (
    DIRECTIONS,
    GEO_VERSIONS,
    LEVELS,
    Break,
    Catalogue,
    CountSpec,
    GroupDefinition,
    Indicator,
    Meaning,
    ShareOf,
    SourcePeriod,
)
from segindicators.catalogue.model import (
    WILDCARD as WILDCARD,  # re-exported: the builder and the check use it
)

__all__ = ["CatalogueError", "catalogue_table", "load_catalogue", "parse_catalogue"]


class CatalogueError(ValueError):
    """A catalogue entry is malformed; the message names the entry and the field."""


# --------------------------------------------------------------------------------------------- parsing


def _fail(where: str, fld: str, expected: str, got: Any) -> CatalogueError:
    return CatalogueError(f"{where}: field {fld!r}: expected {expected}, got {got!r}. Fix indicators.yaml.")


class _Meanings:
    """Collects the stated meaning of every value code an entry uses, per source table."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, ...]] = {}

    def add(self, var: str, code: str, meaning: Any, where: str, fld: str) -> None:
        if not isinstance(meaning, str) or not meaning.strip():
            raise _fail(
                where,
                f"{fld}.{code}",
                "the code's meaning as label fragments ('median | medianvärde')",
                meaning,
            )
        fragments = tuple(f.strip() for f in meaning.split("|") if f.strip())
        self.items[(var, code)] = tuple(dict.fromkeys((*self.items.get((var, code), ()), *fragments)))

    def for_tables(
        self, tables: tuple[str, ...], extra: Mapping[str, _Meanings] | None = None
    ) -> tuple[Meaning, ...]:
        out = []
        for table in dict.fromkeys(tables):
            items = dict(self.items)
            if extra and table in extra:
                for key, frags in extra[table].items.items():
                    items[key] = tuple(dict.fromkeys((*items.get(key, ()), *frags)))
            out += [Meaning(table, var, code, frags) for (var, code), frags in sorted(items.items())]
        return tuple(out)


def _codes_map(
    raw: Any, where: str, fld: str, meanings: _Meanings | None = None
) -> dict[str, tuple[str, ...]]:
    """``{variable: {code: meaning}}`` (or ``{variable: [codes]}`` where no meaning is stated) → codes."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail(where, fld, "a mapping of variable code -> value codes with their meanings", raw)
    out: dict[str, tuple[str, ...]] = {}
    for var, codes in raw.items():
        if var == "minus":
            continue
        if isinstance(codes, Mapping) and codes:
            for code, meaning in codes.items():
                if not isinstance(code, str):
                    raise _fail(where, f"{fld}.{var}", "value codes quoted as strings", list(codes))
                if meanings is not None:
                    meanings.add(str(var), code, meaning, where, f"{fld}.{var}")
            out[str(var)] = tuple(codes)
            continue
        if isinstance(codes, str) or not isinstance(codes, list | tuple) or not codes:
            raise _fail(where, f"{fld}.{var}", "a non-empty mapping of value code -> meaning", codes)
        if not all(isinstance(c, str) for c in codes):
            raise _fail(where, f"{fld}.{var}", "value codes quoted as strings", codes)
        out[str(var)] = tuple(codes)
    return out


def _count_spec(
    raw: Any, where: str, fld: str, meanings: _Meanings | None = None, *, required: bool = False
) -> CountSpec | None:
    if raw is None:
        if required:
            raise _fail(where, fld, "a mapping of variable code -> value codes", None)
        return None
    codes = _codes_map(raw, where, fld, meanings)
    if not codes:
        raise _fail(where, fld, "at least one variable with value codes", raw)
    minus = _codes_map(raw.get("minus"), where, f"{fld}.minus", meanings)
    return CountSpec(codes=codes, minus=minus)


def _sources(raw: Any, where: str) -> tuple[tuple[SourcePeriod, ...], dict[str, _Meanings]]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "sources", "a non-empty list of {table, first, last, geo_version}", raw)
    out = []
    meanings: dict[str, _Meanings] = {}
    for i, src in enumerate(raw):
        fld = f"sources[{i}]"
        if not isinstance(src, Mapping):
            raise _fail(where, fld, "a mapping", src)
        table = src.get("table")
        if not isinstance(table, str) or not table.startswith("TAB"):
            raise _fail(where, f"{fld}.table", "an SCB v2 table id such as 'TAB6574'", table)
        first, last = src.get("first"), src.get("last")
        if not isinstance(first, int):
            raise _fail(where, f"{fld}.first", "a reference year (int)", first)
        if last is not None and (not isinstance(last, int) or last < first):
            raise _fail(where, f"{fld}.last", f"null or a year >= {first}", last)
        geo = src.get("geo_version")
        if geo not in GEO_VERSIONS:
            raise _fail(where, f"{fld}.geo_version", f"one of {GEO_VERSIONS} (quoted)", geo)
        m = meanings.setdefault(table, _Meanings())
        selection = _codes_map(src.get("selection"), where, f"{fld}.selection", m)
        out.append(SourcePeriod(table, first, last, geo, selection))
    ordered = sorted(out, key=lambda p: p.first)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.last is None or a.last >= b.first:
            raise _fail(where, "sources", "periods that do not overlap", [p.label() for p in ordered])
    return tuple(ordered), meanings


def _share_of(raw: Any, where: str, meanings: _Meanings, *, content: bool) -> ShareOf | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _fail(where, "share_of", "a mapping {content, persons}", raw)
    if "rounding" in raw:
        raise _fail(
            where, "share_of.rounding", "no rounding statement: the published decimals come from SCB's metadata",
            raw["rounding"],
        )  # fmt: skip
    if not isinstance(raw.get("persons"), Mapping):
        raise _fail(where, "share_of.persons", "the table's number-of-persons code, {ContentsCode: {code: meaning}}",
                    raw.get("persons"))  # fmt: skip
    persons = _count_spec(raw.get("persons"), where, "share_of.persons", meanings, required=True)
    spec = (
        _count_spec(raw.get("content"), where, "share_of.content", meanings, required=content)
        if content
        else None
    )
    return ShareOf(content=spec or CountSpec({}), persons=persons)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, "a non-empty string", value)
    return value


def _entry_id(raw: Mapping[str, Any], kind: str) -> tuple[str, str]:
    """An entry's id and how messages name it (``indicator 'population'``)."""
    eid = raw.get("id")
    if not isinstance(eid, str) or not eid:
        raise _fail(f"{kind} <missing id>", "id", "a non-empty string", eid)
    return eid, f"{kind} {eid!r}"


def _sourced(raw: Mapping[str, Any], where: str, meanings: _Meanings) -> dict[str, Any]:
    """The fields of :class:`~segindicators.catalogue.model.Sourced` entries: the fixed selection, the source
    periods, ``verify`` and the stated meaning of every value code per source table."""
    selection = _codes_map(raw.get("selection"), where, "selection", meanings)
    sources, source_meanings = _sources(raw.get("sources"), where)
    return {
        "sources": sources,
        "selection": selection,
        "verify": bool(raw.get("verify", False)),
        "meanings": meanings.for_tables(tuple(p.table for p in sources), source_meanings),
    }


def _indicator(raw: Mapping[str, Any]) -> Indicator:
    iid, where = _entry_id(raw, "indicator")
    area = raw.get("area")
    if area not in (1, 2, 3, 4, 5):
        raise _fail(where, "area", "the plan's development area 1–5", area)
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise _fail(where, "direction", f"one of {DIRECTIONS}", direction)
    m = _Meanings()
    numerator = _count_spec(raw.get("numerator"), where, "numerator", m)
    denominator = _count_spec(raw.get("denominator"), where, "denominator", m)
    total = _count_spec(raw.get("total"), where, "total", m)
    level = _count_spec(raw.get("level"), where, "level", m)
    share_of = _share_of(raw.get("share_of"), where, m, content=True)
    n_kinds = sum(x is not None for x in (numerator, share_of, level))
    if n_kinds != 1:
        raise _fail(
            where,
            "numerator/share_of/level",
            "exactly one of them",
            sorted(k for k in ("numerator", "share_of", "level") if raw.get(k) is not None),
        )
    if denominator is not None and numerator is None:
        raise _fail(where, "denominator", "only together with numerator", raw.get("denominator"))
    levels = tuple(raw.get("levels", LEVELS))
    if not set(levels) <= set(LEVELS):
        raise _fail(where, "levels", f"a subset of {LEVELS}", levels)
    breaks = []
    for i, b in enumerate(raw.get("breaks") or []):
        if not isinstance(b, Mapping) or not isinstance(b.get("year"), int) or not b.get("reason"):
            raise _fail(where, f"breaks[{i}]", "{year: int, reason: str, reason_sv: str}", b)
        if not isinstance(b.get("reason_sv"), str) or not b["reason_sv"].strip():
            raise _fail(
                where, f"breaks[{i}].reason_sv", "the break's Swedish text for readers", b.get("reason_sv")
            )
        breaks.append(Break(b["year"], str(b["reason"]), str(b["reason_sv"])))
    caveats = raw.get("caveats") or []
    if not isinstance(caveats, list) or not all(isinstance(c, str) for c in caveats):
        raise _fail(where, "caveats", "a list of strings", caveats)
    common = _sourced(raw, where, m)
    return Indicator(
        id=iid,
        name_sv=_text(raw, "name_sv", where),
        name_en=_text(raw, "name_en", where),
        area=area,
        unit=_text(raw, "unit", where),
        direction=direction,
        age_band=_text(raw, "age_band", where),
        numerator=numerator,
        denominator=denominator,
        total=total,
        share_of=share_of,
        level=level,
        levels=levels,
        breaks=tuple(breaks),
        caveats=tuple(caveats),
        flags=tuple(raw.get("flags") or ()),
        **common,
    )


def _group(raw: Mapping[str, Any]) -> GroupDefinition:
    gid, where = _entry_id(raw, "group")
    kind = raw.get("kind")
    if kind not in ("two_group", "multigroup"):
        raise _fail(where, "kind", "'two_group' or 'multigroup'", kind)
    variable = _text(raw, "variable", where)
    members_raw = raw.get("members")
    if not isinstance(members_raw, Mapping) or len(members_raw) < 2:
        raise _fail(where, "members", "a mapping of at least two member name -> value codes", members_raw)
    m = _Meanings()
    members: dict[str, CountSpec] = {}
    for name, spec in members_raw.items():
        fld = f"members.{name}"
        if isinstance(spec, Mapping) and "codes" in spec:
            codes = _codes_map({variable: spec.get("codes")}, where, fld, m)
            minus = (
                _codes_map({variable: spec.get("minus")}, where, f"{fld}.minus", m)
                if spec.get("minus")
                else {}
            )
            members[str(name)] = CountSpec(codes, minus)
        else:
            members[str(name)] = CountSpec(_codes_map({variable: spec}, where, fld, m))
    if kind == "two_group" and len(members) != 2:
        raise _fail(where, "members", "exactly two members for a two_group definition", list(members))
    total = CountSpec(_codes_map({variable: raw["total"]}, where, "total", m)) if raw.get("total") else None
    share_of = _share_of(raw.get("share_of"), where, m, content=False)
    if total is None and share_of is None:
        raise _fail(where, "total", "the table's total codes (or share_of for published percentages)", None)
    common = _sourced(raw, where, m)
    return GroupDefinition(
        id=gid,
        name_en=_text(raw, "name_en", where),
        kind=kind,
        variable=variable,
        members=members,
        total=total,
        share_of=share_of,
        **common,
    )


def parse_catalogue(raw: Mapping[str, Any]) -> Catalogue:
    """Validate a parsed YAML mapping and build a :class:`Catalogue`.

    Raises
    ------
    CatalogueError
        Naming the indicator/group and the field that is wrong.

    Examples
    --------
    >>> parse_catalogue({"indicators": []})
    Traceback (most recent call last):
    ...
    segindicators.catalogue.definitions.CatalogueError: catalogue: field 'indicators': expected a non-empty list, got []. Fix indicators.yaml.
    """
    if "persons" in raw:
        raise _fail(
            "catalogue", "persons", "no persons bases: a share's number of persons is the table's own "
            "(share_of.persons)", sorted(raw["persons"] or {}),
        )  # fmt: skip
    inds = raw.get("indicators")
    if not isinstance(inds, list) or not inds:
        raise _fail("catalogue", "indicators", "a non-empty list", inds)
    indicators = tuple(_indicator(r) for r in inds)
    groups = tuple(_group(r) for r in raw.get("groups") or [])
    for kind, ids in (("indicator", [i.id for i in indicators]), ("group", [g.id for g in groups])):
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            raise CatalogueError(f"catalogue: duplicate {kind} ids {dupes}; each id must be unique.")
    if "geography_versions" in raw:
        raise _fail(
            "catalogue", "geography_versions", "no Region codelists: they differ per table (TAB5956 and TAB6258 "
            "offer vs_DeSoHE / vs_RegSo1) and the build selects each table's own Region codes",
            sorted(raw["geography_versions"] or {}),
        )  # fmt: skip
    ckm_from = raw.get("ckm_from")
    if not isinstance(ckm_from, int):
        raise _fail("catalogue", "ckm_from", "the first reference year with Cell Key Method noise", ckm_from)
    return Catalogue(indicators, groups, ckm_from)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load the catalogue (default: the packaged ``indicators.yaml``).

    Examples
    --------
    >>> cat = load_catalogue()
    >>> cat.indicator("employment_rate_20_64").sources[0].table
    'TAB6680'
    """
    source = resources.files("segindicators.catalogue") / "indicators.yaml" if path is None else Path(path)
    return parse_catalogue(read_yaml(source, what="catalogue", error=CatalogueError))


def catalogue_table(catalogue: Catalogue | None = None) -> pd.DataFrame:
    """A tidy listing of the catalogue: one row per indicator.

    Columns: ``id``, ``name_sv``, ``name_en``, ``area``, ``kind``, ``unit``, ``direction``, ``age_band``,
    ``tables`` (per period), ``first_year``, ``last_year`` (NA = still published), ``breaks``, ``verify``.

    Examples
    --------
    >>> t = catalogue_table()
    >>> t.loc[t.id == "rental_dwellings_share", "tables"].item()
    'TAB6258 2015–2023 (geo 2018); TAB6638 2024– (geo 2025)'
    """
    cat = catalogue or load_catalogue()
    rows = []
    for ind in cat.indicators:
        last = ind.sources[-1].last
        rows.append(
            {
                "id": ind.id,
                "name_sv": ind.name_sv,
                "name_en": ind.name_en,
                "area": ind.area,
                "kind": ind.kind,
                "unit": ind.unit,
                "direction": ind.direction,
                "age_band": ind.age_band,
                "tables": "; ".join(p.label() for p in ind.sources),
                "first_year": ind.sources[0].first,
                "last_year": pd.NA if last is None else last,
                "breaks": "; ".join(f"{b.year}: {b.reason}" for b in ind.breaks),
                "verify": ind.verify,
            }
        )
    frame = pd.DataFrame(rows)
    frame["last_year"] = frame["last_year"].astype("Int64")
    return frame
