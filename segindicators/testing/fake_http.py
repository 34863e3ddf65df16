"""A generic local JSON API server for tests: the plumbing shared by the fake PxWebApi and the fake Kolada.

:class:`FakeJsonServer` runs a threaded :mod:`http.server` on 127.0.0.1 (random port) in a daemon thread and
gives a subclass, which only implements :meth:`FakeJsonServer._route`:

- a request log (:attr:`~FakeJsonServer.requests`, :attr:`~FakeJsonServer.request_count`) and the list of
  requests to routes nobody serves (:attr:`~FakeJsonServer.unmatched`, answered 404);
- a sliding-window call limit answered with 429 + ``Retry-After`` (every call counts);
- fault injection: a status (5xx, 429 with ``Retry-After``), a delay, a truncated or cut body;
- errors as RFC 9457 problem+json (:class:`HttpProblem`).

Examples
--------
>>> class Echo(FakeJsonServer):
...     base_path = "/api"
...     def _route(self, method, path, query, body):
...         if path == "/api/echo":
...             return {"query": query}
...         raise HttpProblem(404, "Not Found", f"no route {method} {path}")
>>> import httpx
>>> with Echo() as fake:
...     ok = httpx.get(fake.url + "/echo?x=1").json()
...     missing = httpx.get(fake.url + "/nothing").status_code
>>> ok, missing, fake.request_count, [r.path for r in fake.unmatched]
({'query': {'x': ['1']}}, 404, 2, ['/api/nothing'])
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    matched: bool


class HttpProblem(Exception):
    """Raise from :meth:`FakeJsonServer._route` to answer with an error (problem+json body).

    ``matched`` says whether the route exists (default: every status but 404); requests with
    ``matched=False`` are listed in :attr:`FakeJsonServer.unmatched`.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
        *,
        matched: bool | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, dict(headers or {})
        self.matched = status != 404 if matched is None else matched


@dataclass
class _Fault:
    kind: str  # "status" | "delay" | "truncate" | "invalid_json"
    remaining: int
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    route: str = ""


