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

Everything else is the shared HTTP layer (:mod:`segindicators.sources.http`): pacing with a sliding window
(configurable; Kolada publishes no limit, the default is a polite 5 calls per second), 429 + ``Retry-After``,
5xx/connect backoff, explicit timeouts, and the immutable raw cache with provenance (default
``data/raw/kolada``). ``offline=True`` answers from that cache only and never opens a connection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from segindicators.sources.errors import CacheMiss, SourceError
from segindicators.sources.http import (
    HttpError,
    HttpResponse,
    HttpStatusError,
    RetryPolicy,
    SlidingWindowLimiter,
    cache_key,
)
from segindicators.sources.http.api import ApiClient
from segindicators.sources.http.cache import canonical_json

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
#: Kolada's cap on ``per_page``.
MAX_PER_PAGE = 5000
#: Longest id list Kolada accepts in one path segment.
MAX_IDS = 25
#: Default pacing: calls per window (seconds). Kolada publishes no limit; this keeps the client polite.
DEFAULT_MAX_CALLS, DEFAULT_WINDOW = 5, 1.0
#: Guard against a server whose next links never end.
MAX_PAGES = 10_000
#: Columns of :meth:`KoladaClient.data`.
DATA_COLUMNS = ["kpi", "municipality", "year", "gender", "value", "status", "count"]
GENDERS = ("T", "K", "M")
#: Paging link of a v3 answer (v2's ``next_page`` is refused, see the module notes).
NEXT_FIELD = "next_url"
#: KPIs recorded as absent from v3 → what they were and their nearest successor. Source:
#: shared/reference/kolada/README.md and rkolada_v3_kpi_records.json (N00914 = null in the 6,099-KPI
#: catalogue); Region Dalarna's sysselsatta_ny.R ("data fram till 2021 när Rams försvinner").
RETIRED_KPIS: dict[str, dict[str, str]] = {
    "N00914": {
        "title": "Förvärvsarbetande invånare 20-64 år (RAMS, ended 2021)",
        "successor": "N02243",
        "successor_title": "Sysselsatta invånare 20-65 år, andel (%)",
    },
}


def unknown_kpi_hint(kpis: Iterable[str]) -> str:
    """What to do about unknown KPI ids: the successor of a retired one, else check the id.

    >>> print(unknown_kpi_hint(["N00914"]))  # doctest: +ELLIPSIS
    N00914 (Förvärvsarbetande invånare 20-64 år (RAMS, ended 2021)) is gone from Kolada v3; its nearest successor is N02243 ...
    """
    parts, others = [], []
    for k in kpis:
        if k in RETIRED_KPIS:
            r = RETIRED_KPIS[k]
            parts.append(
                f"{k} ({r['title']}) is gone from Kolada v3; its nearest successor is {r['successor']} "
                f'"{r["successor_title"]}" (not the same definition: follow it as a new series).'
            )
        else:
            others.append(k)
    if others:
        parts.append(f"Check {', '.join(others)} on kolada.se; ids change when KPIs are revised.")
    return " ".join(parts)


class KoladaError(SourceError):
    """A request to Kolada failed; the message names the request, HTTP status and the server's text."""

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class KoladaCacheMiss(KoladaError, CacheMiss):
    """Offline mode and the cache holds no answer for the request."""


