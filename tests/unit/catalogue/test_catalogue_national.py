"""The national build (issue 13): every municipality's counts through the tables' own Region codelists, few calls.

Over HTTP against the national synthetic fake (segindicators.testing.serve_national: every DeSO, RegSO and kommun
of SCB's kopplingstabeller in shared/reference/lookups, SCB's recorded metadata, synthetic values — Syntetiska
exempeldata – inte officiell statistik), with SCB's production limits (150,000 cells per call, 30 calls per 10 s)
on a shared fake clock, so the client's pacing is exercised without waiting.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from segindicators.catalogue.builder import BUILD_LEVELS, build_counts
from segindicators.catalogue.cells import BuildError
from segindicators.catalogue.definitions import load_catalogue
from segindicators.catalogue.national import (
    TableProgress,
    build_national_counts,
    plan_national_requests,
    read_slice,
    summary_text,
)
from segindicators.catalogue.requests import TableRequest, table_codes
from segindicators.geography import read_reference_lookups
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import LEVEL_CODELISTS, recorded_specs
from segindicators.testing import serve_national, synthetic_server
from tests.support.clock import FakeClock

pytestmark = pytest.mark.reference

YEARS = range(2015, 2026)
MAX_CELLS = 150_000


def _client(fake, clock, cache, **kw) -> ScbClient:
    return ScbClient(fake.url, cache_dir=cache, clock=clock.time, sleep=clock.sleep, **kw)


@pytest.fixture(scope="module")
def run(reference_dir, tmp_path_factory):
    """The full catalogue 2015–2025 built nationally twice on one cache, and Linköping built by build_counts."""
    clock = FakeClock()
    tmp = tmp_path_factory.mktemp("national")
    limits = {"max_calls": 30, "time_window": 10.0, "max_cells": MAX_CELLS, "clock": clock.time}
    with serve_national(reference_dir / "lookups", seed=13, **limits) as fake:
        events: list[TableProgress] = []
        with _client(fake, clock, tmp / "raw") as client:
            first = build_national_counts(client, YEARS, progress=events.append)
        first_requests = list(fake.requests)
        fake.reset_log()
        clock.sleep(10.0)  # the next run starts later (a new client knows nothing of the last run's calls)
        with _client(fake, clock, tmp / "raw") as client:
            second = build_national_counts(client, YEARS)
        second_requests = list(fake.requests)
        one = {}
        clock.sleep(10.0)
        for kommun in (
            "0580",
            "2584",
        ):  # Linköping; Kiruna (one of the largest DeSO, far from Linköping's codes)
            with _client(fake, clock, tmp / f"one-{kommun}") as client:
                one[kommun] = build_counts(client, kommun, YEARS, levels=("DeSO", "RegSO"))
        yield SimpleNamespace(
            first=first, second=second, events=events, first_requests=first_requests,
            second_requests=second_requests, one=one, clock=clock,
        )  # fmt: skip


def _data_posts(requests):
    return [r for r in requests if r.method == "POST" and r.path.endswith("/data")]


def _region_item(request):
    return next(i for i in request.body["selection"] if i["variableCode"] == "Region")


def test_every_data_call_reads_a_codelist_the_table_lists_with_star_and_the_versions_years(run):
    specs = recorded_specs()
    codes = table_codes([*load_catalogue().indicators, *load_catalogue().groups], YEARS)
    posts = _data_posts(run.first_requests)
    assert posts
    for post in posts:
        table = post.path.split("/")[-2]
        region = _region_item(post)
        assert region["codelist"] in specs[table].region_codelists, (table, region["codelist"])
        level, version = LEVEL_CODELISTS[region["codelist"]]
        assert level in ("DeSO", "RegSO")
        split = region["valueCodes"] != ["*"]
        if split:  # a part of a call over the cell limit: explicit codes of that codelist
            assert len(region["valueCodes"]) < 6_200
        years = [
            int(y)
            for y in next(i for i in post.body["selection"] if i["variableCode"] == "Tid")["valueCodes"]
        ]
        assert set(years) <= set(specs[table].years) & set(YEARS)
        assert all(y <= 2023 for y in years) if version == "2018" else all(y >= 2024 for y in years)
        for item in post.body["selection"]:
            if item["variableCode"] not in ("Region", "Tid"):
                assert set(item["valueCodes"]) <= codes[table].codes[item["variableCode"]], (table, item)
    used = {_region_item(p)["codelist"] for p in posts}
    assert used == {"vs_DeSO2018", "vs_DeSoHE", "vs_RegSO2020", "vs_RegSo1", "vs_DeSO2025", "vs_RegSO2025"}
    assert any(_region_item(p)["valueCodes"] == ["*"] for p in posts)


def test_calls_within_budget_no_429_and_every_request_answered(run):
    requests = run.first_requests
    assert len(requests) <= 100
    assert all(r.status == 200 and r.matched for r in requests), Counter(r.status for r in requests)
    assert run.first.attrs["summary"]["calls"] == len(requests)
    assert sum(run.first.attrs["calls"].values()) == len(requests)
    assert run.clock.sleeps  # the client paced itself under 30 calls / 10 s instead of meeting a 429
    data = _data_posts(requests)
    assert run.first.attrs["summary"]["downloads"] == len(data)
    per_slice = Counter((r.path.split("/")[-2], _region_item(r)["codelist"]) for r in data)
    slices = {(s["table"], s["codelist"]): s for s in run.first.attrs["slices"]}
    assert set(per_slice) == set(slices)  # one call per table × level × geography version, split only …
    for (
        key,
        posts,
    ) in per_slice.items():  # … by the cell limit: at most 3 parts, or the fewest the cells allow
        cells = slices[key]["cells"]
        assert posts == slices[key]["downloads"]
        assert posts <= max(3, math.ceil(cells / MAX_CELLS)), (key, posts, cells)
    assert slices[("TAB6685", "vs_DeSO2018")]["cells"] == 5_984 * 9 * 4 * 3  # DeSO × years × ages × contents
    assert per_slice[("TAB6685", "vs_DeSO2018")] == 5  # 646,272 cells: the one table × version over 3 parts


def test_second_run_answers_from_the_cache_without_data_downloads(run):
    assert _data_posts(run.second_requests) == []
    assert run.second.attrs["summary"]["downloads"] == 0
    assert len(run.second_requests) <= 1 + 2 * 14  # /config, per table its /metadata and one update check
    assert all(r.status == 200 for r in run.second_requests)
    a, b = run.first.copy(), run.second.copy()
    a.attrs, b.attrs = {}, {}
    assert (a.dtypes == b.dtypes).all() and a.equals(b)  # (assert_frame_equal takes ~20 s on 3.5 M rows)


@pytest.mark.parametrize("kommun", ["0580", "2584"])
def test_one_municipalitys_national_rows_equal_build_counts(run, kommun):
    national = run.first[run.first["kommun"] == kommun].reset_index(drop=True)
    one = run.one[kommun].copy()
    national.attrs, one.attrs = {}, {}
    assert len(one) > 1000
    pd.testing.assert_frame_equal(national, one, check_exact=True)


def test_every_area_of_the_country_and_its_own_kommun(run, reference_dir):
    lookup = read_reference_lookups(reference_dir / "lookups")
    out = run.first
    pop = out[out["indicator"] == "population"]
    for version, level, column in (("2018", "DeSO", "deso"), ("2025", "DeSO", "deso"), ("2018", "RegSO", "regso"),
                                   ("2025", "RegSO", "regso")):  # fmt: skip
        got = set(pop.loc[(pop["geo_version"] == version) & (pop["level"] == level), "area"])
        assert got == set(lookup.loc[lookup["geo_version"] == version, column]), (version, level)
    assert (out["kommun"] == out["area"].str[:4]).all()
    assert out["kommun"].nunique() == 290
    areal = out[out["geo_version"] == "2025"]
    assert (areal["year"] >= 2024).all() and (out.loc[out["geo_version"] == "2018", "year"] <= 2023).all()
    assert (pop["value"] > 0).all()  # no 2025 code's pre-2024 zero, no suppressed population
    assert out.loc[out["flags"].str.contains("suppressed"), "value"].isna().all()


def test_progress_per_table_and_the_summary(run):
    assert [e.table for e in run.events] == sorted(run.first.attrs["calls"])
    assert [e.done for e in run.events] == list(range(1, 15)) and {e.total for e in run.events} == {14}
    assert sum(e.cells for e in run.events) == run.first.attrs["summary"]["cells"]
    assert [e.downloads for e in run.events] == [run.first.attrs["downloads"][e.table] for e in run.events]
    text = summary_text(run.first)
    assert "TAB6685: " in text and f"{len(run.first):,} rows" in text


def test_the_whole_countrys_transform_takes_seconds_not_minutes(run):
    summary = run.second.attrs["summary"]
    assert summary["rows"] > 3_000_000
    # ≈ 5 s of CPU measured on a 2-core machine; the per-indicator groupby on text keys took minutes
    assert summary["transform_cpu_seconds"] < 60, summary


# ------------------------------------------------------------------------------ the plan and its checks


def test_plan_picks_each_tables_own_codelists_and_the_years_of_their_version():
    reqs = plan_national_requests(load_catalogue(), YEARS, specs=recorded_specs())
    got = {}
    for r in reqs:
        got.setdefault(r.table, set()).add(r.codelists["Region"])
        assert r.selection["Region"] == ["*"]
        years = r.years
        assert (max(years) <= 2023) if r.geo_version == "2018" else (min(years) >= 2024), (r.table, years)
    standard = {"vs_DeSO2018", "vs_RegSO2020", "vs_DeSO2025", "vs_RegSO2025"}
    assert got["TAB5956"] == {"vs_DeSoHE", "vs_RegSo1"} and got["TAB6258"] == {"vs_DeSoHE", "vs_RegSo1"}
    assert got["TAB6586"] == {"vs_RegSO2020", "vs_RegSO2025"}  # RegSO only
    assert got["TAB6638"] == got["TAB6534"] == {"vs_DeSO2025", "vs_RegSO2025"}
    assert got["TAB6574"] == got["TAB6685"] == got["TAB6680"] == standard
    by = {(r.table, r.codelists["Region"]): r for r in reqs}
    assert by[("TAB6680", "vs_DeSO2025")].unpublished == (2025,)  # TAB6680 ends in 2024
    assert by[("TAB6574", "vs_DeSO2018")].years == list(range(2015, 2024))


def test_plan_with_kommun_and_riket_uses_their_codelists_where_the_table_has_them():
    reqs = plan_national_requests(
        load_catalogue(), [2023, 2024], specs=recorded_specs(), levels=("kommun", "riket"),
        indicators=["population", "employment_rate_20_64"], groups=[],
    )  # fmt: skip
    assert {(r.table, r.codelists["Region"], tuple(r.years)) for r in reqs} == {
        ("TAB6574", "vs_CRegionKommun07", (2023, 2024)),
        ("TAB6574", "vs_ARegionRiket", (2023, 2024)),
    }  # TAB6680 publishes neither kommun nor riket


def test_a_table_without_metadata_or_without_a_codelist_for_its_codes_stops_the_plan():
    specs = recorded_specs()
    with pytest.raises(BuildError, match="TAB6574: no /metadata"):
        plan_national_requests(load_catalogue(), [2024], specs={}, indicators=["population"], groups=[])
    bare = dataclasses.replace(specs["TAB6574"], region_codelists=("vs_ARegionRiket",))
    with pytest.raises(
        BuildError, match=r"TAB6574: its metadata has DeSO codes of version 2025 but lists no"
    ):
        plan_national_requests(
            load_catalogue(), [2024], specs={"TAB6574": bare}, indicators=["population"], groups=[]
        )


class _AnswersWith:
    """A client whose data answers carry the given Region codes (synthetic values)."""

    def __init__(self, regions, versions):
        self.regions, self.versions = regions, versions

    def data(self, table, selection, codelists=None):
        n = len(self.regions)
        return pd.DataFrame({"Region": self.regions, "region_version": self.versions, "Tid": ["2024"] * n,
                             "value": np.ones(n), "status": [None] * n})  # fmt: skip


def test_an_answer_with_codes_of_another_version_than_its_codelist_stops_the_build():
    request = TableRequest(
        "TAB6574", {"Region": ["*"], "Tid": ["2024"]}, (), {"Region": "vs_DeSO2025"}, "DeSO", "2025"
    )
    ok = _AnswersWith(["0580C1010", "0114A0010"], ["DeSO2025", "DeSO2025"])
    assert len(read_slice(ok, request)) == 2
    mixed = _AnswersWith(["0580C1010", "0580C1010", "0580R001"], ["DeSO2025", None, "RegSO2025"])
    with pytest.raises(
        BuildError, match=r"TAB6574 .* 'vs_DeSO2025' answered 2 cell\(s\) .* not DeSO of version 2025"
    ):
        read_slice(mixed, request)


def test_kommun_and_riket_rows_equal_build_counts_and_a_rich_progress_bar(reference_dir, tmp_path):
    from rich.console import Console
    from rich.progress import Progress

    lookup = read_reference_lookups(reference_dir / "lookups")
    kw = {"indicators": ["population", "rental_persons_share"], "groups": ["tenure"]}
    with synthetic_server(lookup, ["0580", "0581"], seed=13, tables=["TAB6574", "TAB6253"]) as fake:
        bar = Progress(console=Console(file=io.StringIO()))
        with ScbClient(fake.url, cache_dir=tmp_path / "n") as client, bar:
            national = build_national_counts(client, [2023, 2024], levels=BUILD_LEVELS, progress=bar, **kw)
        with ScbClient(fake.url, cache_dir=tmp_path / "o") as client:
            one = build_counts(client, "0580", [2023, 2024], **kw)
    assert bar.tasks[0].completed == 2 and bar.tasks[0].total == 2
    codelists = {r[2]["Region"] for r in national.attrs["requests"]}
    assert {"vs_CRegionKommun07", "vs_ARegionRiket"} <= codelists
    assert set(national["level"]) == {"DeSO", "RegSO", "kommun", "riket"}
    mine = national[national["kommun"].isin(["0580", "00"])].reset_index(drop=True)
    mine.attrs, one.attrs = {}, {}
    pd.testing.assert_frame_equal(mine, one, check_exact=True)
