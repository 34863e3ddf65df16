"""Client for Kolada's API v3 (https://api.kolada.se/v3): KPI metadata and municipality values.

Kolada (run by RKA, Rådet för främjande av kommunala analyser) publishes key performance indicators (KPIs,
"nyckeltal") per municipality and year, some divided by gender (``T`` total, ``K`` women, ``M`` men).
Municipality ``"0000"`` is the whole of Sweden (riket). Attribution: "Källa: Kolada".

What the client relies on, from the real material in ``shared/reference/kolada`` (README.md, PROVENANCE.md:
records of the live v3 API as rKolada cached them, March 2026; the v2 documentation; practitioners' notes):

- ``GET /kpi/{id[,id...]}`` → ``{"count", "values": [{"id", "title", "description", "is_divided_by_gender",
  "municipality_type", "auspice", "operating_area", "perspective", "prel_publication_date",
  "publication_date", "publ_period", "has_ou_data"}]}``. An unknown id most likely answers **200 with no
  record** for it (not 404); :class:`UnknownKpiError` names it either way (a 404 is handled too).
- ``GET /data/kpi/{ids}/municipality/{ids}/year/{years}`` (any two of the three segments) → records
  ``{"kpi", "municipality", "period", "values": [{"gender", "count", "status", "value", "isdeleted"}]}``.
  ``isdeleted`` is new in v3: a value with ``isdeleted: true`` is not a value, and is dropped here.
- Lists of at most 25 ids per path segment (longer lists are split into several requests here).
- Paging: ``page`` and ``per_page`` (at most 5000) in the query; an answer names the next page by an absolute
  URL in ``next_url`` (and the previous in ``previous_url``); the client follows ``next_url`` until it is
  absent or null. v2 called it ``next_page``; v2 was switched off on 2026-03-31 (it answers 410), so an answer
  with ``next_page`` and no ``next_url`` is refused as a v2 answer rather than read as a last page.
- KPIs leave the catalogue: N00914 ("Förvärvsarbetande invånare 20-64 år", RAMS, ended 2021) is absent from
  v3; :data:`RETIRED_KPIS` names its nearest successor (N02243, "Sysselsatta invånare 20-65 år, andel (%)")
  in the error, so the analyst knows what to follow instead. The two are not the same measure (20-64 vs
  20-65 years, RAMS vs BAS): the successor is a suggestion, never substituted silently.

Here: the client and its paging. What a request asks for (ids, years, Kolada's 25-id lists) is
:mod:`~segindicators.sources.kolada.query`; reading the answers :mod:`~segindicators.sources.kolada.records`;
the errors :mod:`~segindicators.sources.kolada.errors`. Everything else is the shared HTTP layer
(:mod:`segindicators.sources.http`): pacing with a sliding window (configurable; Kolada publishes no limit, the
default is a polite 5 calls per second), 429 + ``Retry-After``, 5xx/connect backoff, explicit timeouts, the
immutable raw cache with provenance (default ``data/raw/kolada``) and the client base
(:class:`~segindicators.sources.http.api.ApiClient`). ``offline=True`` answers from that cache only and never
opens a connection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from segindicators.sources.http import RetryPolicy, cache_key
from segindicators.sources.http.api import ApiClient
from segindicators.sources.kolada.errors import KoladaCacheMiss, KoladaError, UnknownKpiError
from segindicators.sources.kolada.query import (
    chunks,
    data_path,
    describe,
    normalise_ids,
    normalise_years,
    unknown_kpi_hint,
)
from segindicators.sources.kolada.records import KpiInfo, check_counts, parse_data_records

__all__ = ["DEFAULT_BASE_URL", "KoladaClient"]

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
#: Kolada's cap on ``per_page``.
MAX_PER_PAGE = 5000
#: Default pacing: calls per window (seconds). Kolada publishes no limit; this keeps the client polite.
DEFAULT_MAX_CALLS, DEFAULT_WINDOW = 5, 1.0
#: Guard against a server whose next links never end.
MAX_PAGES = 10_000
#: Paging link of a v3 answer (v2's ``next_page`` is refused, see the module notes).
NEXT_FIELD = "next_url"
#: The attribution stored in every page's provenance record.
SOURCE = "Kolada (RKA), https://www.kolada.se — Källa: Kolada"


class KoladaClient(ApiClient):
    """Kolada API v3 client with pacing, retries, paging, raw cache and offline mode.

    Parameters
    ----------
    base_url
        API root, default Kolada production. Point it at :class:`segindicators.testing.FakeKolada` in tests.
    cache_dir
        Raw cache folder; default ``data/raw/kolada`` under :func:`segindicators.paths.project_home`.
    offline
        Answer only from the cache; a request not cached raises :class:`KoladaCacheMiss` naming the KPI,
        municipality and years, and no HTTP call is made (the HTTP client is never created).
    per_page
        Records asked per page (at most 5000).
    max_calls, window
        Pacing: at most ``max_calls`` calls per ``window`` seconds (less a safety margin, see
        :class:`~segindicators.sources.http.SlidingWindowLimiter`).
    timeout, retry, clock, sleep, transport
        The connection settings every client shares (see
        :meth:`~segindicators.sources.http.api.ApiClient._setup_paced`): ``(connect, read)`` seconds, the
        retries of 429, 5xx and transport errors, an injectable monotonic clock and sleep, an httpx transport.
    verify_kpis
        Before fetching data, check every KPI id with ``/kpi/{ids}`` (an unknown id raises
        :class:`UnknownKpiError`).

    Notes
    -----
    The constructor makes no network call.
    """

    service = "Kolada"
    error = KoladaError
    offline_error = KoladaCacheMiss

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        cache_dir: str | Path | None = None,
        offline: bool = False,
        *,
        per_page: int = MAX_PER_PAGE,
        max_calls: int = DEFAULT_MAX_CALLS,
        window: float = DEFAULT_WINDOW,
        timeout: tuple[float, float] = (10.0, 60.0),
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        verify_kpis: bool = True,
        transport: Any = None,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page={per_page!r}: expected 1..{MAX_PER_PAGE} (Kolada's cap).")
        self.per_page = int(per_page)
        self.verify_kpis = verify_kpis
        self._setup_paced(
            base_url, cache_dir, offline, "kolada", max_calls=max_calls, window=window, timeout=timeout,
            retry=retry, clock=clock, sleep=sleep, transport=transport,
        )  # fmt: skip
        self._kpis: dict[str, KpiInfo] = {}

    def _relative(self, link: str, what: str) -> tuple[str, dict[str, str]]:
        """Split a next-page link into a path under :attr:`base_url` and its query parameters."""
        base = urlsplit(self.base_url)
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            same_host = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
        else:
            same_host = True
        prefix = base.path.rstrip("/") + "/"
        if not same_host or not parts.path.startswith(prefix):
            raise KoladaError(
                f"{what}: Kolada's next-page link {link!r} points outside the API root {self.base_url!r}; "
                "refusing to follow it. Check --base-url (a proxy may rewrite links)."
            )
        return parts.path[len(prefix) :], dict(parse_qsl(parts.query, keep_blank_values=True))

    def _fetch_pages(
        self,
        path: str,
        what: str,
        *,
        not_found: Callable[[KoladaError], KoladaError] | None = None,
        **prov: Any,
    ) -> list[dict[str, Any]]:
        """GET ``path`` and every following page; store each page; return ``[{key, sha256, doc}]``."""
        params: dict[str, str] = {"page": "1", "per_page": str(self.per_page)}
        seen: set[str] = set()
        pages: list[dict[str, Any]] = []
        current = path
        while True:
            key = cache_key("GET " + current, params)
            if key in seen or len(pages) >= MAX_PAGES:
                raise KoladaError(
                    f"{what}: Kolada's paging does not end (page {len(pages) + 1} repeats or exceeds "
                    f"{MAX_PAGES}); not cached. Retry later."
                )
            seen.add(key)
            try:
                response = self._send("GET", current, what, params=params)
            except KoladaError as exc:
                if exc.status == 404 and not_found is not None:
                    raise not_found(exc) from exc
                raise
            try:
                doc = response.json()
                if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
                    raise ValueError('expected a JSON object with a "values" list')
            except ValueError as exc:
                raise KoladaError(
                    f"Kolada {what} ({response.url}): the answer is invalid or truncated ({exc}); not cached. "
                    "Retry later."
                ) from exc
            if NEXT_FIELD not in doc and "next_page" in doc:
                raise KoladaError(
                    f"{what}: the answer from {response.url} names its next page in 'next_page' (Kolada v2) and "
                    f"has no '{NEXT_FIELD}' (v3); expected a v3 answer. v2 was switched off on 2026-03-31: check "
                    "--base-url (it should end in /v3). Not cached."
                )
            entry = self.cache.put(
                key,
                response.content,
                self._provenance(
                    response,
                    what=what,
                    page=len(pages) + 1,
                    path=current,
                    params=params,
                    source=SOURCE,
                    **prov,
                ),
            )
            pages.append({"key": key, "sha256": entry.provenance["sha256"], "doc": doc})
            link = doc.get(NEXT_FIELD)
            if not link:
                check_counts([p["doc"] for p in pages], what)
                return pages
            current, params = self._relative(str(link), what)

    def _get_all(self, path: str, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        """All pages of ``path``: online fetched (and a manifest stored), offline from the manifest."""
        manifest_key = cache_key("manifest GET " + path)
        if self.offline:
            listed = self._manifest(manifest_key)
            if listed is None:
                raise self._cache_miss(what)
            bodies = self._stored_parts(listed["pages"], lambda i, _: f"page {i + 1} of {what}")
            return [json.loads(b) for b in bodies]
        pages = self._fetch_pages(path, what, **kwargs)
        manifest = {"path": path, "pages": [{k: p[k] for k in ("key", "sha256")} for p in pages]}
        self._put_manifest(manifest_key, manifest, path=path, pages=len(pages), description=what)
        return [p["doc"] for p in pages]

    # -- endpoints ------------------------------------------------------------------------------------------
    def kpis(self, ids: str | Iterable[str]) -> dict[str, KpiInfo]:
        """Metadata of several KPIs (``/kpi/{ids}``, 25 per request), verified to exist.

        Raises
        ------
        UnknownKpiError
            Kolada returned no record for one or more ids (names them).
        KoladaCacheMiss
            Offline and the metadata was never fetched.
        """
        wanted = normalise_ids(ids, "kpis")
        todo = [k for k in wanted if k not in self._kpis]
        for part in chunks(todo):
            what = f"metadata of KPI {','.join(part)}"

            def not_found(exc: KoladaError, part: list[str] = part) -> UnknownKpiError:
                return UnknownKpiError(
                    f"Kolada does not know KPI {', '.join(part)} (HTTP 404 for /kpi/{','.join(part)}: "
                    f"{exc.detail}). {unknown_kpi_hint(part)}",
                    kpis=part,
                    status=404,
                )

            docs = self._get_all("kpi/" + ",".join(part), what, not_found=not_found, kpis=part)
            for doc in docs:
                for rec in doc["values"]:
                    info = KpiInfo.from_record(rec)
                    self._kpis[info.id] = info
            unknown = [k for k in part if k not in self._kpis]
            if unknown:
                got = sorted(k for k in part if k in self._kpis)
                raise UnknownKpiError(
                    f"Kolada does not know KPI {', '.join(unknown)}: /kpi/{','.join(part)} answered with "
                    f"records for {', '.join(got) or 'none of them'}, expected one per id. "
                    f"{unknown_kpi_hint(unknown)}",
                    kpis=unknown,
                )
        return {k: self._kpis[k] for k in wanted}

    def kpi(self, kpi_id: str) -> KpiInfo:
        """Metadata of one KPI: title, description, operating area, municipality type, gender split, ...

        Raises :class:`UnknownKpiError` when Kolada does not know ``kpi_id``.
        """
        return self.kpis([kpi_id])[kpi_id.strip()]

    def data(
        self,
        kpis: str | Iterable[str],
        municipalities: str | Iterable[str],
        years: int | str | Iterable[int | str],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Values of ``kpis`` for ``municipalities`` and ``years`` as a tidy frame.

        Parameters
        ----------
        kpis
            KPI ids, e.g. ``["N15428"]`` (checked with ``/kpi`` first unless ``verify_kpis=False``).
        municipalities
            Municipality codes, e.g. ``["0580", "0000"]`` (``"0000"`` = Sweden).
        years
            Years: ints, strings, or ranges such as ``"2018-2024"``.
        progress
            Called as ``progress(done, total)`` after each request group (lists are split by 25).

        Returns
        -------
        pandas.DataFrame
            ``kpi, municipality, year, gender ("T"/"K"/"M"), value (float, NaN when missing), status (str or
            NA), count (float or NaN)``, sorted by kpi, municipality, year, gender. Combinations Kolada has
            no record for are absent, and so are values Kolada marks ``isdeleted`` (counted in
            ``frame.attrs["deleted"]``).

        Raises
        ------
        UnknownKpiError
            A KPI id is unknown to Kolada.
        KoladaCacheMiss
            Offline and a part of the request was never fetched (the message names KPI, municipality, years).
        KoladaError
            The server refused or failed (message names the request, status and the server's text).
        """
        kpi_ids = normalise_ids(kpis, "kpis")
        munis = normalise_ids(municipalities, "municipalities")
        year_ids = normalise_years(years)
        if self.verify_kpis:
            self.kpis(kpi_ids)
        groups = list(product(chunks(kpi_ids), chunks(munis), chunks(year_ids)))
        records: list[Mapping[str, Any]] = []
        for i, (k, m, y) in enumerate(groups):
            for doc in self._get_all(
                data_path(k, m, y), describe(k, m, y), kpis=k, municipalities=m, years=y
            ):
                records.extend(doc["values"])
            if progress is not None:
                progress(i + 1, len(groups))
        frame = parse_data_records(records)
        dup = frame.duplicated(["kpi", "municipality", "year", "gender"], keep=False)
        if dup.any():
            first = frame.loc[dup].iloc[0]
            raise KoladaError(
                f"Kolada returned {int(dup.sum())} duplicate rows across pages (e.g. KPI {first['kpi']}, "
                f"municipality {first['municipality']}, year {first['year']}, gender {first['gender']}); "
                "the data probably changed while paging. Fetch again."
            )
        return frame
