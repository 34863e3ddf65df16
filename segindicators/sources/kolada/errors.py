"""The errors of the Kolada client: one base (:class:`KoladaError`), the offline miss, the unknown KPI."""

from __future__ import annotations

from collections.abc import Sequence

from segindicators.sources.errors import CacheMiss
from segindicators.sources.http.api import ApiError

__all__ = ["KoladaCacheMiss", "KoladaError", "UnknownKpiError"]


class KoladaError(ApiError):
    """A request to Kolada failed; the message names the request, HTTP status and the server's text."""


class KoladaCacheMiss(KoladaError, CacheMiss):
    """Offline mode and the cache holds no answer for the request."""


class UnknownKpiError(KoladaError):
    """Kolada does not know one or more KPI ids; ``kpis`` lists them."""

    def __init__(self, message: str, *, kpis: Sequence[str], status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.kpis = list(kpis)
