"""Pure transformations from SCB table frames to rows of the processed-counts contract.

Both builds — one municipality (:func:`segindicators.catalogue.builder.build_counts`) and the whole country
(:func:`segindicators.catalogue.national.build_national_counts`) — fetch differently and transform through this
one code path: :func:`mark_levels` reads each row's level and geography version from its Region code,
:func:`counts_from_frames` runs every indicator and group over its tables' frames, :func:`finish_counts` adds the
``kommun``, ``level`` and ``area_name`` columns and the contract's row order.

* :func:`sum_spec`, :func:`indicator_rows`, :func:`group_rows` go from the client's long frames (one column per
  variable code, ``region_version``, ``value``, ``status``) to rows. Suppressed cells stay NaN and keep SCB's
  status; shares published only as percentages are reconstructed as share x the table's own number of persons,
  flagged ``reconstructed``, with the percentage's published rounding (unit decimals from the metadata) in
  ``rounding``; from the CKM year (2025) an indicator with a ``total`` uses the table's own total as denominator.
* Both geography versions share one Region dimension at SCB, and a 2025-version code asked for a year before
  2024 answers 0 (reference README): a row is kept only when its code's version is the one the catalogue's
  source period names for that year, so such a 0 never becomes a value.

Every step works on whole columns (masks, group-bys): the country's ≈ 6,000 DeSO × 11 years go through
without a per-area or per-municipality loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segindicators.catalogue.definitions import (
    LEVELS,
    WILDCARD,
    CountSpec,
    GroupDefinition,
    Indicator,
    SourcePeriod,
)
from segindicators.catalogue.requests import RIKET
from segindicators.sources.scb.metadata import VERSION_OF_SUFFIX, TableSpec, level_of_code
from segindicators.tables import COUNTS_FLAGS, TABLES

__all__ = [
    "BUILD_LEVELS",
    "COLUMNS",
    "BuildError",
    "counts_from_frames",
    "finish_counts",
    "group_rows",
    "indicator_rows",
    "mark_levels",
    "rounding_of_percent",
    "sum_spec",
]

KEYS = ["Region", "region_version", "Tid"]
#: Columns of the processed counts, in file order (declared in :data:`segindicators.tables.TABLES`).
COLUMNS = TABLES["counts"].column_names
#: Levels a build produces (each only where the table publishes it).
BUILD_LEVELS = ("DeSO", "RegSO", "kommun", "riket")
#: Order in which flag tokens are joined (the declared vocabulary).
FLAG_ORDER = COUNTS_FLAGS
SUPPRESSED = {"..", "."}


class BuildError(ValueError):
    """A table frame cannot be turned into an indicator (ambiguous or missing codes)."""



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




# ------------------------------------------------------------------------------------------ table frames

def mark_levels(frame: pd.DataFrame, kommun: str | None = None) -> pd.DataFrame:
    """The frame with ``_level`` and ``_geo``: level and geography version of every row's Region code.

    Parameters
    ----------
    frame
        An ``ScbClient.data`` frame.
    kommun
        Keep only this municipality's codes and riket (the others get level None); None keeps every code.

    Examples
    --------
    >>> f = pd.DataFrame({"Region": ["0580C1010", "0580C1010", "0581", "00"],
    ...                   "region_version": [None, "DeSO2025", None, None]})
    >>> m = mark_levels(f, "0580")
    >>> m["_level"].fillna("-").tolist(), m["_geo"].tolist()
    (['DeSO', 'DeSO', '-', 'riket'], ['2018', '2025', '2018', '2018'])
    >>> mark_levels(f)["_level"].tolist()
    ['DeSO', 'DeSO', 'kommun', 'riket']
    """
    codes = frame["Region"].astype("string").fillna("")
    level = codes.map({c: level_of_code(c)[0] for c in pd.unique(codes)}).astype(object).to_numpy()
    if kommun is not None:
        own = codes.str.startswith(kommun).fillna(False).to_numpy() | (codes == RIKET).to_numpy()
        level = np.where(own & ((level != "kommun") | (codes == kommun).to_numpy()), level, None)
    rv = frame["region_version"] if "region_version" in frame else pd.Series(pd.NA, index=frame.index)
    geo = np.where(rv.isna().to_numpy(), "2018", rv.map(VERSION_OF_SUFFIX).astype(object).to_numpy())
    attrs = dict(frame.attrs)
    out = frame.assign(_level=level, _geo=geo)
    out.attrs = attrs
    return out


def _period_rows(
    frame: pd.DataFrame, period: SourcePeriod, years: Sequence[int], levels: Iterable[str]
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


def _content_decimals(spec: TableSpec | None, count: CountSpec | None) -> int | None:
    """Published decimals of the content codes a percentage is read from (None when unknown)."""
    if spec is None or count is None or "ContentsCode" not in spec.variables:
        return None
    found = {spec.variable("ContentsCode").decimals(c) for c in count.all_codes().get("ContentsCode", ())}
    return max((d for d in found if d is not None), default=None)


def counts_from_frames(
    frames: Mapping[str, pd.DataFrame],
    entries: Sequence[Indicator | GroupDefinition],
    specs: Mapping[str, TableSpec],
    years: Sequence[int],
    levels: Sequence[str],
    *,
    ckm_from: int,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rows of every entry (indicator or group) and source period from its table's frame.

    Parameters
    ----------
    frames
        Table id → frame with ``_level`` and ``_geo`` (:func:`mark_levels`); a table may hold several calls'
        frames concatenated (levels, geography versions).
    entries
        Indicators and groups to build.
    specs
        Table id → :class:`~segindicators.sources.scb.metadata.TableSpec` (years published, unit decimals).
    years
        Requested reference years.
    levels
        Levels to keep (from :data:`BUILD_LEVELS`).
    ckm_from
        First year with Cell Key Method noise (the catalogue's ``ckm_from``).

    Returns
    -------
    tuple
        The rows (columns of :func:`indicator_rows`) and the unpublished years as
        ``{indicator, table, years}`` records.
    """
    pieces = []
    unpublished = []
    for entry in entries:
        areal = entry.levels if isinstance(entry, Indicator) else LEVELS
        entry_levels = [lvl for lvl in levels if lvl in ("kommun", "riket") or lvl in areal]
        for period in entry.sources:
            spec = specs.get(period.table)
            covered = [y for y in years if period.covers(y)]
            missing = [y for y in covered if spec is not None and y not in spec.years]
            if missing:
                unpublished.append({"indicator": entry.id, "table": period.table, "years": missing})
            published = [y for y in covered if y not in missing]
            if period.table not in frames or not published:
                continue
            frame = _period_rows(frames[period.table], period, published, entry_levels)
            if frame.empty and not _period_rows(frames[period.table], period, published, BUILD_LEVELS).empty:
                continue  # the table has the period's cells, but at none of the levels the entry is built for
            if isinstance(entry, Indicator):
                dec = _content_decimals(spec, entry.share_of.content if entry.share_of else None)
                rows = indicator_rows(entry, frame, period, ckm_from=ckm_from, decimals=dec)
            else:
                first = next(iter(entry.members.values())) if entry.share_of else None
                rows = group_rows(entry, frame, period, decimals=_content_decimals(spec, first))
            pieces.append(rows)
    empty = pd.DataFrame(columns=[c for c in COLUMNS if c not in ("kommun", "level", "area_name")])
    return (pd.concat(pieces, ignore_index=True) if pieces else empty), unpublished


