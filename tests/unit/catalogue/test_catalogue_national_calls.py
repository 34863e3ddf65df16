"""The SCB calls of the whole country's national build, computed from the plan without a data call (issue 13).

The national synthetic fake (segindicators.testing.serve_national: every DeSO, RegSO and kommun of SCB's
kopplingstabeller, SCB's recorded metadata, synthetic values — Syntetiska exempeldata – inte officiell statistik)
answers the tables' ``/metadata`` and the Region valuesets; :func:`planned_calls` applies the client's rules to
the whole country's requests, and one real build checks that the client makes exactly the planned calls.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from segindicators.catalogue.builder import BUILD_LEVELS, used_tables
from segindicators.catalogue.definitions import load_catalogue
from segindicators.catalogue.national import build_national_counts, plan_national_requests, planned_calls
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import table_spec
from segindicators.testing import serve_national
from tests.support.clock import FakeClock

pytestmark = pytest.mark.reference

YEARS = range(2015, 2026)
MAX_CELLS = 150_000


@pytest.fixture(scope="module")
def country(reference_dir, tmp_path_factory):
    """The fake of the whole country and, read over HTTP, every table's metadata and every Region valueset."""
    with serve_national(reference_dir / "lookups", years=YEARS, max_calls=10_000, time_window=1.0) as fake:
        cat = load_catalogue()
        tables = used_tables([*cat.indicators, *cat.groups], list(YEARS))
        with ScbClient(fake.url, cache_dir=tmp_path_factory.mktemp("meta")) as client:
            metadata = {t: client.metadata(t) for t in tables}
            codelists = {
                c: client.codelist(c) for m in metadata.values() for c in table_spec(m).region_codelists
            }
        yield fake, metadata, codelists


def _plan(country, levels):
    _, metadata, codelists = country
    specs = {t: table_spec(m) for t, m in metadata.items()}
    requests = plan_national_requests(load_catalogue(), YEARS, specs=specs, levels=levels)
    return planned_calls(requests, metadata, codelists, MAX_CELLS)


def _total(plan) -> int:
    """/config, one /metadata per table, each codelist a split request reads (once), the data calls."""
    read = plan.loc[plan["reads_codelist"], "codelist"].nunique()
    return 1 + plan["table"].nunique() + read + int(plan["data_calls"].sum())


def test_the_whole_country_national_run_fits_in_100_calls(country):
    plan = _plan(country, BUILD_LEVELS)  # DeSO, RegSO, kommun, riket: what refresh --national fetches
    assert (plan["data_calls"] == plan["fewest"]).all(), plan[plan["data_calls"] != plan["fewest"]]
    over = plan[plan["data_calls"] > 3]
    assert [(r.table, r.codelist, r.data_calls) for r in over.itertuples()] == [("TAB6685", "vs_DeSO2018", 5)]
    assert int(plan["data_calls"].sum()) == 78 and plan["table"].nunique() == 14
    # only requests over the cell limit read their valueset; kommun, riket and the 2025 versions never split
    assert sorted(plan.loc[plan["reads_codelist"], "codelist"].unique()) == [
        "vs_DeSO2018", "vs_DeSoHE", "vs_RegSO2020", "vs_RegSo1",
    ]  # fmt: skip
    assert not plan.loc[plan["level"].isin(["kommun", "riket"]), "reads_codelist"].any()
    assert _total(plan) == 97 <= 100


def test_the_client_makes_exactly_the_planned_calls(country, tmp_path):
    """A real build at DeSO and RegSO (the kommun refresh's peers stage fetches these) on an empty cache."""
    fake = country[0]
    plan = _plan(country, ("DeSO", "RegSO"))
    clock = FakeClock()
    fake.reset_log()
    with ScbClient(fake.url, cache_dir=tmp_path, clock=clock.time, sleep=clock.sleep) as client:
        built = build_national_counts(client, YEARS)
    requests = list(fake.requests)
    posts = [r for r in requests if r.method == "POST"]
    per_slice = Counter(
        (
            r.path.split("/")[-2],
            next(i for i in r.body["selection"] if i["variableCode"] == "Region")["codelist"],
        )
        for r in posts
    )
    assert per_slice == {(r.table, r.codelist): r.data_calls for r in plan.itertuples()}
    read = sorted(r.path.rsplit("/", 1)[-1] for r in requests if "/codelists/" in r.path)
    assert read == sorted(plan.loc[plan["reads_codelist"], "codelist"].unique())
    assert len(requests) == _total(plan) == built.attrs["summary"]["calls"]
    assert not [r for r in requests if r.status != 200]
    for r in plan.itertuples():
        assert r.data_calls == max(1, math.ceil(r.cells / MAX_CELLS))
