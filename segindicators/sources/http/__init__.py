"""Generic HTTP plumbing shared by the service clients (SCB PxWebApi, Kolada, SCB WFS).

- :mod:`~segindicators.sources.http.ratelimit`: a sliding-window pacer that keeps a client under a server's call limit.
- :mod:`~segindicators.sources.http.client`: an httpx wrapper with explicit timeouts, 429/5xx retries and body checks.
- :mod:`~segindicators.sources.http.cache`: an immutable raw-response cache with provenance records.
- :mod:`~segindicators.sources.http.api`: the base of the clients (:class:`ApiClient`) and their error shape
  (:class:`ApiError`): lazy paced HTTP client, offline guard, request errors, provenance, manifests.

Nothing here knows about SCB or Kolada; the service clients build on these pieces.
"""

from segindicators.sources.http.api import ApiClient, ApiError
from segindicators.sources.http.cache import (
    CacheEntry,
    CacheIntegrityError,
    CacheIntegrityWarning,
    RawCache,
    cache_key,
)
from segindicators.sources.http.client import (
    HttpClient,
    HttpError,
    HttpResponse,
    HttpStatusError,
    HttpTransportError,
    RetryPolicy,
)
from segindicators.sources.http.ratelimit import SlidingWindowLimiter

__all__ = [
    "ApiClient",
    "ApiError",
    "CacheEntry",
    "CacheIntegrityError",
    "CacheIntegrityWarning",
    "HttpClient",
    "HttpError",
    "HttpResponse",
    "HttpStatusError",
    "HttpTransportError",
    "RawCache",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "cache_key",
]
