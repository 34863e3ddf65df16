"""Run-time check of the catalogue against SCB's table metadata (PxWebApi v2 ``/tables/{id}/metadata``).

SCB renumbers tables (TAB6436 became TAB6685) and occasionally renames value codes. Before a build, every table,
variable, value code and Region codelist an indicator uses is looked up in the table's metadata; anything missing
is an error naming the indicator and exactly what SCB no longer has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from segindicators.catalogue.definitions import (
    WILDCARD,
    Catalogue,
    CountSpec,
    SourcePeriod,
)

__all__ = [
    "CatalogueMismatchError",
    "Problem",
    "assert_catalogue_matches",
    "check_catalogue",
    "metadata_codes",
]


class CatalogueMismatchError(LookupError):
    """The catalogue uses a table, variable, value code or codelist that SCB's metadata does not have."""


@dataclass(frozen=True)
class Problem:
    """One mismatch: who uses it (``owner``), in which table, and what is missing."""

    owner: str
    table: str
    missing: str

    def __str__(self) -> str:
        return f"{self.owner} ({self.table}): {self.missing}"


def metadata_codes(metadata: Mapping[str, Any]) -> dict[str, set[str]]:
    """Value codes per variable from a PxWebApi v2 metadata (JSON-stat2 shaped) document.

    Examples
    --------
    >>> meta = {"id": ["Kon", "Tid"], "dimension": {
    ...     "Kon": {"category": {"index": {"1": 0, "2": 1, "1+2": 2}}},
    ...     "Tid": {"category": {"index": {"2024": 0}}}}}
    >>> sorted(metadata_codes(meta)["Kon"])
    ['1', '1+2', '2']
    """
    dims = metadata.get("dimension") or {}
    out: dict[str, set[str]] = {}
    for var in metadata.get("id") or list(dims):
        index = ((dims.get(var) or {}).get("category") or {}).get("index") or {}
        out[str(var)] = {str(c) for c in (index if isinstance(index, Mapping) else list(index))}
    return out


def _codelists(metadata: Mapping[str, Any], variable: str = "Region") -> set[str]:
    ext = ((metadata.get("dimension") or {}).get(variable) or {}).get("extension") or {}
    return {str(c.get("id")) for c in ext.get("codelists") or [] if isinstance(c, Mapping)}


def _spec_codes(*parts: Mapping[str, tuple[str, ...]] | CountSpec | None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        if part is None:
            continue
        codes = part.all_codes() if isinstance(part, CountSpec) else {k: set(v) for k, v in part.items()}
        for var, cs in codes.items():
            out.setdefault(var, set()).update(cs)
    return out


def _check_table(
    owner: str,
    period: SourcePeriod,
    codes: Mapping[str, set[str]],
    metadata: Mapping[str, Mapping[str, Any] | None],
    codelists: Iterable[str],
) -> list[Problem]:
    meta = metadata.get(period.table)
    if meta is None:
        return [
            Problem(
                owner,
                period.table,
                f"table {period.table} not found in SCB's API (tables have been renumbered before, e.g. "
                "TAB6436 -> TAB6685); search /tables?query=... and update indicators.yaml",
            )
        ]
    have = metadata_codes(meta)
    problems = []
    for var in sorted(codes):
        if var not in have:
            problems.append(
                Problem(owner, period.table, f"variable {var!r} missing; the table has {sorted(have)}")
            )
            continue
        missing = sorted(c for c in codes[var] if c != WILDCARD and c not in have[var])
        for code in missing:
            problems.append(Problem(owner, period.table, f"variable {var!r} has no value code {code!r}"))
    if "Region" in have:
        present = _codelists(meta)
        for cl in codelists:
            if cl not in present:
                problems.append(
                    Problem(
                        owner,
                        period.table,
                        f"Region codelist {cl!r} missing; the table has {sorted(present)}",
                    )
                )
    return problems


def check_catalogue(
    catalogue: Catalogue,
    metadata: Mapping[str, Mapping[str, Any] | None],
    *,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    tables: Iterable[str] | None = None,
) -> list[Problem]:
    """Compare the catalogue with SCB metadata and list every mismatch.

    Parameters
    ----------
    catalogue
        The loaded catalogue.
    metadata
        Table id -> metadata document as returned by ``ScbClient.metadata(table_id)``; a missing key or None
        means SCB does not have the table.
    indicators, groups
        Restrict the check to these ids (default: all).
    tables
        Only check source periods that use these tables (e.g. the tables a build will call).

    Returns
    -------
    list of Problem
        Empty when everything the catalogue uses exists.
    """
    wanted_i = set(indicators) if indicators is not None else None
    wanted_g = set(groups) if groups is not None else None
    wanted_t = set(tables) if tables is not None else None
    problems: list[Problem] = []
    for ind in catalogue.indicators:
        if wanted_i is not None and ind.id not in wanted_i:
            continue
        content = ind.share_of.content if ind.share_of else None
        codes = _spec_codes(ind.selection, ind.numerator, ind.denominator, ind.total, ind.level, content)
        for period in ind.sources:
            if wanted_t is not None and period.table not in wanted_t:
                continue
            cls = [catalogue.codelist(period.geo_version, lvl) for lvl in ind.levels]
            problems += _check_table(f"indicator {ind.id!r}", period, codes, metadata, cls)
            if ind.share_of is not None:
                base = catalogue.persons[ind.share_of.persons]
                pperiod = SourcePeriod(base.table, period.first, period.last, period.geo_version)
                problems += _check_table(
                    f"indicator {ind.id!r} (persons base {base.id!r})",
                    pperiod,
                    _spec_codes(base.selection, base.count),
                    metadata,
                    cls,
                )
    for grp in catalogue.groups:
        if wanted_g is not None and grp.id not in wanted_g:
            continue
        codes = _spec_codes(grp.selection, grp.total, *grp.members.values())
        for period in grp.sources:
            if wanted_t is not None and period.table not in wanted_t:
                continue
            cls = [catalogue.codelist(period.geo_version, lvl) for lvl in ("DeSO", "RegSO")]
            problems += _check_table(f"group {grp.id!r}", period, codes, metadata, cls)
    return problems


def assert_catalogue_matches(
    catalogue: Catalogue, metadata: Mapping[str, Mapping[str, Any] | None], **kw: Any
) -> None:
    """Raise :class:`CatalogueMismatchError` listing every problem found by :func:`check_catalogue`.

    Examples
    --------
    >>> from segindicators.catalogue.definitions import load_catalogue
    >>> assert_catalogue_matches(load_catalogue(), {}, indicators=["population"], groups=[])
    Traceback (most recent call last):
    ...
    segindicators.catalogue.check.CatalogueMismatchError: The catalogue does not match SCB's metadata ...
    """
    problems = check_catalogue(catalogue, metadata, **kw)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise CatalogueMismatchError(
            f"The catalogue does not match SCB's metadata ({len(problems)} problem(s)):\n{lines}\n"
            "Update segindicators/catalogue/indicators.yaml to SCB's current codes (see each table's /metadata)."
        )
