"""A kommun refresh ranks the kommun among every municipality and among its peers (the ``peers`` stage).

Linköping (0580) against a national fake serving a handful of municipalities on SCB's real codes (Linköping,
its eight peers and three others; :func:`segindicators.testing.recorded_tables.national_synthetic_server`),
over HTTP with the WFS and Kolada fakes. Every number is synthetic ("Syntetiska exempeldata – inte officiell
statistik").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from segindicators.demo.cli import processed_digests
from segindicators.demo.kolada import demo_kolada
from segindicators.geography.lookups import read_reference_lookups
from segindicators.geography.profiles import load_profile
from segindicators.pipeline import refresh as rf
from segindicators.plan.definition import resolve_plan
from segindicators.sources.http import RetryPolicy
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.tables import read_table
from segindicators.testing.recorded_tables import national_synthetic_server
from tests.national_samples import wfs_for

pytestmark = [pytest.mark.reference, pytest.mark.slow]

YEARS = (2023, 2024)
KOMMUN = "0580"
OTHERS = ("0180", "1480", "2584")
FAST = RetryPolicy(max_tries=3, backoff_base=0.0, jitter=0.0)


@pytest.fixture(scope="module")
def served(reference_dir):
    lookup = read_reference_lookups(reference_dir / "lookups")
    kommuner = sorted({KOMMUN, *load_profile(KOMMUN).peers, *OTHERS})
    fake = national_synthetic_server(lookup[lookup["kommun"].isin(kommuner)], years=YEARS, max_calls=300)
    kolada = demo_kolada(plan_kpis(resolve_plan(None, KOMMUN)), YEARS)
    with fake, wfs_for(lookup, [KOMMUN]) as wfs, kolada:
        yield fake, wfs, kolada, kommuner


def _options(served, home, **kw) -> rf.RefreshOptions:
    fake, wfs, kolada, _ = served
    base = dict(kommun=KOMMUN, years=YEARS, base_url=fake.url, wfs_url=wfs.url, kolada_url=kolada.url, home=home,
                charts=False, notebooks=home / "no-notebooks", retry=FAST, bootstrap_draws=19, national_draws=19)  # fmt: skip
    base.update(kw)
    return rf.RefreshOptions(**base)


@pytest.fixture(scope="module")
def first(served, tmp_path_factory):
    home = tmp_path_factory.mktemp("peers")
    result = rf.run_refresh(_options(served, home))
    assert served[0].unmatched == []
    return home, result


def test_peers_runs_after_fetch_for_real_runs_only():
    real = [s.name for s in rf.stages_for(rf.RefreshOptions(kommun=KOMMUN, years=YEARS))]
    assert real == ["geometry", "fetch", "peers", *[s.name for s in rf.STAGES][2:]]
    assert rf.stages_for(rf.RefreshOptions(kommun="9999", years=YEARS, synthetic=True)) == rf.STAGES
    off = rf.RefreshOptions(kommun=KOMMUN, years=YEARS, national_peers=False)
    assert rf.stages_for(off) == rf.STAGES and "national_peers" not in off.parameters()


def test_kommun_refresh_writes_its_rank_among_all_and_its_peers(first, served):
    home, result = first
    kommuner = served[3]
    assert "peers" in result.timings and "rank" in result.summary["peers"]
    ranks = read_table("national_ranks", home / "data" / "processed", complete=True)
    assert set(ranks["kommun"]) == {KOMMUN} and set(ranks["kommun_name"]) == {"Linköping"}
    assert set(ranks["ranked_on"]) == {"bias_corrected", "raw"} and set(ranks["year"]) == set(YEARS)
    d = ranks[(ranks["group"] == "background") & (ranks["index"] == "dissimilarity")]
    assert (d["n"] == len(kommuner)).all() and d["rank"].between(1, len(kommuner)).all()
    assert (d["peer_n"] == 9).all() and d["peer_rank"].between(1, 9).all()
    assert (d["peer_min"] <= d["peer_median"]).all() and (d["peer_median"] <= d["peer_max"]).all()


def test_the_rank_is_the_place_in_the_national_indices(first):
    home, _ = first
    indices = read_table("national_indices", home / "data" / "processed", complete=True)
    ranks = read_table("national_ranks", home / "data" / "processed")
    for (level, year, ranked_on), column in [(("RegSO", 2024, "bias_corrected"), "value_bias_corrected"),
                                             (("DeSO", 2023, "raw"), "value")]:  # fmt: skip
        cell = indices[(indices["level"] == level) & (indices["year"] == year) & (indices["group"] == "background")
                       & (indices["index"] == "dissimilarity")]  # fmt: skip
        values = cell.set_index("kommun")[column]
        expected = 1 + int((values > values[KOMMUN]).sum())  # 1 = most segregated
        got = ranks[(ranks["level"] == level) & (ranks["year"] == year) & (ranks["group"] == "background")
                    & (ranks["index"] == "dissimilarity") & (ranks["ranked_on"] == ranked_on)]  # fmt: skip
        assert got["rank"].item() == expected and got["value"].item() == values[KOMMUN]


def test_national_raw_values_of_the_kommun_equal_its_own_indices(first):
    home, _ = first
    own = read_table("indices", home / "data" / "processed")
    national = read_table("national_indices", home / "data" / "processed")
    key = ["level", "geo_version", "year", "group", "index"]
    both = (
        own[own["kommun"] == KOMMUN]
        .astype({"geo_version": "str"})
        .merge(
            national[national["kommun"] == KOMMUN].astype({"geo_version": "str"}),
            on=key,
            suffixes=("_own", "_nat"),
        )
    )
    assert len(both) > 100
    np.testing.assert_allclose(both["value_own"], both["value_nat"], rtol=1e-12, equal_nan=True)


def test_offline_rerun_makes_no_call_and_writes_the_same_bytes(first, served, tmp_path):
    import shutil

    home0, _ = first
    home = tmp_path / "again"
    shutil.copytree(home0, home)
    before = processed_digests(home / "data" / "processed")
    fake, wfs, kolada, _ = served
    calls = (fake.request_count, wfs.request_count, kolada.request_count)
    again = rf.run_refresh(_options(served, home, offline=True))
    assert (fake.request_count, wfs.request_count, kolada.request_count) == calls
    assert again.http_calls["scb"] == 0
    assert processed_digests(home / "data" / "processed") == before


def test_no_national_peers_writes_no_national_tables(served, tmp_path):
    result = rf.run_refresh(replace(_options(served, tmp_path), national_peers=False))
    assert "peers" not in result.timings
    names = {p.name for p in (tmp_path / "data" / "processed").iterdir()}
    assert not {n for n in names if n.startswith("national_")}
    assert read_table("indices", tmp_path / "data" / "processed")["kommun"].eq(KOMMUN).all()
