"""KoladaClient against the fake Kolada v3 server (issue 6's Kolada acceptance item, issue 11's real material).

The fake serves the real v3 KPI metadata records (recorded from the live service, shipped in
segindicators/testing/kolada_records.json) and synthetic numbers, each labelled synthetic in its status:
never real statistics. The KPIs are the Linköping plan's (N15428, N05401, N31807) and N02243, the successor
of N00914, which is gone from v3 (the fake does not serve it). N15428, N05401 and N02243 are divided by
gender (their real records say so); N05401 is an election KPI whose values in non-election years repeat the
last election, as Kolada publishes it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import httpx
import numpy as np
import pandas as pd
import pytest

from segindicators.pipeline.context import RefreshOptions, RunContext
from segindicators.pipeline.stages import stage_kolada
from segindicators.plan import load_plan
from segindicators.plan.definition import plan_from_dict
from segindicators.plan.status import series_from_kolada
from segindicators.sources.http import RetryPolicy
from segindicators.sources.kolada import (
    KoladaCacheMiss,
    KoladaClient,
    KoladaError,
    UnknownKpiError,
    write_processed,
)
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.testing import FakeKolada
from segindicators.testing.fake_kolada import SYNTHETIC_SOURCE
from segindicators.testing.kolada_records import load_records
from tests.support.clock import FakeClock

PLAN_KPIS = ["N15428", "N05401", "N31807", "N02243"]  # the plan's three + N00914's successor
YEARS = list(range(2018, 2025))
RECORDS = load_records()["kpi"]["records"]
DIVIDED = {k for k in PLAN_KPIS if RECORDS[k]["is_divided_by_gender"]}
ELECTIONS = (2014, 2018, 2022)


def synthetic_value(kpi: str, muni: str, year: int, gender: str = "T") -> float:
    """A deterministic synthetic number (not a statistic)."""
    return float(int(kpi[1:]) % 50 + int(muni) % 7 + (year - 2000) + {"T": 0.5, "K": 0.25, "M": 0.75}[gender])


def make_fake(**kwargs) -> FakeKolada:
    fake = FakeKolada(**kwargs)
    for kpi in PLAN_KPIS:
        fake.add_recorded_kpi(kpi)
        genders = ("T", "K", "M") if kpi in DIVIDED else ("T",)
        for muni in ("0580", "0000", "0581"):
            for g in genders:
                if kpi == "N05401":  # election KPI: every year carries the latest election's value
                    by_election = {e: synthetic_value(kpi, muni, e, g) for e in ELECTIONS}
                    fake.add_election_series(kpi, muni, YEARS, by_election, gender=g)
                else:
                    fake.add_values(
                        kpi, muni, YEARS, [synthetic_value(kpi, muni, y, g) for y in YEARS], gender=g
                    )
    return fake


@contextmanager
def serving(server: FakeKolada):
    """Run ``server``; afterwards any request to a route the fake does not serve fails the test."""
    with server:
        yield server
    # Any request to a route the fake does not serve is a test failure, even if the client coped.
    assert not server.unmatched, f"unrecorded requests: {server.unmatched}"


@pytest.fixture
def fake():
    with serving(make_fake(page_size=4)) as server:
        yield server


def client_for(fake: FakeKolada, tmp_path, **kwargs) -> KoladaClient:
    if "sleep" not in kwargs:  # fake time: pacing and backoff waits are instant (and recorded)
        clock = FakeClock()
        kwargs.setdefault("clock", clock.time)
        kwargs["sleep"] = clock.sleep
    return KoladaClient(fake.url, cache_dir=tmp_path / "raw", **kwargs)


def expected_rows(kpis, munis, years) -> int:
    rows = 0
    for kpi in kpis:
        rows += len(munis) * len(years) * (3 if kpi in DIVIDED else 1)
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


def test_next_url_is_absolute_to_the_fake_and_previous_url_links_back(fake, tmp_path):
    url = fake.url + "/data/kpi/N31807/municipality/0580/year/" + ",".join(map(str, YEARS))
    p1 = httpx.get(url, params={"page": 1, "per_page": 3}).json()
    p2 = httpx.get(p1["next_url"]).json()
    p3 = httpx.get(p2["next_url"]).json()
    assert p1["next_url"] == url + "?page=2&per_page=3" and p1["previous_url"] is None
    assert p2["previous_url"] == url + "?page=1&per_page=3" and p3["next_url"] is None
    assert [len(p["values"]) for p in (p1, p2, p3)] == [3, 3, 1]


class V2Kolada(FakeKolada):
    """Answers as v2 did: the next page in ``next_page`` (v2 was switched off 2026-03-31)."""

    def _page(self, path, query, records):
        doc = super()._page(path, query, records)
        doc["next_page"], doc["previous_page"] = doc.pop("next_url"), doc.pop("previous_url")
        return doc


def test_a_v2_style_next_page_answer_is_refused_not_read_as_the_last_page(tmp_path):
    # Belief replaced: the client used to follow v2's next_page too. v3 names the next page only in next_url;
    # an answer with next_page and no next_url is v2's and would otherwise lose every page after the first.
    fake = V2Kolada(page_size=2)
    fake.add_recorded_kpi("N31807")
    fake.add_values("N31807", "0580", YEARS, [float(y) for y in YEARS])
    with serving(fake), client_for(fake, tmp_path, verify_kpis=False) as c:
        with pytest.raises(KoladaError, match=r"'next_page' \(Kolada v2\).*no 'next_url'.*--base-url"):
            c.data("N31807", "0580", [2018, 2019, 2020])
        assert len(fake.data_requests()) == 1 and not fake.unmatched
    assert not list((tmp_path / "raw").rglob("*.body"))  # nothing cached


class TerseKolada(FakeKolada):
    """Leaves out null links instead of sending them (either way the paging ends)."""

    def _page(self, path, query, records):
        return {k: v for k, v in super()._page(path, query, records).items() if v is not None}


def test_paging_ends_when_next_url_is_absent(tmp_path):
    fake = TerseKolada(page_size=3)
    fake.add_recorded_kpi("N31807")
    fake.add_values("N31807", "0580", YEARS, [float(y) for y in YEARS])
    with serving(fake), client_for(fake, tmp_path, per_page=3) as c:
        frame = c.data("N31807", "0580", YEARS)
        assert [r.query["page"] for r in fake.data_requests()] == [["1"], ["2"], ["3"]]
    assert frame["value"].tolist() == [float(y) for y in YEARS]


def test_missing_values_are_nan_never_zero(tmp_path):
    fake = FakeKolada()
    fake.add_recorded_kpi("N31807")
    fake.add_values("N31807", "0580", YEARS, [None if y in (2019, 2020) else 4.5 for y in YEARS])
    with serving(fake), client_for(fake, tmp_path) as c:
        frame = c.data("N31807", "0580", "2018-2024")
    assert [(r.path, r.query) for r in fake.requests] == [
        ("/v3/kpi/N31807", {"page": ["1"], "per_page": ["5000"]}),
        (
            "/v3/data/kpi/N31807/municipality/0580/year/" + ",".join(map(str, YEARS)),
            {"page": ["1"], "per_page": ["5000"]},
        ),
    ]
    assert frame["year"].tolist() == YEARS
    assert frame.loc[frame["year"].isin([2019, 2020]), "value"].isna().all()
    assert frame.loc[~frame["year"].isin([2019, 2020]), "value"].eq(4.5).all()
    assert frame["value"].dtype == np.float64 and (frame["value"].fillna(-1) != 0).all()
    stored = pd.read_parquet(write_processed(frame, tmp_path / "k.parquet"))
    assert stored["value"].isna().sum() == 2  # still missing, never 0


def test_more_than_25_ids_are_split_into_requests(tmp_path):
    with serving(make_fake(max_ids=25)) as fake:
        with client_for(fake, tmp_path) as c:
            frame = c.data("N31807", "0580", "1990-2024")  # 35 years → 25 + 10
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
    with serving(make_fake(page_size=1, max_calls=5, time_window=1.0)) as fake:
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
        with pytest.raises(KoladaCacheMiss, match="metadata of KPI N02243"):
            off.data("N02243", "0580", 2020)
    assert fake.request_count == 2  # only the online run's two calls


def test_unknown_kpi_answers_200_with_an_empty_list_and_is_an_error_naming_it(fake, tmp_path):
    # Belief replaced: the fake answered 404 by default; v3 most likely answers 200 with no record (README).
    with client_for(fake, tmp_path) as c:
        with pytest.raises(UnknownKpiError, match=r"does not know KPI N99999: /kpi/N99999 answered") as err:
            c.data(["N99999"], "0580", 2024)
    assert err.value.kpis == ["N99999"] and err.value.status is None
    assert "none of them, expected one per id" in str(err.value)
    (req,) = fake.kpi_requests()
    assert (req.path, req.query, req.status) == ("/v3/kpi/N99999", {"page": ["1"], "per_page": ["5000"]}, 200)
    assert not fake.data_requests()  # no data request for an unverified KPI


def test_unknown_kpi_answering_404_is_handled_too(tmp_path):
    with serving(make_fake(unknown_kpi="404")) as fake:
        with client_for(fake, tmp_path) as c:
            with pytest.raises(UnknownKpiError, match=r"N99999 \(HTTP 404") as err:
                c.kpi("N99999")
        assert err.value.kpis == ["N99999"] and err.value.status == 404
        assert not fake.unmatched  # the route exists; the KPI does not


def test_unknown_kpi_among_known_ones(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        with pytest.raises(
            UnknownKpiError, match=r"KPI N99999: .*records for N15428, expected one per id"
        ) as err:
            c.kpis(["N15428", "N99999"])
        assert err.value.kpis == ["N99999"]
        assert c.kpi("N15428").title == RECORDS["N15428"]["title"]  # known from the first answer
    assert [r.path for r in fake.kpi_requests()] == ["/v3/kpi/N15428,N99999"]


def test_kpi_metadata_fields_are_the_real_v3_record(fake, tmp_path):
    # Belief replaced: the fake's made-up record said municipality_type "K"; the real N15428 record says "A".
    with client_for(fake, tmp_path) as c:
        info = c.kpi("N15428")
    assert info.id == "N15428"
    assert info.title == "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)"
    assert info.operating_area == "Grundskola åk 0-9 inkl förskoleklass" and info.municipality_type == "A"
    assert info.is_divided_by_gender is True and info.has_ou_data is False
    assert dict(info.raw) == RECORDS["N15428"]
    assert c.kpi("N31807").is_divided_by_gender is False


def test_unrecorded_request_fails_loudly(tmp_path):
    with make_fake() as fake:  # not serving(): this test makes the unrecorded request on purpose
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
    # Changed: the processed table gained carried_forward (N05401 repeats the last election between elections).
    assert list(stored.columns) == [
        "kpi",
        "municipality",
        "year",
        "gender",
        "value",
        "status",
        "carried_forward",
    ]
    assert (stored["status"] == SYNTHETIC_SOURCE).all()  # every number of the fake is labelled synthetic
    series = series_from_kolada(stored, "0580")
    assert set(series["indicator"]) == {f"kolada:{k}" for k in PLAN_KPIS}
    assert set(series["level"]) == {"kommun", "riket"}
    # T rows only; N05401 counts only its election years 2018 and 2022 as observations
    assert len(series) == (len(PLAN_KPIS) - 1) * 2 * len(YEARS) + 2 * 2
    one = series[
        (series["indicator"] == "kolada:N31807") & (series["area"] == "0580") & (series["year"] == 2020)
    ]
    assert one["value"].tolist() == [synthetic_value("N31807", "0580", 2020)]
    n05401 = series[series["indicator"] == "kolada:N05401"]
    assert n05401["year"].tolist() == [2018, 2022, 2018, 2022] and n05401["value"].notna().all()


class LossyKolada(FakeKolada):
    """Reports one record more than it serves (as if a page were lost or data changed while paging)."""

    def _page(self, path, query, records):
        doc = super()._page(path, query, records)
        doc["count"] += 1
        return doc


def test_count_mismatch_across_pages_is_an_error_and_no_manifest(tmp_path):
    fake = LossyKolada(page_size=2)
    fake.add_recorded_kpi("N31807")
    fake.add_values("N31807", "0580", YEARS, [float(y) for y in YEARS])
    with serving(fake):
        with client_for(fake, tmp_path, verify_kpis=False) as c:
            with pytest.raises(KoladaError, match=r"count 8 but 7 records arrived in 4 page"):
                c.data("N31807", "0580", "2018-2024")
    with KoladaClient(cache_dir=tmp_path / "raw", offline=True, verify_kpis=False) as off:
        with pytest.raises(KoladaCacheMiss):  # the incomplete result was never recorded as complete
            off.data("N31807", "0580", "2018-2024")


# -- issue 11: facts from the recorded v3 material ----------------------------------------------------------
def test_isdeleted_values_are_dropped_and_never_reach_the_processed_table(tmp_path):
    fake = FakeKolada(page_size=2)
    fake.add_recorded_kpi("N15428")  # divided by gender
    fake.add_values("N15428", "0580", YEARS, [70.0 + i for i in range(len(YEARS))])
    deleted = [y in (2019, 2023) for y in YEARS]
    fake.add_values("N15428", "0580", YEARS, [999.0] * len(YEARS), gender="K", isdeleted=deleted)
    fake.add_values("N15428", "0580", YEARS, [60.0] * len(YEARS), gender="M")
    with serving(fake), client_for(fake, tmp_path) as c:
        served = httpx.get(fake.url + "/data/kpi/N15428/municipality/0580/year/2019").json()["values"][0]
        frame = c.data("N15428", "0580", YEARS)
    reqs = fake.data_requests()[1:]  # the client's requests: 7 records, 2 per page → 4 pages
    assert [r.path for r in reqs] == [
        "/v3/data/kpi/N15428/municipality/0580/year/" + ",".join(map(str, YEARS))
    ] * 4
    assert [r.query for r in reqs] == [{"page": [str(p)], "per_page": ["5000"]} for p in (1, 2, 3, 4)]
    k2019 = next(e for e in served["values"] if e["gender"] == "K")
    assert k2019 == {"gender": "K", "count": 1, "status": SYNTHETIC_SOURCE, "value": 999.0, "isdeleted": True}
    assert frame.attrs["deleted"] == 2
    k = frame[frame["gender"] == "K"]
    assert k["year"].tolist() == [y for y in YEARS if y not in (2019, 2023)]  # dropped, not NaN
    stored = pd.read_parquet(write_processed(frame, tmp_path / "processed" / "kolada.parquet"))
    assert not stored.loc[stored["gender"] == "K", "year"].isin([2019, 2023]).any()
    assert len(stored) == 3 * len(YEARS) - 2
    assert (stored.loc[stored["gender"] == "K", "value"] == 999.0).sum() == len(YEARS) - 2  # the others stay


def test_isdeleted_of_an_unexpected_type_is_an_error_naming_the_record():
    from segindicators.sources.kolada import parse_data_records

    rec = {"kpi": "N31807", "municipality": "0580", "period": 2024,
           "values": [{"gender": "T", "count": 1, "status": "", "value": 1.0, "isdeleted": "yes"}]}  # fmt: skip
    with pytest.raises(
        KoladaError, match=r"KPI N31807, municipality 0580, period 2024.*'isdeleted' is 'yes'"
    ):
        parse_data_records([rec])


def test_n05401_is_split_by_gender_and_carried_forward_values_are_marked(fake, tmp_path):
    with client_for(fake, tmp_path) as c:
        assert c.kpi("N05401").is_divided_by_gender is True  # the real record says so
        frame = c.data("N05401", ["0580", "0000"], YEARS)
    assert (frame.groupby(["municipality", "year"])["gender"].agg("".join) == "TKM").all()
    stored = pd.read_parquet(write_processed(frame, tmp_path / "kolada.parquet"))
    carried = stored["carried_forward"].astype("boolean")  # parquet: bool (object when it holds NA)
    assert carried.notna().all()
    observed = stored.loc[~carried.to_numpy(bool), "year"]
    assert sorted(observed.unique()) == [2018, 2022] and len(observed) == 2 * 2 * 3
    k = stored[(stored["municipality"] == "0580") & (stored["gender"] == "K")].set_index("year")["value"]
    assert (
        k.loc[2019]
        == k.loc[2020]
        == k.loc[2021]
        == k.loc[2018]
        == synthetic_value("N05401", "0580", 2018, "K")
    )
    assert stored.loc[stored["kpi"] != "N05401", "carried_forward"].eq(False).all()
    # The plan counts election years only: no "no change" observation in 2019-2021 or 2023-2024.
    series = series_from_kolada(stored, "0580")
    assert series["year"].tolist() == [2018, 2022, 2018, 2022]


def test_a_non_election_value_that_differs_from_the_election_is_not_an_observation_and_is_warned():
    from segindicators.sources.kolada import to_processed
    from segindicators.sources.kolada.elections import carry_forward_conflicts

    frame = pd.DataFrame(
        {
            "kpi": "N05401",
            "municipality": "0580",
            "gender": "T",
            "year": [2018, 2019, 2020],
            "value": [80.0, 80.0, 81.5],
        }
    )  # synthetic; 2020 contradicts the carry-forward
    out = to_processed(frame)
    assert out["carried_forward"].tolist() == [False, True, pd.NA]
    (msg,) = carry_forward_conflicts(out)
    assert "N05401" in msg and "0580" in msg and "2020" in msg and "81.5" in msg and "2018" in msg
    assert series_from_kolada(out, "0580")["year"].tolist() == [2018]


def test_n00914_is_not_served_and_the_error_names_its_successor(fake, tmp_path):
    assert "N00914" not in fake.kpis and "N00914" in load_records()["kpi"]["absent"]
    with pytest.raises(ValueError, match="N00914.*no such KPI"):
        fake.add_recorded_kpi("N00914")
    with pytest.raises(ValueError, match="N00914.*no such KPI"):
        fake.add_kpi("N00914", "Syntetiskt")
    with pytest.raises(ValueError, match="define the KPI first"):
        fake.add_values("N00914", "0580", [2020], [1.0])
    with client_for(fake, tmp_path) as c:
        with pytest.raises(
            UnknownKpiError, match=r"N00914 .*gone from Kolada v3.*successor is N02243"
        ) as err:
            c.kpi("N00914")
        assert err.value.kpis == ["N00914"]
        assert c.kpi("N02243").title == "Sysselsatta invånare 20-65 år, andel (%)"
    assert fake.kpi_requests()[0].status == 200  # 200 with an empty list, as v3 answers


def test_no_shipped_plan_follows_a_kpi_gone_from_v3():
    from importlib import resources

    from segindicators.demo.profile import demo_plan
    from segindicators.plan.definition import shipped_plans

    gone = set(load_records()["kpi"]["absent"])
    plans = [load_plan(name) for name in shipped_plans()] + [demo_plan()]
    assert plans and all(not gone & set(plan_kpis(p)) for p in plans)
    text = "".join(
        f.read_text("utf-8") for f in resources.files("segindicators.plan").joinpath("plans").iterdir()
    )
    assert "N00914" not in text


def _ctx(tmp_path, plan, kolada_url, **kw):
    opts = RefreshOptions(kommun=plan.municipality, years=tuple(YEARS), kolada_url=kolada_url, plan=plan,
                          home=tmp_path, retry=RetryPolicy(max_tries=1), **kw)  # fmt: skip
    return RunContext(options=opts, home=tmp_path, processed=tmp_path / "processed", reports=tmp_path / "reports",
                      previous_processed=tmp_path / "processed")  # fmt: skip


def _plan_with(kpi_ids):
    from importlib import resources

    import yaml

    raw = yaml.safe_load(
        resources.files("segindicators.plan").joinpath("plans", "linkoping_2023.yaml").read_text("utf-8")
    )
    kolada = [i for a in raw["development_areas"] for i in a["indicators"] if i["id"].startswith("kolada:")]
    for ind, kpi in zip(kolada, kpi_ids, strict=True):
        ind["id"] = f"kolada:{kpi}"
    return plan_from_dict(raw)


def test_stage_unknown_kpi_is_a_recorded_warning_naming_it_and_the_successor(fake, tmp_path):
    plan = _plan_with(["N05401", "N00914", "N15428"])  # a plan that still follows N00914
    ctx = _ctx(tmp_path, plan, fake.url)
    stage_kolada(ctx)
    (warning,) = [w for w in ctx.warnings if "does not know" in w]
    assert "N00914" in warning and "N02243" in warning and "Sysselsatta invånare 20-65 år" in warning
    assert "okända KPI: N00914" in ctx.summary["kolada"]
    assert "upprepar senaste valet" in ctx.summary["kolada"]
    assert set(ctx.kolada["kpi"]) == {"N05401", "N15428"}
    # the fake's numbers are labelled synthetic, and this run is not: a warning says so
    assert any("labelled 'Syntetiska exempeldata" in w and "fake" in w for w in ctx.warnings)
    # one /kpi request: the known records of the first answer are kept, the unknown id is left out
    assert [r.path for r in fake.kpi_requests()] == ["/v3/kpi/N00914,N05401,N15428"]
    assert fake.data_requests()[0].path == (
        "/v3/data/kpi/N05401,N15428/municipality/0000,0580/year/" + ",".join(map(str, YEARS))
    )


def test_stage_warns_about_a_kpi_without_values_and_about_carry_forward_conflicts(tmp_path):
    fake = FakeKolada()
    for kpi in ("N05401", "N15428", "N31807"):
        fake.add_recorded_kpi(kpi)
    fake.add_values("N05401", "0580", [2018, 2019], [80.0, 79.0])  # synthetic; 2019 contradicts 2018
    fake.add_values("N15428", "0000", YEARS, [1.0] * len(YEARS))  # riket only: nothing for the kommun
    with serving(fake):
        ctx = _ctx(tmp_path, load_plan("linkoping_2023"), fake.url, synthetic=True)
        stage_kolada(ctx)
    assert [r.path for r in fake.requests] == [
        "/v3/kpi/N05401,N15428,N31807",
        "/v3/data/kpi/N05401,N15428,N31807/municipality/0000,0580/year/" + ",".join(map(str, YEARS)),
    ]
    assert any("N05401" in w and "2019" in w and "differs" in w for w in ctx.warnings)
    assert any("KPI N15428 has no value for kommun 0580" in w for w in ctx.warnings)
    assert any("KPI N31807 has no value for kommun 0580" in w for w in ctx.warnings)
    assert not any("labelled" in w for w in ctx.warnings)  # a synthetic run expects the label
