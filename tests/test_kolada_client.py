"""KoladaClient against the fake Kolada v3 server: issue 6's Kolada acceptance item.

All values here are synthetic (generated numbers, labelled KPI titles), never real statistics. The KPI ids
mirror the plan file's (N15428, N05401, N31807, N00914) only so the round trip into the plan can be checked;
whether those ids exist at Kolada must be verified at run time against the real /kpi/{id}.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segindicators.http import RetryPolicy
from segindicators.kolada import (
    KoladaCacheMiss,
    KoladaClient,
    KoladaError,
    UnknownKpiError,
    write_processed,
)
from segindicators.plan.status import series_from_kolada
from segindicators.testing import FakeKolada

PLAN_KPIS = ["N15428", "N05401", "N31807", "N00914"]  # ids from the plan file: verify at run time
YEARS = list(range(2018, 2025))


def synthetic_value(kpi: str, muni: str, year: int, gender: str = "T") -> float:
    """A deterministic synthetic number (not a statistic)."""
    return float(int(kpi[1:]) % 50 + int(muni) % 7 + (year - 2000) + {"T": 0.5, "K": 0.25, "M": 0.75}[gender])


class FakeClock:
    """Fake monotonic time: sleeping advances it instantly, and the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_fake(**kwargs) -> FakeKolada:
    fake = FakeKolada(**kwargs)
    for kpi in PLAN_KPIS:
        fake.add_kpi(kpi, f"Syntetiskt nyckeltal {kpi} (testdata)", is_divided_by_gender=kpi == "N15428")
        for muni in ("0580", "0000", "0581"):
            vals = [synthetic_value(kpi, muni, y) for y in YEARS]
            if kpi == "N05401":  # an election KPI: values only in election years, null otherwise
                vals = [v if y in (2018, 2022) else None for v, y in zip(vals, YEARS, strict=True)]
            fake.add_values(kpi, muni, YEARS, vals)
            if kpi == "N15428":
                for g in ("K", "M"):
                    fake.add_values(
                        kpi, muni, YEARS, [synthetic_value(kpi, muni, y, g) for y in YEARS], gender=g
                    )
    return fake


@pytest.fixture
def fake():
    with make_fake(page_size=4) as server:
        yield server
    # Any request to a route the fake does not serve is a test failure, even if the client coped.
    assert not server.unmatched, f"unrecorded requests: {server.unmatched}"


def client_for(fake: FakeKolada, tmp_path, **kwargs) -> KoladaClient:
    if "sleep" not in kwargs:  # fake time: pacing and backoff waits are instant (and recorded)
        clock = FakeClock()
        kwargs.setdefault("clock", clock.time)
        kwargs["sleep"] = clock.sleep
    return KoladaClient(fake.url, cache_dir=tmp_path / "raw", **kwargs)


def expected_rows(kpis, munis, years) -> int:
    rows = 0
    for kpi in kpis:
        rows += len(munis) * len(years) * (3 if kpi == "N15428" else 1)
    return rows


def test_paging_assembles_all_pages_and_follows_next_links(fake, tmp_path):
    with client_for(fake, tmp_path, per_page=10) as c:
        frame = c.data(["N15428"], ["0580", "0000"], "2018-2024")
    # 2 municipalities × 7 years = 14 records; the fake caps pages at 4 records whatever per_page says → 4 pages.
    reqs = fake.data_requests()
    assert [r.path for r in reqs] == [
        "/v3/data/kpi/N15428/municipality/0000,0580/year/" + ",".join(map(str, YEARS))
    ] * 4
    assert [r.query for r in reqs] == [{"page": [str(p)], "per_page": ["10"]} for p in (1, 2, 3, 4)]
    assert [r.path for r in fake.kpi_requests()] == ["/v3/kpi/N15428"]
    assert len(frame) == 14 * 3  # T, K, M
    assert list(frame.columns) == ["kpi", "municipality", "year", "gender", "value", "status", "count"]
    t = frame[(frame["gender"] == "T") & (frame["municipality"] == "0580")]
    assert t["year"].tolist() == YEARS
    assert t["value"].tolist() == [synthetic_value("N15428", "0580", y) for y in YEARS]
    per_cell = frame.groupby(["municipality", "year"])["gender"].agg("".join)
    assert (per_cell == "TKM").all()
    assert not frame.duplicated(["kpi", "municipality", "year", "gender"]).any()


