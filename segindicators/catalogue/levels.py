"""A build's rows by level, and what the build says about years not yet published: the ``fetch`` stage's values.

:func:`split_levels` takes the frame :func:`~segindicators.catalogue.builder.build_counts` (one municipality) or
:func:`~segindicators.catalogue.national.build_national_counts` (every municipality) returns and hands back
its DeSO/RegSO rows, SCB's own kommun and riket rows (named), the tables whose cell sums SCB does not vouch
for, and one warning per table × years the table does not publish yet (:func:`unpublished_warnings`). Pure:
it takes values and returns values. :func:`validate_levels` is the ``validate`` stage's: each level's rows against
the lookup's codes and the catalogue's expected years; :func:`same_rows` compares a national build's rows of one
municipality with that municipality's own build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segindicators.catalogue.builder import expected_years
from segindicators.catalogue.definitions import Catalogue
from segindicators.catalogue.validate import validate_counts
from segindicators.sources.scb.metadata import TableSpec

__all__ = [
    "BuiltLevels",
    "LevelsValidation",
    "same_rows",
    "split_levels",
    "unpublished_warnings",
    "validate_levels",
]

#: The name of the national rows (Region ``00``).
RIKET_NAME = "Riket"


@dataclass(frozen=True)
class BuiltLevels:
    """A build's rows by level.

    Attributes
    ----------
    areas
        DeSO and RegSO rows as built (index reset).
    kommun, riket
        SCB's own kommun rows (``area_name`` the municipality's name) and the riket rows (``"Riket"``).
    unvouched_tables
        Tables whose metadata says ``aggregallowed: false``.
    tables
        Every table whose ``/metadata`` the build read.
    requests
        The number of data calls the build planned.
    warnings
        :func:`unpublished_warnings` of the build.
    """

    areas: pd.DataFrame
    kommun: pd.DataFrame
    riket: pd.DataFrame
    unvouched_tables: tuple[str, ...]
    tables: tuple[str, ...]
    requests: int
    warnings: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line: rows, indicators/groups, kommun and riket rows, data calls."""
        return (
            f"{len(self.areas):,} rows, {self.areas['indicator'].nunique()} indicators/groups "
            f"(+ {len(self.kommun):,} kommun and {len(self.riket):,} riket rows); {self.requests} data calls"
        )


def unpublished_warnings(unpublished: Iterable[Mapping[str, Any]]) -> list[str]:
    """One sentence per table × years not yet published, naming the indicators left without figures.

    Parameters
    ----------
    unpublished
        A build's ``attrs["unpublished"]``: rows ``{indicator, table, years}``.

    Examples
    --------
    >>> unpublished_warnings([{"indicator": "b", "table": "TAB1", "years": [2025]},
    ...                       {"indicator": "a", "table": "TAB1", "years": [2025]}])
    ["TAB1: 2025 not yet published by SCB (the table's /metadata ends earlier); a, b have no figures for that year."]
    """
    by_table: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for item in unpublished:
        by_table.setdefault((item["table"], tuple(item["years"])), []).append(item["indicator"])
    return [
        f"{table}: {', '.join(map(str, years))} not yet published by SCB (the table's /metadata ends earlier); "
        f"{', '.join(sorted(users))} have no figures for {'that year' if len(years) == 1 else 'those years'}."
        for (table, years), users in sorted(by_table.items())
    ]


def split_levels(built: pd.DataFrame, *, kommun_names: Mapping[str, str]) -> BuiltLevels:
    """The build's DeSO/RegSO rows, its kommun rows named by ``kommun_names`` and its riket rows.

    Parameters
    ----------
    built
        A build's frame with its ``attrs`` (``unpublished``, ``unvouched_tables``, ``requests``, ``tables``).
    kommun_names
        Municipality code → name for the kommun rows' ``area_name``; a code without a name gets
        ``"kommun <code>"``.

    Returns
    -------
    BuiltLevels

    Examples
    --------
    >>> b = pd.DataFrame({"kommun": ["0580", "0580", "00"], "level": ["DeSO", "kommun", "riket"],
    ...                   "area": ["0580C1010", "0580", "00"], "area_name": pd.NA, "indicator": "x"})
    >>> s = split_levels(b, kommun_names={"0580": "Linköping"})
    >>> len(s.areas), s.kommun["area_name"].tolist(), s.riket["area_name"].tolist()
    (1, ['Linköping'], ['Riket'])
    """
    level = built["level"]
    own = built[(level == "kommun").to_numpy()]
    names = own["kommun"].map(lambda k: kommun_names.get(k) or f"kommun {k}")
    return BuiltLevels(
        areas=built[level.isin(["DeSO", "RegSO"]).to_numpy()].reset_index(drop=True),
        kommun=own.assign(area_name=names.to_numpy() if len(own) else own["area_name"]),
        riket=built[(level == "riket").to_numpy()].assign(area_name=RIKET_NAME),
        unvouched_tables=tuple(built.attrs.get("unvouched_tables", [])),
        tables=tuple(built.attrs.get("tables", [])),
        requests=len(built.attrs.get("requests", [])),
        warnings=tuple(unpublished_warnings(built.attrs.get("unpublished", []))),
    )


