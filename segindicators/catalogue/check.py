"""Run-time check of the catalogue against SCB's table metadata (PxWebApi v2 ``/tables/{id}/metadata``).

SCB renumbers tables (TAB6436 became TAB6685) and occasionally renames value codes; worse, a code can exist and
mean something else (TAB6684 ``000008A9`` is "Quartile 4, share of persons, percent", not the median). Before
a build, every table, variable and value code an indicator or group uses is looked up in the table's metadata,
and the meaning the catalogue states for each code is compared with SCB's label. Anything missing or meaning
something else is a :class:`Problem` naming the indicator, the table, the code, what was expected and what
SCB's metadata says. A variable SCB does not let one leave out (``extension.elimination: false``) that an
entry does not select is a problem too: the API would refuse the call.

Meanings are label fragments (``"median"``, ``"quartile 1 | kvartil 1"``): a code's meaning holds when one
fragment begins a word of SCB's label, compared case-insensitively with en dashes read as hyphens, so both
``lang=sv`` and ``lang=en`` wordings are handled by listing both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from segindicators.catalogue.definitions import (
    WILDCARD,
    Catalogue,
    CountSpec,
    Meaning,
    SourcePeriod,
)

__all__ = [
    "CatalogueMismatchError",
    "Problem",
    "assert_catalogue_matches",
    "check_catalogue",
    "label_means",
    "metadata_codes",
    "metadata_labels",
]

#: Variables the builder selects itself (never part of an entry's codes).
BUILDER_VARIABLES = ("Region", "Tid")


class CatalogueMismatchError(LookupError):
    """The catalogue uses a table, variable or value code SCB's metadata lacks, or one that means something else."""


@dataclass(frozen=True)
class Problem:
    """One mismatch: who uses it (``owner``), in which table, and what is wrong."""

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


def metadata_labels(metadata: Mapping[str, Any], variable: str) -> dict[str, str]:
    """Code → label of one variable in a metadata document (empty when the variable has no labels)."""
    dim = (metadata.get("dimension") or {}).get(variable) or {}
    return {str(k): str(v) for k, v in ((dim.get("category") or {}).get("label") or {}).items()}


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("–", "-").replace("—", "-").lower()).strip()


def label_means(label: str, fragments: Iterable[str]) -> bool:
    """True when one of ``fragments`` begins a word of ``label`` (case-insensitive, en dash = hyphen).

    A fragment ending in a digit must not run on into more digits ("quartile 1" does not match "quartile 10").

    Examples
    --------
    >>> label_means("Median value, SEK thousands", ["median"])
    True
    >>> label_means("Quartile 4, share of persons, percent", ["median"])
    False
    >>> label_means("number of unemployed", ["employed"]), label_means("20–64 years", ["20-64"])
    (False, True)
    >>> label_means("Totalt", ["total"]), label_means("Medianvärde, tkr", ["median"])
    (True, True)
    """
    text = _normal(label)
    for fragment in fragments:
        frag = _normal(fragment)
        if not frag:
            continue
        tail = r"(?!\d)" if frag[-1].isdigit() else ""
        if re.search(r"(?<!\w)" + re.escape(frag) + tail, text):
            return True
    return False


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
    meanings: Iterable[Meaning],
    metadata: Mapping[str, Mapping[str, Any] | None],
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
    stated = {(m.variable, m.code): m for m in meanings if m.table == period.table}
    for var in sorted(codes):
        if var not in have:
            continue
        labels = metadata_labels(meta, var)
        for code in sorted(c for c in codes[var] if c != WILDCARD and c in have[var]):
            meaning = stated.get((var, code))
            if meaning is None:
                problems.append(
                    Problem(
                        owner,
                        period.table,
                        f"value code {var}={code!r} states no meaning; SCB's label is {labels.get(code)!r}. "
                        f"Write it as {{{code!r}: <label fragment>}} in indicators.yaml",
                    )
                )
            elif code in labels and not label_means(labels[code], meaning.fragments):
                problems.append(
                    Problem(
                        owner,
                        period.table,
                        f"value code {var}={code!r} should mean {' | '.join(meaning.fragments)!r} but SCB's label "
                        f"is {labels[code]!r}; find the code SCB labels so in /metadata and update indicators.yaml",
                    )
                )
    dims = meta.get("dimension") or {}
    for var in meta.get("id") or list(dims):
        if var in BUILDER_VARIABLES or var in codes:
            continue
        if not ((dims.get(var) or {}).get("extension") or {}).get("elimination", True):
            problems.append(
                Problem(
                    owner,
                    period.table,
                    f"variable {var!r} must be selected (SCB's metadata says elimination: false) but the entry "
                    f"selects none of its codes {sorted(have.get(var, []))}; add it to the selection",
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
        Empty when every table, variable and code exists and means what the catalogue says it means.
    """
    wanted_i = set(indicators) if indicators is not None else None
    wanted_g = set(groups) if groups is not None else None
    wanted_t = set(tables) if tables is not None else None
    problems: list[Problem] = []
    for ind in catalogue.indicators:
        if wanted_i is not None and ind.id not in wanted_i:
            continue
        share = ind.share_of
        for period in ind.sources:
            if wanted_t is not None and period.table not in wanted_t:
                continue
            codes = _spec_codes(
                ind.selection_for(period), ind.numerator, ind.denominator, ind.total, ind.level,
                share.content if share else None, share.persons if share else None,
            )  # fmt: skip
            problems += _check_table(f"indicator {ind.id!r}", period, codes, ind.meanings, metadata)
    for grp in catalogue.groups:
        if wanted_g is not None and grp.id not in wanted_g:
            continue
        for period in grp.sources:
            if wanted_t is not None and period.table not in wanted_t:
                continue
            codes = _spec_codes(
                grp.selection_for(period), grp.total, grp.share_of.persons if grp.share_of else None,
                *grp.members.values(),
            )  # fmt: skip
            problems += _check_table(f"group {grp.id!r}", period, codes, grp.meanings, metadata)
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
