"""Build processed counts (numerator, denominator, value per area × year × indicator) from SCB tables.

Two halves:

* the **call plan** (:func:`plan_requests`): for one municipality and level, every (table, geography version)
  the catalogue needs becomes exactly one ``ScbClient.data`` call — all indicators using the table share it,
  the Region selection is the codelist plus the wildcard ``"<kommun>*"``;
* pure **transformations** (:func:`sum_spec`, :func:`indicator_rows`, :func:`group_rows`) from the client's
  long frames (one column per variable code, ``region_version``, ``value``, ``status``) to rows of the
  processed-counts contract. Suppressed cells stay NaN and keep SCB's status; shares published only as
  percentages are reconstructed as share x persons and flagged ``reconstructed``; from the CKM year (2025) an
  indicator with a ``total`` uses the table's own total as denominator.

Aggregation to kommun, focus areas and harmonised series is the geography package's job, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from segindicators.catalogue.definitions import (
    WILDCARD,
    Catalogue,
    CountSpec,
    GroupDefinition,
    Indicator,
    PersonsBase,
    SourcePeriod,
    load_catalogue,
)

__all__ = [
    "COLUMNS",
    "BuildError",
    "TableRequest",
    "build_counts",
    "expected_years",
    "group_rows",
    "indicator_rows",
    "parse_years",
    "plan_requests",
    "sum_spec",
]

KEYS = ["Region", "region_version", "Tid"]
COLUMNS = [
    "kommun", "level", "geo_version", "area", "area_name", "year", "indicator", "numerator", "denominator",
    "value", "unit", "status", "source_table", "table_updated", "flags",
]  # fmt: skip
#: Processed-counts columns that hold codes and labels (always text, never missing-as-None).
LABEL_COLUMNS = (
    "kommun",
    "level",
    "geo_version",
    "area",
    "area_name",
    "indicator",
    "unit",
    "source_table",
    "flags",
)
FLAG_ORDER = ("harmonised", "reconstructed", "break", "suppressed", "small_area")
AREA_PATTERNS = {"DeSO": re.compile(r"^\d{4}[A-C]\d{4}$"), "RegSO": re.compile(r"^\d{4}R\d{3}$")}
SUPPRESSED = {"..", "."}


def labels_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the processed-counts label columns (:data:`LABEL_COLUMNS`) present in ``frame`` to text, in place.

    Rows built outside the builder (web exports, samples) then compare and concatenate with built rows.

    Examples
    --------
    >>> labels_as_text(pd.DataFrame({"kommun": [580], "value": [1.0]}))["kommun"].tolist()
    ['580']
    """
    for c in LABEL_COLUMNS:
        if c in frame.columns:
            frame[c] = frame[c].astype("str")
    return frame


class BuildError(ValueError):
    """A table frame cannot be turned into an indicator (ambiguous or missing codes)."""


