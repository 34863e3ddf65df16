"""The catalogue's types: indicators, group definitions and their parts, as frozen dataclasses.

:mod:`segindicators.catalogue.definitions` builds them from ``indicators.yaml`` (and re-exports every name
here); the builder and the run-time check read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = [
    "DIRECTIONS",
    "GEO_VERSIONS",
    "LEVELS",
    "WILDCARD",
    "Break",
    "Catalogue",
    "CountSpec",
    "GroupDefinition",
    "Indicator",
    "Meaning",
    "ShareOf",
    "SourcePeriod",
    "Sourced",
]

DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
GEO_VERSIONS = ("2018", "2025")
LEVELS = ("DeSO", "RegSO")
WILDCARD = "*"


@dataclass(frozen=True)
class SourcePeriod:
    """One SCB table serving reference years ``first``..``last`` (``last=None``: still published).

    Examples
    --------
    >>> p = SourcePeriod("TAB6574", 2024, None, "2025")
    >>> p.covers(2030), p.covers(2023), p.label()
    (True, False, 'TAB6574 2024– (geo 2025)')
    """

    table: str
    first: int
    last: int | None
    geo_version: str
    selection: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def covers(self, year: int) -> bool:
        """True when ``year`` falls inside this period."""
        return year >= self.first and (self.last is None or year <= self.last)

    def label(self) -> str:
        """Human-readable ``TABxxxx first–last (geo v)``."""
        end = "" if self.last is None else str(self.last)
        return f"{self.table} {self.first}–{end} (geo {self.geo_version})"


@dataclass(frozen=True)
class CountSpec:
    """Value codes to sum (per variable), minus optional codes to subtract.

    ``codes = {"Fodelseregion": ("tot",)}, minus = {"Fodelseregion": ("sv",)}`` reads "total minus born in
    Sweden". Codes of different variables combine as a cross product.
    """

    codes: Mapping[str, tuple[str, ...]]
    minus: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def all_codes(self) -> dict[str, set[str]]:
        """Every value code the spec touches, per variable (codes and minus together)."""
        out: dict[str, set[str]] = {}
        for part in (self.codes, self.minus):
            for var, codes in part.items():
                out.setdefault(var, set()).update(codes)
        return out


@dataclass(frozen=True)
class ShareOf:
    """SCB publishes a percentage (``content``) and, in the same table, its number of persons (``persons``).

    The count is reconstructed as share/100 x persons. Its precision is the percentage's published decimals,
    read from the table's metadata at build time (never written here).
    """

    content: CountSpec
    persons: CountSpec


@dataclass(frozen=True)
class Meaning:
    """What a value code is meant to be: ``fragments`` are alternative label fragments (Swedish or English)."""

    table: str
    variable: str
    code: str
    fragments: tuple[str, ...]


@dataclass(frozen=True)
class Break:
    """A series break: the year the new regime starts, why, and the Swedish text readers see."""

    year: int
    reason: str
    reason_sv: str


class Sourced:
    """What an indicator and a group definition share: SCB tables per period and fixed value codes.

    A mixin of the two dataclasses (which declare ``sources`` and ``selection``).
    """

    sources: tuple[SourcePeriod, ...]
    selection: Mapping[str, tuple[str, ...]]

    def source_for(self, year: int) -> SourcePeriod | None:
        """The source period covering ``year``, or None when there is no data that year."""
        for period in self.sources:
            if period.covers(year):
                return period
        return None

    def selection_for(self, period: SourcePeriod) -> dict[str, tuple[str, ...]]:
        """The fixed codes of one source period: the entry's selection plus the period's own (e.g. its content)."""
        return {**self.selection, **period.selection}


@dataclass(frozen=True)
class Indicator(Sourced):
    """One catalogue indicator. Exactly one of ``numerator`` (count/share), ``share_of`` or ``level`` is set."""

    id: str
    name_sv: str
    name_en: str
    area: int
    unit: str
    direction: str
    age_band: str
    sources: tuple[SourcePeriod, ...]
    selection: Mapping[str, tuple[str, ...]]
    numerator: CountSpec | None = None
    denominator: CountSpec | None = None
    total: CountSpec | None = None
    share_of: ShareOf | None = None
    level: CountSpec | None = None
    levels: tuple[str, ...] = LEVELS
    breaks: tuple[Break, ...] = ()
    caveats: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    verify: bool = False
    meanings: tuple[Meaning, ...] = ()

    @property
    def kind(self) -> str:
        """``"count"``, ``"share"``, ``"reconstructed"`` or ``"level"``."""
        if self.share_of is not None:
            return "reconstructed"
        if self.level is not None:
            return "level"
        return "share" if self.denominator is not None else "count"

    def break_years(self) -> set[int]:
        """Years that start a new regime."""
        return {b.year for b in self.breaks}


@dataclass(frozen=True)
class GroupDefinition(Sourced):
    """A set of population groups for segregation indices (two-group or multigroup)."""

    id: str
    name_en: str
    kind: str
    sources: tuple[SourcePeriod, ...]
    selection: Mapping[str, tuple[str, ...]]
    variable: str
    members: Mapping[str, CountSpec]
    total: CountSpec | None = None
    share_of: ShareOf | None = None
    verify: bool = False
    meanings: tuple[Meaning, ...] = ()


_E = TypeVar("_E", Indicator, GroupDefinition)


@dataclass(frozen=True)
class Catalogue:
    """All indicators and groups, with the CKM start year."""

    indicators: tuple[Indicator, ...]
    groups: tuple[GroupDefinition, ...]
    ckm_from: int

    def indicator(self, indicator_id: str) -> Indicator:
        """Look an indicator up by id; the error lists the known ids."""
        return _by_id(self.indicators, indicator_id, "indicator")

    def group(self, group_id: str) -> GroupDefinition:
        """Look a group definition up by id; the error lists the known ids."""
        return _by_id(self.groups, group_id, "group")


def _by_id(entries: tuple[_E, ...], wanted: str, kind: str) -> _E:
    for entry in entries:
        if entry.id == wanted:
            return entry
    known = ", ".join(e.id for e in entries)
    raise KeyError(f"{kind} {wanted!r} is not in the catalogue; known ids: {known}")
