"""The measures register (åtgärder): itemised measures and yearly aggregate status counts.

File format (YAML, one file per municipality; the shipped Linköping file is
``segindicators/plan/plans/linkoping_2023_measures.yaml``)::

    municipality: "0580"
    development_area_ids: [1, 2, 3, 4, 5]
    measures:                      # itemised, when known
      - id: "5.4"
        development_area: 5
        title: "Öppna upp kulturskolan för fler. Differentierad taxa."
        responsible: null          # responsible committee (nämnd), when known
        status: null               # genomförd | pågår | ej genomförd | null (unknown)
        year: 2023
        indicators: []             # optional plan indicator ids the measure is meant to move
    totals:                        # aggregate counts when only totals are known
      - year: 2022
        total: 60
        genomförd: 15
        pågår: 39
        ej genomförd: 6
        source: "..."

Validation errors name the measure or year, what was expected and what was found.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from segindicators._io import atomic_write_text
from segindicators.plan.files import read_plan_yaml, shipped_names

STATUSES: tuple[str, ...] = ("genomförd", "pågår", "ej genomförd")
"""Allowed measure statuses (done, ongoing, not done); ``None`` means unknown."""

UNKNOWN = "okänd"
STATUS_EN = {"genomförd": "done", "pågår": "ongoing", "ej genomförd": "not done", UNKNOWN: "unknown"}


class RegisterError(ValueError):
    """A measures register that does not validate; the message names the measure or year."""


@dataclass(frozen=True)
class Measure:
    """One itemised measure (åtgärd)."""

    id: str
    development_area: int
    title: str
    year: int
    status: str | None = None
    responsible: str | None = None
    indicators: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class YearTotals:
    """Aggregate status counts for one year when only totals are known (``None`` = not reported)."""

    year: int
    total: int
    genomford: int | None = None
    pagar: int | None = None
    ej_genomford: int | None = None
    source: str | None = None

    def counts(self) -> dict[str, int | None]:
        """Status → count, with the Swedish status names as keys."""
        return {"genomförd": self.genomford, "pågår": self.pagar, "ej genomförd": self.ej_genomford}


@dataclass(frozen=True)
class MeasuresRegister:
    """Itemised measures and yearly totals of one municipality."""

    municipality: str
    development_area_ids: tuple[int, ...]
    measures: tuple[Measure, ...] = ()
    totals: tuple[YearTotals, ...] = ()


def _int_or_none(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RegisterError(f"{where}: {key!r} must be a non-negative integer or empty, got {value!r}.")
    return value


def register_from_dict(
    raw: Mapping[str, Any], areas: Iterable[int] | None = None, indicators: Iterable[str] | None = None
) -> MeasuresRegister:
    """Build and validate a :class:`MeasuresRegister` from a parsed YAML mapping.

    Parameters
    ----------
    raw
        Mapping in the file format of the module docstring.
    areas
        Development area ids accepted (e.g. ``plan.area_ids``); default: the file's ``development_area_ids``.
    indicators
        Indicator ids a measure may link to (e.g. the plan's); default: links are not checked.

    Examples
    --------
    >>> r = register_from_dict({"municipality": "0580", "development_area_ids": [1, 2],
    ...     "totals": [{"year": 2022, "genomförd": 1, "pågår": 2, "ej genomförd": 0}]})
    >>> r.totals[0].total
    3
    >>> register_from_dict({"municipality": "0580", "development_area_ids": [1],
    ...     "measures": [{"id": "9.1", "development_area": 9, "title": "x", "year": 2023}]})
    Traceback (most recent call last):
    ...
    segindicators.plan.measures.RegisterError: measure '9.1': unknown development area 9; expected one of [1].
    """
    if not isinstance(raw, Mapping):
        raise RegisterError(f"register: expected a mapping at the top of the file, got {type(raw).__name__}.")
    municipality = str(raw.get("municipality", ""))
    declared = raw.get("development_area_ids")
    area_ids = tuple(sorted(areas)) if areas is not None else tuple(declared or ())
    if not area_ids:
        raise RegisterError("register: no development areas known; set development_area_ids or pass areas=.")
    measures: list[Measure] = []
    seen: set[tuple[str, int]] = set()
    for i, m in enumerate(raw.get("measures") or []):
        mid = m.get("id") if isinstance(m, Mapping) else None
        if mid is None:
            raise RegisterError(f"measure #{i + 1}: required field 'id' is missing.")
        where = f"measure {str(mid)!r}"
        for key in ("development_area", "title", "year"):
            if m.get(key) is None:
                raise RegisterError(f"{where}: required field {key!r} is missing.")
        area = m["development_area"]
        if area not in area_ids:
            raise RegisterError(
                f"{where}: unknown development area {area!r}; expected one of {list(area_ids)}."
            )
        status = m.get("status")
        if status is not None and status not in STATUSES:
            raise RegisterError(
                f"{where}: unknown status {status!r}; expected one of {list(STATUSES)} or empty for unknown."
            )
        year = m["year"]
        if isinstance(year, bool) or not isinstance(year, int):
            raise RegisterError(f"{where}: year must be an integer, got {year!r}.")
        if (str(mid), year) in seen:
            raise RegisterError(
                f"{where}: listed twice for {year}; measure ids must be unique within a year."
            )
        seen.add((str(mid), year))
        inds = m.get("indicators") or []
        if not isinstance(inds, list):
            raise RegisterError(f"{where}: indicators must be a list of indicator ids, got {inds!r}.")
        if indicators is not None:
            known_inds = set(indicators)
            bad = [x for x in inds if x not in known_inds]
            if bad:
                raise RegisterError(
                    f"{where}: links to indicators {bad} that the plan does not follow; expected ids among "
                    f"{sorted(known_inds)}."
                )
        measures.append(
            Measure(
                id=str(mid),
                development_area=area,
                title=str(m["title"]),
                year=year,
                status=status,
                responsible=m.get("responsible"),
                indicators=tuple(str(x) for x in inds),
                note=m.get("note"),
            )
        )
    totals: list[YearTotals] = []
    years: set[int] = set()
    for i, t in enumerate(raw.get("totals") or []):
        year = t.get("year") if isinstance(t, Mapping) else None
        if isinstance(year, bool) or not isinstance(year, int):
            raise RegisterError(f"totals #{i + 1}: year must be an integer, got {year!r}.")
        where = f"totals {year}"
        if year in years:
            raise RegisterError(f"{where}: year listed twice; give one totals entry per year.")
        years.add(year)
        unknown_keys = set(t) - {"year", "total", "source", *STATUSES}
        if unknown_keys:
            raise RegisterError(
                f"{where}: unknown status or field {sorted(unknown_keys)}; statuses are {list(STATUSES)}."
            )
        parts = {s: _int_or_none(t.get(s), where, s) for s in STATUSES}
        total = _int_or_none(t.get("total"), where, "total")
        known = [v for v in parts.values() if v is not None]
        if total is None:
            if len(known) < len(STATUSES):
                raise RegisterError(f"{where}: give 'total' or all of {list(STATUSES)}.")
            total = sum(known)
        elif len(known) == len(STATUSES) and sum(known) != total:
            raise RegisterError(
                f"{where}: the statuses add up to {sum(known)} "
                f"({' + '.join(str(v) for v in known)}) but total is {total}; correct one of them."
            )
        elif sum(known) > total:
            raise RegisterError(
                f"{where}: the known statuses add up to {sum(known)}, more than total {total}."
            )
        itemised = [m for m in measures if m.year == year]
        if len(itemised) > total:
            raise RegisterError(f"{where}: {len(itemised)} itemised measures but the total is only {total}.")
        for s, v in parts.items():
            n_s = sum(m.status == s for m in itemised)
            if v is not None and n_s > v:
                raise RegisterError(
                    f"{where}: {n_s} itemised measures have status {s!r} but the total says {v}."
                )
        totals.append(
            YearTotals(
                year, total, parts["genomförd"], parts["pågår"], parts["ej genomförd"], t.get("source")
            )
        )
    return MeasuresRegister(
        municipality, area_ids, tuple(measures), tuple(sorted(totals, key=lambda x: x.year))
    )


def load_register(
    path: str | os.PathLike[str], areas: Iterable[int] | None = None, indicators: Iterable[str] | None = None
) -> MeasuresRegister:
    """Read and validate a measures register YAML (a path, or a shipped name like ``"linkoping_2023_measures"``).

    ``areas`` and ``indicators`` as in :func:`register_from_dict`.

    Examples
    --------
    >>> r = load_register("linkoping_2023_measures")
    >>> [(t.year, t.total) for t in r.totals]
    [(2022, 60), (2023, 50)]
    """
    raw = read_plan_yaml(path, "register", RegisterError)
    try:
        return register_from_dict(raw, areas, indicators)
    except RegisterError as exc:
        raise RegisterError(f"{path}: {exc}") from None


def shipped_register(kommun: str) -> MeasuresRegister | None:
    """The measures register shipped in the package for ``kommun`` (``plan/plans/*_measures.yaml``), or None.

    Examples
    --------
    >>> shipped_register("0580").municipality, shipped_register("0114") is None
    ('0580', True)
    """
    for name in shipped_names("register"):
        register = load_register(name)
        if register.municipality == kommun:
            return register
    return None


def register_to_dict(register: MeasuresRegister) -> dict[str, Any]:
    """The register as a plain mapping in the file format (inverse of :func:`register_from_dict`)."""
    out: dict[str, Any] = {
        "municipality": register.municipality,
        "development_area_ids": list(register.development_area_ids),
        "measures": [
            {
                "id": m.id,
                "development_area": m.development_area,
                "title": m.title,
                "responsible": m.responsible,
                "status": m.status,
                "year": m.year,
                "indicators": list(m.indicators),
                **({"note": m.note} if m.note is not None else {}),
            }
            for m in register.measures
        ],
        "totals": [
            {"year": t.year, "total": t.total, **t.counts(), **({"source": t.source} if t.source else {})}
            for t in register.totals
        ],
    }
    return out


def save_register(register: MeasuresRegister, path: str | os.PathLike[str]) -> Path:
    """Write the register as YAML atomically; :func:`load_register` reads it back equal."""
    text = yaml.safe_dump(register_to_dict(register), allow_unicode=True, sort_keys=False, width=110)
    return atomic_write_text(path, text)


def summarise(register: MeasuresRegister) -> pd.DataFrame:
    """Counts per year × development area × status, long.

    Itemised measures give rows per development area (``source="itemised"``); yearly totals give rows with
    ``development_area`` NA (``source="aggregate"``), including ``okänd`` for the part of the total whose
    status is not reported.

    Examples
    --------
    >>> s = summarise(load_register("linkoping_2023_measures"))
    >>> s[(s.year == 2022) & (s.source == "aggregate")][["status", "n"]].values.tolist()
    [['genomförd', 15], ['pågår', 39], ['ej genomförd', 6], ['okänd', 0]]
    """
    items = pd.DataFrame(
        {
            "year": [m.year for m in register.measures],
            "development_area": [m.development_area for m in register.measures],
            "status": [m.status if m.status is not None else UNKNOWN for m in register.measures],
        },
        dtype=object,
    )
    parts = []
    if len(items):
        g = items.groupby(["year", "development_area", "status"], sort=True).size().rename("n").reset_index()
        g["source"] = "itemised"
        parts.append(g)
    agg_rows = []
    for t in register.totals:
        c = t.counts()
        known = sum(v for v in c.values() if v is not None)
        for s, v in c.items():
            if v is not None:
                agg_rows.append((t.year, pd.NA, s, v))
        agg_rows.append((t.year, pd.NA, UNKNOWN, t.total - known))
    if agg_rows:
        a = pd.DataFrame(agg_rows, columns=["year", "development_area", "status", "n"])
        a["source"] = "aggregate"
        parts.append(a)
    cols = ["year", "development_area", "status", "n", "source"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out = out[cols]
    out["year"] = out["year"].astype("int64")
    out["development_area"] = out["development_area"].astype("Int64")
    out["status"] = out["status"].astype("string")
    out["n"] = out["n"].astype("int64")
    out["source"] = out["source"].astype("string")
    return out


def summary_by_year(register: MeasuresRegister) -> pd.DataFrame:
    """One row per year: total and counts per status (aggregate totals where given, else itemised counts).

    Examples
    --------
    >>> summary_by_year(load_register("linkoping_2023_measures"))
       year  total  genomförd  pågår  ej genomförd  okänd  share_done
    0  2022     60         15     39             6      0        0.25
    1  2023     50       <NA>   <NA>          <NA>     50         NaN
    """
    s = summarise(register)
    agg_years = set(s.loc[s.source == "aggregate", "year"])
    use = s[(s.source == "aggregate") | ~s.year.isin(agg_years)]
    wide = use.pivot_table(index="year", columns="status", values="n", aggfunc="sum")
    wide = wide.reindex(columns=[*STATUSES, UNKNOWN]).astype("Int64")
    itemised_years = ~wide.index.isin(list(agg_years))
    wide.loc[itemised_years] = wide.loc[itemised_years].fillna(0)  # itemised: a status nobody has is 0
    wide[UNKNOWN] = wide[UNKNOWN].fillna(0)
    # aggregate years: a status the follow-up did not report stays NA, never 0
    wide.insert(0, "total", wide.sum(axis=1, skipna=True).astype("int64"))
    share = wide["genomförd"].astype("Float64") / wide["total"]
    wide["share_done"] = share.where(wide[UNKNOWN] == 0).astype(float)
    wide.columns.name = None
    return wide.reset_index()