class StartStop:
    """``with thing:`` calls ``thing.start()`` (its value is what ``as`` binds) and ``thing.stop()`` on the way out."""

    def start(self) -> Self:
        """Start; return self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send_answer(
    h: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    *,
    announced: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write one answer: status, ``Content-Type``, ``Content-Length`` (``announced``, default the body's length),
    ``headers``, then the body (a client that hung up is not an error of the fake)."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body) if announced is None else announced))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    if (headers or {}).get("Connection") == "close":
        h.close_connection = True
    h.end_headers()
    try:
        h.wfile.write(body)
        h.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass


class LocalServer(StartStop):
    """Lifecycle shared by the fake servers: a threaded HTTP server on 127.0.0.1 at a random port.

    Subclasses set :attr:`base_path` and implement ``_handle(handler, method)``; use as a context manager
    (``with Fake() as fake: fake.url``).
    """

    #: URL path prefix that :attr:`url` ends with, e.g. ``"/api/v2"``.
    base_path: str = ""
    _server: ThreadingHTTPServer | None = None

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    # -- server ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:<port>`` + :attr:`base_path`); the server must be running."""
        if self._server is None:
            raise RuntimeError(
                f"{type(self).__name__} is not running; use it as a context manager or call start()."
            )
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.base_path}"

    def start(self) -> Self:
        """Start serving on a random free port in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: avoid 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class FaultInjection:
    """Fault injection shared by the fake servers: queued faults, each for the next requests on a route.

    A subclass sets ``self._faults = []`` and ``self._lock`` and calls :meth:`_take_fault` per request. The
    faults (by route: a substring of the request path; ``""`` matches every path):

    - :meth:`fail_next`: an HTTP status (5xx, 400, 429 with ``Retry-After``);
    - :meth:`delay_next`: a delay before answering (past the client's read timeout);
    - :meth:`truncate_next`: half a body, announced with the full ``Content-Length`` (a cut connection) or
      with the cut length (a complete answer that is not valid);
    - :meth:`invalid_next`: a complete 200 answer that is not what the route serves.

    :attr:`faults_pending` says how many injected answers have not been served yet (0: every fault fired);
    :meth:`clear_faults` drops them.
    """

    _faults: list[_Fault]
    _lock: threading.Lock

    def fail_next(
        self, times: int = 1, status: int = 503, route: str = "", retry_after: str | None = None
    ) -> None:
        """Answer the next ``times`` requests (whose path contains ``route``) with ``status``.

        ``retry_after`` adds a ``Retry-After`` header (use with ``status=429``).
        """
        with self._lock:
            self._faults.append(_Fault("status", times, status=status, route=route, retry_after=retry_after))

    def delay_next(self, seconds: float, times: int = 1, route: str = "") -> None:
        """Sleep ``seconds`` before answering the next ``times`` matching requests (e.g. past a read timeout)."""
        with self._lock:
            self._faults.append(_Fault("delay", times, delay=seconds, route=route))

    def truncate_next(self, times: int = 1, route: str = "", keep_header: bool = True) -> None:
        """Send only half the body of the next matching answers.

        With ``keep_header`` the full ``Content-Length`` is announced (the connection closes early); without it
        the header matches the cut body, which is then invalid JSON.
        """
        with self._lock:
            self._faults.append(_Fault("truncate" if keep_header else "invalid_json", times, route=route))

    def invalid_next(self, times: int = 1, route: str = "") -> None:
        """Answer the next matching requests with 200 and a complete body that is not what the route serves.

        JSON servers send the first half of the JSON with a matching ``Content-Length``; the fake WFS sends a
        GeoServer exception report (XML) instead of a GeoPackage, as GeoServer does for some errors.
        """
        with self._lock:
            self._faults.append(_Fault("invalid_json", times, route=route))

    def clear_faults(self) -> None:
        """Drop every injected fault that has not fired yet."""
        with self._lock:
            self._faults.clear()

    @property
    def faults_pending(self) -> int:
        """Injected answers not served yet (0 once every injected fault has fired)."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def _take_fault(self, path: str) -> _Fault | None:
        """The fault for this request (the caller holds ``_lock``), or None."""
        for fault in self._faults:
            if fault.remaining > 0 and fault.route in path:
                fault.remaining -= 1
                return fault
        return None


class FakeJsonServer(FaultInjection, LocalServer):
    """Base of the fake API servers; use as a context manager (``with Fake() as fake: fake.url``).

    Parameters
    ----------
    max_calls, time_window
        At most ``max_calls`` requests per ``time_window`` seconds; more get 429 with ``Retry-After``.
    clock
        Monotonic clock for the call limit (injectable).
    enforce_limits
        Switch the call limit off.
    """

    def __init__(
        self,
        *,
        max_calls: int = 30,
        time_window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        enforce_limits: bool = True,
    ) -> None:
        self.max_calls = max_calls
        self.time_window = time_window
        self.enforce_limits = enforce_limits
        self._clock = clock
        self.requests: list[RecordedRequest] = []
        self._arrivals: deque[float] = deque()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server = None

    # -- to implement ---------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        """Answer one request with a JSON-serialisable payload, or raise :class:`HttpProblem`."""
        raise HttpProblem(404, "Not Found", f"no route {method} {path}")

    # -- log ----------------------------------------------------------------------------------------------
    @property
    def request_count(self) -> int:
        """Requests received so far (all routes)."""
        return len(self.requests)

    @property
    def unmatched(self) -> list[RecordedRequest]:
        """Requests to routes the fake does not serve (answered 404)."""
        return [r for r in self.requests if not r.matched]

    def reset_log(self) -> None:
        """Forget logged requests (limits and faults are kept)."""
        with self._lock:
            self.requests.clear()

    # -- request handling -----------------------------------------------------------------------------------
    def _rate_limited(self) -> float | None:
        now = self._clock()
        while self._arrivals and self._arrivals[0] <= now - self.time_window:
            self._arrivals.popleft()
        if self.enforce_limits and len(self._arrivals) >= self.max_calls:
            return self._arrivals[0] + self.time_window - now
        self._arrivals.append(now)
        return None

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        path = parts.path
        with self._lock:
            fault = self._take_fault(path)
            wait = self._rate_limited()
        status, payload, headers, matched = 200, None, {}, True
        content_type = "application/json; charset=utf-8"
        try:
            if wait is not None:
                raise HttpProblem(
                    429,
                    "Too Many Requests",
                    "Too many calls in the time window",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            if fault is not None and fault.kind == "status":
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                raise HttpProblem(fault.status, "Injected fault", f"injected HTTP {fault.status}", extra)
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.delay)
            payload = self._route(method, path, query, body)
        except HttpProblem as p:
            status, headers = p.status, p.headers
            payload = {"type": "about:blank", "title": p.title, "status": p.status, "detail": p.detail}
            content_type = "application/problem+json; charset=utf-8"
            matched = p.matched
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body, status, matched))
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        announced = len(data)
        if fault is not None and fault.kind in ("truncate", "invalid_json") and status == 200:
            data = data[: len(data) // 2]
            if fault.kind == "invalid_json":
                announced = len(data)
        if fault is not None and fault.kind == "truncate":
            headers = {**headers, "Connection": "close"}
        send_answer(h, status, content_type, data, announced=announced, headers=headers)
