"""A municipality's DeSO/RegSO boundaries and its lookup, from SCB's WFS layers of each geography version.

:func:`municipal_boundaries` is the domain function of the refresh's ``geometry`` stage: it takes a WFS client
(anything with :meth:`~segindicators.sources.wfs.WfsClient.layer`), the municipality and the geography versions
the years need, and returns the lookup DeSO → RegSO → kommun and both layers (:class:`Boundaries`); it writes
nothing.

SCB's DeSO layers carry ``desokod``, ``regsokod``, ``kommunkod`` but no RegSO name; the names come from the
RegSO layer's ``regsonamn`` joined on ``regsokod`` (:func:`~segindicators.geography.lookups.regso_names`). Where
the RegSO layer has no name for a code, the names are taken from SCB's kopplingstabeller saved unchanged in
``fallback_folder`` (``<home>/data/raw/lookups/koppling-*.csv``; a warning says so); with neither, the
function stops naming the layer, the attribute and what to do. The RegSO layer returned carries the names the
lookup uses.

:func:`national_lookup` is the national run's lookup: SCB's kopplingstabeller of every municipality, saved
unchanged (the WFS answers per municipality; 290 × 4 layers would be needed for the whole country).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from segindicators.geography.lookups import (
    RegsoNameError,
    geo_version_for_year,
    lookup_from_wfs,
    read_reference_lookups,
    regso_names,
    validate_lookup,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Boundaries", "LayerSource", "geo_versions", "municipal_boundaries", "national_lookup"]


class LayerSource(Protocol):
    """What :func:`municipal_boundaries` needs of a WFS client."""

    def layer(self, level: str, geo_version: str, kommun: str) -> Any:
        """One layer (``"DeSO"``/``"RegSO"``) of a geography version for a municipality, as a GeoDataFrame."""


@dataclass(frozen=True)
class Boundaries:
    """What :func:`municipal_boundaries` returns.

    Attributes
    ----------
    lookup
        The lookup frame (:data:`~segindicators.geography.lookups.LOOKUP_COLUMNS`) of every version.
    deso, regso
        The layers of every version stacked (GeoDataFrames, EPSG:3006); the RegSO layer with the names used.
    warnings
        One sentence per RegSO layer whose names were taken from the kopplingstabeller.
    summary
        DeSO and RegSO per version, e.g. ``"2018: 94 DeSO / 32 RegSO"``.
    """

    lookup: pd.DataFrame
    deso: gpd.GeoDataFrame
    regso: gpd.GeoDataFrame
    warnings: tuple[str, ...]
    summary: str


def geo_versions(years: Iterable[int]) -> list[str]:
    """The geography versions the reference years are published in, sorted.

    >>> geo_versions([2022, 2023, 2024])
    ['2018', '2025']
    """
    return sorted({geo_version_for_year(y) for y in years})


def _names_with_fallback(
    deso: pd.DataFrame, regso: pd.DataFrame, version: str, folder: Path
) -> tuple[pd.DataFrame, pd.DataFrame | None, str | None]:
    """RegSO names of one version: the layer's, else the kopplingstabeller's (with the warning to give)."""
    try:
        return regso_names(regso, version, codes=deso["regsokod"]), None, None
    except RegsoNameError as exc:
        if not any(folder.glob("koppling-*.csv")):
            raise RegsoNameError(
                f"{exc} The refresh looks for the kopplingstabeller in {folder}: none found there; save SCB's "
                "kopplingstabeller there unchanged and run again."
            ) from exc
        fallback = read_reference_lookups(folder)
    names = regso_names(regso, version, codes=deso["regsokod"], fallback=fallback)
    taken = names.loc[names["source"] == "kopplingstabell", "regso"].tolist()
    warning = (
        f"geometry: the WFS RegSO layer of geography version {version} has no name for {len(taken)} RegSO "
        f"({taken[:5]}{' …' if len(taken) > 5 else ''}); their names are taken from the kopplingstabeller "
        f"in {folder}."
    )
    return names, fallback, warning


def municipal_boundaries(
    wfs: LayerSource,
    kommun: str,
    years: Iterable[int],
    *,
    kommun_name: str | None = None,
    fallback_folder: str | Path,
) -> Boundaries:
    """Fetch the DeSO and RegSO layers of each geography version the years need; build the lookup from them.

    Parameters
    ----------
    wfs
        A :class:`~segindicators.sources.wfs.WfsClient` (or anything with its ``layer`` method).
    kommun
        Four-digit municipality code.
    years
        Reference years; each is published in one geography version (:func:`geo_versions`).
    kommun_name
        The municipality's name for the lookup's ``kommun_name`` (default: none given).
    fallback_folder
        Where SCB's kopplingstabeller may be saved (``<home>/data/raw/lookups``), read only when a RegSO layer
        lacks a name.

    Returns
    -------
    Boundaries

    Raises
    ------
    ValueError
        A DeSO layer has no areas for the municipality (a wrong code).
    RegsoNameError
        A RegSO has a name neither in the layer nor in a kopplingstabell (the message says where to put them).
    """
    import geopandas as gpd  # heavy (GDAL via pyogrio): imported only when boundaries are built

    folder = Path(fallback_folder)
    parts, deso, regso, warnings = [], [], [], []
    for version in geo_versions(years):
        d = wfs.layer("DeSO", version, kommun)
        r = wfs.layer("RegSO", version, kommun)
        if d.empty:
            raise ValueError(f"WFS layer DeSO {version} has no areas for kommun {kommun}; is the code right?")
        names, fallback, warning = _names_with_fallback(d, r, version, folder)
        if warning:
            warnings.append(warning)
        named = {kommun: kommun_name} if kommun_name else None
        parts.append(lookup_from_wfs(d, version, named, regso_attributes=r, fallback=fallback))
        deso.append(d)
        regso.append(
            r.assign(regsonamn=r["regsokod"].map(names.set_index("regso")["regso_name"]).astype("str"))
        )
    lookup = pd.concat(parts, ignore_index=True)
    counts = lookup.groupby("geo_version").agg(deso=("deso", "nunique"), regso=("regso", "nunique"))
    return Boundaries(
        lookup=lookup,
        deso=gpd.GeoDataFrame(pd.concat(deso, ignore_index=True), crs="EPSG:3006"),
        regso=gpd.GeoDataFrame(pd.concat(regso, ignore_index=True), crs="EPSG:3006"),
        warnings=tuple(warnings),
        summary=", ".join(f"{v}: {r.deso} DeSO / {r.regso} RegSO" for v, r in counts.iterrows()),
    )


def national_lookup(folder: str | Path, years: Iterable[int]) -> tuple[pd.DataFrame, list[Path]]:
    """The lookup of every municipality from SCB's kopplingstabeller in ``folder``, checked.

    Parameters
    ----------
    folder
        Where SCB's ``koppling-*.csv`` are saved unchanged (``<home>/data/raw/lookups``).
    years
        Reference years; the files must cover the geography version of each.

    Returns
    -------
    tuple
        The lookup frame (:data:`~segindicators.geography.lookups.LOOKUP_COLUMNS`) of the versions the years
        need, and the files read (for the manifest).

    Raises
    ------
    FileNotFoundError
        No kopplingstabell in ``folder`` (the message names the files to save there).
    ValueError
        A version the years need is missing, or the lookup fails :func:`validate_lookup`.
    """
    where = Path(folder)
    lookup = read_reference_lookups(where)
    validate_lookup(lookup, source=str(where))
    wanted = geo_versions(years)
    missing = sorted(set(wanted) - set(lookup["geo_version"]))
    if missing:
        raise ValueError(
            f"{where}: the kopplingstabeller cover geography versions {sorted(set(lookup['geo_version']))}; the "
            f"years need {wanted} (missing {missing}). Save SCB's koppling-deso2018-regso2020.csv and "
            "koppling-deso2025-regso2025.csv there unchanged."
        )
    files = sorted(where.glob("koppling-*.csv"))
    return lookup[lookup["geo_version"].isin(wanted)].reset_index(drop=True), files
