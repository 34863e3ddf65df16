"""Which SCB tables, codes and years a build asks for: the catalogue's side of the call plan.

Both builds read the catalogue the same way (:func:`table_codes`): every table an indicator or group uses in a
source period covering a requested year, with the union of the value codes its entries use per variable and
the years its periods cover. :func:`plan_requests` turns that into the one-municipality calls of
:func:`segindicators.catalogue.builder.build_counts` (Region ``"<kommun>*"`` plus riket, one call per table);
:mod:`segindicators.catalogue.national` into the whole country's calls (one per table × level × geography
version, through the table's own Region codelists).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from segindicators.catalogue.definitions import (
    WILDCARD,
    Catalogue,
    GroupDefinition,
    Indicator,
    SourcePeriod,
    load_catalogue,
)
from segindicators.sources.scb.metadata import TableSpec

__all__ = [
    "RIKET",
    "ClientLike",
    "TableCodes",
    "TableRequest",
    "entries_of",
    "expected_years",
    "parse_years",
    "plan_requests",
    "table_codes",
]

RIKET = "00"


class ClientLike(Protocol):
    """What the builders need from :class:`segindicators.sources.scb.ScbClient`."""

    def data(
        self, table_id: str, selection: Mapping[str, list[str]], codelists: Mapping[str, str] | None = None
    ) -> pd.DataFrame: ...

    def metadata(self, table_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TableRequest:
    """One ``ScbClient.data`` call: a table, its full selection (Region, the codes used, the years), and the
    Region codelist it is read through (none for the one-municipality build)."""

    table: str
    selection: dict[str, list[str]]
    unpublished: tuple[int, ...] = ()
    codelists: dict[str, str] = field(default_factory=dict)
    level: str | None = None
    geo_version: str | None = None

    @property
    def years(self) -> list[int]:
        """Reference years requested."""
        return [int(t) for t in self.selection["Tid"]]


def parse_years(text: str) -> list[int]:
    """Parse ``"2020-2024"``, ``"2021"`` or ``"2019,2021-2022"`` into a sorted list of years.

    Examples
    --------
    >>> parse_years("2020-2022,2024")
    [2020, 2021, 2022, 2024]
    """
    years: set[int] = set()
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:[-–](\d{4}))?", part)
        if not m:
            raise ValueError(f"years: expected e.g. '2020-2024' or '2021,2023', got {text!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise ValueError(f"years: range {part!r} runs backwards; write it as {hi}-{lo}")
        years.update(range(lo, hi + 1))
    return sorted(years)


def entries_of(
    catalogue: Catalogue, indicators: Iterable[str] | None, groups: Iterable[str] | None
) -> tuple[list[Indicator], list[GroupDefinition]]:
    """The indicators and groups a build makes (default: all; ``groups=[]`` for none); unknown ids raise."""
    inds = (
        [catalogue.indicator(i) for i in indicators] if indicators is not None else list(catalogue.indicators)
    )
    grps = [catalogue.group(g) for g in groups] if groups is not None else list(catalogue.groups)
    return inds, grps


def _entry_codes(
    entry: Indicator | GroupDefinition, period: SourcePeriod
) -> list[Mapping[str, Iterable[str]]]:
    """Every code an indicator or group uses in one source period, per variable."""
    parts: list[Mapping[str, Iterable[str]]] = [entry.selection_for(period)]
    if isinstance(entry, Indicator):
        specs = [entry.numerator, entry.denominator, entry.total, entry.level]
    else:
        specs = [*entry.members.values(), entry.total]
    if entry.share_of is not None:
        specs += [entry.share_of.content, entry.share_of.persons]
    parts += [s.all_codes() for s in specs if s is not None and s.codes]
    return parts


@dataclass
class TableCodes:
    """The union of what a build's entries use from one table: codes per variable, years per geography version."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    years: dict[str, set[int]] = field(default_factory=dict)

    def selection(self) -> dict[str, list[str]]:
        """The non-Region, non-Tid selection: sorted codes per variable (``["*"]`` where an entry asks for all)."""
        return {
            var: [WILDCARD] if WILDCARD in cs else sorted(cs) for var, cs in sorted(self.codes.items())
        }

    def all_years(self) -> set[int]:
        """Years over every geography version."""
        return set().union(*self.years.values()) if self.years else set()


