"""Generic HTTP layer: pacing, retries, timeouts and the raw cache (httpx MockTransport, fake clock)."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from segindicators.sources.http import (
    HttpClient,
    HttpStatusError,
    HttpTransportError,
    RawCache,
    RetryPolicy,
    SlidingWindowLimiter,
    cache_key,
)
from tests.support.clock import FakeClock


def Clock() -> FakeClock:  # noqa: N802  (the tests' name for a clock starting at 0)
    return FakeClock(start=0.0)


def scripted(responses):
    """A MockTransport answering from a script; an unexpected extra request fails the test."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) > len(responses):
            pytest.fail(f"unrecorded request {request.method} {request.url}")
        item = responses[len(seen) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


def test_limiter_never_exceeds_the_window_with_margin():
    clock = Clock()
    lim = SlidingWindowLimiter(30, 10.0, clock=clock.time, sleep=clock.sleep)
    starts = []
    for _ in range(300):
        lim.acquire()
        starts.append(clock.now)
    # Server rule: at most 30 in any window of 10 s. With the margin: at most 29 in any 11 s.
    for i, t in enumerate(starts):
        in_window = sum(1 for u in starts[i:] if u < t + 11.0)
        assert in_window <= 29
    assert starts[-1] == pytest.approx((300 // 29) * 11.0)


def test_limiter_rejects_nonsense_limits():
    with pytest.raises(ValueError, match="max_calls=0"):
        SlidingWindowLimiter(0, 10)


def test_429_retry_after_then_success_and_request_asserted():
    clock = Clock()
    transport, seen = scripted(
        [
            httpx.Response(429, headers={"Retry-After": "4"}, json={"title": "Too Many Requests"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    client = HttpClient("http://fake/api/v2", transport=transport, sleep=clock.sleep)
    response = client.request("POST", "tables/T/data", params={"lang": "sv"}, json_body={"selection": []})
    assert response.json() == {"ok": True} and response.attempts == 2
    assert clock.sleeps == [4.0]
    assert [str(r.url) for r in seen] == ["http://fake/api/v2/tables/T/data?lang=sv"] * 2
    assert json.loads(seen[0].content) == {"selection": []}
    assert seen[0].headers["content-type"] == "application/json"


def test_5xx_and_connect_errors_back_off_exponentially_then_give_up():
    clock = Clock()
    transport, seen = scripted(
        [
            httpx.ConnectError("refused"),
            httpx.Response(503, json={"title": "Service Unavailable", "detail": "maintenance"}),
            httpx.Response(500, text="boom"),
        ]
    )
    policy = RetryPolicy(max_tries=3, backoff_base=0.5, jitter=0.5)
    client = HttpClient(
        "http://fake", transport=transport, retry=policy, sleep=clock.sleep, rng=random.Random(1)
    )
    with pytest.raises(HttpStatusError) as info:
        client.request("GET", "config")
    assert info.value.status == 500 and info.value.detail == "boom" and len(seen) == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] < 0.75 and 1.0 <= clock.sleeps[1] < 1.5  # base·2^k·(1 + jitter·U)


def test_4xx_is_final_and_carries_problem_details():
    transport, seen = scripted(
        [
            httpx.Response(
                400, json={"title": "Bad Request", "status": 400, "detail": "Non-existent variable: X"}
            )
        ]
    )
    client = HttpClient("http://fake", transport=transport, sleep=lambda s: None)
    with pytest.raises(HttpStatusError, match="HTTP 400.*Non-existent variable: X"):
        client.request("GET", "tables/T/metadata")
    assert len(seen) == 1


def test_content_length_mismatch_is_transport_error_never_a_response():
    class Short(httpx.ByteStream):
        pass

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "100"}, stream=Short(b'{"value": [1, 2'))

    client = HttpClient(
        "http://fake",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_tries=2),
        sleep=lambda s: None,
    )
    with pytest.raises(HttpTransportError, match="truncated body: Content-Length 100 but 15 bytes"):
        client.request("GET", "tables/T/data")
    assert client.calls == 2


def test_timeouts_are_passed_to_httpx():
    client = HttpClient("http://fake", timeout=httpx.Timeout(connect=3.0, read=7.0, write=7.0, pool=3.0))
    http = client._http()
    assert (http.timeout.connect, http.timeout.read) == (3.0, 7.0)
    client.close()


def test_cache_put_latest_never_rewrites_and_rejects_invalid(tmp_path):
    cache = RawCache(tmp_path)
    key = cache_key("tables/T/data", {"selection": {"Region": ["0580*"]}, "lang": "sv"})
    assert cache.latest(key) is None
    with pytest.raises(ValueError, match="not valid JSON"):
        cache.put(key, b'{"value": [1, 2', {"url": "u"})
    assert list(tmp_path.rglob("*")) == []  # nothing written for an invalid body
    first = cache.put(key, b'{"v": 1}', {"url": "u", "table_updated": "2025"})
    same = cache.put(key, b'{"v": 1}', {"url": "u"})
    assert same.body_path == first.body_path and len(cache.entries(key)) == 1
    second = cache.put(key, b'{"v": 2}', {"url": "u", "table_updated": "2026"})
    assert cache.latest(key).body_path == second.body_path
    assert first.body_path.read_bytes() == b'{"v": 1}'  # the older file is untouched
    assert cache.latest(key).read_bytes() == b'{"v": 2}'
    # A body without its provenance record (a crash between the two writes) is not an entry.
    orphan = second.body_path.with_name("99991231T000000000000Z_0000000000000000.body")
    orphan.write_bytes(b'{"v": 3}')
    assert cache.latest(key).body_path == second.body_path
    # Tampering is detected.
    second.body_path.chmod(0o644)
    second.body_path.write_bytes(b'{"v": 9}')
    with pytest.raises(ValueError, match="corrupt"):
        cache.latest(key).read_bytes()


def test_cache_key_is_canonical():
    a = cache_key("x", {"selection": {"Tid": ["2024"], "Region": ["0580*"]}, "lang": "sv"})
    b = cache_key("x", {"lang": "sv", "selection": {"Region": ["0580*"], "Tid": ["2024"]}})
    assert a == b
    assert a != cache_key("x", {"lang": "en", "selection": {"Region": ["0580*"], "Tid": ["2024"]}})
    with pytest.raises(ValueError, match="sha256"):
        RawCache("/nonexistent").latest("../../etc")


def test_cache_newest_wins_when_an_older_answer_comes_back(tmp_path):
    cache = RawCache(tmp_path)
    key = cache_key("k")
    a1 = cache.put(key, b'{"v": "A"}', {})
    cache.put(key, b'{"v": "B"}', {})
    a2 = cache.put(key, b'{"v": "A"}', {})
    assert a2.body_path != a1.body_path and a1.body_path.exists()
    assert cache.latest(key).read_bytes() == b'{"v": "A"}' and len(cache.entries(key)) == 3
