"""Clients of the external services, their parsers and caches: the pipeline's first layer.

* :mod:`~.http` — the one HTTP client (pacing, retries, ``Retry-After``, the response cache with sha256
  provenance) every service client is built on;
* :mod:`~.scb` — Statistics Sweden's PxWebApi v2 (metadata, JSON-stat2 data, the web CSV export, the
  recorded metadata shipped as data);
* :mod:`~.kolada` — Kolada API v3 (municipality KPIs) and the plan's KPI pull;
* :mod:`~.wfs` — SCB's WFS (DeSO/RegSO geometry as GeoPackage).

Every error these clients raise derives from :class:`~.errors.SourceError` (a :class:`segindicators.errors.Failure`:
exit code 1, one message), and every "not in the cache while offline" from :class:`~.errors.CacheMiss`, so a
caller can catch a service's failure, or any service's, without knowing the client. This package imports only
the base layer (``errors``, ``paths``, ``_io``, ``tables``, ``labels``); nothing here knows about areas,
indicators or the refresh.
"""

from segindicators.sources.errors import CacheMiss, SourceError

__all__ = ["CacheMiss", "SourceError"]