class ClientLike(Protocol):
    """What the builder needs from :class:`segindicators.scb.ScbClient`."""

    def data(
        self, table_id: str, selection: Mapping[str, list[str]], codelists: Mapping[str, str] | None = None
    ) -> pd.DataFrame: ...

    def metadata(self, table_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TableRequest:
    """One ``ScbClient.data`` call: table, geography version, Region codelist and the full selection."""

    table: str
    geo_version: str
    codelist: str
    selection: dict[str, list[str]]

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


# ------------------------------------------------------------------------------------------- call plan


def _merge(into: dict[str, set[str]], codes: Mapping[str, Iterable[str]]) -> None:
    for var, cs in codes.items():
        into.setdefault(var, set()).update(cs)


def _users(
    catalogue: Catalogue, indicators: Iterable[str] | None, groups: Iterable[str] | None, level: str
) -> tuple[list[Indicator], list[GroupDefinition]]:
    inds = (
        [catalogue.indicator(i) for i in indicators] if indicators is not None else list(catalogue.indicators)
    )
    grps = [catalogue.group(g) for g in groups] if groups is not None else list(catalogue.groups)
    return [i for i in inds if level in i.levels], grps


def plan_requests(
    catalogue: Catalogue,
    kommun: str,
    years: Iterable[int],
    level: str,
    *,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
) -> list[TableRequest]:
    """The data calls a build makes: one per (table, geography version).

    Parameters
    ----------
    catalogue
        The loaded catalogue.
    kommun
        Four-digit municipality code, e.g. ``"0580"``.
    years
        Reference years wanted.
    level
        ``"DeSO"`` or ``"RegSO"``.
    indicators, groups
        Ids to build (default: all that exist at ``level``; pass ``groups=[]`` for none).

    Examples
    --------
    >>> cat = load_catalogue()
    >>> reqs = plan_requests(cat, "0580", [2023, 2024], "RegSO", indicators=["employment_rate_20_64"], groups=[])
    >>> [(r.table, r.codelist, r.selection["Region"], r.selection["Tid"]) for r in reqs]
    [('TAB6680', 'vs_RegSO2020', ['0580*'], ['2023']), ('TAB6680', 'vs_RegSO2025', ['0580*'], ['2024'])]
    """
    if level not in AREA_PATTERNS:
        raise ValueError(f"level: expected 'DeSO' or 'RegSO', got {level!r}")
    if not re.fullmatch(r"\d{4}", kommun):
        raise ValueError(f"kommun: expected a four-digit municipality code such as '0580', got {kommun!r}")
    years = sorted(set(years))
    inds, grps = _users(catalogue, indicators, groups, level)
    plan: dict[tuple[str, str], tuple[dict[str, set[str]], set[int]]] = {}

    def add(period: SourcePeriod, table: str, codes: list[Mapping[str, Iterable[str]]]) -> None:
        ys = {y for y in years if period.covers(y)}
        if not ys:
            return
        merged, yset = plan.setdefault((table, period.geo_version), ({}, set()))
        for c in codes:
            _merge(merged, c)
        yset.update(ys)

    for ind in inds:
        for period in ind.sources:
            specs = [s.all_codes() for s in (ind.numerator, ind.denominator, ind.total, ind.level) if s]
            if ind.share_of is not None:
                specs.append(ind.share_of.content.all_codes())
                base = catalogue.persons[ind.share_of.persons]
                add(period, base.table, [base.selection, base.count.all_codes()])
            add(period, period.table, [ind.selection, *specs])
    for grp in grps:
        for period in grp.sources:
            specs = [m.all_codes() for m in grp.members.values()]
            if grp.total is not None:
                specs.append(grp.total.all_codes())
            if grp.share_of is not None:
                base = catalogue.persons[grp.share_of.persons]
                add(period, base.table, [base.selection, base.count.all_codes()])
            add(period, period.table, [grp.selection, *specs])

    out = []
    for (table, geo), (codes, ys) in sorted(plan.items()):
        selection = {"Region": [f"{kommun}*"]}
        for var in sorted(codes):
            selection[var] = [WILDCARD] if WILDCARD in codes[var] else sorted(codes[var])
        selection["Tid"] = [str(y) for y in sorted(ys)]
        out.append(TableRequest(table, geo, catalogue.codelist(geo, level), selection))
    return out


# ------------------------------------------------------------------------------------- transformations


def _dims(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in (*KEYS, "value", "status")]


def _part(
    frame: pd.DataFrame,
    codes: Mapping[str, tuple[str, ...]],
    selection: Mapping[str, tuple[str, ...]],
    where: str,
) -> pd.DataFrame:
    """Sum the cells of one code combination per (Region, region_version, Tid); NaN if any cell is NaN/absent."""
    fixed = {
        **{k: v for k, v in selection.items() if WILDCARD not in v},
        **{k: v for k, v in codes.items() if WILDCARD not in v},
    }
    missing_vars = sorted(set(fixed) - set(frame.columns))
    if missing_vars:
        raise BuildError(f"{where}: the table frame has no column(s) {missing_vars}; it has {_dims(frame)}")
    mask = np.ones(len(frame), dtype=bool)
    for var, cs in fixed.items():
        mask &= frame[var].isin(cs).to_numpy()
    sub = frame.loc[mask]
    absent = {var: sorted(set(cs) - set(frame[var].unique())) for var, cs in fixed.items()}
    absent = {var: cs for var, cs in absent.items() if cs}
    if absent:
        listed = ", ".join(f"{var}={cs}" for var, cs in absent.items())
        raise BuildError(f"{where}: the table returned no cells for {listed}; check the catalogue codes")
    free = [d for d in _dims(frame) if d not in fixed]
    if free and len(sub):
        counts = sub.groupby(KEYS, sort=False, dropna=False)[free].nunique()
        ambiguous = [d for d in free if (counts[d] > 1).any()]
        if ambiguous:
            raise BuildError(
                f"{where}: variable(s) {ambiguous} have several value codes per area and year but the catalogue "
                "does not say which to use; add them to the indicator's selection"
            )
    expected = int(np.prod([len(v) for v in fixed.values() if v])) if fixed else 1
    grouped = sub.groupby(KEYS, sort=False, dropna=False)
    out = grouped["value"].sum().to_frame()
    has_nan = sub["value"].isna().groupby([sub[k] for k in KEYS], sort=False, dropna=False).any()
    bad = has_nan.reindex(out.index) | (grouped.size() < expected)
    out.loc[bad, "value"] = np.nan
    out["status"] = grouped["status"].first()
    return out


def sum_spec(
    frame: pd.DataFrame,
    spec: CountSpec,
    selection: Mapping[str, tuple[str, ...]] | None = None,
    *,
    where: str = "count",
) -> pd.DataFrame:
    """Sum a :class:`CountSpec` per area and year; suppressed cells make the sum NaN (never 0).

    Parameters
    ----------
    frame
        ``ScbClient.data`` frame: one column per variable code, ``region_version``, ``value``, ``status``.
    spec
        Value codes to add (``codes``) and to subtract (``minus``).
    selection
        Codes fixed for the whole indicator (other variables of a shared table call).
    where
        Prefix of error messages (the indicator id).

    Returns
    -------
    DataFrame
        Index (``Region``, ``region_version``, ``Tid``); columns ``value`` and ``status`` (first SCB symbol
        met, e.g. ``".."``).

    Examples
    --------
    >>> f = pd.DataFrame({"Region": ["A"] * 3, "region_version": [None] * 3, "Tid": ["2023"] * 3,
    ...                   "Fodelseregion": ["tot", "010", "020"], "value": [100.0, 60.0, 15.0],
    ...                   "status": [None] * 3})
    >>> sum_spec(f, CountSpec({"Fodelseregion": ("tot",)}, {"Fodelseregion": ("010",)}))["value"].tolist()
    [40.0]
    """
    selection = selection or {}
    plus = _part(frame, spec.codes, selection, where)
    if not spec.minus:
        return plus
    minus = _part(frame, spec.minus, selection, where)
    plus["value"] = plus["value"] - minus["value"].reindex(plus.index)
    plus["status"] = plus["status"].fillna(minus["status"].reindex(plus.index))
    return plus


def _flags(frame: pd.DataFrame, tokens: Mapping[str, np.ndarray]) -> pd.Series:
    """Join the flag tokens that apply to each row with ";" in the contract's fixed order (vectorised)."""
    joined = np.full(len(frame), "", dtype=object)
    for token in FLAG_ORDER:
        if token in tokens:
            mask = np.asarray(tokens[token], dtype=bool)
            joined = np.where(mask, np.where(joined == "", token, joined + ";" + token), joined)
    return pd.Series(joined, index=frame.index, dtype="string")


def _finish(
    df: pd.DataFrame,
    *,
    indicator: str,
    unit: str,
    period: SourcePeriod,
    source_table: str,
    updated: Any,
    flags: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    df = df.reset_index()
    out = pd.DataFrame(
        {
            "geo_version": period.geo_version,
            "area": df["Region"].astype("string"),
            "year": df["Tid"].astype("int64"),
            "indicator": indicator,
            "numerator": df["numerator"].astype("float64"),
            "denominator": df["denominator"].astype("float64"),
            "value": df["value"].astype("float64"),
            "unit": unit,
            "status": df["status"].astype("string"),
            "source_table": source_table,
            "table_updated": None if updated is None else str(updated),
        }
    )
    suppressed = out["value"].isna().to_numpy() & out["status"].isin(SUPPRESSED).fillna(False).to_numpy()
    out["flags"] = _flags(
        out, {**{k: np.asarray(v, dtype=bool) for k, v in flags.items()}, "suppressed": suppressed}
    )
    return out


def indicator_rows(
    indicator: Indicator,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    ckm_from: int = 2025,
    persons_frame: pd.DataFrame | None = None,
    persons_base: PersonsBase | None = None,
) -> pd.DataFrame:
    """Turn one table frame into processed-count rows for one indicator and source period.

    Formulas: share = numerator / denominator (a zero denominator gives NaN); from ``ckm_from`` the
    denominator is the table's own ``total`` when the indicator defines one (SCB's Cell Key Method makes
    totals differ from the sum of parts); reconstructed count = share/100 x persons, denominator = persons
    (flag ``reconstructed``); a level (median, class) has NaN numerator and denominator.

    Returns
    -------
    DataFrame
        Columns ``geo_version, area, year, indicator, numerator, denominator, value, unit, status,
        source_table, table_updated, flags`` (``kommun``, ``level`` and ``area_name`` are added by
        :func:`build_counts`).
    """
    where = f"indicator {indicator.id!r} ({period.table})"
    sel = indicator.selection
    extra: dict[str, np.ndarray] = {}
    source = period.table
    updated = frame.attrs.get("updated")
    if indicator.kind == "level":
        df = sum_spec(frame, indicator.level, sel, where=where)
        df["numerator"] = np.nan
        df["denominator"] = np.nan
    elif indicator.kind == "reconstructed":
        if persons_frame is None or persons_base is None:
            raise BuildError(
                f"{where}: needs the persons table {indicator.share_of.persons!r} to reconstruct counts"
            )
        share = sum_spec(frame, indicator.share_of.content, sel, where=where)
        persons = sum_spec(
            persons_frame, persons_base.count, persons_base.selection, where=f"{where} persons base"
        )
        persons = persons.droplevel("region_version").reindex(share.index.droplevel("region_version"))
        df = share.copy()
        df["value"] = share["value"] / 100.0
        df["denominator"] = persons["value"].to_numpy()
        df["numerator"] = df["value"] * df["denominator"]
        df["status"] = share["status"].fillna(pd.Series(persons["status"].to_numpy(), index=share.index))
        extra["reconstructed"] = np.ones(len(df), dtype=bool)
        source = f"{period.table}+{persons_base.table}"
    else:
        num = sum_spec(frame, indicator.numerator, sel, where=where)
        df = num.rename(columns={"value": "numerator"})
        if indicator.denominator is None:
            df["denominator"] = np.nan
            df["value"] = df["numerator"]
        else:
            den = sum_spec(frame, indicator.denominator, sel, where=where)["value"].reindex(df.index)
            if indicator.total is not None:
                years = df.index.get_level_values("Tid").astype(int)
                if (years >= ckm_from).any():
                    tot = sum_spec(frame, indicator.total, sel, where=where)["value"].reindex(df.index)
                    den = den.where(years < ckm_from, tot)
            df["denominator"] = den
            with np.errstate(divide="ignore", invalid="ignore"):
                df["value"] = (df["numerator"] / df["denominator"].where(df["denominator"] != 0)).astype(
                    "float64"
                )
    years = df.index.get_level_values("Tid").astype(int).to_numpy()
    breaks = np.isin(years, list(indicator.break_years())) | ("break" in indicator.flags)
    extra["break"] = breaks
    return _finish(df, indicator=indicator.id, unit=indicator.unit, period=period, source_table=source,
                   updated=updated, flags=extra)  # fmt: skip


def group_rows(
    group: GroupDefinition,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    persons_frame: pd.DataFrame | None = None,
    persons_base: PersonsBase | None = None,
) -> pd.DataFrame:
    """Rows for a segregation group definition: indicator ``"<group>.<member>"``, numerator = member count,
    denominator = the group total, value = share. Published percentages are reconstructed (flagged)."""
    where = f"group {group.id!r} ({period.table})"
    pieces = []
    if group.share_of is not None:
        if persons_frame is None or persons_base is None:
            raise BuildError(f"{where}: needs the persons table {group.share_of.persons!r}")
        persons = sum_spec(
            persons_frame, persons_base.count, persons_base.selection, where=f"{where} persons base"
        )
    else:
        total = sum_spec(frame, group.total, group.selection, where=where)
    for name, spec in group.members.items():
        part = sum_spec(frame, spec, group.selection, where=f"{where} member {name!r}")
        df = part.copy()
        flags: dict[str, np.ndarray] = {}
        if group.share_of is not None:
            den = persons.droplevel("region_version").reindex(part.index.droplevel("region_version"))["value"]
            df["value"] = part["value"] / 100.0
            df["denominator"] = den.to_numpy()
            df["numerator"] = df["value"] * df["denominator"]
            flags["reconstructed"] = np.ones(len(df), dtype=bool)
            source = f"{period.table}+{persons_base.table}"
        else:
            df["numerator"] = part["value"]
            df["denominator"] = total["value"].reindex(part.index)
            with np.errstate(divide="ignore", invalid="ignore"):
                df["value"] = df["numerator"] / df["denominator"].where(df["denominator"] != 0)
            df["status"] = part["status"].fillna(total["status"].reindex(part.index))
            source = period.table
        pieces.append(_finish(df, indicator=f"{group.id}.{name}", unit="share", period=period, source_table=source,
                              updated=frame.attrs.get("updated"), flags=flags))  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


# ---------------------------------------------------------------------------------------------- build


def expected_years(catalogue: Catalogue, years: Iterable[int], level: str) -> dict[str, list[int]]:
    """Per indicator id, the requested years its source periods cover (for validation of a build).

    Examples
    --------
    >>> expected_years(load_catalogue(), [2018, 2019, 2020], "RegSO")["employment_rate_20_64"]
    [2020]
    """
    out = {}
    for ind in catalogue.indicators:
        if level in ind.levels:
            out[ind.id] = [y for y in sorted(set(years)) if ind.source_for(y) is not None]
    return out


def build_counts(
    client: ClientLike,
    kommun: str,
    years: Iterable[int],
    level: str = "RegSO",
    *,
    catalogue: Catalogue | None = None,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    check: bool = True,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Fetch and transform every catalogue indicator (and group) for one municipality, level and years.

    Parameters
    ----------
    client
        An :class:`segindicators.scb.ScbClient` (or anything with the same ``data``/``metadata``).
    kommun
        Municipality code, e.g. ``"0580"``.
    years
        Reference years; each indicator builds for the years its source periods cover.
    level
        ``"DeSO"`` or ``"RegSO"``; both come straight from SCB's codelists (no aggregation here).
    catalogue
        Default: the packaged catalogue.
    indicators, groups
        Ids to build (default: all; ``groups=[]`` for no group rows).
    check
        Check the catalogue against each used table's ``/metadata`` first (one metadata call per table);
        a missing table, variable or value code raises
        :class:`~segindicators.catalogue.check.CatalogueMismatchError` naming the indicator.
    out
        When given, the frame is also written there (parquet or csv by suffix) with ``_io.write_frame``.

    Returns
    -------
    DataFrame
        The processed-counts contract: ``kommun, level, geo_version, area, area_name, year, indicator,
        numerator, denominator, value, unit, status, source_table, table_updated, flags``.
    """
    from segindicators.catalogue.check import assert_catalogue_matches

    cat = catalogue or load_catalogue()
    years = sorted(set(years))
    requests = plan_requests(cat, kommun, years, level, indicators=indicators, groups=groups)
    inds, grps = _users(cat, indicators, groups, level)
    if check:
        tables = sorted({r.table for r in requests})
        metadata = {t: _metadata_or_none(client, t) for t in tables}
        assert_catalogue_matches(
            cat, metadata, indicators=[i.id for i in inds], groups=[g.id for g in grps], tables=tables
        )
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    for req in requests:
        frame = client.data(req.table, req.selection, {"Region": req.codelist})
        keep = frame["Region"].astype("string").str.fullmatch(AREA_PATTERNS[level]).fillna(False)
        keep &= frame["Region"].astype("string").str.startswith(kommun).fillna(False)
        sub = frame.loc[keep.to_numpy()].copy()
        sub.attrs = dict(frame.attrs)
        frames[(req.table, req.geo_version)] = sub

    pieces = []
    for ind in inds:
        base = cat.persons[ind.share_of.persons] if ind.share_of else None
        for period in ind.sources:
            key = (period.table, period.geo_version)
            if key not in frames:
                continue
            frame = _years(frames[key], period, years)
            pframe = _years(frames[(base.table, period.geo_version)], period, years) if base else None
            pieces.append(indicator_rows(ind, frame, period, ckm_from=cat.ckm_from, persons_frame=pframe,
                                         persons_base=base))  # fmt: skip
    for grp in grps:
        base = cat.persons[grp.share_of.persons] if grp.share_of else None
        for period in grp.sources:
            key = (period.table, period.geo_version)
            if key not in frames:
                continue
            frame = _years(frames[key], period, years)
            pframe = _years(frames[(base.table, period.geo_version)], period, years) if base else None
            pieces.append(group_rows(grp, frame, period, persons_frame=pframe, persons_base=base))
    result = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=COLUMNS[2:])
    result.insert(0, "kommun", kommun)
    result.insert(1, "level", level)
    result.insert(4, "area_name", pd.Series(pd.NA, index=result.index, dtype="string"))
    result = result[COLUMNS].sort_values(["indicator", "geo_version", "area", "year"], ignore_index=True)
    if out is not None:
        from segindicators._io import write_frame

        write_frame(result, out)
    return result


def _metadata_or_none(client: ClientLike, table: str) -> dict[str, Any] | None:
    """A table's metadata, or None when SCB answers that the table does not exist (HTTP 404)."""
    try:
        return client.metadata(table)
    except Exception as exc:
        status = getattr(exc, "status_code", None) or getattr(
            getattr(exc, "response", None), "status_code", None
        )
        if status == 404 or isinstance(exc, LookupError | FileNotFoundError):
            return None
        raise


def _years(frame: pd.DataFrame, period: SourcePeriod, years: list[int]) -> pd.DataFrame:
    wanted = [str(y) for y in years if period.covers(y)]
    sub = frame.loc[frame["Tid"].isin(wanted).to_numpy()]
    sub.attrs = dict(frame.attrs)
    return sub
