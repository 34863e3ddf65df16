"""ScbClient against the fake PxWebApi v2 server: issue 2's acceptance items.

All data here are synthetic (generated codes and values), never real statistics.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from segindicators.sources.http import RetryPolicy
from segindicators.sources.scb import ScbCacheMiss, ScbClient, ScbError
from segindicators.testing import FakePxWeb, region_valueset
from tests.support.clock import FakeClock

# Synthetic district codes: 98 "Linköping" DeSO plus a neighbour's, so a wildcard has something to exclude.
LKP = [f"0580C{1000 + i}" for i in range(98)]
OTHER = [f"0581A{1000 + i}" for i in range(7)]
DESO = LKP + OTHER
KON = {"1": "män", "2": "kvinnor", "TotSa": "totalt"}
TID = ["2023", "2024", "2025"]
N = len(DESO) * len(KON) * len(TID)
SUPPRESSED = 4  # flat index of a suppressed cell


def make_fake(**kwargs) -> FakePxWeb:
    fake = FakePxWeb(**kwargs)
    values = np.arange(N, dtype=float) + 1.0
    values[SUPPRESSED] = np.nan
    fake.add_table(
        "TAB9001",
        "Folkmängd efter region, kön och år (syntetiska data)",
        {"Region": DESO, "Kon": KON, "Tid": TID},
        values=values,
        status={SUPPRESSED: ".."},
        notes=["Syntetisk anmärkning."],
        codelists={"Region": [region_valueset("vs_DeSO2025", DESO, "DeSO2025")]},
        updated="2025-06-01T06:00:00Z",
    )
    return fake


SELECTION = {"Region": ["0580*"], "Kon": ["*"], "Tid": ["*"]}
CODELISTS = {"Region": "vs_DeSO2025"}


@pytest.fixture
def fake():
    with make_fake(max_calls=1000, time_window=1.0) as server:
        yield server
    # Any request to a route the fake does not serve is a test failure, even if the client coped.
    assert not server.unmatched, f"unrecorded requests: {server.unmatched}"


@pytest.fixture
def client(fake, tmp_path):
    with ScbClient(fake.url, cache_dir=tmp_path / "raw", sleep=lambda s: None) as c:
        yield c


def reference_frame(fake_kwargs=None) -> pd.DataFrame:
    """The same selection fetched in one call from a fresh fake without a tight cell limit."""
    import tempfile

    with make_fake(max_cells=10**6, max_calls=1000, time_window=1.0) as ref:
        with ScbClient(ref.url, cache_dir=tempfile.mkdtemp()) as c:
            frame = c.data("TAB9001", SELECTION, CODELISTS)
        assert len(ref.data_requests()) == 1
    return frame


def test_whole_municipality_in_one_call_with_codelist_and_wildcard(client, fake):
    frame = client.data("TAB9001", SELECTION, CODELISTS)
    data = fake.data_requests()
    assert len(data) == 1
    assert data[0].body == {
        "selection": [
            {"variableCode": "Region", "codelist": "vs_DeSO2025", "valueCodes": ["0580*"]},
            {"variableCode": "Kon", "valueCodes": ["*"]},
            {"variableCode": "Tid", "valueCodes": ["*"]},
        ]
    }
    assert data[0].query == {"outputFormat": ["json-stat2"], "lang": ["sv"]}
    assert list(frame.columns) == ["Region", "region_version", "Kon", "Tid", "value", "status"]
    assert sorted(frame["Region"].unique()) == LKP
    assert set(frame["region_version"]) == {"DeSO2025"}
    assert len(frame) == len(LKP) * 3 * 3
    # Row-major: value of (region i, kon j, tid k) = 1 + flat index in the full synthetic cube.
    i, j, k = 5, 1, 2
    row = frame.iloc[(i * 3 + j) * 3 + k]
    assert (row["Region"], row["Kon"], row["Tid"]) == (LKP[i], "2", "2025")
    assert row["value"] == 1 + (i * 3 + j) * 3 + k


def test_suppressed_cell_is_nan_with_status(client):
    frame = client.data("TAB9001", SELECTION, CODELISTS)
    # flat index 4 = region 0, Kon "2", Tid "2024"
    cell = frame[(frame["Region"] == LKP[0]) & (frame["Kon"] == "2") & (frame["Tid"] == "2024")]
    assert np.isnan(cell["value"].item())
    assert cell["status"].item() == ".."
    assert frame["status"].notna().sum() == 1
    assert frame["value"].isna().sum() == 1


def test_three_times_the_cell_limit_is_split_and_reassembled_exactly(tmp_path):
    cells = len(LKP) * 3 * 3
    limit = cells // 3
    expected = reference_frame()
    with make_fake(max_cells=limit, max_calls=1000, time_window=1.0) as fake:
        with ScbClient(fake.url, cache_dir=tmp_path) as c:
            seen = []
            frame = c.data("TAB9001", SELECTION, CODELISTS, progress=lambda d, t: seen.append((d, t)))
        data = fake.data_requests()
        assert len(data) >= 3
        assert all(r.status == 200 for r in fake.requests)  # split before sending: no 400 at all
        assert seen[-1][0] == seen[-1][1] == len(data)
        regions = [r.body["selection"][0]["valueCodes"] for r in data]
        assert all(len(reg) * 9 <= limit for reg in regions)
        assert sum(regions, []) == [f"{c}_DeSO2025" for c in LKP]  # contiguous blocks covering each DeSO once
    pd.testing.assert_frame_equal(frame, expected)


def test_unexpected_too_many_cells_400_triggers_a_split(tmp_path):
    expected = reference_frame()
    with make_fake(max_cells=200, advertised_max_cells=10**6, max_calls=1000, time_window=1.0) as fake:
        with ScbClient(fake.url, cache_dir=tmp_path) as c:
            frame = c.data("TAB9001", SELECTION, CODELISTS)
        statuses = [r.status for r in fake.data_requests()]
    assert statuses[0] == 400 and statuses.count(200) >= 2
    pd.testing.assert_frame_equal(frame, expected)


def test_429_with_retry_after_is_waited_out_and_retried(fake, tmp_path):
    clock = FakeClock()
    fake.fail_next(1, status=429, route="/data", retry_after="7")
    with ScbClient(fake.url, cache_dir=tmp_path, clock=clock.time, sleep=clock.sleep) as c:
        frame = c.data("TAB9001", SELECTION, CODELISTS)
    statuses = [r.status for r in fake.data_requests()]
    assert statuses == [429, 200]
    assert 7.0 in clock.sleeps
    assert len(frame) == len(LKP) * 9


def test_real_rate_limit_from_another_client_is_waited_out(tmp_path):
    clock = FakeClock()
    with make_fake(max_calls=5, time_window=10.0, clock=clock.time) as fake:
        with ScbClient(fake.url, cache_dir=tmp_path / "a", clock=clock.time, sleep=clock.sleep) as a:
            for _ in range(3):
                a.table("TAB9001")  # a's own pacing: config + 3 calls, under the limit
        with ScbClient(fake.url, cache_dir=tmp_path / "b", clock=clock.time, sleep=clock.sleep) as b:
            b.table("TAB9001")  # config fits (5th call), the table call meets a genuine 429
        statuses = [r.status for r in fake.requests]
    assert 429 in statuses and statuses[-1] == 200
    assert any(s >= 1 for s in clock.sleeps)


def test_200_back_to_back_calls_under_compressed_limits_get_no_429(tmp_path):
    # SCB's 30 calls per 10 s, compressed 20x in time: 30 calls per 0.5 s, on the real monotonic clock.
    with make_fake(max_calls=30, time_window=0.5) as fake:
        with ScbClient(fake.url, cache_dir=tmp_path) as c:
            start = time.monotonic()
            for _ in range(200):
                c.table("TAB9001")
            elapsed = time.monotonic() - start
        statuses = [r.status for r in fake.requests]
    assert len(statuses) == 201  # /config + 200
    assert statuses.count(429) == 0
    assert elapsed >= (201 // 30) * 0.5  # it really was paced


def test_read_timeout_gives_clear_error_and_no_cache_entry(fake, tmp_path):
    fake.delay_next(0.6, times=10, route="/data")
    retry = RetryPolicy(max_tries=2, backoff_base=0.0)
    with ScbClient(fake.url, cache_dir=tmp_path, timeout=(2.0, 0.2), retry=retry, sleep=lambda s: None) as c:
        with pytest.raises(ScbError, match=r"TAB9001.*ReadTimeout.*read=0\.2s"):
            c.data("TAB9001", SELECTION, CODELISTS)
    with ScbClient(fake.url, cache_dir=tmp_path, offline=True) as off, pytest.raises(ScbCacheMiss):
        off.data("TAB9001", SELECTION, CODELISTS)
    assert not [p for p in tmp_path.rglob("*.json") if '"what": "data"' in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("keep_header", [True, False], ids=["content-length-mismatch", "invalid-json"])
def test_truncated_body_gives_clear_error_and_no_cache_entry(fake, tmp_path, keep_header):
    fake.truncate_next(times=10, route="/data", keep_header=keep_header)
    retry = RetryPolicy(max_tries=2, backoff_base=0.0)
    with ScbClient(fake.url, cache_dir=tmp_path, retry=retry, sleep=lambda s: None) as c:
        with pytest.raises(ScbError, match=r"TAB9001.*(truncated|incomplete|complete message body)"):
            c.data("TAB9001", SELECTION, CODELISTS)
    with ScbClient(fake.url, cache_dir=tmp_path, offline=True) as off, pytest.raises(ScbCacheMiss):
        off.data("TAB9001", SELECTION, CODELISTS)
    assert not [p for p in tmp_path.rglob("*.json") if '"what": "data"' in p.read_text(encoding="utf-8")]


def test_unknown_variable_error_quotes_server_detail(client):
    with pytest.raises(ScbError) as info:
        client.data("TAB9001", {"Region": ["0580*"], "Alder": ["20-64"], "Tid": ["2024"]}, CODELISTS)
    msg = str(info.value)
    assert info.value.status == 400
    assert "Non-existent variable: Alder" in msg
    assert "TAB9001" in msg and '"Alder": ["20-64"]' in msg and "HTTP 400" in msg


def test_5xx_retried_with_backoff_then_gives_up_naming_everything(fake, tmp_path):
    clock = FakeClock()
    fake.fail_next(3, status=503, route="/data")
    retry = RetryPolicy(max_tries=3, backoff_base=1.0, jitter=0.0)
    with ScbClient(fake.url, cache_dir=tmp_path, retry=retry, clock=clock.time, sleep=clock.sleep) as c:
        with pytest.raises(ScbError) as info:
            c.data("TAB9001", SELECTION, CODELISTS)
    assert info.value.status == 503
    assert "HTTP 503" in str(info.value) and "injected HTTP 503" in str(info.value)
    assert "0580*" in str(info.value) and "vs_DeSO2025" in str(info.value)
    assert [s for s in clock.sleeps if s >= 1.0] == [1.0, 2.0]  # exponential backoff between 3 tries
    # One more 5xx, then success: retried transparently.
    fake.fail_next(1, status=500, route="/data")
    with ScbClient(fake.url, cache_dir=tmp_path, retry=retry, clock=clock.time, sleep=clock.sleep) as c:
        assert len(c.data("TAB9001", SELECTION, CODELISTS)) == len(LKP) * 9


def test_offline_second_run_makes_zero_http_calls_and_returns_identical_frame(fake, tmp_path):
    with ScbClient(fake.url, cache_dir=tmp_path) as online:
        first = online.data("TAB9001", SELECTION, CODELISTS)
    before = fake.request_count
    with ScbClient(fake.url, cache_dir=tmp_path, offline=True) as offline:
        second = offline.data("TAB9001", SELECTION, CODELISTS)
        assert offline.http_calls == 0
    assert fake.request_count == before
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["note"] == ["Syntetisk anmärkning."]


def test_offline_split_selection_reassembles_from_cache(tmp_path):
    with make_fake(max_cells=300, max_calls=1000, time_window=1.0) as fake:
        with ScbClient(fake.url, cache_dir=tmp_path) as c:
            first = c.data("TAB9001", SELECTION, CODELISTS)
        n = fake.request_count
        with ScbClient(fake.url, cache_dir=tmp_path, offline=True) as off:
            second = off.data("TAB9001", SELECTION, CODELISTS)
        assert fake.request_count == n
    pd.testing.assert_frame_equal(first, second)


def test_offline_miss_names_table_and_selection(tmp_path):
    with ScbClient("http://127.0.0.1:9/api/v2", cache_dir=tmp_path, offline=True) as off:
        with pytest.raises(ScbCacheMiss, match=r'TAB9001.*"Region": \["0580\*"\].*offline=False'):
            off.data("TAB9001", SELECTION, CODELISTS)
        assert off.http_calls == 0


def test_cached_selection_checks_updated_once_and_refetches_when_changed(fake, tmp_path):
    with ScbClient(fake.url, cache_dir=tmp_path) as c:
        c.data("TAB9001", SELECTION, CODELISTS)
    fake.reset_log()
    with ScbClient(fake.url, cache_dir=tmp_path) as c:
        again = c.data("TAB9001", SELECTION, CODELISTS)
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/api/v2/config"),
        ("GET", "/api/v2/tables/TAB9001"),
    ]
    bodies_before = {p: p.read_bytes() for p in tmp_path.rglob("*.body")}
    # SCB republishes the table: the cheap check sees a new `updated` and downloads again.
    fake.tables["TAB9001"].updated = "2026-01-15T06:00:00Z"
    fake.tables["TAB9001"].values[0, 0, 0] = 999.0
    fake.reset_log()
    with ScbClient(fake.url, cache_dir=tmp_path) as c:
        newer = c.data("TAB9001", SELECTION, CODELISTS)
    assert len(fake.data_requests()) == 1
    assert newer.attrs["updated"] == "2026-01-15T06:00:00Z"
    assert newer["value"].iloc[0] == 999.0 and again["value"].iloc[0] == 1.0
    # Raw files are never rewritten: every old body is still there byte for byte, new ones were added.
    after = {p: p.read_bytes() for p in tmp_path.rglob("*.body")}
    assert all(after[p] == b for p, b in bodies_before.items())
    assert len(after) > len(bodies_before)
    with ScbClient(fake.url, cache_dir=tmp_path, offline=True) as off:
        assert off.data("TAB9001", SELECTION, CODELISTS)["value"].iloc[0] == 999.0  # newest wins


def test_provenance_record_of_a_data_response(client, tmp_path):
    client.data("TAB9001", SELECTION, CODELISTS)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "raw").rglob("*.json")]
    data = [r for r in records if r.get("what") == "data"]
    assert len(data) == 1
    rec = data[0]
    assert rec["method"] == "POST" and rec["http_status"] == 200
    assert rec["url"].endswith("/tables/TAB9001/data?outputFormat=json-stat2&lang=sv")
    assert json.loads(rec["request_body"])["selection"][0]["codelist"] == "vs_DeSO2025"
    assert rec["table_updated"] == "2025-06-01T06:00:00Z"
    assert rec["retrieved_at"].endswith("Z")
    import hashlib

    body = next(
        p for p in (tmp_path / "raw").rglob("*.body") if p.with_suffix(".json").read_text().find('"data"') > 0
    )
    assert hashlib.sha256(body.read_bytes()).hexdigest() == rec["sha256"]
    # File names come from hashes and our own timestamps only.
    for p in (tmp_path / "raw").rglob("*"):
        name = p.name.removesuffix(".body").removesuffix(".json")
        assert all(ch in "0123456789abcdefTZ_" for ch in name), p.name


def test_constructor_makes_no_network_call_and_config_is_read_once(fake, tmp_path):
    c = ScbClient(fake.url, cache_dir=tmp_path)
    assert fake.request_count == 0
    assert c.config()["maxDataCells"] == 150_000
    c.config()
    c.metadata("TAB9001")
    c.metadata("TAB9001")
    assert [r.path for r in fake.requests] == ["/api/v2/config", "/api/v2/tables/TAB9001/metadata"]
    assert c.limiter.max_calls == 1000 and c.limiter.window == 1.0
    c.close()


def test_search_table_and_codelist(client, fake):
    hits = client.search("folkmängd")
    assert hits["id"].tolist() == ["TAB9001"]
    assert client.search("inget sådant").empty
    assert client.table("TAB9001")["updated"] == "2025-06-01T06:00:00Z"
    assert client.codelist("vs_DeSO2025")["values"][0]["code"] == f"{DESO[0]}_DeSO2025"


def test_request_to_unknown_route_fails_loudly(tmp_path):
    with make_fake() as fake:
        with ScbClient(fake.url, cache_dir=tmp_path) as c, pytest.raises(ScbError, match="HTTP 404"):
            c.metadata("TAB0000")
        assert [r.path for r in fake.unmatched] == ["/api/v2/tables/TAB0000/metadata"]


def test_request_to_the_real_internet_is_blocked(tmp_path):
    # pytest-socket allows only 127.0.0.1/::1: a request escaping the fake must raise, not pass silently.
    with ScbClient("http://192.0.2.1/api/v2", cache_dir=tmp_path, retry=RetryPolicy(max_tries=1)) as c:
        with (
            pytest.warns(UserWarning, match="192.0.2.1"),
            pytest.raises(Exception, match="(?i)block|not allowed|connect"),
        ):
            c.config()
