"""DeSO/RegSO boundaries from SCB's WFS (GeoServer), cached under ``data/raw/wfs`` with provenance.

One GetFeature request per layer and municipality::

    GET https://geodata.scb.se/geoserver/stat/wfs?service=WFS&version=2.0.0&request=GetFeature
        &typeNames=stat:DeSO_2025&outputFormat=geopackage&srsName=EPSG:3006&CQL_FILTER=kommunkod='0580'

(``typeNames`` is the WFS 2.0 name of the layer parameter; ``CQL_FILTER`` is GeoServer's vendor parameter
for an ECQL filter; see GeoServer's "WFS vendor parameters".) Layers: ``stat:DeSO_2018`` and
``stat:RegSO_2020`` (geography version ``"2018"``, reference years ≤ 2023), ``stat:DeSO_2025`` and
``stat:RegSO_2025`` (version ``"2025"``).

Attributes. What SCB's layers carry is known from a recorded DescribeFeatureType (2026-10, see
``reference/scb-api-v2/metadata/README.md``, last paragraph, and DESIGN.md "Data sources"): the DeSO layers carry
exactly :data:`DESO_ATTRIBUTES` and the geometry, **no** ``regsonamn``; of the RegSO layers only
:data:`REGSO_ATTRIBUTES` (``regsokod``, ``regsonamn``) are recorded. The client reads ``desokod``, ``regsokod``
and ``kommunkod`` of a DeSO layer (all three required) and ``regsokod`` (required) and ``regsonamn`` (optional:
RegSO names can also come from SCB's kopplingstabeller, see
:func:`segindicators.geography.lookups.regso_names`) of a RegSO layer; nothing else.

The transport is :class:`segindicators.sources.http.HttpClient` (pacing, retries, body checks) and every answer is
kept byte for byte in a :class:`segindicators.sources.http.RawCache` with its provenance record (URL, retrieval time,
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

from segindicators.sources.errors import CacheMiss, SourceError
from segindicators.sources.http import HttpError, RetryPolicy, SlidingWindowLimiter, cache_key
from segindicators.sources.http.api import ApiClient

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DEFAULT_WFS_URL",
    "DESO_ATTRIBUTES",
    "DESO_REQUIRED",
    "LAYERS",
    "REGSO_ATTRIBUTES",
    "REGSO_REQUIRED",
    "WfsCacheMiss",
    "WfsClient",
    "WfsError",
    "getfeature_params",
]

DEFAULT_WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"
#: (level, geography version) → WFS layer name.
LAYERS: dict[tuple[str, str], str] = {
    ("DeSO", "2018"): "stat:DeSO_2018",
    ("RegSO", "2018"): "stat:RegSO_2020",
    ("DeSO", "2025"): "stat:DeSO_2025",
    ("RegSO", "2025"): "stat:RegSO_2025",
}
#: Attributes of SCB's DeSO layers (``stat:DeSO_2018``, ``stat:DeSO_2025``) besides the geometry, in the order
#: of a recorded DescribeFeatureType of geodata.scb.se/geoserver/stat/wfs (2026-10; evidence:
#: ``reference/scb-api-v2/metadata/README.md``, last paragraph, and DESIGN.md "Data sources"). There is no
#: ``regsonamn``. Only the names are recorded, not the types or values. The fake WFS builds its DeSO layers
#: from this tuple; the client reads only :data:`DESO_REQUIRED` of it.
DESO_ATTRIBUTES: tuple[str, ...] = (
    "objectid",
    "objektidentitet",
    "objekttyp",
    "desokod",
    "regsokod",
    "lanskod",
    "kommunkod",
    "version",
    "ansvarig_organisation",
    "referensdatum",
)
#: What the same recorded material says of the RegSO layers (``stat:RegSO_2020``, ``stat:RegSO_2025``): they
#: carry ``regsokod`` and ``regsonamn``. Their full attribute list is not recorded (verify with a
#: DescribeFeatureType of a RegSO layer); do not rely on anything else on them.
REGSO_ATTRIBUTES: tuple[str, ...] = ("regsokod", "regsonamn")
#: Attributes the client needs on a DeSO layer; a layer without one of them is a :class:`WfsError`.
DESO_REQUIRED: tuple[str, ...] = ("desokod", "regsokod", "kommunkod")
#: Attributes the client needs on a RegSO layer (``regsonamn`` is optional, see :func:`WfsClient.layer`).
REGSO_REQUIRED: tuple[str, ...] = ("regsokod",)
_GPKG_MAGIC = b"SQLite format 3\x00"
_KOMMUN = re.compile(r"^\d{4}$")


class WfsError(SourceError):
    """The WFS request failed or its answer is not a GeoPackage; the message names layer and kommun."""


class WfsCacheMiss(WfsError, CacheMiss):
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
    """Refuse an answer that is not a whole GeoPackage (an error page, or a file cut short).

    A GeoPackage is an SQLite database: its header (https://www.sqlite.org/fileformat.html, section 1.3) gives the
    page size (bytes 16–17, 1 meaning 65,536) and, where bytes 92–95 equal the change counter at 24–27, the file's
    size in pages (28–31). A file of another length was cut; without a valid size field SQLite's own
    ``quick_check`` decides.

    >>> _validate_gpkg(b"<ows:ExceptionReport/>")
    Traceback (most recent call last):
    ...
    ValueError: the answer is not a GeoPackage (starts '<ows:ExceptionReport/>'); GeoServer may have sent an error
    """
    if not body.startswith(_GPKG_MAGIC):
        head = body[:200].decode("utf-8", errors="replace")
        raise ValueError(
            f"the answer is not a GeoPackage (starts {head!r}); GeoServer may have sent an error"
        )
    if len(body) < 100:
        raise ValueError(f"the GeoPackage is cut short ({len(body)} bytes, less than its 100-byte header)")
    page = int.from_bytes(body[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(body[28:32], "big")
    if pages and body[92:96] == body[24:28]:
        if len(body) != page * pages:
            raise ValueError(
                f"the GeoPackage is cut short: {len(body):,} bytes received, its header says {page * pages:,}"
            )
        return
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/answer.gpkg"
        with open(path, "wb") as fh:
            fh.write(body)
        con = sqlite3.connect(path)
        try:
            ok = con.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"the GeoPackage cannot be read ({exc})") from exc
        finally:
            con.close()
    if ok != "ok":
        raise ValueError(f"the GeoPackage is damaged (SQLite quick_check: {ok})")


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
        Passed to :class:`~segindicators.sources.http.HttpClient` (tests inject fakes).
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
            raise self._cache_miss(f"WFS layer {layer} for kommun {kommun}")
        try:
            response = self._http().request("GET", self.base_url.rsplit("/", 1)[1], params=params)
        except HttpError as exc:
            raise WfsError(f"WFS GetFeature {layer} for kommun {kommun} failed: {exc}") from exc
        try:
            entry = self.cache.put(
                key,
                response.content,
                self._provenance(response, what="wfs", layer=layer, kommun=kommun),
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
            DeSO layers: columns ``desokod``, ``regsokod``, ``kommunkod`` (strings), ``geo_version`` and
            ``geometry``; there are no RegSO names on SCB's DeSO layers. RegSO layers: ``regsokod``,
            ``regsonamn`` (strings; NA throughout when the layer has no ``regsonamn``, NA where a feature's name is
            empty — :func:`segindicators.geography.lookups.regso_names` fills them from the kopplingstabeller or
            refuses), ``kommunkod`` (the first four digits of ``regsokod``: the full attribute list of RegSO layers
            is not recorded, so the client does not rely on a ``kommunkod`` there), ``geo_version`` and
            ``geometry``. Sorted by code. ``attrs["wfs_layer"]`` names the layer and ``attrs["wfs_attributes"]``
            lists the attributes the layer carried (for messages about what was received).

        Raises
        ------
        WfsError
            If the request fails, the answer is not a GeoPackage, or a required attribute (:data:`DESO_REQUIRED`,
            :data:`REGSO_REQUIRED`) is missing; the message names the layer and the attributes received.
        WfsCacheMiss
            Offline and the layer was never fetched.
        """
        import pandas as pd
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
        required = DESO_REQUIRED if level == "DeSO" else REGSO_REQUIRED
        received = [c for c in frame.columns if c != frame.geometry.name]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise WfsError(
                f"WFS layer {name} for kommun {kommun}: attribute(s) {missing} missing; expected {list(required)} "
                f"among the attributes, received {received}. SCB may have changed the layer: compare with "
                f"DescribeFeatureType of {name} and update segindicators.sources.wfs (DESO_ATTRIBUTES / "
                "REGSO_ATTRIBUTES and the reading code)."
            )
        if frame.crs is None or frame.crs.to_epsg() != 3006:
            frame = frame.set_crs(3006, allow_override=True) if frame.crs is None else frame.to_crs(3006)
        if level == "DeSO":
            columns = list(DESO_REQUIRED)
            for c in columns:
                frame[c] = frame[c].astype("str")
            code = "desokod"
        else:
            columns = ["regsokod", "regsonamn", "kommunkod"]
            frame["regsokod"] = frame["regsokod"].astype("str")
            if "regsonamn" in frame.columns:
                names = frame["regsonamn"].astype("str").str.strip()
                frame["regsonamn"] = names.where(names.ne(""))  # an empty name is no name
            else:
                frame["regsonamn"] = pd.Series(pd.NA, index=frame.index, dtype="str")
            frame["kommunkod"] = frame["regsokod"].str[:4]
            code = "regsokod"
        frame["geo_version"] = geo_version
        frame = frame[[*columns, "geo_version", "geometry"]]
        frame = frame.sort_values(code, kind="mergesort").reset_index(drop=True)
        frame.attrs = {"wfs_layer": name, "wfs_attributes": received}
        return frame

    def __enter__(self) -> WfsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