class UnknownKpiError(KoladaError):
    """Kolada does not know one or more KPI ids; ``kpis`` lists them."""

    def __init__(self, message: str, *, kpis: Sequence[str], status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.kpis = list(kpis)


@dataclass(frozen=True)
class KpiInfo:
    """Metadata of one Kolada KPI (``raw`` keeps every field the server sent)."""

    id: str
    title: str
    description: str
    operating_area: str
    municipality_type: str
    has_ou_data: bool
    is_divided_by_gender: bool
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KpiInfo:
        """Build from a ``/kpi`` record; booleans may arrive as ``0``/``1``.

        >>> KpiInfo.from_record({"id": "N00001", "title": "T", "is_divided_by_gender": 1}).is_divided_by_gender
        True
        """
        return cls(
            id=str(record["id"]),
            title=str(record.get("title") or ""),
            description=str(record.get("description") or ""),
            operating_area=str(record.get("operating_area") or ""),
            municipality_type=str(record.get("municipality_type") or ""),
            has_ou_data=bool(record.get("has_ou_data")),
            is_divided_by_gender=bool(record.get("is_divided_by_gender")),
            raw=dict(record),
        )


def chunks(items: Sequence[str], size: int = MAX_IDS) -> list[list[str]]:
    """Split ``items`` into lists of at most ``size`` (Kolada's id-list limit).

    >>> chunks(["a", "b", "c"], 2)
    [['a', 'b'], ['c']]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def normalise_ids(values: str | Iterable[str | int], what: str) -> list[str]:
    """Deduplicated, sorted ids as strings; a single string may be comma separated.

    >>> normalise_ids("N15428, N05401", "kpis")
    ['N05401', 'N15428']
    >>> normalise_ids([2024, "2023", 2024], "years")
    ['2023', '2024']
    """
    if isinstance(values, str):
        items = values.split(",")
    else:
        items = [str(v) for v in values]
    out = sorted({i.strip() for i in items if i.strip()})
    if not out:
        raise ValueError(f"{what}: expected at least one id, got {values!r}.")
    bad = [i for i in out if "," in i or "/" in i or "?" in i]
    if bad:
        raise ValueError(f"{what}: ids must not contain ',', '/' or '?'; got {bad}.")
    return out


def normalise_years(years: int | str | Iterable[int | str]) -> list[str]:
    """Years as sorted unique strings; accepts ints, ``"2018-2024"`` ranges and comma lists.

    >>> normalise_years("2018-2020,2024")
    ['2018', '2019', '2020', '2024']
    >>> normalise_years(2022)
    ['2022']
    """
    if isinstance(years, int):
        items: list[str] = [str(years)]
    elif isinstance(years, str):
        items = [p.strip() for p in years.split(",")]
    else:
        items = [str(y).strip() for y in years]
    out: set[int] = set()
    for item in items:
        if not item:
            continue
        first, sep, last = item.partition("-")
        try:
            lo = int(first)
            hi = int(last) if sep else lo
        except ValueError:
            raise ValueError(
                f"years: {item!r} is not a year or a range such as 2018-2024; give four-digit years."
            ) from None
        if hi < lo or not (1900 <= lo <= 2200 and 1900 <= hi <= 2200):
            raise ValueError(
                f"years: {item!r} is not a valid year or increasing range between 1900 and 2200."
            )
        out.update(range(lo, hi + 1))
    if not out:
        raise ValueError(f"years: expected at least one year, got {years!r}.")
    return [str(y) for y in sorted(out)]


def _is_deleted(entry: Mapping[str, Any], rec: Mapping[str, Any]) -> bool:
    """A value entry's ``isdeleted`` as a bool (absent or null: not deleted); anything else is an error."""
    flag = entry.get("isdeleted")
    if flag is None or isinstance(flag, bool):
        return bool(flag)
    raise KoladaError(
        f"Kolada data record (KPI {rec.get('kpi')}, municipality {rec.get('municipality')}, period "
        f"{rec.get('period')}, gender {entry.get('gender')}): 'isdeleted' is {flag!r}; expected true, false or "
        "null. The answer format may have changed; inspect the raw response in the cache."
    )


def parse_data_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Kolada data records → tidy frame ``kpi, municipality, year, gender, value, status, count``.

    One row per record × gender entry; ``value`` is float (NaN where Kolada has null), ``status`` the
    server's status text (NA when empty), ``count`` float (NaN when absent). An entry with ``isdeleted:
    true`` is not a value and gives no row (v3; its number is never read); ``frame.attrs["deleted"]`` counts
    them. Rows are sorted by kpi, municipality, year and gender (T, K, M).

    Examples
    --------
    >>> recs = [{"kpi": "N00001", "municipality": "0580", "period": 2023,
    ...          "values": [{"gender": "K", "count": 1, "status": "", "value": 2.5, "isdeleted": False},
    ...                     {"gender": "M", "count": 1, "status": "", "value": 9.9, "isdeleted": True},
    ...                     {"gender": "T", "count": 1, "status": "", "value": None, "isdeleted": False}]}]
    >>> out = parse_data_records(recs)  # synthetic numbers
    >>> out[["year", "gender", "value"]].to_dict("list"), out.attrs["deleted"]
    ({'year': [2023, 2023], 'gender': ['T', 'K'], 'value': [nan, 2.5]}, 1)
    """
    rows: dict[str, list[Any]] = {c: [] for c in DATA_COLUMNS}
    deleted = 0
    for rec in records:
        entries = rec.get("values") or []
        for entry in entries:
            if _is_deleted(entry, rec):
                deleted += 1
                continue
            rows["kpi"].append(rec.get("kpi"))
            rows["municipality"].append(rec.get("municipality"))
            rows["year"].append(rec.get("period"))
            rows["gender"].append(entry.get("gender"))
            rows["value"].append(entry.get("value"))
            status = entry.get("status")
            rows["status"].append(status if status not in ("", None) else None)
            rows["count"].append(entry.get("count"))
    frame = pd.DataFrame(rows)
    for col in ("kpi", "municipality", "gender", "status"):
        frame[col] = frame[col].astype("string")
    try:
        frame["year"] = pd.to_numeric(frame["year"], errors="raise").astype("int64")
        frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
        frame["count"] = pd.to_numeric(frame["count"], errors="raise").astype("float64")
    except (ValueError, TypeError) as exc:
        raise KoladaError(
            f"Kolada data records hold a non-numeric period, value or count ({exc}); the answer format may "
            "have changed. Inspect the raw response in the cache."
        ) from exc
    bad_gender = sorted(set(frame["gender"].dropna()) - set(GENDERS)) + (
        ["<missing>"] if frame["gender"].isna().any() else []
    )
    if bad_gender:
        raise KoladaError(
            f"Kolada data records hold unexpected gender codes {bad_gender}; expected T, K or M."
        )
    order = frame["gender"].map({g: i for i, g in enumerate(GENDERS)}).astype("int64")
    frame = (
        frame.assign(_g=order)
        .sort_values(["kpi", "municipality", "year", "_g"], kind="stable")
        .drop(columns="_g")
        .reset_index(drop=True)
    )
    frame.attrs["deleted"] = deleted
    return frame


def _check_counts(pages: Sequence[Mapping[str, Any]], what: str) -> None:
    """Raise if the pages' ``count`` fields contradict the records received.

    Descriptions of ``count`` differ (records in the whole result, or on the page), so either reading is
    accepted; only a count that fits neither means pages were lost or the data changed while paging.

    >>> _check_counts([{"doc": {"count": 3, "values": [1, 2]}}, {"doc": {"count": 3, "values": [3]}}], "x")
    >>> _check_counts([{"doc": {"count": 2, "values": [1, 2]}}, {"doc": {"count": 1, "values": [3]}}], "x")
    >>> _check_counts([{"doc": {"count": 5, "values": [1, 2]}}], "x")
    Traceback (most recent call last):
    ...
    segindicators.sources.kolada.client.KoladaError: x: Kolada reported count 5 but 2 records arrived in 1 page(s); ...
    """
    counts = [p["doc"].get("count") for p in pages]
    if any(not isinstance(c, int) or isinstance(c, bool) for c in counts):
        return  # no usable count: nothing to check
    sizes = [len(p["doc"]["values"]) for p in pages]
    total = sum(sizes)
    if all(c == total for c in counts) or counts == sizes:
        return
    raise KoladaError(
        f"{what}: Kolada reported count {counts[0]} but {total} records arrived in {len(pages)} page(s); "
        "pages were lost or the data changed while paging. Fetch again; nothing was assembled."
    )


def _describe(kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[str]) -> str:
    return f"KPI {','.join(kpis)} for municipality {','.join(municipalities)} and year(s) {','.join(years)}"


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
    timeout
        ``(connect, read)`` seconds passed to httpx.
    retry
        Retry settings for 429, 5xx and transport errors.
    clock, sleep
        Injectable monotonic clock and sleep (pacing and retries); tests use fakes.
    verify_kpis
        Before fetching data, check every KPI id with ``/kpi/{ids}`` (an unknown id raises
        :class:`UnknownKpiError`).

    Notes
    -----
    The constructor makes no network call.
    """

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
        import httpx

        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page={per_page!r}: expected 1..{MAX_PER_PAGE} (Kolada's cap).")
        self.per_page = int(per_page)
        self.verify_kpis = verify_kpis
        self.limiter = SlidingWindowLimiter(max_calls, window, clock=clock, sleep=sleep)
        self._setup(
            base_url, cache_dir, offline, "kolada",
            timeout=httpx.Timeout(connect=timeout[0], read=timeout[1], write=timeout[1], pool=timeout[0]),
            limiter=self.limiter, retry=retry or RetryPolicy(), sleep=sleep, transport=transport,
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

    def _provenance(self, response: HttpResponse, **extra: Any) -> dict[str, Any]:
        return {
            "url": response.url,
            "method": response.method,
            "request_body": None,
            "http_status": response.status,
            "retrieved_at": response.retrieved_at,
            "table_updated": None,
            "content_type": response.headers.get("content-type"),
            "source": "Kolada (RKA), https://www.kolada.se — Källa: Kolada",
            **extra,
        }

    def _fetch_pages(
        self,
        path: str,
        what: str,
        *,
        not_found: Callable[[HttpStatusError], KoladaError] | None = None,
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
                response = self._http().request("GET", current, params=params)
            except HttpStatusError as exc:
                if exc.status == 404 and not_found is not None:
                    raise not_found(exc) from exc
                raise KoladaError(
                    f"Kolada {what} ({current}) failed with HTTP {exc.status} after {exc.attempts} attempt(s). "
                    f"Server said: {exc.detail}",
                    status=exc.status,
                    detail=exc.detail,
                ) from exc
            except HttpError as exc:
                raise KoladaError(f"Kolada {what} ({current}) failed: {exc}") from exc
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
                    response, what=what, page=len(pages) + 1, path=current, params=params, **prov
                ),
            )
            pages.append({"key": key, "sha256": entry.provenance["sha256"], "doc": doc})
            link = doc.get(NEXT_FIELD)
            if not link:
                _check_counts(pages, what)
                return pages
            current, params = self._relative(str(link), what)

    def _cached_pages(self, manifest_key: str, missing: str) -> list[dict[str, Any]] | None:
        """The pages listed by a stored manifest, or None when there is no manifest."""
        manifest = self.cache.latest(manifest_key)
        if manifest is None or manifest.provenance.get("what") != "manifest":
            return None
        listed = json.loads(manifest.read_bytes())
        docs = []
        for page in listed["pages"]:
            entry = self.cache.find(page["key"], page["sha256"])
            if entry is None:
                raise KoladaCacheMiss(
                    f"cache at {self.cache.root} lacks page {len(docs) + 1} of {missing}; fetch it again online."
                )
            docs.append(json.loads(entry.read_bytes()))
        return docs

    def _get_all(self, path: str, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        """All pages of ``path``: online fetched (and a manifest stored), offline from the manifest."""
        manifest_key = cache_key("manifest GET " + path)
        if self.offline:
            docs = self._cached_pages(manifest_key, what)
            if docs is None:
                raise KoladaCacheMiss(
                    f"offline: {what} is not in the cache at {self.cache.root}; run once online "
                    "(without --offline) to fetch it."
                )
            return docs
        pages = self._fetch_pages(path, what, **kwargs)
        manifest = {"path": path, "pages": [{k: p[k] for k in ("key", "sha256")} for p in pages]}
        self.cache.put(
            manifest_key,
            canonical_json(manifest).encode("utf-8"),
            {"what": "manifest", "path": path, "pages": len(pages), "description": what},
        )
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

            def not_found(exc: HttpStatusError, part: list[str] = part) -> UnknownKpiError:
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
            path = f"data/kpi/{','.join(k)}/municipality/{','.join(m)}/year/{','.join(y)}"
            for doc in self._get_all(path, _describe(k, m, y), kpis=k, municipalities=m, years=y):
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


def years_span(frame: pd.DataFrame) -> str:
    """``"first–last"`` of a data frame's years, or ``"–"`` when empty.

    >>> years_span(pd.DataFrame({"year": [2020, 2018]}))
    '2018–2020'
    """
    if frame.empty:
        return "–"
    lo, hi = int(frame["year"].min()), int(frame["year"].max())
    return f"{lo}–{hi}" if lo != hi else str(lo)