def table_codes(
    entries: Iterable[Indicator | GroupDefinition], years: Iterable[int]
) -> dict[str, TableCodes]:
    """Per table (sorted by id), the codes the entries use and the requested years their periods cover.

    Examples
    --------
    >>> cat = load_catalogue()
    >>> got = table_codes([cat.indicator("population")], range(2022, 2026))["TAB6574"]
    >>> got.selection(), {g: sorted(y) for g, y in got.years.items()}
    ({'Alder': ['totalt'], 'ContentsCode': ['000007Y7'], 'Kon': ['1+2']}, {'2018': [2022, 2023], '2025': [2024, 2025]})
    """
    years = sorted(set(years))
    plan: dict[str, TableCodes] = {}
    for entry in entries:
        for period in entry.sources:
            ys = {y for y in years if period.covers(y)}
            if not ys:
                continue
            got = plan.setdefault(period.table, TableCodes())
            for part in _entry_codes(entry, period):
                for var, cs in part.items():
                    got.codes.setdefault(var, set()).update(cs)
            got.years.setdefault(period.geo_version, set()).update(ys)
    return dict(sorted(plan.items()))


def plan_requests(
    catalogue: Catalogue,
    kommun: str,
    years: Iterable[int],
    *,
    specs: Mapping[str, TableSpec] | None = None,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
) -> list[TableRequest]:
    """The data calls a one-municipality build makes: one per table, every level and geography version in it.

    Region is selected by the table's own codes (``"<kommun>*"`` plus ``"00"`` where the table publishes
    riket), not through a codelist: one call brings every level. Each table is asked only for the years its
    ``/metadata`` lists; the years it lacks are the request's ``unpublished``.

    Parameters
    ----------
    catalogue
        The loaded catalogue.
    kommun
        Four-digit municipality code, e.g. ``"0580"``.
    years
        Reference years wanted.
    specs
        Table id → :class:`~segindicators.sources.scb.metadata.TableSpec` from the tables' ``/metadata``: which years
        and levels each table publishes. Without it every requested year a source period covers is asked for,
        with riket.
    indicators, groups
        Ids to build (default: all; pass ``groups=[]`` for none).

    Examples
    --------
    >>> from segindicators.sources.scb.metadata import recorded_specs
    >>> cat = load_catalogue()
    >>> reqs = plan_requests(cat, "0580", [2023, 2024, 2025], specs=recorded_specs(),
    ...                      indicators=["employment_rate_20_64"], groups=[])
    >>> [(r.table, r.selection["Region"], r.selection["Tid"], r.unpublished) for r in reqs]
    [('TAB6680', ['0580*'], ['2023', '2024'], (2025,))]
    >>> plan_requests(cat, "0580", [2024], specs=recorded_specs(), indicators=["population"],
    ...               groups=[])[0].selection
    {'Region': ['0580*', '00'], 'Alder': ['totalt'], 'ContentsCode': ['000007Y7'], 'Kon': ['1+2'], 'Tid': ['2024']}
    """
    if not re.fullmatch(r"\d{4}", kommun):
        raise ValueError(f"kommun: expected a four-digit municipality code such as '0580', got {kommun!r}")
    inds, grps = entries_of(catalogue, indicators, groups)
    out = []
    for table, got in table_codes([*inds, *grps], years).items():
        ys = got.all_years()
        spec = (specs or {}).get(table)
        published = set(spec.years) if spec is not None else ys
        asked = sorted(ys & published)
        regions = [f"{kommun}*"]
        if spec is None or "riket" in spec.levels:
            regions.append(RIKET)
        selection = {"Region": regions, **got.selection(), "Tid": [str(y) for y in asked]}
        unpublished = tuple(sorted(ys - published)) if asked else tuple(sorted(ys))
        out.append(TableRequest(table, selection, unpublished))
    return out


def expected_years(
    catalogue: Catalogue, years: Iterable[int], level: str, *, specs: Mapping[str, TableSpec] | None = None
) -> dict[str, list[int]]:
    """Per indicator id, the requested years its source periods cover and its table publishes.

    Examples
    --------
    >>> expected_years(load_catalogue(), [2018, 2019, 2020], "RegSO")["employment_rate_20_64"]
    [2020]
    >>> from segindicators.sources.scb.metadata import recorded_specs
    >>> expected_years(load_catalogue(), [2024, 2025], "DeSO", specs=recorded_specs())["employment_rate_20_64"]
    [2024]
    """
    out = {}
    for ind in catalogue.indicators:
        if level in ind.levels:
            kept = []
            for y in sorted(set(years)):
                period = ind.source_for(y)
                spec = None if period is None else (specs or {}).get(period.table)
                if period is not None and (spec is None or y in spec.years):
                    kept.append(y)
            out[ind.id] = kept
    return out