@dataclass(frozen=True)
class LevelsValidation:
    """What :func:`validate_levels` found: missing years (warnings) and the coverage table."""

    warnings: tuple[str, ...]
    coverage: pd.DataFrame

    @property
    def summary(self) -> str:
        """One line: the indicator-years with less than full coverage."""
        low = self.coverage[self.coverage["coverage"] < 1]
        return f"ok; {len(low)} indicator-years with coverage < 100 %"


def validate_levels(
    areas: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    catalogue: Catalogue,
    years: Iterable[int],
    specs: Mapping[str, TableSpec],
) -> LevelsValidation:
    """Validate the DeSO and RegSO rows against the lookup's codes and the catalogue's expected years.

    Parameters
    ----------
    areas
        DeSO and RegSO rows as built.
    lookup
        The lookup frame (``deso``, ``regso``) of the run.
    catalogue, years, specs
        For :func:`~segindicators.catalogue.builder.expected_years` (the years each table publishes).

    Returns
    -------
    LevelsValidation
        Missing years as warnings (SCB may publish late) and the coverage per indicator-year.

    Raises
    ------
    ValueError
        Any other problem (unknown codes, negative counts, a group larger than its total, a suppressed cell
        with a value), each with its first offenders: the run must stop.
    """
    problems, warnings, coverage = [], [], []
    known = {"DeSO": set(lookup["deso"]), "RegSO": set(lookup["regso"])}
    for level in ("DeSO", "RegSO"):
        report = validate_counts(
            areas[areas["level"] == level],
            known_areas=known[level],
            expected_years=expected_years(catalogue, years, level, specs=specs),
        )
        for p in report.problems:
            (warnings if "missing years" in p else problems).append(f"{level}: {p}")
        coverage.append(report.coverage)
    if problems:
        raise ValueError("the processed counts are not valid:\n  - " + "\n  - ".join(problems))
    return LevelsValidation(warnings=tuple(warnings), coverage=pd.concat(coverage, ignore_index=True))


def same_rows(national: pd.DataFrame, own: pd.DataFrame, kommun: str, *, max_listed: int = 5) -> list[str]:
    """Where a national build's rows of ``kommun`` differ from the municipality's own build (empty: none).

    Both builds read the same SCB tables through the same transformations, so the municipality's DeSO/RegSO
    rows must agree figure by figure (numerator, denominator, value; NaN equals NaN); a difference means the
    two calls were answered differently and neither may be used for a comparison.

    Parameters
    ----------
    national
        Rows of the national build (any municipalities).
    own
        The municipality's own DeSO/RegSO rows (:func:`split_levels` ``areas``).
    kommun
        The municipality compared.

    Returns
    -------
    list of str
        One sentence per kind of difference, naming the first offenders (indicator/area/year).

    Examples
    --------
    >>> a = pd.DataFrame({"kommun": "0580", "level": "RegSO", "geo_version": "2018", "area": "0580R001",
    ...                   "year": [2022], "indicator": "background.foreign", "numerator": [10.0],
    ...                   "denominator": [100.0], "value": [0.1]})
    >>> same_rows(a, a, "0580"), same_rows(a.assign(numerator=11.0), a, "0580")[0][:40]
    ([], '1 figure(s) of kommun 0580 differ betwee')
    """
    key = ["level", "geo_version", "area", "year", "indicator"]
    cols = ["numerator", "denominator", "value"]
    theirs = national.loc[national["kommun"] == kommun, [*key, *cols]]
    mine = own.loc[own["indicator"].isin(set(theirs["indicator"])), [*key, *cols]]
    both = mine.merge(theirs, on=key, how="outer", suffixes=("_own", "_national"), indicator=True)
    out = []
    for side, where in (("left_only", "the national build"), ("right_only", "the municipality's own build")):
        gone = both[both["_merge"] == side]
        if len(gone):
            shown = ", ".join(
                "/".join(str(v) for v in r)
                for r in gone[["indicator", "area", "year"]].head(max_listed).to_numpy()
            )
            out.append(f"{len(gone)} figure(s) of kommun {kommun} are missing from {where} (e.g. {shown})")
    paired = both[both["_merge"] == "both"]
    differ = np.zeros(len(paired), dtype=bool)
    for c in cols:
        a, b = paired[f"{c}_own"].to_numpy(float), paired[f"{c}_national"].to_numpy(float)
        differ |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    if differ.any():
        bad = paired[differ]
        shown = ", ".join(
            "/".join(str(v) for v in r)
            for r in bad[["indicator", "area", "year"]].head(max_listed).to_numpy()
        )
        out.append(
            f"{int(differ.sum())} figure(s) of kommun {kommun} differ between its own build and the national build "
            f"(e.g. {shown}); SCB answered the two calls differently (a revision between them?): run again"
        )
    return out
