"""A fake of SCB's GeoServer WFS for tests and the offline demo.

Serves ``GET /geoserver/stat/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=<layer>
&outputFormat=geopackage&srsName=EPSG:3006&CQL_FILTER=kommunkod='<code>'`` from GeoDataFrames held in memory,
answering with GeoPackage bytes written by pyogrio (through geopandas) to a temporary file. Only that request is
served: any other parameter, layer, output format, SRS or filter is a 400 with a GeoServer-like XML exception
report, unknown paths a 404, so a client request that was not recorded fails. Every request is logged
(:attr:`FakeWfs.requests`), and faults can be injected with the same API as the fake JSON servers
(:class:`~segindicators.testing.fake_http.FaultInjection`: ``fail_next``, ``delay_next``, ``truncate_next``,
``invalid_next``); :meth:`FakeWfs.set_layer` replaces a layer while serving (e.g. without one area).

Layer shapes. The layers :meth:`FakeWfs.from_synthetic` serves are shaped as SCB's, from what is recorded and
nothing else (a fake written from belief proves nothing about the real service):

* DeSO layers carry exactly :data:`segindicators.sources.wfs.DESO_ATTRIBUTES` (a recorded DescribeFeatureType,
  see there) and the geometry, built by :func:`deso_layer`; no ``regsonamn``. Only the attribute *names* are
  recorded: the values of the attributes the client does not read (``objectid``, ``objektidentitet``,
  ``objekttyp``, ``lanskod``, ``version``, ``ansvarig_organisation``, ``referensdatum``) are placeholders.
* RegSO layers carry the recorded :data:`segindicators.sources.wfs.REGSO_ATTRIBUTES` (``regsokod``,
  ``regsonamn``) plus :data:`REGSO_UNRECORDED` (built by :func:`regso_layer`).

The constructor serves whatever frames it is given, so a test can serve an off-shape layer.

Examples
--------
>>> from segindicators.demo.synthetic import generate
>>> fake = FakeWfs.from_synthetic(generate())
>>> sorted(fake.layers)
['stat:DeSO_2018', 'stat:DeSO_2025', 'stat:RegSO_2020', 'stat:RegSO_2025']
>>> list(fake.layers["stat:DeSO_2025"].columns)  # doctest: +NORMALIZE_WHITESPACE
['objectid', 'objektidentitet', 'objekttyp', 'desokod', 'regsokod', 'lanskod', 'kommunkod', 'version',
 'ansvarig_organisation', 'referensdatum', 'geometry']
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, urlsplit

from segindicators.sources.wfs import DESO_ATTRIBUTES, LAYERS, REGSO_ATTRIBUTES
from segindicators.testing.fake_http import FaultInjection, LocalServer, send_answer

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["REGSO_UNRECORDED", "FakeWfs", "WfsRequest", "deso_layer", "regso_layer"]

_FILTER = re.compile(r"^kommunkod\s*=\s*'(\d{4})'$")
PATH = "/geoserver/stat/wfs"
#: The query parameters of the one request served (the client's GetFeature; DESIGN.md "Data sources").
_PARAMETERS = ("service", "version", "request", "typeNames", "outputFormat", "srsName", "CQL_FILTER")

#: Attributes of the fake's RegSO layers beyond the recorded ``regsokod``, ``regsonamn``. **verify**: the RegSO
#: layers' DescribeFeatureType is not recorded. ``kommunkod`` is here because the recorded request for every layer
#: filters on it (``CQL_FILTER=kommunkod='0580'``, DESIGN.md "Data sources"), which GeoServer can only answer
#: when the layer has the attribute. The client does not read it (it takes the kommun from ``regsokod``).
REGSO_UNRECORDED: tuple[str, ...] = ("kommunkod",)


class HasAreas(Protocol):
    """What :meth:`FakeWfs.from_synthetic` reads: DeSO and RegSO polygons with a ``geo_version`` column (as
    :class:`~segindicators.demo.synthetic.SyntheticMunicipality`; the fakes sit below the demo)."""

    @property
    def geometry(self) -> gpd.GeoDataFrame: ...

    @property
    def regso_geometry(self) -> gpd.GeoDataFrame: ...


def deso_layer(areas: gpd.GeoDataFrame, geo_version: str) -> gpd.GeoDataFrame:
    """A DeSO layer shaped as SCB's: exactly :data:`~segindicators.sources.wfs.DESO_ATTRIBUTES` + geometry.

    Parameters
    ----------
    areas
        DeSO polygons (EPSG:3006) with ``desokod``, ``regsokod``, ``kommunkod``; other columns are dropped.
    geo_version
        ``"2018"`` or ``"2025"`` (names the layer in the placeholder values).

    Returns
    -------
    geopandas.GeoDataFrame
        One feature per DeSO; the attributes the client does not read hold placeholder values.

    Raises
    ------
    ValueError
        If ``areas`` lacks one of the three code columns.
    """
    import geopandas as gpd

    layer = LAYERS[("DeSO", geo_version)]
    missing = [c for c in ("desokod", "regsokod", "kommunkod") if c not in areas.columns]
    if missing:
        raise ValueError(
            f"areas: columns {missing} missing for {layer}; expected desokod, regsokod, kommunkod, "
            f"received {list(areas.columns)}."
        )
    codes = areas["desokod"].astype("str").reset_index(drop=True)
    kommun = areas["kommunkod"].astype("str").reset_index(drop=True)
    values = {
        # placeholders: only the names of these attributes are recorded, not their types or values
        "objectid": list(range(1, len(codes) + 1)),
        "objektidentitet": [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{layer}/{c}")) for c in codes],
        "objekttyp": "DeSO",
        "desokod": codes,
        "regsokod": areas["regsokod"].astype("str").reset_index(drop=True),
        "lanskod": kommun.str[:2],
        "kommunkod": kommun,
        "version": geo_version,
        "ansvarig_organisation": "SCB",
        "referensdatum": f"{geo_version}-01-01",
    }
    if set(values) != set(DESO_ATTRIBUTES):  # the recorded list changed: fill it in here, from evidence
        raise RuntimeError(
            f"deso_layer builds {sorted(values)}, the recorded list is {sorted(DESO_ATTRIBUTES)}."
        )
    frame = {name: values[name] for name in DESO_ATTRIBUTES}
    return gpd.GeoDataFrame(frame, geometry=list(areas.geometry), crs=areas.crs or "EPSG:3006")


def regso_layer(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A RegSO layer: the recorded ``regsokod``, ``regsonamn`` plus :data:`REGSO_UNRECORDED`, and the geometry.

    Parameters
    ----------
    areas
        RegSO polygons (EPSG:3006) with ``regsokod``, ``regsonamn`` and ``kommunkod``; other columns are dropped.

    Raises
    ------
    ValueError
        If ``areas`` lacks one of those columns.
    """
    import geopandas as gpd

    columns = [*REGSO_ATTRIBUTES, *REGSO_UNRECORDED]
    missing = [c for c in columns if c not in areas.columns]
    if missing:
        raise ValueError(
            f"areas: columns {missing} missing; expected {columns}, received {list(areas.columns)}."
        )
    frame = {c: areas[c].astype("str").reset_index(drop=True) for c in columns}
    return gpd.GeoDataFrame(frame, geometry=list(areas.geometry), crs=areas.crs or "EPSG:3006")


