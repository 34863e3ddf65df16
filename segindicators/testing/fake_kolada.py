"""A fake Kolada API v3 server for tests and the offline demo. All data it serves are synthetic.

Routes (shaped after Kolada's v3 API, ``https://api.kolada.se/v3``; see :mod:`segindicators.kolada.client`):

- ``GET /v3/kpi/{id[,id...]}``: KPI metadata (``id``, ``title``, ``description``, ``operating_area``,
  ``municipality_type``, ``has_ou_data``, ``is_divided_by_gender``, ...). When none of the ids exists the
  answer is 404 (``unknown_kpi="404"``, the default) or an empty ``values`` list (``unknown_kpi="empty"``);
  both have been seen described for the real service, and the client handles both.
- ``GET /v3/data/kpi/{ids}/municipality/{ids}/year/{years}`` (any two or three of the ``kpi``,
  ``municipality`` and ``year`` segments, in any order): one record per KPI × municipality × period with a
  ``values`` list of ``{"gender", "status", "value"[, "count"]}``.

Every list answer is ``{"count": <records in the whole result>, "values": [...], "next_url": ...,
"previous_url": ...}`` and is paged: ``page`` (1-based) and ``per_page`` in the query, capped at the fake's
``page_size`` so tests see several pages with little data. The link field name is configurable
(``next_field``) because descriptions of v3 differ (``next_url`` vs v2's ``next_page``). An id list longer
than ``max_ids`` (25, Kolada's limit) is refused with 400.

Server plumbing (request log, call limit with 429 + ``Retry-After``, 5xx/delay/truncation injection, 404 for
unknown routes listed in :attr:`~FakeKolada.unmatched`) comes from
:class:`~segindicators.testing.fake_http.FakeJsonServer`.

Examples
--------
>>> fake = FakeKolada(page_size=2, max_calls=100, time_window=1.0)
>>> fake.add_kpi("N00001", "Syntetiskt nyckeltal")
>>> fake.add_values("N00001", "0580", [2022, 2023, 2024], [1.0, 2.0, None])
>>> import httpx
>>> with fake:
...     page1 = httpx.get(fake.url + "/data/kpi/N00001/municipality/0580/year/2022,2023,2024").json()
...     page2 = httpx.get(page1["next_url"]).json()
>>> page1["count"], [r["period"] for r in page1["values"]], [r["period"] for r in page2["values"]]
(3, [2022, 2023], [2024])
>>> page2["values"][0]["values"], page2["next_url"] is None, fake.request_count
([{'gender': 'T', 'status': '', 'value': None}], True, 2)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from segindicators.testing.fake_http import FakeJsonServer, HttpProblem, RecordedRequest
from segindicators.testing.fake_pxweb import SYNTHETIC_SOURCE

__all__ = ["SYNTHETIC_SOURCE", "FakeKolada", "RecordedRequest"]

_DIMENSIONS = ("kpi", "municipality", "year")


class FakeKolada(FakeJsonServer):
    """In-memory Kolada v3 server; use as a context manager (``with FakeKolada() as fake: fake.url``).

    Parameters
    ----------
    page_size
        Most records per page, whatever ``per_page`` asks for (Kolada's own cap is 5000).
    max_ids
        Longest id list accepted in one path segment (Kolada: 25).
    unknown_kpi
        ``"404"``: ``/kpi/{ids}`` with no known id answers 404; ``"empty"``: 200 with ``values: []``.
    next_field, previous_field
        Names of the paging link fields.
    max_calls, time_window, clock, enforce_limits
        Call limit (429 + ``Retry-After``), as in :class:`~segindicators.testing.fake_http.FakeJsonServer`.
    """

    base_path = "/v3"

    def __init__(
        self,
        *,
        page_size: int = 5000,
        max_ids: int = 25,
        unknown_kpi: str = "404",
        next_field: str = "next_url",
        previous_field: str = "previous_url",
        max_calls: int = 1000,
        time_window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        enforce_limits: bool = True,
    ) -> None:
        super().__init__(
            max_calls=max_calls, time_window=time_window, clock=clock, enforce_limits=enforce_limits
        )
        if unknown_kpi not in ("404", "empty"):
            raise ValueError(f"unknown_kpi={unknown_kpi!r}: expected '404' or 'empty'.")
        self.page_size = page_size
        self.max_ids = max_ids
        self.unknown_kpi = unknown_kpi
        self.next_field = next_field
        self.previous_field = previous_field
        self.kpis: dict[str, dict[str, Any]] = {}
        # (kpi, municipality, year) -> gender -> {"gender", "status", "value"[, "count"]}
        self.values: dict[tuple[str, str, int], dict[str, dict[str, Any]]] = {}

    # -- defining content -----------------------------------------------------------------------------------
    def add_kpi(
        self,
        kpi_id: str,
        title: str,
        *,
        description: str = "Syntetiskt nyckeltal för tester. " + SYNTHETIC_SOURCE + ".",
        operating_area: str = "Syntetiskt verksamhetsområde",
        municipality_type: str = "K",
        has_ou_data: bool = False,
        is_divided_by_gender: bool = False,
        **extra: Any,
    ) -> None:
        """Define a KPI's metadata (``extra`` adds further fields, e.g. ``publication_date``)."""
        self.kpis[kpi_id] = {
            "id": kpi_id,
            "title": title,
            "description": description,
            "operating_area": operating_area,
            "municipality_type": municipality_type,
            "has_ou_data": has_ou_data,
            "is_divided_by_gender": is_divided_by_gender,
            "auspice": "X",
            "perspective": "Synthetic",
            "publication_date": "2025-01-01",
            "publ_period": "2024",
            **extra,
        }

    def add_values(
        self,
        kpi: str,
        municipality: str,
        years: Iterable[int],
        values: Iterable[float | None],
        *,
        gender: str = "T",
        status: str | Sequence[str] = "",
        count: int | None = None,
    ) -> None:
        """Add one value per year for a KPI and municipality (``None`` = a published missing value)."""
        years, values = list(years), list(values)
        if len(years) != len(values):
            raise ValueError(f"years ({len(years)}) and values ({len(values)}) must have the same length.")
        statuses = [status] * len(years) if isinstance(status, str) else list(status)
        for year, value, stat in zip(years, values, statuses, strict=True):
            entry: dict[str, Any] = {"gender": gender, "status": stat, "value": value}
            if count is not None:
                entry["count"] = count
            self.values.setdefault((kpi, municipality, int(year)), {})[gender] = entry

    # -- log helpers ----------------------------------------------------------------------------------------
    def data_requests(self) -> list[RecordedRequest]:
        """The logged ``GET /v3/data/...`` requests."""
        return [r for r in self.requests if r.path.startswith(self.base_path + "/data/")]

    def kpi_requests(self) -> list[RecordedRequest]:
        """The logged ``GET /v3/kpi/...`` requests."""
        return [r for r in self.requests if r.path.startswith(self.base_path + "/kpi")]

    # -- routing --------------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        prefix = self.base_path + "/"
        if method != "GET" or not path.startswith(prefix):
            raise HttpProblem(404, "Not Found", f"no route {method} {path}")
        parts = [p for p in path[len(prefix) :].split("/") if p]
        if parts and parts[0] == "kpi" and len(parts) <= 2:
            return self._kpi(path, parts[1] if len(parts) == 2 else None, query)
        if parts and parts[0] == "data" and len(parts) in (5, 7):
            segments = dict(zip(parts[1::2], parts[2::2], strict=True))
            if len(segments) == len(parts) // 2 and set(segments) <= set(_DIMENSIONS):
                return self._data(path, segments, query)
        raise HttpProblem(404, "Not Found", f"no route {method} {path}")

    def _ids(self, text: str, what: str) -> list[str]:
        ids = [i for i in text.split(",") if i]
        if not ids:
            raise HttpProblem(400, "Bad Request", f"empty {what} list")
        if len(ids) > self.max_ids:
            raise HttpProblem(
                400, "Bad Request", f"too many {what} ids: {len(ids)} given, at most {self.max_ids} allowed"
            )
        return ids

    def _page(self, path: str, query: Mapping[str, list[str]], records: list[Any]) -> dict[str, Any]:
        try:
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", [str(self.page_size)])[0])
        except ValueError:
            raise HttpProblem(400, "Bad Request", "page and per_page must be integers") from None
        if page < 1 or per_page < 1:
            raise HttpProblem(400, "Bad Request", "page and per_page must be at least 1")
        size = min(per_page, self.page_size)
        pages = max(1, math.ceil(len(records) / size))
        start = (page - 1) * size

        def link(n: int) -> str | None:
            if not 1 <= n <= pages:
                return None
            return (
                self.url[: -len(self.base_path)] + path + "?" + urlencode({"page": n, "per_page": per_page})
            )

        return {
            "count": len(records),
            "values": records[start : start + size],
            self.next_field: link(page + 1),
            self.previous_field: link(page - 1) if page <= pages else None,
        }

    def _kpi(self, path: str, ids_text: str | None, query: Mapping[str, list[str]]) -> dict[str, Any]:
        if ids_text is None:
            return self._page(path, query, [self.kpis[k] for k in sorted(self.kpis)])
        ids = self._ids(ids_text, "kpi")
        found = [self.kpis[k] for k in ids if k in self.kpis]
        if not found and self.unknown_kpi == "404":
            raise HttpProblem(404, "Not Found", f"no KPI with id {ids_text}", matched=True)
        return self._page(path, query, found)

    def _data(self, path: str, segments: Mapping[str, str], query: Mapping[str, list[str]]) -> dict[str, Any]:
        wanted = {dim: set(self._ids(text, dim)) for dim, text in segments.items()}
        if "year" in wanted:
            try:
                years = {int(y) for y in wanted["year"]}
            except ValueError:
                raise HttpProblem(400, "Bad Request", f"years must be integers: {segments['year']}") from None
            wanted["year"] = {str(y) for y in years}
        records = []
        for (kpi, muni, year), by_gender in sorted(self.values.items()):
            key = {"kpi": kpi, "municipality": muni, "year": str(year)}
            if all(key[dim] in ids for dim, ids in wanted.items()):
                entries = [by_gender[g] for g in ("T", "K", "M") if g in by_gender]
                records.append({"kpi": kpi, "municipality": muni, "period": year, "values": entries})
        return self._page(path, query, records)
