"""The citywide index battery for processed counts: every catalogue group, level, municipality and year.

This is the bridge between the catalogue's group rows in ``data/processed/counts.parquet`` (indicator
``"<group>.<member>"``, numerator = member count, denominator = the group's total) and the index engine. It
pivots the group rows to one row per area, then calls the vectorised engine once per group definition for
all municipalities × geography versions × years at once:

* :func:`segindicators.indices.bootstrap_indices` — the two-group battery (for the definition's *focal*
  member against everyone else in the total) or the multigroup battery, with percentile bootstrap intervals
  and the expected value under random allocation for D and H;
* :func:`segindicators.indices.ice_summary` — the Index of Concentration at the Extremes (Massey 2001;
  Krieger et al. 2016) for income (national top vs bottom quartile), education (≥ 3 years post-secondary vs
  at most compulsory) and background (Swedish vs foreign background), where the groups exist;
* :func:`segindicators.indices.bootstrap_nested` — Theil's H and the Mutual Information Index M split into
  between-RegSO and within-RegSO parts when DeSO rows and a DeSO → RegSO lookup are given.

Raw and bias-corrected side by side: ``value`` is the raw (plug-in) index and ``value_bias_corrected`` the
bootstrap bias-corrected one (2 · value − mean of the bootstrap draws, as Elbers's R package ``segregation``
reports with ``se = TRUE``; see :mod:`segindicators.indices.inference`), with ``bias`` their difference and
``ci_low_bias_corrected``/``ci_high_bias_corrected`` the interval that goes with it. Small municipalities and
finer geographies have the larger bias, so rankings and comparisons across municipalities or across the
2024 geography break should use ``value_bias_corrected`` and say so; ``expected_random`` (the index under
random allocation) is the other small-unit yardstick.

Policies, stated once here:

* Areas with a suppressed (missing) member or total are left out of that group's computation and counted in
  ``units_dropped``; they are never filled with 0.
* Counts SCB publishes only as percentages (flag ``reconstructed``: share × persons) are rounded to whole
  persons, since resampling needs whole numbers; the rounding moves an index by far less than its interval.
  Where rounded members exceed the persons base (SCB publishes the percentages with few decimals — TAB6685
  and TAB6679 in whole percent — so four quartile shares can add up to 102 %), the base is raised to their sum.
* Indices are computed on each year's own geography version (DeSO 2018 up to 2023, DeSO 2025 from 2024):
  rows of the first year on a new version carry the flag ``break`` so trend charts mark the series break.
* ICE: the municipal ICE (``ice``) is linear in the counts, so it has no small-unit bias: its
  ``value_bias_corrected`` is its ``value`` and ``bias`` is 0. The shares living at the extremes
  (``ice_share_high``/``ice_share_low``) jump at a threshold, where a bootstrap bias estimate means nothing:
  they get NaN and the flag ``bias_correction_not_applicable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from segindicators.catalogue.definitions import Catalogue, GroupDefinition, load_catalogue
from segindicators.indices._wide import CodedCounts
from segindicators.indices.change import change_decomposition
from segindicators.indices.citywide import segregation_indices
from segindicators.indices.decomposition import nested_decomposition
from segindicators.indices.draws import IndexDraws, bootstrap_draws
from segindicators.indices.inference import BOOTSTRAP_COLUMNS, Resample, bootstrap_indices, bootstrap_nested
from segindicators.indices.local import ice_summary
from segindicators.tables import add_flag

__all__ = [
    "FOCAL_MEMBER",
    "ICE_DEFINITIONS",
    "battery_draws",
    "change_between",
    "citywide_battery",
    "group_wide",
]

#: For two-group definitions, the member whose distribution the indices describe (isolation, exposure,
#: location quotients are about this group). D, H and Gini are symmetric and do not depend on the choice.
FOCAL_MEMBER: Mapping[str, str] = {
    "background": "foreign",
    "economic_standard_low_high": "low",
    "employment_status": "not_employed",
}

#: ICE definitions: name → (group id, privileged member, deprived member). The denominator is the group's
#: total (for income quartiles: persons 20+ with income data).
ICE_DEFINITIONS: Mapping[str, tuple[str, str, str]] = {
    "income": ("income_quartiles", "q4", "q1"),
    "education": ("education_levels", "post_secondary_3plus", "compulsory"),
    "background": ("background", "swedish", "foreign"),
}

KEYS = ["kommun", "level", "geo_version", "year"]


def group_wide(counts: pd.DataFrame, group: GroupDefinition) -> pd.DataFrame:
    """One row per area × year for a catalogue group: a column per member plus ``total``.

    Parameters
    ----------
    counts
        Processed counts (the DESIGN.md contract) holding the group's ``"<group>.<member>"`` rows.
    group
        The catalogue group definition.

    Returns
    -------
    DataFrame
        ``kommun, level, geo_version, area, year``, one float column per member, ``total`` (the group total:
        the rows' denominator) and ``reconstructed`` (bool). Empty when the counts hold no rows of the group.

    Examples
    --------
    >>> from segindicators.catalogue import load_catalogue
    >>> g = next(g for g in load_catalogue().groups if g.id == "background")
    >>> rows = pd.DataFrame({"kommun": "9999", "level": "DeSO", "geo_version": "2025", "area": ["A", "A"],
    ...                      "year": 2024, "indicator": ["background.foreign", "background.swedish"],
    ...                      "numerator": [30.0, 70.0], "denominator": [100.0, 100.0], "flags": ""})
    >>> group_wide(rows, g)[["area", "foreign", "swedish", "total"]].to_dict("records")
    [{'area': 'A', 'foreign': 30.0, 'swedish': 70.0, 'total': 100.0}]
    """
    return CodedCounts(counts).wide(group.id, list(group.members))


def _first_year_of_version(keys: pd.DataFrame) -> np.ndarray:
    """True for rows in the first year a (kommun, level) appears on a geography version after another one."""
    first = keys.groupby(["kommun", "level", "geo_version"])["year"].transform("min")
    earliest = keys.groupby(["kommun", "level"])["year"].transform("min")
    return ((keys["year"] == first) & (first > earliest)).to_numpy()


def citywide_battery(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    groups: Iterable[str] | None = None,
    levels: Sequence[str] = ("DeSO", "RegSO"),
    draws: int = 999,
    rng: int | np.random.Generator | None = 20241231,
    lookup: pd.DataFrame | None = None,
    resample: Resample = "units",
) -> pd.DataFrame:
    """Citywide segregation indices, raw and bias-corrected, with bootstrap intervals for every group, level,
    municipality and year.

    Parameters
    ----------
    counts
        Processed counts (DESIGN.md contract) with the catalogue's group rows at DeSO and/or RegSO level.
    catalogue
        Catalogue whose group definitions to use (default: the packaged one).
    groups
        Group ids to compute (default: every group with rows in ``counts``).
    levels
        Areal units to compute on; DeSO and RegSO give different numbers (smaller units, higher indices).
    draws
        Bootstrap draws per index (0 skips inference: no intervals and no bias correction, those columns
        are NaN).
    rng
        Seed or generator, so a refresh reproduces its intervals exactly.
    lookup
        DeSO → RegSO lookup (``geo_version, deso, regso``); when given, the nested decomposition of
        DeSO-level H and M into between-RegSO and within-RegSO parts is added (``theil_h_between``,
        ``theil_h_within``, ``theil_h_within_share``, ``mutual_information_between``,
        ``mutual_information_within``, ``mutual_information_within_share``; ``multigroup_``-prefixed for
        multigroup definitions), bootstrapped like the other rows; the undivided DeSO-level H and M rows
        then take their bootstrap columns from the same draws as their parts, so the bias-corrected parts
        add up to the bias-corrected total.
    resample
        ``"units"`` (unit sizes fixed at the published totals) or ``"table"`` (Elbers's whole-table
        multinomial); see :func:`segindicators.indices.bootstrap_indices`.

    Returns
    -------
    DataFrame
        ``kommun, level, geo_version, year, group, index, value, value_bias_corrected, bias, ci_low,
        ci_high, ci_low_bias_corrected, ci_high_bias_corrected, expected_random, units, units_dropped,
        flags`` — the index-result contract with ``group`` as a key column. ``value`` is the raw index,
        ``value_bias_corrected`` the bootstrap bias-corrected one (``value − bias``), ``ci_low``/``ci_high``
        the percentile interval around the raw value and ``ci_*_bias_corrected`` the interval around the
        corrected one; ``expected_random`` is computed for D, H and M. The index set is that of
        :data:`~segindicators.indices.kernels.TWO_GROUP` / ``MULTIGROUP``, including the Mutual
        Information Index (``mutual_information``, ``multigroup_mutual_information``). ICE
        summaries appear with ``group`` = ``income`` / ``education`` / ``background`` and index ``ice`` (the
        population-weighted mean ICE), ``ice_share_high``, ``ice_share_low`` (population shares living in
        areas at or beyond ±0.2); the plan refers to them as ``index:ice:income`` etc.

    Examples
    --------
    >>> rows = []
    >>> for area, f in [("A", 90), ("B", 10), ("C", 50)]:
    ...     for m, v in [("foreign", f), ("swedish", 100 - f)]:
    ...         rows.append({"kommun": "9999", "level": "DeSO", "geo_version": "2025", "area": area,
    ...                      "year": 2024, "indicator": f"background.{m}", "numerator": float(v),
    ...                      "denominator": 100.0, "flags": ""})
    >>> r = citywide_battery(pd.DataFrame(rows), draws=0)
    >>> round(r.loc[(r["group"] == "background") & (r["index"] == "dissimilarity"), "value"].item(), 4)
    0.5333
    """
    cat = catalogue or load_catalogue()
    wanted = set(groups) if groups is not None else None
    chosen = [g for g in cat.groups if wanted is None or g.id in wanted]
    # the groups' rows at these levels, their keys and indicators factorised once for every group
    coded = CodedCounts(counts, indicators=[f"{g.id}.{m}" for g in chosen for m in g.members], levels=levels)
    wides: dict[str, pd.DataFrame] = {}
    for g in chosen:
        if g.id not in coded.present:
            continue
        wide = coded.wide(g.id, list(g.members))
        if not wide.empty:
            wides[g.id] = wide
    pieces: list[pd.DataFrame] = []
    by_group = {g.id: g for g in cat.groups}
    for gid, wide in wides.items():
        g = by_group[gid]
        members = list(g.members)
        clean, dropped = _complete_units(wide, [*members, "total"])
        if clean.empty:
            continue
        if g.kind == "two_group":
            focal = FOCAL_MEMBER.get(gid, members[0])
            res = _run(clean, group=focal, draws=draws, rng=rng, resample=resample)
        else:
            res = _run(clean, group=members, draws=draws, rng=rng, resample=resample)
        res.insert(4, "group", gid)
        if lookup is not None and (clean["level"] == "DeSO").any():
            nested = _nested(clean, g, lookup, dropped, draws=draws, rng=rng, resample=resample)
            res = _share_draws(res, nested) if draws and draws > 0 else res
            # the undivided H and M are already in the battery; keep only the between/within parts
            pieces.append(nested[nested["index"].str.contains("_between|_within")].reset_index(drop=True))
        pieces.append(_annotate(res, clean, dropped))
    for name, (gid, privileged, deprived) in ICE_DEFINITIONS.items():
        if gid not in wides:
            continue
        clean, dropped = _complete_units(wides[gid], [privileged, deprived, "total"])
        if clean.empty:
            continue
        res = ice_summary(clean, privileged=privileged, deprived=deprived, total="total", by=KEYS)
        res["index"] = res["index"].replace({"ice_mean": "ice"})
        linear = (res["index"] == "ice").to_numpy()
        res["value_bias_corrected"] = np.where(linear, res["value"], np.nan)
        res["bias"] = np.where(linear & np.isfinite(res["value"]), 0.0, np.nan)
        res["flags"] = add_flag(res["flags"], "bias_correction_not_applicable", where=~linear)
        res.insert(4, "group", name)
        pieces.append(_annotate(res, clean, dropped))
    if not pieces:
        raise ValueError(
            "citywide_battery: counts hold no rows of any catalogue group (indicator '<group>.<member>', e.g. "
            f"'background.foreign') at levels {list(levels)}; build the counts with segindicators.catalogue "
            "first."
        )
    out = pd.concat(pieces, ignore_index=True)
    for col in (*BOOTSTRAP_COLUMNS, "expected_random"):
        if col not in out:
            out[col] = np.nan
    out["flags"] = add_flag(out["flags"], "break", where=_first_year_of_version(out))
    cols = [*KEYS[:3], "year", "group", "index", "value", *BOOTSTRAP_COLUMNS, "expected_random", "units",
            "units_dropped", "flags"]  # fmt: skip
    return out[cols].sort_values([*KEYS[:3], "year", "group", "index"], kind="stable").reset_index(drop=True)


def battery_draws(
    counts: pd.DataFrame,
    group: str,
    *,
    indices: str | Sequence[str],
    catalogue: Catalogue | None = None,
    levels: Sequence[str] = ("DeSO", "RegSO"),
    draws: int = 999,
    rng: int | None = 20241231,
    resample: Resample = "units",
) -> IndexDraws:
    """The bootstrap replicates behind :func:`citywide_battery`'s rows of one two-group ``group``.

    The same areas (suppressed ones left out, reconstructed counts rounded), the same focal member and, for an
    integer seed ``rng``, the same random numbers as the battery's call for that group, so the replicates'
    :meth:`~segindicators.indices.draws.IndexDraws.bias_corrected` values are the battery's
    ``value_bias_corrected`` (the resampling does not depend on which indices are computed). For rank
    intervals across municipalities (:func:`segindicators.typology.ranks.rank_intervals`).

    Raises
    ------
    ValueError
        ``group`` is not a two-group definition, or ``counts`` hold none of its rows at ``levels``.
    """
    g = (catalogue or load_catalogue()).group(group)
    if g.kind != "two_group":
        raise ValueError(f"group={group!r}: expected a two-group definition, got kind {g.kind!r}")
    wide = group_wide(counts[counts["level"].isin(list(levels))], g)
    clean = _complete_units(wide, [*g.members, "total"])[0] if not wide.empty else wide
    if clean.empty:
        raise ValueError(f"group={group!r}: counts hold no complete rows of it at levels {list(levels)}")
    focal = FOCAL_MEMBER.get(group, list(g.members)[0])
    return bootstrap_draws(clean, group=focal, total="total", by=KEYS, indices=indices, draws=draws, rng=rng,
                           resample=resample)  # fmt: skip


def _complete_units(wide: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Drop areas with a missing (suppressed) count; round reconstructed counts to whole persons."""
    values = wide[cols].to_numpy(dtype=float)
    ok = np.isfinite(values).all(axis=1)
    dropped = (
        (~pd.Series(ok, index=wide.index)).groupby([wide[k] for k in KEYS]).sum().rename("units_dropped")
    )
    clean = wide[ok].copy()
    recon = clean["reconstructed"].to_numpy(dtype=bool)
    if recon.any():
        present = [c for c in wide.columns if c not in {*KEYS, "area", "reconstructed"}]
        clean.loc[recon, present] = np.rint(clean.loc[recon, present].to_numpy(dtype=float))
        # Published shares are rounded to their unit decimals (whole percent in TAB6685/TAB6679), so rebuilt
        # members can exceed the persons base by a few per cent; the base is then raised to the members' sum
        # (an exact partition such as the four income quartiles sums to 100 % before rounding).
        members = [c for c in present if c != "total"]
        msum = clean.loc[recon, members].sum(axis=1).to_numpy()
        clean.loc[recon, "total"] = np.maximum(clean.loc[recon, "total"].to_numpy(dtype=float), msum)
    return clean, dropped


def _run(clean: pd.DataFrame, *, group: str | list[str], draws: int, rng, resample: Resample) -> pd.DataFrame:
    if draws and draws > 0:
        return bootstrap_indices(
            clean, group=group, total="total", by=KEYS, draws=draws, rng=rng, resample=resample
        )
    return segregation_indices(clean, group=group, total="total", by=KEYS)


def _annotate(res: pd.DataFrame, clean: pd.DataFrame, dropped: pd.Series) -> pd.DataFrame:
    units = clean.groupby(KEYS).size().rename("units")
    res = res.join(units, on=KEYS).join(dropped, on=KEYS)
    res["units"] = res["units"].fillna(0).astype("int64")
    res["units_dropped"] = res["units_dropped"].fillna(0).astype("int64")
    return res


def _nested(
    clean: pd.DataFrame, g: GroupDefinition, lookup: pd.DataFrame, dropped: pd.Series, *, draws: int, rng,
    resample: Resample,
) -> pd.DataFrame:  # fmt: skip
    deso = clean[clean["level"] == "DeSO"].merge(
        lookup[["geo_version", "deso", "regso"]].astype({"geo_version": str}),
        left_on=["geo_version", "area"],
        right_on=["geo_version", "deso"],
        how="left",
    )
    unknown = deso["regso"].isna()
    if unknown.any():
        raise ValueError(
            f"citywide_battery: {int(unknown.sum())} DeSO of group {g.id!r} have no RegSO in the lookup (e.g. "
            f"{deso.loc[unknown, 'area'].iloc[0]!r}, geo_version {deso.loc[unknown, 'geo_version'].iloc[0]!r}); "
            "pass the lookup of the same geography versions."
        )
    group = FOCAL_MEMBER.get(g.id, next(iter(g.members))) if g.kind == "two_group" else list(g.members)
    kw = dict(group=group, total="total", parent="regso", by=KEYS)
    if draws and draws > 0:
        res = bootstrap_nested(deso, draws=draws, rng=rng, resample=resample, **kw)
    else:
        res = nested_decomposition(deso, **kw)
    res.insert(4, "group", g.id)
    return _annotate(res, deso, dropped)


_BIAS_TOKENS = ("undefined_draws=", "bias_corrected_below_zero")


def _share_draws(res: pd.DataFrame, nested: pd.DataFrame) -> pd.DataFrame:
    """Give the undivided DeSO-level H and M rows the bootstrap columns of the nested decomposition.

    The parts (between, within) and their total must come from the same draws, or the bias-corrected parts
    would not add up to the bias-corrected total; the raw ``value`` and ``expected_random`` stay the engine's.
    """
    key = [*KEYS, "group", "index"]
    undivided = nested[~nested["index"].str.contains("_between|_within")].set_index(key)
    out = res.set_index(key)
    hit = out.index.intersection(undivided.index)
    cols = list(BOOTSTRAP_COLUMNS)
    out.loc[hit, cols] = undivided.loc[hit, cols].to_numpy()

    def merged(own: str, other: str) -> str:
        keep = [tok for tok in own.split(";") if tok and not tok.startswith(_BIAS_TOKENS)]
        return ";".join(keep + [tok for tok in other.split(";") if tok.startswith(_BIAS_TOKENS)])

    out.loc[hit, "flags"] = [
        merged(a, b) for a, b in zip(out.loc[hit, "flags"], undivided.loc[hit, "flags"], strict=True)
    ]
    return out.reset_index()[res.columns]


def change_between(
    counts: pd.DataFrame,
    group: str,
    *,
    from_year: int,
    to_year: int,
    level: str = "DeSO",
    indices: str | Sequence[str] | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Decompose the change of a group's segregation between two years (Elbers 2021) from processed counts.

    Runs :func:`segindicators.indices.change_decomposition` on the group's area counts of every municipality.
    Both years must describe the same areas: when they lie on different geography versions (e.g. 2020 on
    DeSO 2018 and 2024 on DeSO 2025) the ``harmonised`` series (split DeSO summed back to 2018 units) is used.

    Parameters
    ----------
    counts
        Processed counts (DESIGN.md contract) with the group's rows.
    group
        Catalogue group id, e.g. ``"economic_standard_low_high"``.
    from_year, to_year
        The two years compared.
    level
        Areal units (``"DeSO"`` or ``"RegSO"``).
    indices
        Index names (default ``theil_h``, or ``multigroup_theil_h`` for a multigroup definition).
    catalogue
        Catalogue holding the group (default: the packaged one).

    Returns
    -------
    DataFrame
        ``kommun``, ``index``, ``component`` (``total``, ``unit_marginal``, ``group_marginal``,
        ``structural``; the parts sum to ``total``), ``value``, ``flags`` and the ``geo_version`` used.
    """
    cat = catalogue or load_catalogue()
    g = next((x for x in cat.groups if x.id == group), None)
    if g is None:
        raise ValueError(f"group={group!r}: not a catalogue group; groups are {[x.id for x in cat.groups]}.")
    sub = counts[(counts["level"] == level) & counts["year"].isin([from_year, to_year])]
    native = sub[sub["geo_version"].isin(["2018", "2025"])]
    versions = native.groupby("year")["geo_version"].first()
    use_harmonised = versions.nunique() > 1 or len(versions) < 2
    rows = sub[sub["geo_version"] == "harmonised"] if use_harmonised else native
    wide = group_wide(rows, g)
    members = list(g.members)
    clean, _ = _complete_units(wide, [*members, "total"])
    if clean.empty:
        raise ValueError(
            f"change_between: no complete {level} counts of group {group!r} for {from_year} and {to_year} "
            f"({'harmonised' if use_harmonised else 'native'} series); check the years against the build."
        )
    if g.kind == "two_group":
        focal: str | list[str] = FOCAL_MEMBER.get(group, members[0])
        default = "theil_h"
    else:
        focal, default = members, "multigroup_theil_h"
    res = change_decomposition(
        clean, group=focal, total="total", unit="area", from_year=from_year, to_year=to_year, by="kommun",
        indices=indices or default,
    )  # fmt: skip
    res["geo_version"] = "harmonised" if use_harmonised else str(versions.iloc[0])
    return res
