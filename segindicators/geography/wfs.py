"""DeSO/RegSO boundaries from SCB's WFS (GeoServer), cached under ``data/raw/wfs`` with provenance.

One GetFeature request per layer and municipality::

    GET https://geodata.scb.se/geoserver/stat/wfs?service=WFS&version=2.0.0&request=GetFeature
        &typeNames=stat:DeSO_2025&outputFormat=geopackage&srsName=EPSG:3006&CQL_FILTER=kommunkod='0580'

(``typeNames`` is the WFS 2.0 name of the layer parameter; ``CQL_FILTER`` is GeoServer's vendor parameter
for an ECQL filter; see GeoServer's "WFS vendor parameters".) Layers: ``stat:DeSO_2018`` and
``stat:RegSO_2020`` (geography version ``"2018"``, reference years ≤ 2023), ``stat:DeSO_2025`` and
``stat:RegSO_2025`` (version ``"2025"``). Attributes used: ``desokod`` (DeSO layers), ``regsokod``,
``regsonamn``, ``kommunkod``.

The transport is :class:`segindicators.http.HttpClient` (pacing, retries, body checks) and every answer is
kept byte for byte in a :class:`segindicators.http.RawCache` with its provenance record (URL, retrieval time,
sha256), exactly as the SCB client keeps its responses. Cache policy: boundaries of a published geography
version do not change, so a cached layer is used without asking the server again (``refresh=True``
re-downloads; a changed answer is stored as a new entry, the old one is kept). ``offline=True`` never makes
an HTTP call and fails naming the layer when it was never fetched.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segindicators.http import HttpError, RetryPolicy, SlidingWindowLimiter, cache_key
from segindicators.http.api import ApiClient

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_WFS_URL", "LAYERS", "WfsCacheMiss", "WfsClient", "WfsError", "getfeature_params"]

DEFAULT_WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"
#: (level, geography version) → WFS layer name.
LAYERS: dict[tuple[str, str], str] = {
    ("DeSO", "2018"): "stat:DeSO_2018",
    ("RegSO", "2018"): "stat:RegSO_2020",
    ("DeSO", "2025"): "stat:DeSO_2025",
    ("RegSO", "2025"): "stat:RegSO_2025",
}
_GPKG_MAGIC = b"SQLite format 3\x00"
_KOMMUN = re.compile(r"^\d{4}$")


class WfsError(RuntimeError):
    """The WFS request failed or its answer is not a GeoPackage; the message names layer and kommun."""


class WfsCacheMiss(WfsError):
    """Offline and the layer was never fetched for this municipality."""


def getfeature_params(layer: str, kommun: str, srs: str = "EPSG:3006") -> dict[str, str]:
    """Query parameters of a GetFeature request for one layer, filtered to one municipality.

    Examples
    --------
    >>> getfeature_params("stat:DeSO_2025", "0580")["CQL_FILTER"]
    "kommunkod='0580'"
    """
    if not _KOMMUN.match(kommun):
        raise ValueError(f"kommun: expected a four-digit municipality code such as '0580', got {kommun!r}.")
    return {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": layer,
        "outputFormat": "geopackage",
        "srsName": srs,
        "CQL_FILTER": f"kommunkod='{kommun}'",
    }


def _validate_gpkg(body: bytes) -> None:
    if not body.startswith(_GPKG_MAGIC):
        head = body[:200].decode("utf-8", errors="replace")
        raise ValueError(
            f"the answer is not a GeoPackage (starts {head!r}); GeoServer may have sent an error"
        )


class WfsClient(ApiClient):
    """Fetch DeSO/RegSO layers of one municipality as GeoDataFrames (EPSG:3006), cached with provenance.

    Parameters
    ----------
    base_url
        WFS endpoint, default SCB's :data:`DEFAULT_WFS_URL`.
    cache_dir
        Raw cache folder; default ``data/raw/wfs`` under :func:`segindicators.paths.project_home`.
    offline
        Only the cache; no HTTP call at all (:class:`WfsCacheMiss` when a layer is missing).
    refresh
        Ask the server even when the layer is cached.
    retry, transport, sleep
        Passed to :class:`~segindicators.http.HttpClient` (tests inject fakes).
    """

    offline_error = WfsCacheMiss

    def __init__(
        self,
        base_url: str = DEFAULT_WFS_URL,
        cache_dir: str | os.PathLike[str] | None = None,
        offline: bool = False,
        *,
        refresh: bool = False,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        sleep: Any = None,
    ) -> None:
        import time

        self.refresh = refresh
        self._setup(
            base_url, cache_dir, offline, "wfs",
            retry=retry or RetryPolicy(), transport=transport, sleep=sleep or time.sleep,
            limiter=SlidingWindowLimiter(10, 1.0),
        )  # fmt: skip

    def _http_root(self) -> str:
        # requests are made relative to the folder above the endpoint (".../geoserver/stat" + "wfs?...")
        prefix, _ = self.base_url.rsplit("/", 1)
        return prefix

    def raw(self, layer: str, kommun: str) -> bytes:
        """The GeoPackage bytes of ``layer`` for ``kommun`` (from the cache when present, see the policy)."""
        params = getfeature_params(layer, kommun)
        key = cache_key("GET wfs", params)  # as the SCB client: the identity is the query, not the host
        cached = self.cache.latest(key)
        if cached is not None and not self.refresh:
            return cached.read_bytes()
        if self.offline:
            raise WfsCacheMiss(
                f"offline: WFS layer {layer} for kommun {kommun} is not in the cache at {self.cache.root}; "
                "run once online to fetch it."
            )
        try:
            response = self._http().request("GET", self.base_url.rsplit("/", 1)[1], params=params)
        except HttpError as exc:
            raise WfsError(f"WFS GetFeature {layer} for kommun {kommun} failed: {exc}") from exc
        try:
            entry = self.cache.put(
                key,
                response.content,
                {
                    "url": response.url,
                    "method": "GET",
                    "request_body": None,
                    "http_status": response.status,
                    "retrieved_at": response.retrieved_at,
                    "content_type": response.headers.get("content-type"),
                    "what": "wfs",
                    "layer": layer,
                    "kommun": kommun,
                    "table_updated": None,
                },
                validate=_validate_gpkg,
            )
        except ValueError as exc:
            raise WfsError(f"WFS GetFeature {layer} for kommun {kommun}: {exc}; not cached.") from exc
        return entry.read_bytes()

    def layer(self, level: str, geo_version: str, kommun: str) -> gpd.GeoDataFrame:
        """One layer as a GeoDataFrame in EPSG:3006.

        Parameters
        ----------
        level
            ``"DeSO"`` or ``"RegSO"``.
        geo_version
            ``"2018"`` (DeSO 2018 / RegSO 2020) or ``"2025"``.
        kommun
            Four-digit municipality code.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns ``desokod`` (DeSO layers only), ``regsokod``, ``regsonamn``, ``kommunkod`` (strings),
            ``geo_version`` and ``geometry``; sorted by code.
        """
        import pyogrio

        try:
            name = LAYERS[(level, geo_version)]
        except KeyError:
            raise ValueError(
                f"level/geo_version: expected one of {sorted(LAYERS)}, got ({level!r}, {geo_version!r})."
            ) from None
        body = self.raw(name, kommun)
        # GDAL wants a .gpkg name to recognise the format without warnings: read from a temporary file.
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "layer.gpkg"
            path.write_bytes(body)
            frame = pyogrio.read_dataframe(path)
        code = "desokod" if level == "DeSO" else "regsokod"
        needed = [
            c for c in ("desokod", "regsokod", "regsonamn", "kommunkod") if level == "DeSO" or c != "desokod"
        ]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise WfsError(
                f"WFS layer {name} for kommun {kommun}: attribute(s) {missing} missing; got {list(frame.columns)}."
            )
        if frame.crs is None or frame.crs.to_epsg() != 3006:
            frame = frame.set_crs(3006, allow_override=True) if frame.crs is None else frame.to_crs(3006)
        for c in needed:
            frame[c] = frame[c].astype("str")
        frame["geo_version"] = geo_version
        frame = frame[[*needed, "geo_version", "geometry"]]
        return frame.sort_values(code, kind="mergesort").reset_index(drop=True)

    def __enter__(self) -> WfsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
