"""An httpx wrapper with pacing, explicit timeouts, bounded retries and body checks.

Retry rules (:class:`RetryPolicy`):

- HTTP 429: wait the server's ``Retry-After`` (seconds or an HTTP date), then retry (at most
  ``max_rate_limited`` times).
- HTTP 5xx, connect errors, timeouts and truncated bodies: exponential backoff
  ``min(backoff_max, backoff_base * 2**attempt) * (1 + jitter * U[0, 1))``, at most ``max_tries`` attempts.
- Any other status is final: 2xx returns a :class:`HttpResponse`, 4xx raises :class:`HttpStatusError` carrying
  the server's problem-details text (RFC 9457 ``title``/``detail``).

A body whose length differs from ``Content-Length`` is treated as truncated and never returned.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from segindicators.sources.errors import SourceError
from segindicators.sources.http.ratelimit import SlidingWindowLimiter


class HttpError(SourceError):
    """Base class of errors raised by :class:`HttpClient`."""

    def __init__(self, message: str, *, method: str, url: str, attempts: int) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.attempts = attempts


class HttpStatusError(HttpError):
    """The server answered with a final non-2xx status; ``detail`` holds its problem-details text."""

    def __init__(
        self, message: str, *, method: str, url: str, attempts: int, status: int, detail: str
    ) -> None:
        super().__init__(message, method=method, url=url, attempts=attempts)
        self.status = status
        self.detail = detail


class HttpTransportError(HttpError):
    """No complete answer: connect error, timeout, or a truncated body, after all retries."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retry settings; see the module docstring for the rules.

    ``read_timeout``, when set, replaces the client's read timeout (seconds to wait for an answer per
    attempt; a slower answer is a transient failure and is retried). Every client that takes a retry policy
    honours it, so one setting shortens the wait for all of them (the fault tests use it).
    """

    max_tries: int = 5
    max_rate_limited: int = 10
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 300.0
    read_timeout: float | None = None

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based) of a transient failure.

        >>> RetryPolicy(jitter=0.0).backoff(3, random.Random(0))
        4.0
        """
        return min(self.backoff_max, self.backoff_base * 2**attempt) * (1.0 + self.jitter * rng.random())


@dataclass(frozen=True)
class HttpResponse:
    """A complete 2xx answer with what is needed for a provenance record."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    request_body: bytes | None
    retrieved_at: str  # ISO 8601 UTC
    attempts: int = 1

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.content)


def problem_detail(content: bytes, limit: int = 1000) -> str:
    """Extract a readable message from an error body (RFC 9457 problem+json, or plain text).

    >>> problem_detail(b'{"title": "Bad Request", "status": 400, "detail": "Unknown variable X"}')
    'Bad Request: Unknown variable X'
    >>> problem_detail(b"plain failure")
    'plain failure'
    """
    text = content.decode("utf-8", errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        return text[:limit].strip()
    if isinstance(doc, dict):
        parts = [str(doc[k]) for k in ("title", "detail") if doc.get(k)]
        errors = doc.get("errors")
        if errors:
            parts.append(json.dumps(errors, ensure_ascii=False))
        if parts:
            return ": ".join(parts)[:limit]
    return text[:limit].strip()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/invalid.

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=datetime(2026, 1, 1, tzinfo=UTC))
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass
class HttpClient:
    """One-request-at-a-time HTTP client with pacing and retries.

    Parameters
    ----------
    base_url
        Prefix of every request path.
    timeout
        httpx timeout; default connect 10 s, read 120 s, write 30 s, pool 10 s.
    limiter
        Pacer consulted before every attempt (retries count too).
    retry
        Retry settings.
    clock, sleep, rng
        Injectable for tests.
    transport
        Optional httpx transport (tests).
    """

    base_url: str
    timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
    )
    limiter: SlidingWindowLimiter | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None
    user_agent: str = "segindicators (+https://github.com/segindicators)"
    calls: int = 0
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _http(self) -> httpx.Client:
        if self._client is None:
            timeout = self.timeout
            if self.retry.read_timeout is not None:
                timeout = httpx.Timeout(
                    connect=timeout.connect,
                    read=self.retry.read_timeout,
                    write=timeout.write,
                    pool=timeout.pool,
                )
            self._client = httpx.Client(
                timeout=timeout,
                transport=self.transport,
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        """Close the underlying connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def url(self, path: str) -> str:
        """Absolute URL for ``path`` under :attr:`base_url`."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> HttpResponse:
        """Send a request with pacing and retries; return the complete 2xx answer.

        Requests are serialised: one at a time per client, even across threads.

        Raises
        ------
        HttpStatusError
            Final non-2xx status (4xx other than 429, or 5xx/429 after the retries ran out).
        HttpTransportError
            Connect error, timeout or truncated body after the retries ran out.
        """
        with self._lock:
            return self._request(method, path, params=params, json_body=json_body)

    def _request(
        self, method: str, path: str, *, params: Mapping[str, str] | None, json_body: Any
    ) -> HttpResponse:
        url = self.url(path)
        body = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = self._http().build_request(method, url, params=params, content=body, headers=headers)
        full_url = str(request.url)
        transient_failures = 0
        rate_limited = 0
        attempts = 0
        while True:
            attempts += 1
            if self.limiter is not None:
                self.limiter.acquire()
            self.calls += 1
            try:
                response = self._http().send(request)
                content = response.content
                expected = response.headers.get("content-length")
                if (
                    expected is not None
                    and not response.headers.get("content-encoding")
                    and int(expected) != len(content)
                ):
                    raise httpx.RemoteProtocolError(
                        f"truncated body: Content-Length {expected} but {len(content)} bytes received",
                        request=request,
                    )
            except _TRANSIENT as exc:
                transient_failures += 1
                if transient_failures >= self.retry.max_tries:
                    kind = type(exc).__name__
                    raise HttpTransportError(
                        f"{method} {full_url}: no complete answer after {attempts} attempts "
                        f"({kind}: {exc}); timeouts were connect={self.timeout.connect}s "
                        f"read={self.retry.read_timeout or self.timeout.read}s. "
                        "Check the connection or retry later.",
                        method=method,
                        url=full_url,
                        attempts=attempts,
                    ) from exc
                self.sleep(self.retry.backoff(transient_failures - 1, self.rng))
                continue
            status = response.status_code
            if 200 <= status < 300:
                return HttpResponse(
                    method=method,
                    url=full_url,
                    status=status,
                    headers=dict(response.headers),
                    content=content,
                    request_body=body,
                    retrieved_at=datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
                    attempts=attempts,
                )
            detail = problem_detail(content)
            if status == 429 and rate_limited < self.retry.max_rate_limited:
                rate_limited += 1
                wait = parse_retry_after(response.headers.get("retry-after"))
                if wait is None:
                    wait = self.retry.backoff(rate_limited - 1, self.rng)
                self.sleep(min(wait, self.retry.max_retry_after))
                continue
            if status >= 500:
                transient_failures += 1
                if transient_failures < self.retry.max_tries:
                    self.sleep(self.retry.backoff(transient_failures - 1, self.rng))
                    continue
            raise HttpStatusError(
                f"{method} {full_url}: HTTP {status} after {attempts} attempt(s): {detail}",
                method=method,
                url=full_url,
                attempts=attempts,
                status=status,
                detail=detail,
            )
