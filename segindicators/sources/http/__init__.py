"""Generic HTTP plumbing shared by the API clients (SCB PxWebApi, later Kolada).

- :mod:`~segindicators.sources.http.ratelimit`: a sliding-window pacer that keeps a client under a server's call limit.
- :mod:`~segindicators.sources.http.client`: an httpx wrapper with explicit timeouts, 429/5xx retries and body checks.
- :mod:`~segindicators.sources.http.cache`: an immutable raw-response cache with provenance records.

Nothing here knows about SCB; the API-specific clients build on these pieces.
"""

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