def finish_counts(rows: pd.DataFrame, kommun: str | None = None) -> pd.DataFrame:
    """Rows of :func:`counts_from_frames` as the processed-counts contract, in its row order.

    ``kommun`` is the given municipality (one-municipality build) or, with None, the first four digits of
    every area's code (DeSO, RegSO and kommun codes begin with it); riket rows get ``"00"``.

    Examples
    --------
    >>> rows = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS
    ...                      if c not in ("kommun", "level", "area_name")})
    >>> rows.loc[0, ["area", "indicator", "geo_version", "year"]] = ["0581R001", "x", "2018", 2020]
    >>> rows.loc[1, ["area", "indicator", "geo_version", "year"]] = ["00", "x", "2018", 2020]
    >>> finish_counts(rows)[["kommun", "level", "area"]].values.tolist()
    [['0581', 'RegSO', '0581R001'], ['00', 'riket', '00']]
    """
    result = rows.copy()
    codes = result["area"].astype("string").fillna("")
    level_map = {c: level_of_code(c)[0] for c in pd.unique(codes)}
    riket = (codes == RIKET).to_numpy()
    own = kommun if kommun is not None else codes.str[:4].to_numpy(dtype=str)
    result.insert(0, "kommun", np.where(riket, RIKET, own))
    result.insert(1, "level", codes.map(level_map).astype("string"))
    result.insert(4, "area_name", pd.Series(pd.NA, index=result.index, dtype="string"))
    return result[COLUMNS].sort_values(["indicator", "geo_version", "level", "area", "year"], ignore_index=True)
