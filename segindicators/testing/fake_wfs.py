"""A fake of SCB's GeoServer WFS for tests and the offline demo.

Serves ``GET /geoserver/stat/wfs?service=WFS&request=GetFeature&typeNames=<layer>&outputFormat=geopackage
&CQL_FILTER=kommunkod='<code>'`` from GeoDataFrames held in memory, answering with GeoPackage bytes written by
pyogrio (through geopandas) to a temporary file. Only the parameters the real client sends are understood;
anything else is a 400 with a GeoServer-like XML exception report, unknown paths a 404. Every request is
logged (:attr:`FakeWfs.requests`), and faults can be injected with the same API as the fake JSON servers
(:class:`~segindicators.testing.fake_http.FaultInjection`: ``fail_next``, ``delay_next``, ``truncate_next``,
``invalid_next``); :meth:`FakeWfs.set_layer` replaces a layer while serving (e.g. without one area).

Examples
--------
>>> from segindicators.demo.synthetic import generate
>>> fake = FakeWfs.from_synthetic(generate())
>>> sorted(fake.layers)
['stat:DeSO_2018', 'stat:DeSO_2025', 'stat:RegSO_2020', 'stat:RegSO_2025']
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from segindicators.testing.fake_http import FaultInjection, LocalServer

if TYPE_CHECKING:
    import geopandas as gpd

    from segindicators.demo.synthetic import SyntheticMunicipality

__all__ = ["FakeWfs", "WfsRequest"]

_FILTER = re.compile(r"^kommunkod\s*=\s*'(\d{4})'$")
PATH = "/geoserver/stat/wfs"


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
    def from_synthetic(cls, demo: SyntheticMunicipality) -> FakeWfs:
        """Serve the synthetic municipality's DeSO and RegSO polygons as SCB's four layers."""
        g, r = demo.geometry, demo.regso_geometry
        layers = {
            "stat:DeSO_2018": g[g["geo_version"] == "2018"].drop(columns="geo_version"),
            "stat:DeSO_2025": g[g["geo_version"] == "2025"].drop(columns="geo_version"),
            "stat:RegSO_2020": r[r["geo_version"] == "2018"].drop(columns="geo_version"),
            "stat:RegSO_2025": r[r["geo_version"] == "2025"].drop(columns="geo_version"),
        }
        return cls({k: v.reset_index(drop=True) for k, v in layers.items()})

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
        """The GeoPackage bytes served for a layer and kommun (written once, then reused)."""
        key = (layer, kommun)
        if key not in self._bytes:
            frame = self.layers[layer]
            sub = frame[frame["kommunkod"] == kommun]
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

        if (one("service") or "").upper() != "WFS" or one("request") != "GetFeature":
            return error("only service=WFS&request=GetFeature is served")
        layer = one("typeNames") or one("typeName")
        if layer not in self.layers:
            return error(f"Feature type {layer} unknown")
        if one("outputFormat") != "geopackage":
            return error(f"the fake serves outputFormat=geopackage only, not {one('outputFormat')}")
        m = _FILTER.match(one("CQL_FILTER") or "")
        if not m:
            return error(f"expected CQL_FILTER=kommunkod='NNNN', got {one('CQL_FILTER')!r}")
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
            h.close_connection = True
        elif fault is not None and status == 200 and fault.kind == "invalid_json":
            status, ctype = 200, "application/xml"
            body = (
                b'<?xml version="1.0"?><ows:ExceptionReport><ows:Exception><ows:ExceptionText>injected: '
                b"not a GeoPackage</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
            )
            announced = len(body)
        with self._lock:
            self.requests.append(WfsRequest(parts.path, query, status))
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(announced))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(body)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
