"""Plumbing shared by the service clients (SCB PxWebApi, Kolada, SCB WFS).

Each client keeps its own endpoints, cache keys and parsing; what is the same for all of them lives here:

- :class:`ApiError`, the shape of every client's error: a message naming the request, plus the HTTP ``status``
  and the server's ``detail`` text when an answer came;
- :class:`ApiClient`, the base of the clients: the lazily created :class:`~segindicators.sources.http.HttpClient`
  (no network in a constructor) with pacing and timeouts (:meth:`ApiClient._setup_paced`), the refusal to make
  a request offline, the request counter that the refresh reports, one request that turns transport and status
  failures into the client's error (:meth:`ApiClient._send`), the provenance record stored next to every cached
  answer (:meth:`ApiClient._provenance`), the offline cache miss (:meth:`ApiClient._cache_miss`), the manifests
  that list which stored answers make up one result (:meth:`ApiClient._manifest`,
  :meth:`ApiClient._put_manifest`, :meth:`ApiClient._stored_parts`), and closing the connection pool.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from segindicators.paths import raw_dir
from segindicators.sources.errors import SourceError
from segindicators.sources.http.cache import RawCache, canonical_json
from segindicators.sources.http.client import (
    HttpClient,
    HttpError,
    HttpResponse,
    HttpStatusError,
    RetryPolicy,
)
from segindicators.sources.http.ratelimit import SlidingWindowLimiter

__all__ = ["ApiClient", "ApiError"]


class ApiError(SourceError):
    """A request to a service failed; the message names the request, the HTTP status and the server's text.

    ``status`` and ``detail`` are the HTTP status and the server's problem-details text when the server
    answered, None when no complete answer came (network, timeout) or the answer itself was unusable.

    Examples
    --------
    >>> err = ApiError("Kolada metadata of KPI N1 (kpi/N1) failed with HTTP 404", status=404, detail="Not Found")
    >>> err.status, err.detail
    (404, 'Not Found')
    """

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class ApiClient:
    """Base of the service clients: lazy HTTP client, offline guard, call counter, context manager.

    Subclasses call :meth:`_setup` (or :meth:`_setup_paced`) in their constructor and set :attr:`service` (the
    name messages start with), :attr:`error` (their :class:`ApiError` subclass) and :attr:`offline_error` (their
    cache-miss exception); :meth:`_http_root` may be overridden when requests are made relative to another URL
    than ``base_url`` (the WFS client).
    """

    service: str = "the service"
    error: type[ApiError] = ApiError
    offline_error: type[Exception] = RuntimeError
    base_url: str
    offline: bool
    cache: RawCache

    def _setup(
        self,
        base_url: str,
        cache_dir: str | os.PathLike[str] | None,
        offline: bool,
        cache_subdir: str,
        **http_kwargs: Any,
    ) -> None:
        """Store the settings; ``http_kwargs`` go to :class:`HttpClient` when the first request is made."""
        self.base_url = base_url.rstrip("/")
        self.offline = offline
        # A cached file that fails its sha256 check: offline it is an error naming the file; online it is
        # reported and the answer fetched again (see segindicators.sources.http.cache).
        self.cache = RawCache(
            Path(cache_dir) if cache_dir is not None else raw_dir() / cache_subdir,
            on_corrupt="raise" if offline else "refetch",
        )
        self._http_kwargs = http_kwargs
        self._http_client: HttpClient | None = None

    def _setup_paced(
        self,
        base_url: str,
        cache_dir: str | os.PathLike[str] | None,
        offline: bool,
        cache_subdir: str,
        *,
        max_calls: int,
        window: float,
        timeout: tuple[float, float],
        retry: RetryPolicy | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: Any = None,
    ) -> None:
        """:meth:`_setup` with a pacer of ``max_calls`` per ``window`` seconds (kept as :attr:`limiter`) and a
        ``(connect, read)`` timeout in seconds (write as read, pool as connect)."""
        self.limiter = SlidingWindowLimiter(max_calls, window, clock=clock, sleep=sleep)
        connect, read = timeout
        self._setup(
            base_url, cache_dir, offline, cache_subdir,
            timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
            limiter=self.limiter, retry=retry or RetryPolicy(), sleep=sleep, transport=transport,
        )  # fmt: skip

    @property
    def http_calls(self) -> int:
        """HTTP requests sent by this client (attempts, retries included)."""
        return 0 if self._http_client is None else self._http_client.calls

    def _http_root(self) -> str:
        return self.base_url

    def _http(self) -> HttpClient:
        if self.offline:
            raise self.offline_error(
                "offline mode: refusing to make an HTTP request (this is a bug in the caller)."
            )
        if self._http_client is None:
            self._http_client = HttpClient(self._http_root(), **self._http_kwargs)
        return self._http_client

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        status_hint: str = "",
    ) -> HttpResponse:
        """One request; a final HTTP status or a failed transport raises :attr:`error` naming ``what``.

        The error carries the status and the server's text; ``status_hint`` (what to check, such as the
        value codes) is added to the message of a status error.
        """
        try:
            return self._http().request(method, path, params=params, json_body=json_body)
        except HttpStatusError as exc:
            raise self.error(
                f"{self.service} {what} ({path}) failed with HTTP {exc.status} after {exc.attempts} attempt(s). "
                f"Server said: {exc.detail}{status_hint}",
                status=exc.status,
                detail=exc.detail,
            ) from exc
        except HttpError as exc:
            raise self.error(f"{self.service} {what} ({path}) failed: {exc}") from exc

    def _provenance(
        self, response: HttpResponse, table_updated: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The provenance record of a cached answer: the request, its status and time, and ``extra`` fields."""
        return {
            "url": response.url,
            "method": response.method,
            "request_body": None if response.request_body is None else response.request_body.decode("utf-8"),
            "http_status": response.status,
            "retrieved_at": response.retrieved_at,
            "table_updated": table_updated,
            "content_type": response.headers.get("content-type"),
            **extra,
        }

    def _cache_miss(self, what: str) -> Exception:
        """The offline error for an answer the cache does not hold (``what`` names the request)."""
        return self.offline_error(
            f"offline: {what} is not in the cache at {self.cache.root}; run once online (offline=False, "
            "without --offline) to fetch it."
        )

    def _manifest(self, key: str) -> dict[str, Any] | None:
        """The newest manifest stored under ``key``, or None when there is none."""
        entry = self.cache.latest(key)
        if entry is None or entry.provenance.get("what") != "manifest":
            return None
        return json.loads(entry.read_bytes())

    def _put_manifest(self, key: str, manifest: Mapping[str, Any], **provenance: Any) -> None:
        """Store a manifest (canonical JSON) under ``key``; ``provenance`` describes it."""
        self.cache.put(key, canonical_json(manifest).encode("utf-8"), {"what": "manifest", **provenance})

    def _stored_parts(
        self, parts: Sequence[Mapping[str, Any]], describe: Callable[[int, Mapping[str, Any]], str]
    ) -> list[bytes]:
        """The bodies a manifest lists (each ``{"key", "sha256"}``), in order.

        A part the cache lacks (or that failed its sha256 check) raises :attr:`offline_error` with
        ``describe(index, part)`` saying which.
        """
        bodies = []
        for i, part in enumerate(parts):
            entry = self.cache.find(part["key"], part["sha256"])
            if entry is None:
                raise self.offline_error(
                    f"cache at {self.cache.root} lacks {describe(i, part)}; fetch it again online."
                )
            bodies.append(entry.read_bytes())
        return bodies

    def close(self) -> None:
        """Close the HTTP connection pool (if one was opened)."""
        if self._http_client is not None:
            self._http_client.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