def test_v2_style_next_page_field_is_followed_too(tmp_path):
    with make_fake(page_size=2, next_field="next_page", previous_field="previous_page") as fake:
        with client_for(fake, tmp_path) as c:
            frame = c.data("N31807", "0580", [2018, 2019, 2020])
        assert len(fake.data_requests()) == 2 and len(frame) == 3


def test_missing_values_are_nan_never_zero(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        frame = c.data("N05401", "0580", "2018-2024")
    assert frame["year"].tolist() == YEARS
    assert frame.loc[frame["year"].isin([2018, 2022]), "value"].notna().all()
    assert frame.loc[~frame["year"].isin([2018, 2022]), "value"].isna().all()
    assert frame["value"].dtype == np.float64 and (frame["value"].fillna(-1) != 0).all()


def test_more_than_25_ids_are_split_into_requests(tmp_path):
    with make_fake(max_ids=25) as fake:
        with client_for(fake, tmp_path) as c:
            frame = c.data("N00914", "0580", "1990-2024")  # 35 years → 25 + 10
        years_in_paths = [r.path.rsplit("/", 1)[1].split(",") for r in fake.data_requests()]
        assert [len(y) for y in years_in_paths] == [25, 10]
        assert years_in_paths[0][0] == "1990" and years_in_paths[1][-1] == "2024"
        assert frame["year"].tolist() == YEARS  # the fake has data for 2018–2024 only


def test_429_with_retry_after_is_waited_out(fake, tmp_path):
    clock = FakeClock()
    fake.fail_next(times=2, status=429, route="/data/", retry_after="3")
    with client_for(fake, tmp_path, clock=clock.time, sleep=clock.sleep) as c:
        frame = c.data("N31807", "0580", 2024)
    assert len(frame) == 1
    assert clock.sleeps.count(3.0) == 2
    assert [r.status for r in fake.data_requests()] == [429, 429, 200]


def test_real_call_limit_of_the_server_is_respected_by_pacing(tmp_path):
    # The fake allows 5 calls per 1 s; the client is told the same and stays under it: no 429 at all.
    with make_fake(page_size=1, max_calls=5, time_window=1.0) as fake:
        with KoladaClient(fake.url, cache_dir=tmp_path, max_calls=5, window=1.0) as c:
            c.data("N31807", "0580", "2018-2024")  # 1 kpi call + 7 pages
        assert fake.request_count == 8
        assert all(r.status == 200 for r in fake.requests)


def test_5xx_retried_with_backoff_then_clear_error(fake, tmp_path):
    clock = FakeClock()
    fake.fail_next(times=2, status=503, route="/data/")
    with client_for(fake, tmp_path, clock=clock.time, sleep=clock.sleep, retry=RetryPolicy(jitter=0.0)) as c:
        assert len(c.data("N31807", "0580", 2024)) == 1  # recovered after two 503s
    assert clock.sleeps == [0.5, 1.0]  # exponential backoff: base 0.5 s, doubled
    fake.fail_next(times=10, status=502, route="/data/")
    retry = RetryPolicy(max_tries=3, jitter=0.0)
    with client_for(fake, tmp_path, retry=retry) as c:
        with pytest.raises(KoladaError, match=r"HTTP 502 after 3 attempt") as err:
            c.data("N31807", "0581", 2024)
    assert "KPI N31807 for municipality 0581 and year(s) 2024" in str(err.value)
    assert "injected HTTP 502" in str(err.value)  # the server's own text is quoted


def test_offline_second_run_makes_zero_http_calls_and_returns_identical_frame(fake, tmp_path):
    with client_for(fake, tmp_path, per_page=5) as c:
        online = c.data(PLAN_KPIS, ["0580", "0000"], "2018-2024")
        assert c.http_calls == fake.request_count > 4
    n = fake.request_count
    with KoladaClient("http://127.0.0.1:9/never", cache_dir=tmp_path / "raw", offline=True) as off:
        offline = off.data(list(reversed(PLAN_KPIS)), ["0000", "0580"], range(2018, 2025))
        assert off.http_calls == 0 and off._http_client is None
    assert fake.request_count == n
    pd.testing.assert_frame_equal(online, offline)
    assert len(online) == expected_rows(PLAN_KPIS, ["0580", "0000"], YEARS)


def test_offline_miss_names_kpi_municipality_and_years(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        c.data("N31807", "0580", "2020-2022")
    with KoladaClient(fake.url, cache_dir=tmp_path / "raw", offline=True) as off:
        with pytest.raises(
            KoladaCacheMiss, match=r"KPI N31807 for municipality 0581 and year\(s\) 2020,2021,2022"
        ):
            off.data("N31807", "0581", "2020-2022")
        with pytest.raises(KoladaCacheMiss, match="metadata of KPI N00914"):
            off.data("N00914", "0580", 2020)
    assert fake.request_count == 2  # only the online run's two calls


def test_unknown_kpi_is_an_error_naming_it_404(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        with pytest.raises(UnknownKpiError, match="N99999") as err:
            c.data(["N99999"], "0580", 2024)
    assert err.value.kpis == ["N99999"]
    assert not fake.data_requests()  # no data request for an unverified KPI


def test_unknown_kpi_among_known_ones_empty_answer_style(tmp_path):
    with make_fake(unknown_kpi="empty") as fake:
        with client_for(fake, tmp_path) as c:
            with pytest.raises(UnknownKpiError, match=r"KPI N99999 .*returned no record") as err:
                c.kpis(["N15428", "N99999"])
            assert err.value.kpis == ["N99999"]
            assert c.kpi("N15428").title.startswith("Syntetiskt")  # known from the first answer
        assert [r.path for r in fake.kpi_requests()] == ["/v3/kpi/N15428,N99999"]


def test_kpi_metadata_fields(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        info = c.kpi("N15428")
    assert info.id == "N15428"
    assert info.title == "Syntetiskt nyckeltal N15428 (testdata)"
    assert info.operating_area and info.municipality_type == "K"
    assert info.is_divided_by_gender is True and info.has_ou_data is False
    assert info.raw["publ_period"] == "2024"


def test_unrecorded_request_fails_loudly(tmp_path):
    with make_fake() as fake:
        with KoladaClient(fake.url + "/wrong", cache_dir=tmp_path, verify_kpis=False) as c:
            with pytest.raises(KoladaError, match="HTTP 404"):
                c.data("N31807", "0580", 2024)
        assert [r.path for r in fake.unmatched] == ["/v3/wrong/data/kpi/N31807/municipality/0580/year/2024"]


def test_request_to_the_real_internet_is_blocked(tmp_path):
    # pytest-socket allows only 127.0.0.1/::1: a request escaping the fake must raise, not pass silently.
    with KoladaClient("http://192.0.2.1/v3", cache_dir=tmp_path, retry=RetryPolicy(max_tries=1)) as c:
        with (
            pytest.warns(UserWarning, match="192.0.2.1"),
            pytest.raises(Exception, match="(?i)block|not allowed|connect"),
        ):
            c.kpi("N15428")


def test_constructor_makes_no_network_call(fake, tmp_path):
    KoladaClient(fake.url, cache_dir=tmp_path)
    KoladaClient(cache_dir=tmp_path)  # production URL: still nothing sent
    assert fake.request_count == 0


def test_next_link_outside_the_api_root_is_refused(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        with pytest.raises(KoladaError, match="outside the API root"):
            c._relative("http://evil.example/v3/data/x?page=2", "test")
        assert c._relative(fake.url + "/data/kpi/N1/year/2024?page=2&per_page=9", "t") == (
            "data/kpi/N1/year/2024",
            {"page": "2", "per_page": "9"},
        )


def test_truncated_page_is_retried_and_never_cached(fake, tmp_path):
    fake.truncate_next(times=1, route="/data/")
    with client_for(fake, tmp_path) as c:
        frame = c.data("N31807", "0580", 2024)
    assert len(frame) == 1
    bodies = [json.loads(p.read_bytes()) for p in (tmp_path / "raw").rglob("*.body")]
    assert all(isinstance(b, dict) for b in bodies)  # every stored body is complete JSON


def test_provenance_of_a_data_page(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        c.data("N31807", "0580", 2024)
    records = [json.loads(p.read_text()) for p in (tmp_path / "raw").rglob("*.json")]
    page = next(r for r in records if r.get("what", "").startswith("KPI N31807"))
    assert page["url"].startswith(fake.url + "/data/kpi/N31807/municipality/0580/year/2024?")
    assert page["http_status"] == 200 and page["page"] == 1 and len(page["sha256"]) == 64
    assert page["retrieved_at"].endswith("Z") and "Kolada" in page["source"]
    assert page["kpis"] == ["N31807"] and page["municipalities"] == ["0580"] and page["years"] == ["2024"]
    assert any(r.get("what") == "manifest" for r in records)


def test_refetch_with_unchanged_answers_adds_no_files(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        c.data("N31807", "0580", 2024)
    files = sorted((tmp_path / "raw").rglob("*"))
    with client_for(fake, tmp_path) as c:
        c.data("N31807", "0580", 2024)
    assert sorted((tmp_path / "raw").rglob("*")) == files


def test_round_trip_into_plan_status(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        frame = c.data(PLAN_KPIS, ["0580", "0000"], "2018-2024")
    path = write_processed(frame, tmp_path / "processed" / "kolada.parquet")
    stored = pd.read_parquet(path)
    assert list(stored.columns) == ["kpi", "municipality", "year", "gender", "value", "status"]
    series = series_from_kolada(stored, "0580")
    assert set(series["indicator"]) == {f"kolada:{k}" for k in PLAN_KPIS}
    assert set(series["level"]) == {"kommun", "riket"}
    assert len(series) == len(PLAN_KPIS) * 2 * len(YEARS)  # T rows only
    one = series[
        (series["indicator"] == "kolada:N31807") & (series["area"] == "0580") & (series["year"] == 2020)
    ]
    assert one["value"].tolist() == [synthetic_value("N31807", "0580", 2020)]
    assert series.loc[series["indicator"] == "kolada:N05401", "value"].isna().sum() == 2 * 5


class LossyKolada(FakeKolada):
    """Reports one record more than it serves (as if a page were lost or data changed while paging)."""

    def _page(self, path, query, records):
        doc = super()._page(path, query, records)
        doc["count"] += 1
        return doc


def test_count_mismatch_across_pages_is_an_error_and_no_manifest(tmp_path):
    fake = LossyKolada(page_size=2)
    fake.add_kpi("N31807", "Syntetiskt nyckeltal")
    fake.add_values("N31807", "0580", YEARS, [float(y) for y in YEARS])
    with fake:
        with client_for(fake, tmp_path, verify_kpis=False) as c:
            with pytest.raises(KoladaError, match=r"count 8 but 7 records arrived in 4 page"):
                c.data("N31807", "0580", "2018-2024")
    with KoladaClient(cache_dir=tmp_path / "raw", offline=True, verify_kpis=False) as off:
        with pytest.raises(KoladaCacheMiss):  # the incomplete result was never recorded as complete
            off.data("N31807", "0580", "2018-2024")
