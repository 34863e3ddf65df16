"""The processed counts of a run, assembled from the build: the domain function of the ``harmonise`` stage.

:func:`processed_counts` takes the DeSO/RegSO rows as built, the lookup, SCB's own kommun and riket rows and
(optionally) a municipality profile and returns the rows of ``data/processed/counts.parquet`` in the declared
columns, dtypes and order (:data:`segindicators.tables.TABLES`):

* the built rows, RegSO named from the lookup;
* when the years span both geography versions, the harmonised DeSO series (split DeSO summed back to their
  2018 unit, :func:`~segindicators.geography.harmonise.harmonise_deso`; from 2024 such sums of a table SCB does
  not vouch for are flagged ``unvouched_sum``) and the RegSO series continued across the break
  (:func:`~segindicators.geography.harmonise.harmonise_regso`);
* kommun rows: SCB's own figure where it is published, pooled from DeSO (flag ``pooled``) only where it is not
  (:func:`~segindicators.geography.kommun.kommun_series`);
* the profile's focus areas summed from their parts (:func:`~segindicators.geography.aggregate.aggregate_counts`);
* the riket rows.

It works for one municipality or for many (the national run): every step is keyed by area code and the
lookup's kommun. Nothing is written.

At national size (7 M rows) the rows are held about twice at most, not five times: each piece is cast to the
declared dtypes as it is made (no object column), intermediates are let go as soon as they are used, and the
pieces are concatenated column by column straight into the declared order (:func:`_sorted_concat`), so a
concatenated and a sorted copy of every column never exist together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from segindicators.geography.aggregate import AGGREGABLE_UNITS, aggregate_counts
from segindicators.geography.boundaries import geo_versions
from segindicators.geography.harmonise import deso_crosswalk, harmonise_deso, harmonise_regso, regso_changes
from segindicators.geography.kommun import kommun_series, mark_unvouched
from segindicators.geography.profiles import Profile, focus_mapping
from segindicators.tables import TABLES, normalise, sort_order

__all__ = ["ProcessedCounts", "processed_counts"]


@dataclass(frozen=True)
class ProcessedCounts:
    """What :func:`processed_counts` returns: the counts and one summary line."""

    counts: pd.DataFrame
    summary: str


def _name_regso(built: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """RegSO rows named from the lookup (the build leaves ``area_name`` empty); only ``area_name`` is new."""
    out = built.copy(deep=False)  # copy-on-write: the assignment below copies area_name alone
    names = lookup.drop_duplicates(["geo_version", "regso"]).set_index(["geo_version", "regso"])["regso_name"]
    is_regso = out["level"] == "RegSO"
    key = pd.MultiIndex.from_arrays([out.loc[is_regso, "geo_version"], out.loc[is_regso, "area"]])
    out.loc[is_regso, "area_name"] = names.reindex(key).to_numpy()
    return out


def processed_counts(
    built: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    years: Iterable[int],
    kommun_rows: pd.DataFrame | None,
    riket_rows: pd.DataFrame | None,
    unvouched_tables: Iterable[str] = (),
    profile: Profile | None = None,
) -> ProcessedCounts:
    """Harmonised DeSO/RegSO series, kommun rows (SCB's own, else pooled from DeSO), focus areas and riket.

    Parameters
    ----------
    built
        DeSO and RegSO rows as built (:func:`segindicators.catalogue.levels.split_levels`).
    lookup
        DeSO → RegSO → kommun lookup of the geography versions the years need.
    years
        The run's reference years; harmonised series are added when they span both geography versions.
    kommun_rows, riket_rows
        SCB's own kommun and riket rows (named), or None.
    unvouched_tables
        Tables whose sums SCB does not vouch for (``aggregallowed: false``).
    profile
        The municipality profile whose focus areas are summed (None: no focus areas, e.g. the national run).

    Returns
    -------
    ProcessedCounts
        ``counts`` normalised to the declared ``counts`` table; ``summary`` says what was harmonised and the
        rows per level.
    """
    unvouched = sorted(unvouched_tables)
    built = _name_regso(built, lookup)
    two = len(geo_versions(years)) == 2
    cw = deso_crosswalk(lookup) if two else None
    deso = built[built["level"] == "DeSO"]
    # kommun: SCB's own figure where it is published; pooled from DeSO (flag "pooled") only where it is not
    kommun = _cast(kommun_series(deso, kommun_rows, lookup, unvouched_tables=unvouched))
    pieces = [_cast(built)]  # in this order: built, harmonised DeSO, harmonised RegSO, kommun, focus, riket
    summary = "one geography version only: no harmonised series needed"
    if two:
        split_parents = cw.loc[cw["kind"] == "split", "deso_2018"]
        h_deso = harmonise_deso(deso, cw)
        split = h_deso["area"].isin(set(split_parents)) & (h_deso["year"] >= 2024)
        pieces.append(_cast(mark_unvouched(h_deso, unvouched, split)))
        del h_deso, split
    del deso  # each reference of this function is let go once used (the caller keeps its frames)
    if two:
        h_regso = harmonise_regso(built[built["level"] == "RegSO"], regso_changes(lookup, cw))
        summary = (
            f"{split_parents.nunique()} split DeSO summed back; "
            f"{len(h_regso.attrs.get('excluded_regso', []))} RegSO not continuous"
        )
        pieces.append(_cast(h_regso))
        del h_regso
    del built
    pieces.append(kommun)
    del kommun
    if profile is not None:
        mapping = focus_mapping(profile)
        all_rows = pd.concat(pieces, ignore_index=True)
        for part_level in sorted(set(mapping["part_level"])):
            m = mapping[mapping["part_level"] == part_level][["area", "target", "target_name", "kommun"]]
            parts = all_rows[(all_rows["level"] == part_level) & all_rows["unit"].isin(AGGREGABLE_UNITS)]
            pieces.append(_cast(mark_unvouched(aggregate_counts(parts, m, level="focus"), unvouched)))
        del all_rows
    if riket_rows is not None:
        pieces.append(_cast(riket_rows))
    counts = _sorted_concat(pieces)
    by_level = counts.groupby("level", sort=False).size()
    summary += "; rows: " + ", ".join(f"{k} {v:,}" for k, v in by_level.items())
    return ProcessedCounts(counts=counts, summary=summary)


def _cast(piece: pd.DataFrame) -> pd.DataFrame:
    """One piece of the counts in the declared columns and dtypes, unsorted."""
    return normalise("counts", piece, sort=False)


def _sorted_concat(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """``sort_table("counts", pd.concat(pieces, ignore_index=True))`` of pieces cast by :func:`_cast`, built
    column by column: each column is concatenated, put in order and let go of in the pieces before the next.

    ``pieces`` is emptied (so the pieces' memory is released as their columns are used).
    """
    table = TABLES["counts"]
    keys = {k: pd.concat([p[k] for p in pieces], ignore_index=True) for k in table.sort_keys}
    order = sort_order("counts", pd.DataFrame(keys, copy=False))
    del keys
    columns = {c: [p[c] for p in pieces] for c in table.column_names}
    pieces.clear()
    out = {}
    for c in table.column_names:
        col = pd.concat(columns.pop(c), ignore_index=True)
        out[c] = col if order is None else col.take(order).reset_index(drop=True)
        del col
    return pd.DataFrame(out, copy=False)
