"""Helpers for the national-run tests: WFS layers for real municipality codes (Syntetiska exempeldata – inte
officiell statistik: the polygons are made-up squares, the codes and names are SCB's kopplingstabeller).

The national fake (:func:`segindicators.testing.recorded_tables.national_synthetic_server`) serves SCB's tables
for real codes; the refresh's geometry stage (and ``--charts-for``) also needs the WFS layers of a
municipality, so these build them from the lookup: one square per DeSO, RegSO as the union of their DeSO,
shaped by :func:`~segindicators.testing.fake_wfs.deso_layer` / :func:`~segindicators.testing.fake_wfs.regso_layer`
as SCB's.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from segindicators.sources.wfs import LAYERS
from segindicators.testing.fake_wfs import FakeWfs, deso_layer, regso_layer


def wfs_for(lookup: pd.DataFrame, kommuner: Iterable[str]) -> FakeWfs:
    """A (not started) fake WFS serving the four layers of ``kommuner`` from ``lookup``."""
    rows = lookup[lookup["kommun"].isin(list(kommuner))].reset_index(drop=True)
    layers = {}
    for version, part in rows.groupby("geo_version"):
        part = part.reset_index(drop=True)
        squares = [box(1000.0 * i, 0.0, 1000.0 * i + 900.0, 900.0) for i in range(len(part))]
        deso = gpd.GeoDataFrame(
            {"desokod": part["deso"], "regsokod": part["regso"], "kommunkod": part["kommun"]},
            geometry=squares, crs="EPSG:3006",
        )  # fmt: skip
        regso = deso.dissolve(by="regsokod", as_index=False)
        names = part.drop_duplicates("regso").set_index("regso")["regso_name"]
        regso["regsonamn"] = regso["regsokod"].map(names)
        layers[LAYERS[("DeSO", version)]] = deso_layer(deso, version)
        layers[LAYERS[("RegSO", version)]] = regso_layer(regso)
    return FakeWfs(layers)
