"""Build processed counts (numerator, denominator, value per area × year × indicator) from SCB tables.

Two halves:

* the **call plan** (:func:`plan_requests`): every table the catalogue needs becomes exactly one
  ``ScbClient.data`` call for the municipality — DeSO and RegSO of both geography versions, the kommun and
  riket together. Region is selected by the table's own codes (``"<kommun>*"`` plus ``"00"`` where the table
  publishes riket), not through a codelist: the codelists differ per table (TAB5956 and TAB6258 offer
  ``vs_DeSoHE`` / ``vs_RegSo1``) and one call brings every level. Each table is asked only for the years its
  ``/metadata`` lists; the years it lacks are reported as not yet published
  (``frame.attrs["unpublished"]``), never as an error;
* pure **transformations** (:func:`sum_spec`, :func:`indicator_rows`, :func:`group_rows`) from the client's
  long frames (one column per variable code, ``region_version``, ``value``, ``status``) to rows of the
  processed-counts contract. Suppressed cells stay NaN and keep SCB's status; shares published only as
  percentages are reconstructed as share x the table's own number of persons, flagged ``reconstructed``, with
  the percentage's published rounding (unit decimals from the metadata) in ``rounding``; from the CKM year
  (2025) an indicator with a ``total`` uses the table's own total as denominator.

Both geography versions share one Region dimension at SCB, and a 2025-version code asked for a year before
2024 answers 0 (reference README): a row is kept only when its code's version is the one the catalogue's
source period names for that year, so such a 0 never becomes a value.

Aggregation to kommun (where the table has no kommun rows), focus areas and harmonised series is the geography
package's job, not this module's; the tables whose sums SCB does not vouch for (``aggregallowed: false``) are
listed in ``frame.attrs["unvouched_tables"]`` for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from segindicators._io import write_frame
from segindicators.catalogue.check import assert_catalogue_matches
from segindicators.catalogue.definitions import (
    LEVELS,
    WILDCARD,
    Catalogue,
    CountSpec,
    GroupDefinition,
    Indicator,
    SourcePeriod,
    load_catalogue,
)
from segindicators.sources.scb.metadata import TableSpec, level_of_code, table_spec
from segindicators.tables import COUNTS_FLAGS, TABLES, labels_as_text

__all__ = [
    "COLUMNS",
    "labels_as_text",
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
#: Columns of the processed counts, in file order (declared in :data:`segindicators.tables.TABLES`).
COLUMNS = TABLES["counts"].column_names
#: Levels one build produces (each only where the table publishes it).
BUILD_LEVELS = ("DeSO", "RegSO", "kommun", "riket")
RIKET = "00"
#: Order in which flag tokens are joined (the declared vocabulary).
FLAG_ORDER = COUNTS_FLAGS
AREA_PATTERNS = {"DeSO": re.compile(r"^\d{4}[A-C]\d{4}$"), "RegSO": re.compile(r"^\d{4}R\d{3}$")}
#: region_version (suffix of a 2025 code) → geography version; no suffix = the 2018 version.
_VERSION_OF_SUFFIX = {"DeSO2025": "2025", "RegSO2025": "2025"}
SUPPRESSED = {"..", "."}


class BuildError(ValueError):
    """A table frame cannot be turned into an indicator (ambiguous or missing codes)."""


class ClientLike(Protocol):
    """What the builder needs from :class:`segindicators.sources.scb.ScbClient`."""

    def data(
        self, table_id: str, selection: Mapping[str, list[str]], codelists: Mapping[str, str] | None = None
    ) -> pd.DataFrame: ...

    def metadata(self, table_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TableRequest:
    """One ``ScbClient.data`` call: a table and its full selection (Region, the codes used, the years)."""

    table: str
    selection: dict[str, list[str]]
    unpublished: tuple[int, ...] = ()

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
    catalogue: Catalogue, indicators: Iterable[str] | None, groups: Iterable[str] | None
) -> tuple[list[Indicator], list[GroupDefinition]]:
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


def plan_requests(
    catalogue: Catalogue,
    kommun: str,
    years: Iterable[int],
    *,
    specs: Mapping[str, TableSpec] | None = None,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
) -> list[TableRequest]:
    """The data calls a build makes: one per table, every level and geography version in it.

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
    years = sorted(set(years))
    inds, grps = _users(catalogue, indicators, groups)
    plan: dict[str, tuple[dict[str, set[str]], set[int]]] = {}
    for entry in [*inds, *grps]:
        for period in entry.sources:
            ys = {y for y in years if period.covers(y)}
            if not ys:
                continue
            merged, yset = plan.setdefault(period.table, ({}, set()))
            for c in _entry_codes(entry, period):
                _merge(merged, c)
            yset.update(ys)
    out = []
    for table, (codes, ys) in sorted(plan.items()):
        spec = (specs or {}).get(table)
        published = set(spec.years) if spec is not None else ys
        asked = sorted(ys & published)
        regions = [f"{kommun}*"]
        if spec is None or "riket" in spec.levels:
            regions.append(RIKET)
        selection = {"Region": regions}
        for var in sorted(codes):
            selection[var] = [WILDCARD] if WILDCARD in codes[var] else sorted(codes[var])
        selection["Tid"] = [str(y) for y in asked]
        if asked:
            out.append(TableRequest(table, selection, tuple(sorted(ys - published))))
        else:
            out.append(TableRequest(table, {**selection, "Tid": []}, tuple(sorted(ys))))
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
    ...                   "Fodelseregion": ["tot", "sv", "eu"], "value": [100.0, 60.0, 15.0],
    ...                   "status": [None] * 3})
    >>> sum_spec(f, CountSpec({"Fodelseregion": ("tot",)}, {"Fodelseregion": ("sv",)}))["value"].tolist()
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
    updated: Any,
    flags: Mapping[str, np.ndarray],
    rounding: float = np.nan,
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
            "source_table": period.table,
            "table_updated": None if updated is None else str(updated),
        }
    )
    suppressed = out["value"].isna().to_numpy() & out["status"].isin(SUPPRESSED).fillna(False).to_numpy()
    out["flags"] = _flags(
        out, {**{k: np.asarray(v, dtype=bool) for k, v in flags.items()}, "suppressed": suppressed}
    )
    out["rounding"] = np.where(out["value"].notna().to_numpy(), float(rounding), np.nan)
    return out