@dataclass(frozen=True)
class WfsRequest:
    """One logged request: path, query parameters and the status answered."""

    path: str
    query: dict[str, list[str]]
    status: int


class FakeWfs(FaultInjection, LocalServer):
    """In-memory WFS answering GetFeature with GeoPackage bytes; use as a context manager."""

    base_path = PATH

    def __init__(self, layers: dict[str, gpd.GeoDataFrame] | None = None) -> None:
        self.layers: dict[str, gpd.GeoDataFrame] = dict(layers or {})
        self.requests: list[WfsRequest] = []
        self._faults = []
        self._lock = threading.Lock()
        self._bytes: dict[tuple[str, str], bytes] = {}

    @classmethod
    def from_synthetic(cls, demo: HasAreas) -> FakeWfs:
        """Serve the synthetic municipality's DeSO and RegSO polygons as SCB's four layers, shaped as SCB's.

        The DeSO layers go through :func:`deso_layer` (the recorded attributes; the synthetic ``regsonamn`` is
        dropped, as SCB's DeSO layers have none), the RegSO layers through :func:`regso_layer`.
        """
        g, r = demo.geometry, demo.regso_geometry
        layers = {}
        for version in ("2018", "2025"):
            layers[LAYERS[("DeSO", version)]] = deso_layer(g[g["geo_version"] == version], version)
            layers[LAYERS[("RegSO", version)]] = regso_layer(r[r["geo_version"] == version])
        return cls(layers)

    # -- log and faults ---------------------------------------------------------------------------------
    @property
    def request_count(self) -> int:
        """Requests received so far."""
        return len(self.requests)

    def set_layer(self, layer: str, frame: gpd.GeoDataFrame) -> None:
        """Serve ``frame`` as ``layer`` from now on (answers already built for the layer are dropped)."""
        with self._lock:
            self.layers[layer] = frame
            self._bytes = {k: v for k, v in self._bytes.items() if k[0] != layer}

    # -- answers ----------------------------------------------------------------------------------------
    def geopackage(self, layer: str, kommun: str) -> bytes:
        """The GeoPackage bytes served for a layer and kommun (written once, then reused).

        Raises
        ------
        KeyError
            If the layer is not served or has no ``kommunkod`` to filter on.
        """
        key = (layer, kommun)
        if key not in self._bytes:
            frame = self.layers[layer]
            sub = frame[frame["kommunkod"].astype("str") == kommun]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "answer.gpkg"
                sub.to_file(path, driver="GPKG", layer=layer.split(":")[-1])
                self._bytes[key] = path.read_bytes()
        return self._bytes[key]

    def _answer(self, path: str, q: dict[str, list[str]]) -> tuple[int, str, bytes]:
        def one(name: str) -> str | None:
            hits = [v[0] for k, v in q.items() if k.lower() == name.lower()]
            return hits[0] if hits else None

        if path != PATH:
            return 404, "text/plain", f"no route {path}".encode()

        def error(text: str) -> tuple[int, str, bytes]:
            body = f'<?xml version="1.0"?><ows:ExceptionReport><ows:Exception><ows:ExceptionText>{text}'
            return (
                400,
                "application/xml",
                (body + "</ows:ExceptionText></ows:Exception></ows:ExceptionReport>").encode(),
            )

        unknown = sorted(k for k in q if k not in _PARAMETERS)
        if unknown:
            return error(
                f"not a recorded request: parameter(s) {unknown}; the fake serves only {list(_PARAMETERS)}"
            )
        if (one("service") or "").upper() != "WFS" or one("request") != "GetFeature":
            return error("only service=WFS&request=GetFeature is served")
        if one("version") not in (None, "2.0.0"):
            return error(f"the fake serves WFS version 2.0.0 only, not {one('version')}")
        layer = one("typeNames")
        if layer not in self.layers:
            return error(f"Feature type {layer} unknown")
        if one("outputFormat") != "geopackage":
            return error(f"the fake serves outputFormat=geopackage only, not {one('outputFormat')}")
        if one("srsName") not in (None, "EPSG:3006"):
            return error(f"the fake serves srsName=EPSG:3006 only, not {one('srsName')}")
        m = _FILTER.match(one("CQL_FILTER") or "")
        if not m:
            return error(f"expected CQL_FILTER=kommunkod='NNNN', got {one('CQL_FILTER')!r}")
        if "kommunkod" not in self.layers[layer].columns:
            return error(f"Illegal property name: kommunkod is not an attribute of {layer}")
        return 200, "application/geopackage+sqlite3", self.geopackage(layer, m.group(1))

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        with self._lock:
            fault = self._take_fault(parts.path)
        headers: dict[str, str] = {}
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            status, ctype, body = fault.status, "text/plain", b"injected fault"
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
        elif method != "GET":
            status, ctype, body = 405, "text/plain", b"GetFeature is a GET request"
        else:
            status, ctype, body = self._answer(parts.path, query)
        announced = len(body)
        if fault is not None and status == 200 and fault.kind == "truncate":
            body = body[: len(body) // 2]  # full length announced: the client sees a cut connection
            headers["Connection"] = "close"
        elif fault is not None and status == 200 and fault.kind == "invalid_json":
            status, ctype = 200, "application/xml"
            body = (
                b'<?xml version="1.0"?><ows:ExceptionReport><ows:Exception><ows:ExceptionText>injected: '
                b"not a GeoPackage</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
            )
            announced = len(body)
        with self._lock:
            self.requests.append(WfsRequest(parts.path, query, status))
        send_answer(h, status, ctype, body, announced=announced, headers=headers)
