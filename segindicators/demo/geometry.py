"""The synthetic municipality's boundaries: DeSO and RegSO polygons in the Bothnian Sea (EPSG:3006).

**Syntetiska exempeldata – inte officiell statistik.** Each RegSO sits on a grid cell 2.5 km apart around
SWEREF 99 TM E 700 000, N 6 850 000, where there is no town; its DeSO are Voronoi cells of points on a
circle round the RegSO centre, clipped to a buffered hull. A DeSO split in 2025 is cut in two through its
centroid, across its longer side, so the two parts cover exactly their 2018 parent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segindicators.demo.areas import KOMMUN

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["polygons"]


def polygons(areas: pd.DataFrame, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """DeSO polygons of both geography versions and RegSO polygons (dissolved DeSO).

    Parameters
    ----------
    areas
        :func:`~segindicators.demo.areas.area_table`.
    rng
        The generator's main stream, after the counts were drawn from it (centres, angles, radii).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        DeSO (``geo_version, desokod, regsokod, regsonamn, kommunkod, geometry``) and RegSO
        (``geo_version, regsokod, regsonamn, kommunkod, geometry``), EPSG:3006.
    """
    import geopandas as gpd
    import shapely

    parents = areas.drop_duplicates("parent").reset_index(drop=True)
    spacing, radius = 2500.0, 650.0
    x0, y0 = 700_000.0, 6_850_000.0  # Bothnian Sea: no real town here
    regso = parents.drop_duplicates("regso")
    centre_x = x0 + regso["col"].to_numpy() * spacing + rng.normal(0, 200, len(regso))
    centre_y = y0 + regso["row"].to_numpy() * spacing + rng.normal(0, 200, len(regso))
    ridx = pd.Index(regso["regso"]).get_indexer(parents["regso"])
    angle0 = rng.uniform(0, 2 * np.pi, len(regso))[ridx]
    angle = angle0 + 2 * np.pi * parents["slot"].to_numpy() / parents["nslots"].to_numpy()
    r = radius * rng.uniform(0.75, 1.0, len(parents))
    px = centre_x[ridx] + r * np.cos(angle)
    py = centre_y[ridx] + r * np.sin(angle)
    points = shapely.points(np.round(px), np.round(py))
    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(points)), 1800.0, quad_segs=4)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=hull))
    inside = shapely.contains(cells[:, None], points[None, :])
    polys = shapely.intersection(cells[inside.argmax(axis=0)], hull)

    rows18 = pd.DataFrame(
        {
            "geo_version": "2018",
            "desokod": parents["parent"],
            "regsokod": parents["regso"],
            "regsonamn": parents["regso_name"],
            "kommunkod": KOMMUN,
        }
    )
    geom18 = list(polys)
    # 2025: split parents cut in two through the centroid, across the longer side
    units25, geom25 = [], []
    by_parent = dict(zip(parents["parent"], polys, strict=True))
    for parent, group in areas.groupby("parent", sort=False):
        poly = by_parent[parent]
        if len(group) == 1:
            units25.append(group.iloc[0])
            geom25.append(poly)
            continue
        minx, miny, maxx, maxy = poly.bounds
        c = poly.centroid
        if maxx - minx >= maxy - miny:
            first = shapely.box(minx - 1, miny - 1, c.x, maxy + 1)
        else:
            first = shapely.box(minx - 1, miny - 1, maxx + 1, c.y)
        pieces = [shapely.intersection(poly, first), shapely.difference(poly, first)]
        for (_, row), piece in zip(group.sort_values("part").iterrows(), pieces, strict=True):
            units25.append(row)
            geom25.append(piece)
    u25 = pd.DataFrame(units25)
    rows25 = pd.DataFrame(
        {
            "geo_version": "2025",
            "desokod": u25["unit"].to_numpy(),
            "regsokod": u25["regso"].to_numpy(),
            "regsonamn": u25["regso_name"].to_numpy(),
            "kommunkod": KOMMUN,
        }
    )
    deso = gpd.GeoDataFrame(
        pd.concat([rows18, rows25], ignore_index=True), geometry=geom18 + geom25, crs="EPSG:3006"
    )
    deso = deso.sort_values(["geo_version", "desokod"], kind="mergesort").reset_index(drop=True)
    for c in ("geo_version", "desokod", "regsokod", "regsonamn", "kommunkod"):
        deso[c] = deso[c].astype("str")
    regso_geom = deso.dissolve(by=["geo_version", "regsokod"], as_index=False)[
        ["geo_version", "regsokod", "regsonamn", "kommunkod", "geometry"]
    ]
    return deso, regso_geom
