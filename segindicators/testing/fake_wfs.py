"""A fake of SCB's GeoServer WFS for tests and the offline demo.

Serves ``GET /geoserver/stat/wfs?service=WFS&request=GetFeature&typeNames=<layer>&outputFormat=geopackage
&CQL_FILTER=kommunkod='<code>'`` from GeoDataFrames held in memory, answering with GeoPackage bytes written by
pyogrio (through geopandas) to a temporary file. Only the parameters the real client sends are understood;
anything else is a 400 with a GeoServer-like XML exception report, unknown paths a 404. Every request is
logged (:attr:`FakeWfs.requests`), and faults can be injected (:meth:`FakeWfs.fail_next`).

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
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from segindicators.testing.fake_http import LocalServer

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


class FakeWfs(LocalServer):
    """In-memory WFS answering GetFeature with GeoPackage bytes; use as a context manager."""

    base_path = PATH

    def __init__(self, layers: dict[str, gpd.GeoDataFrame] | None = None) -> None:
        self.layers: dict[str, gpd.GeoDataFrame] = dict(layers or {})
        self.requests: list[WfsRequest] = []
        self._fail: list[int] = []
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

    def fail_next(self, times: int = 1, status: int = 503) -> None:
        """Answer the next ``times`` requests with ``status``."""
        self._fail.extend([status] * times)

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
            forced = self._fail.pop(0) if self._fail else None
        if forced is not None:
            status, ctype, body = forced, "text/plain", b"injected fault"
        elif method != "GET":
            status, ctype, body = 405, "text/plain", b"GetFeature is a GET request"
        else:
            status, ctype, body = self._answer(parts.path, query)
        with self._lock:
            self.requests.append(WfsRequest(parts.path, query, status))
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