def rounding_of_percent(decimals: int | None) -> float:
    """Half-width, in share units, of a percentage published with ``decimals`` decimals (NaN if unknown).

    Examples
    --------
    >>> rounding_of_percent(0), rounding_of_percent(1)
    (0.005, 0.0005)
    """
    return np.nan if decimals is None else 0.5 * 10.0 ** (-int(decimals)) / 100.0


def _reconstruct(
    frame: pd.DataFrame, content: CountSpec, persons_spec: CountSpec, selection: Mapping[str, tuple[str, ...]],
    where: str,
) -> pd.DataFrame:  # fmt: skip
    """share/100 x persons, both from the same table: numerator, denominator, value (share) and status."""
    share = sum_spec(frame, content, selection, where=where)
    persons = sum_spec(frame, persons_spec, selection, where=f"{where} persons")["value"].reindex(share.index)
    df = share.copy()
    df["value"] = share["value"] / 100.0
    df["denominator"] = persons.to_numpy()
    df["numerator"] = df["value"] * df["denominator"]
    return df


def indicator_rows(
    indicator: Indicator,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    ckm_from: int = 2025,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Turn one table frame into processed-count rows for one indicator and source period.

    Formulas: share = numerator / denominator (a zero denominator gives NaN); from ``ckm_from`` the
    denominator is the table's own ``total`` when the indicator defines one (SCB's Cell Key Method makes
    totals differ from the sum of parts); reconstructed count = share/100 x the table's number of persons,
    denominator = those persons (flag ``reconstructed``), ``rounding`` = half the last published decimal of the
    percentage (``decimals``, from the table's metadata); a level (median, class) has NaN numerator and
    denominator.

    Returns
    -------
    DataFrame
        Columns ``geo_version, area, year, indicator, numerator, denominator, value, unit, status,
        source_table, table_updated, flags, rounding`` (``kommun``, ``level`` and ``area_name`` are added by
        :func:`build_counts`).
    """
    where = f"indicator {indicator.id!r} ({period.table})"
    sel = indicator.selection_for(period)
    extra: dict[str, np.ndarray] = {}
    updated = frame.attrs.get("updated")
    rounding = np.nan
    if indicator.kind == "level":
        df = sum_spec(frame, indicator.level, sel, where=where)
        df["numerator"] = np.nan
        df["denominator"] = np.nan
    elif indicator.kind == "reconstructed":
        df = _reconstruct(frame, indicator.share_of.content, indicator.share_of.persons, sel, where)
        extra["reconstructed"] = np.ones(len(df), dtype=bool)
        rounding = rounding_of_percent(decimals)
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
    return _finish(df, indicator=indicator.id, unit=indicator.unit, period=period, updated=updated,
                   flags=extra, rounding=rounding)  # fmt: skip


def group_rows(
    group: GroupDefinition,
    frame: pd.DataFrame,
    period: SourcePeriod,
    *,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Rows for a segregation group definition: indicator ``"<group>.<member>"``, numerator = member count,
    denominator = the group total, value = share. Published percentages are reconstructed from the table's own
    number of persons (flagged, with their rounding)."""
    where = f"group {group.id!r} ({period.table})"
    sel = group.selection_for(period)
    pieces = []
    total = None if group.share_of is not None else sum_spec(frame, group.total, sel, where=where)
    for name, spec in group.members.items():
        flags: dict[str, np.ndarray] = {}
        rounding = np.nan
        if group.share_of is not None:
            df = _reconstruct(frame, spec, group.share_of.persons, sel, f"{where} member {name!r}")
            flags["reconstructed"] = np.ones(len(df), dtype=bool)
            rounding = rounding_of_percent(decimals)
        else:
            part = sum_spec(frame, spec, sel, where=f"{where} member {name!r}")
            df = part.copy()
            df["numerator"] = part["value"]
            df["denominator"] = total["value"].reindex(part.index)
            with np.errstate(divide="ignore", invalid="ignore"):
                df["value"] = df["numerator"] / df["denominator"].where(df["denominator"] != 0)
            df["status"] = part["status"].fillna(total["status"].reindex(part.index))
        pieces.append(_finish(df, indicator=f"{group.id}.{name}", unit="share", period=period,
                              updated=frame.attrs.get("updated"), flags=flags, rounding=rounding))  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


# ---------------------------------------------------------------------------------------------- build


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


def _levels_of(frame: pd.DataFrame, kommun: str) -> tuple[np.ndarray, np.ndarray]:
    """Level (None for codes outside the municipality) and geography version of every row's Region."""
    codes = frame["Region"].astype("string").fillna("")
    level = codes.map({c: level_of_code(c)[0] for c in pd.unique(codes)}).astype(object).to_numpy()
    own = codes.str.startswith(kommun).fillna(False).to_numpy() | (codes == RIKET).to_numpy()
    level = np.where(own & ((level != "kommun") | (codes == kommun).to_numpy()), level, None)
    rv = frame["region_version"] if "region_version" in frame else pd.Series(pd.NA, index=frame.index)
    geo = np.where(rv.isna().to_numpy(), "2018", rv.map(_VERSION_OF_SUFFIX).astype(object).to_numpy())
    return level, geo


def _period_rows(
    frame: pd.DataFrame, period: SourcePeriod, years: list[int], levels: Iterable[str]
) -> pd.DataFrame:
    """The rows one source period reads: its years, and DeSO/RegSO codes of its geography version only.

    A 2025-version code answers 0 for years before 2024 (and a 2018-version code nothing after 2023): only the
    version the period names is kept, so such a cell can never become a value.
    """
    wanted = [str(y) for y in years if period.covers(y)]
    level = frame["_level"].to_numpy()
    keep = frame["Tid"].isin(wanted).to_numpy() & np.isin(level, list(levels))
    areal = np.isin(level, ["DeSO", "RegSO"])
    keep &= ~areal | (frame["_geo"].to_numpy() == period.geo_version)
    sub = frame.loc[keep]
    sub.attrs = dict(frame.attrs)
    return sub


def build_counts(
    client: ClientLike,
    kommun: str,
    years: Iterable[int],
    levels: Iterable[str] = BUILD_LEVELS,
    *,
    catalogue: Catalogue | None = None,
    indicators: Iterable[str] | None = None,
    groups: Iterable[str] | None = None,
    check: bool = True,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Fetch and transform every catalogue indicator (and group) for one municipality, all levels at once.

    Parameters
    ----------
    client
        An :class:`segindicators.sources.scb.ScbClient` (or anything with the same ``data``/``metadata``).
    kommun
        Municipality code, e.g. ``"0580"``.
    years
        Reference years; each indicator builds for the years its source periods cover and its table publishes
        (the others are listed in ``attrs["unpublished"]``).
    levels
        Levels to keep, from ``("DeSO", "RegSO", "kommun", "riket")`` (a single level name is accepted); each
        comes straight from SCB's cells where the table publishes it (no aggregation here).
    catalogue
        Default: the packaged catalogue.
    indicators, groups
        Ids to build (default: all; ``groups=[]`` for no group rows).
    check
        Check the catalogue against each used table's ``/metadata`` first (one metadata call per table, read
        anyway for the years and levels); a missing table, variable or value code, or a code whose label does
        not mean what the catalogue says, raises
        :class:`~segindicators.catalogue.check.CatalogueMismatchError` naming the indicator.
    out
        When given, the frame is also written there (parquet or csv by suffix) with ``_io.write_frame``.

    Returns
    -------
    DataFrame
        The processed-counts contract: ``kommun, level, geo_version, area, area_name, year, indicator,
        numerator, denominator, value, unit, status, source_table, table_updated, flags, rounding``. ``attrs``:
        ``unpublished`` (rows ``{indicator, table, years}`` for years a table does not publish yet),
        ``unvouched_tables`` (tables whose metadata says ``aggregallowed: false``), ``requests`` (the calls),
        ``tables`` (every table whose metadata was read).
    """
    levels = (levels,) if isinstance(levels, str) else tuple(levels)
    unknown = sorted(set(levels) - set(BUILD_LEVELS))
    if unknown:
        raise ValueError(f"levels: expected a subset of {BUILD_LEVELS}, got {unknown}")
    cat = catalogue or load_catalogue()
    years = sorted(set(years))
    inds, grps = _users(cat, indicators, groups)
    tables = sorted({p.table for e in [*inds, *grps] for p in e.sources if any(p.covers(y) for y in years)})
    metadata = {t: _metadata_or_none(client, t) for t in tables}
    if check:
        assert_catalogue_matches(
            cat, metadata, indicators=[i.id for i in inds], groups=[g.id for g in grps], tables=tables
        )
    specs = {t: table_spec(m) for t, m in metadata.items() if m is not None}
    requests = plan_requests(cat, kommun, years, specs=specs, indicators=indicators, groups=groups)
    frames: dict[str, pd.DataFrame] = {}
    for req in requests:
        if not req.selection["Tid"]:
            continue
        frame = client.data(req.table, req.selection)
        level, geo = _levels_of(frame, kommun)
        attrs = dict(frame.attrs)
        frame = frame.assign(_level=level, _geo=geo)
        frame.attrs = attrs
        frames[req.table] = frame

    def content_decimals(table: str, spec: CountSpec | None) -> int | None:
        t = specs.get(table)
        if t is None or spec is None or "ContentsCode" not in t.variables:
            return None
        found = {t.variable("ContentsCode").decimals(c) for c in spec.all_codes().get("ContentsCode", ())}
        return max((d for d in found if d is not None), default=None)

    pieces = []
    unpublished = []
    for entry in [*inds, *grps]:
        areal = entry.levels if isinstance(entry, Indicator) else LEVELS
        entry_levels = [lvl for lvl in levels if lvl in ("kommun", "riket") or lvl in areal]
        for period in entry.sources:
            spec = specs.get(period.table)
            covered = [y for y in years if period.covers(y)]
            missing = [y for y in covered if spec is not None and y not in spec.years]
            if missing:
                unpublished.append({"indicator": entry.id, "table": period.table, "years": missing})
            if period.table not in frames or not covered:
                continue
            frame = _period_rows(frames[period.table], period, covered, entry_levels)
            if isinstance(entry, Indicator):
                dec = content_decimals(period.table, entry.share_of.content if entry.share_of else None)
                rows = indicator_rows(entry, frame, period, ckm_from=cat.ckm_from, decimals=dec)
            else:
                dec = content_decimals(
                    period.table, next(iter(entry.members.values())) if entry.share_of else None
                )
                rows = group_rows(entry, frame, period, decimals=dec)
            pieces.append(rows)
    empty = pd.DataFrame(columns=[c for c in COLUMNS if c not in ("kommun", "level", "area_name")])
    result = pd.concat(pieces, ignore_index=True) if pieces else empty
    codes = result["area"].astype("string").fillna("")
    level_map = {c: level_of_code(c)[0] for c in pd.unique(codes)}
    result.insert(0, "kommun", np.where(codes == RIKET, RIKET, kommun))
    result.insert(1, "level", codes.map(level_map).astype("string"))
    result.insert(4, "area_name", pd.Series(pd.NA, index=result.index, dtype="string"))
    result = result[COLUMNS].sort_values(
        ["indicator", "geo_version", "level", "area", "year"], ignore_index=True
    )
    result.attrs = {
        "unpublished": unpublished,
        "unvouched_tables": sorted(t for t, sp in specs.items() if not sp.aggregallowed),
        "requests": [(r.table, r.selection) for r in requests if r.selection["Tid"]],
        "tables": sorted(specs),
    }
    if out is not None:
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
        status = status or getattr(exc, "status", None)
        if status == 404 or isinstance(exc, LookupError | FileNotFoundError):
            return None
        raise
