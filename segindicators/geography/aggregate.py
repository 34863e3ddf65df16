"""Aggregate counts up the levels (DeSO → RegSO → kommun), to focus areas and to arbitrary groupings.

The rule (SCB's and every statistics office's): a share for a group of areas is the **pooled** share,

.. math:: p_G = \\frac{\\sum_{i \\in G} n_i}{\\sum_{i \\in G} d_i},

the sum of numerators over the sum of denominators; never the mean of the parts' shares, which weights a
DeSO of 700 residents like one of 2,700. Counts (``unit == "count"``) are summed. Level-type indicators
(medians, means in tkr) cannot be computed from the parts at all and raise :class:`NotAggregableError`.

Missing parts (suppressed ``..`` cells, NaN; or parts the mapping expects but the data lacks):

* ``suppressed="propagate"`` (default): the aggregate is NaN, status ``".."``, flag ``suppressed`` — a sum with an
  unknown term is unknown;
* ``suppressed="available"``: numerator and denominator are summed over the parts with data, flagged
  ``suppressed``; read it with the ``coverage`` column.

``coverage`` is the share of the denominator held by parts with data (for shares: Σ dᵢ over parts with data /
Σ dᵢ over parts whose denominator is known); for counts, the share of parts with data. ``n_parts`` and
``n_missing`` count the parts (expected by the mapping) and those without data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "AGGREGABLE_UNITS",
    "NotAggregableError",
    "aggregate_counts",
    "aggregate_up",
    "level_mapping",
    "rows_where",
]

#: Units whose numerators and denominators add up over areas.
AGGREGABLE_UNITS: frozenset[str] = frozenset({"share", "count"})

_KEYS: tuple[str, ...] = ("geo_version", "year", "indicator", "unit")
_LEVELS = ("DeSO", "RegSO", "kommun")
_POLICIES = ("propagate", "available")


class NotAggregableError(ValueError):
    """The indicator is a level (median, mean) and cannot be aggregated from its parts."""


def rows_where(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """``frame[mask]``, but ``frame`` itself (not a copy) when the mask keeps every row.

    At national size a DeSO frame filtered again to ``level == "DeSO"`` would otherwise be copied whole.

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["DeSO", "DeSO"]})
    >>> rows_where(f, f["level"] == "DeSO") is f, len(rows_where(f, f["level"] == "RegSO"))
    (True, 0)
    """
    return frame if bool(mask.all()) else frame[mask]


def _check_aggregable(counts: pd.DataFrame) -> None:
    units = counts[["indicator", "unit"]].drop_duplicates()
    bad = units[~units["unit"].isin(AGGREGABLE_UNITS)]
    if len(bad):
        raise NotAggregableError(
            "counts: indicator(s) "
            + ", ".join(f"{i!r} (unit {u!r})" for i, u in bad.head(5).itertuples(index=False))
            + f" cannot be aggregated: only units {sorted(AGGREGABLE_UNITS)} add up over areas. A median or mean "
            "of a group of areas must come from SCB for that group (or from microdata); drop these rows first."
        )


def _union_tokens(
    values: pd.Series, group_ids: np.ndarray, n_groups: int, extra: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """';'-joined, sorted union of ';'-separated tokens per group, vectorised.

    Builds a groups × vocabulary boolean matrix and concatenates column by column, so the Python loop runs
    over the (small) set of distinct tokens, never over groups. ``extra`` maps a token to a boolean array
    over groups saying where to add it.

    Examples
    --------
    >>> _union_tokens(pd.Series(["b", "a;b", "", None]), np.array([0, 0, 1, 1]), 2, {"z": np.array([False, True])})
    array(['a;b', 'z'], dtype=object)
    """
    # each distinct string is split once (not once per row); then (group, string) pairs → (group, token)
    codes, uniques = pd.factorize(values.fillna("").astype("str"))
    tokens = [[t for t in str(u).split(";") if t] for u in uniques]
    vocab = sorted({t for ts in tokens for t in ts} | {t for t, m in (extra or {}).items() if np.any(m)})
    out = np.full(n_groups, "", dtype=object)
    if not vocab:
        return out
    column = {t: j for j, t in enumerate(vocab)}
    lengths = np.array([len(ts) for ts in tokens], dtype=np.int64)
    flat = np.array([column[t] for ts in tokens for t in ts], dtype=np.int64)
    pairs = np.unique(np.asarray(group_ids, dtype=np.int64) * max(len(uniques), 1) + codes)
    group, string = np.divmod(pairs, max(len(uniques), 1))
    n = lengths[string]
    first = np.repeat(np.cumsum(lengths)[string] - n, n)  # where each pair's string's tokens start in flat
    within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    matrix = np.zeros((n_groups, len(vocab)), dtype=bool)
    matrix[np.repeat(group, n), flat[first + within]] = True
    for token, mask in (extra or {}).items():
        if token in column:  # not when its mask is all False
            matrix[:, column[token]] |= np.asarray(mask, dtype=bool)
    for j, token in enumerate(vocab):
        col = matrix[:, j]
        out[col] = out[col] + (token + ";")
    return pd.Series(out, dtype="str").str.removesuffix(";").to_numpy(dtype=object)


def aggregate_counts(
    counts: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    level: str,
    suppressed: str = "propagate",
) -> pd.DataFrame:
    """Aggregate a long counts frame to groups of areas: sums of numerators and denominators.

    Parameters
    ----------
    counts
        Long frame of the processed-counts contract (``area``, ``geo_version``, ``year``, ``indicator``,
        ``numerator``, ``denominator``, ``unit``, ``status``, ``flags``, ...), one row per part × key.
    mapping
        Part → group: ``area`` (the part's code) and ``target`` (the group's code or id), optionally
        ``target_name``, ``kommun`` and ``geo_version`` (then the join is on ``geo_version`` and ``area``).
        A part may belong to several groups. Parts of ``counts`` not in the mapping are ignored; parts in
        the mapping but missing from ``counts`` count as missing data.
    level
        The ``level`` value of the output rows (``"RegSO"``, ``"kommun"``, ``"focus"``, or a name of yours).
    suppressed
        ``"propagate"`` (default) or ``"available"``; see the module docstring.

    Returns
    -------
    pandas.DataFrame
        One row per group × (``geo_version``, ``year``, ``indicator``, ``unit``) with the contract columns
        (``value`` = numerator/denominator for shares, the numerator for counts), plus ``coverage``,
        ``n_parts`` and ``n_missing``.

    Raises
    ------
    NotAggregableError
        If an indicator's unit is not in :data:`AGGREGABLE_UNITS` (the message names the indicator).
    ValueError
        For an unknown policy, missing columns, or duplicated part rows.

    Examples
    --------
    Two areas with shares 10 % (of 100) and 50 % (of 900): the pooled share is 460/1000 = 46 %, not the
    30 % a mean of the two shares would give.

    >>> counts = pd.DataFrame({"kommun": "0001", "level": "DeSO", "geo_version": "2018", "area": ["a", "b"],
    ...     "year": 2023, "indicator": "x_share", "numerator": [10.0, 450.0], "denominator": [100.0, 900.0],
    ...     "unit": "share", "status": None, "flags": ""})
    >>> out = aggregate_counts(counts, pd.DataFrame({"area": ["a", "b"], "target": "G"}), level="focus")
    >>> out[["area", "numerator", "denominator", "value", "coverage"]].to_dict("records")
    [{'area': 'G', 'numerator': 460.0, 'denominator': 1000.0, 'value': 0.46, 'coverage': 1.0}]
    """
    if suppressed not in _POLICIES:
        raise ValueError(f"suppressed: expected one of {_POLICIES}, got {suppressed!r}.")
    need = ["area", *_KEYS, "numerator", "denominator"]
    missing = [c for c in need if c not in counts.columns]
    if missing:
        raise ValueError(
            f"counts: missing column(s) {missing}; expected the processed-counts contract columns."
        )
    if not {"area", "target"} <= set(mapping.columns):
        raise ValueError(f"mapping: needs columns 'area' and 'target', got {list(mapping.columns)}.")
    _check_aggregable(counts)
    keys = list(_KEYS)
    dup = counts.duplicated(["area", *keys], keep=False)
    if dup.any():
        raise ValueError(
            f"counts: {int(dup.sum())} duplicated rows for the same area × {keys}, e.g. "
            f"{counts.loc[dup, ['area', *keys]].head(3).values.tolist()}; each part must appear once."
        )
    on = ["geo_version", "area"] if "geo_version" in mapping.columns else ["area"]
    m = mapping.drop_duplicates([*on, "target"]).copy()
    if "target_name" not in m.columns:
        m["target_name"] = pd.NA
    if "kommun" not in m.columns:
        m["kommun"] = pd.NA
    m = m.rename(columns={"kommun": "_target_kommun"})

    # Complete grid: every (group keys present in data) × every mapped part, so that parts absent from the
    # data count as missing instead of silently vanishing from the sum. The grid and the parts' kommun need
    # only these columns of the parts (their values are merged in below).
    slim = [c for c in dict.fromkeys([*on, *keys, "kommun"]) if c in counts.columns]
    present = counts[slim].merge(m[[*on, "target"]], on=on, how="inner")
    if present.empty:
        raise ValueError(
            f"counts/mapping: no area of counts is in the mapping (e.g. counts {counts['area'].head(3).tolist()}, "
            f"mapping {m['area'].head(3).tolist()}); check level and geo_version."
        )
    group_keys = present[["target", *keys]].drop_duplicates()
    gcols = ["target", *keys]
    part_kommun = None
    if "kommun" in counts.columns:
        part_kommun = (
            present.groupby(gcols, sort=True, dropna=False)["kommun"].agg(["first", "nunique"]).reset_index()
        )
    del present  # the frames below are as large as the parts: each is let go once used
    grid = group_keys.merge(m, on=["target", *(["geo_version"] if "geo_version" in on else [])], how="inner")
    del group_keys
    part_cols = [c for c in counts.columns if c not in ("kommun", "level", "area_name", "value", "status")]
    df = grid.merge(counts[part_cols], on=[*keys, "area"], how="left")
    del grid

    num, den = df["numerator"], df["denominator"]
    is_share = df["unit"].eq("share")
    valid = num.notna() & (den.notna() | ~is_share)
    weight = pd.Series(np.where(is_share, den, 1.0), index=df.index)
    df = df.assign(
        _num=num.where(valid, 0.0),
        _den=den.where(valid & den.notna(), 0.0),
        _den_n=(valid & den.notna()).astype("int64"),
        _missing=(~valid).astype("int64"),
        _w_all=weight.fillna(0.0),
        _w_ok=weight.where(valid, 0.0).fillna(0.0),
    )
    grouped = df.groupby(gcols, sort=True, dropna=False)
    out = grouped.agg(
        numerator=("_num", "sum"),
        denominator=("_den", "sum"),
        _den_n=("_den_n", "sum"),
        n_parts=("area", "size"),
        n_missing=("_missing", "sum"),
        _w_all=("_w_all", "sum"),
        _w_ok=("_w_ok", "sum"),
        area_name=("target_name", "first"),
        kommun=("_target_kommun", "first"),
    ).reset_index()
    if part_kommun is not None:
        out = out.merge(part_kommun, on=gcols, how="left")
        fallback = out["first"].where(out["nunique"] == 1)
        out["kommun"] = out["kommun"].fillna(fallback)
        out = out.drop(columns=["first", "nunique"])
    codes = grouped.ngroup().to_numpy()
    for col, how in (("source_table", "unique"), ("table_updated", "max"), ("rounding", "max")):
        if col in df.columns:
            if how == "max":
                out[col] = grouped[col].max().to_numpy()
            else:
                out[col] = _union_tokens(df[col], codes, len(out))
    any_missing = out["n_missing"] > 0
    flags = df["flags"] if "flags" in df.columns else pd.Series("", index=df.index)
    out["flags"] = _union_tokens(flags, codes, len(out), {"suppressed": any_missing.to_numpy()})
    out.loc[out["_den_n"] == 0, "denominator"] = np.nan
    if suppressed == "propagate":
        out.loc[any_missing, ["numerator", "denominator"]] = np.nan
    else:
        out.loc[out["n_missing"] == out["n_parts"], ["numerator", "denominator"]] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["numerator"] / out["denominator"]
    out["value"] = np.where(out["unit"].eq("share"), ratio, out["numerator"])
    out["value"] = out["value"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = (out["_w_ok"] / out["_w_all"]).where(out["_w_all"] > 0)
    out["status"] = pd.Series(np.where(out["value"].isna() & any_missing, "..", None), dtype=object)
    out["flags"] = out["flags"].astype("str")
    out["level"] = level
    out = out.rename(columns={"target": "area"})
    out["area_name"] = out["area_name"].astype("str")
    out["kommun"] = out["kommun"].astype("str")
    out["year"] = out["year"].astype("int64")
    first = [
        "kommun",
        "level",
        "geo_version",
        "area",
        "area_name",
        "year",
        "indicator",
        "numerator",
        "denominator",
        "value",
        "unit",
        "status",
    ]
    # rounding: a pooled share of parts each rounded to ±r (in share units) is within ±r too (Σ r·dᵢ / Σ dᵢ = r)
    if "rounding" in out.columns:
        out["rounding"] = out["rounding"].where(out["value"].notna())
    rest = [c for c in ("source_table", "table_updated") if c in out.columns]
    tail = ["rounding"] if "rounding" in out.columns else []
    return out[[*first, *rest, "flags", *tail, "coverage", "n_parts", "n_missing"]].reset_index(drop=True)


def level_mapping(lookup: pd.DataFrame, from_level: str, to_level: str) -> pd.DataFrame:
    """Part → group mapping between two levels of a lookup frame, per geography version.

    Rows for ``geo_version == "harmonised"`` are added from the 2018 lookup: harmonised DeSO series are in
    DeSO 2018 units (see :mod:`segindicators.geography.harmonise`).

    Parameters
    ----------
    lookup
        A lookup frame (:mod:`segindicators.geography.lookups`).
    from_level, to_level
        ``"DeSO"`` → ``"RegSO"`` or ``"kommun"``; ``"RegSO"`` → ``"kommun"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_version``, ``area``, ``target``, ``target_name``, ``kommun``.

    Examples
    --------
    >>> lk = pd.DataFrame({"geo_version": "2018", "deso": ["0580C1010", "0580C1020"], "regso": "0580R001",
    ...                    "regso_name": "Berga", "kommun": "0580", "kommun_name": "Linköping"})
    >>> level_mapping(lk, "DeSO", "RegSO")[["geo_version", "area", "target"]].values.tolist()
    [['2018', '0580C1010', '0580R001'], ['2018', '0580C1020', '0580R001'], ['harmonised', '0580C1010', '0580R001'], ['harmonised', '0580C1020', '0580R001']]
    """
    cols = {"DeSO": ("deso", None), "RegSO": ("regso", "regso_name"), "kommun": ("kommun", "kommun_name")}
    if (
        from_level not in _LEVELS
        or to_level not in _LEVELS
        or _LEVELS.index(from_level) >= _LEVELS.index(to_level)
    ):
        raise ValueError(
            f"from_level/to_level: expected a finer → coarser pair of {_LEVELS}, got {from_level!r} → {to_level!r}."
        )
    src, _ = cols[from_level]
    dst, dst_name = cols[to_level]
    m = lookup.loc[lookup[src].notna(), ["geo_version", src, dst, dst_name, "kommun"]].drop_duplicates()
    m.columns = ["geo_version", "area", "target", "target_name", "kommun"]
    harmonised = m[m["geo_version"] == "2018"].assign(geo_version="harmonised")
    return pd.concat([m, harmonised], ignore_index=True).astype("str")


def aggregate_up(
    counts: pd.DataFrame,
    lookup: pd.DataFrame,
    to_level: str,
    *,
    from_level: str | None = None,
    suppressed: str = "propagate",
) -> pd.DataFrame:
    """Aggregate DeSO or RegSO counts to RegSO or kommun with the lookup of each row's geography version.

    Parameters
    ----------
    counts
        Processed counts; rows of ``level == from_level`` are used (``from_level`` defaults to the single
        level present).
    lookup
        A lookup frame covering the rows' geography versions.
    to_level
        ``"RegSO"`` or ``"kommun"``.
    from_level
        ``"DeSO"`` or ``"RegSO"``.
    suppressed
        Missing-data policy, see :func:`aggregate_counts`.

    Returns
    -------
    pandas.DataFrame
        As :func:`aggregate_counts`, with ``level == to_level`` and ``area_name`` the RegSO/kommun name.
    """
    if from_level is None:
        levels = counts["level"].unique().tolist() if "level" in counts.columns else []
        if len(levels) != 1:
            raise ValueError(f"from_level: counts hold levels {levels}; pass from_level='DeSO' or 'RegSO'.")
        from_level = levels[0]
    parts = rows_where(counts, counts["level"] == from_level) if "level" in counts.columns else counts
    mapping = level_mapping(lookup, from_level, to_level)
    versions = set(parts["geo_version"].unique()) - set(mapping["geo_version"].unique())
    if versions:
        raise ValueError(f"lookup: no rows for geo_version(s) {sorted(versions)} present in counts.")
    # Restrict the mapping to kommuner present, so a one-municipality frame does not report every other
    # kommun's parts as missing.
    kommuner = pd.Series(parts["area"].unique(), dtype="str").str[:4].unique()
    mapping = mapping[mapping["kommun"].isin(kommuner)]
    return aggregate_counts(parts, mapping, level=to_level, suppressed=suppressed)


def groups_mapping(groups: dict[str, Sequence[str]], names: dict[str, str] | None = None) -> pd.DataFrame:
    """Mapping frame for arbitrary groupings given as ``{group id: [area codes]}``.

    Examples
    --------
    >>> groups_mapping({"north": ["0580R001", "0580R002"]}).values.tolist()
    [['0580R001', 'north', 'north'], ['0580R002', 'north', 'north']]
    """
    rows = [(a, g, (names or {}).get(g, g)) for g, areas in groups.items() for a in areas]
    return pd.DataFrame(rows, columns=["area", "target", "target_name"]).astype("str")


__all__ += ["groups_mapping"]
