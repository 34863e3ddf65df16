"""Plumbing shared by the service clients (SCB PxWebApi, Kolada, SCB WFS).

Each client keeps its own endpoints, cache keys and parsing; what is the same for all of them lives here:
the lazily created :class:`~segindicators.sources.http.HttpClient` (no network in a constructor), the refusal to
create one in offline mode, the request counter that the refresh reports, and closing the connection pool.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from segindicators.sources.http.cache import RawCache
from segindicators.sources.http.client import HttpClient
from segindicators.paths import raw_dir

__all__ = ["ApiClient"]


class ApiClient:
    """Base of the service clients: lazy HTTP client, offline guard, call counter, context manager.

    Subclasses call :meth:`_setup` in their constructor and set :attr:`offline_error` to their cache-miss
    exception; :meth:`_http_root` may be overridden when requests are made relative to another URL than
    ``base_url`` (the WFS client).
    """

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

    def close(self) -> None:
        """Close the HTTP connection pool (if one was opened)."""
        if self._http_client is not None:
            self._http_client.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
