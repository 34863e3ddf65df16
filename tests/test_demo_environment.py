"""demo_environment: the one place that starts the demo's fake services and aims a refresh at them.

Everything served is synthetic ("Syntetiska exempeldata – inte officiell statistik").
"""

from __future__ import annotations

import httpx
import pytest

from segindicators.demo import synthetic as syn
from segindicators.demo.environment import RequestCounts, demo_environment
from segindicators.demo.profile import demo_plan
from segindicators.errors import UsageError
from segindicators.sources.kolada.fetch import plan_kpis


def test_options_point_at_the_three_running_servers(tmp_path):
    with demo_environment(tmp_path, years=(2023, 2024), charts=False) as env:
        o = env.options
        assert (o.kommun, o.years, o.home, o.synthetic, o.offline, o.charts) == (
            "9999", (2023, 2024), tmp_path, True, False, False,
        )  # fmt: skip
        assert (o.base_url, o.wfs_url, o.kolada_url) == (env.pxweb.url, env.wfs.url, env.kolada.url)
        assert o.profile.kommun == "9999" and o.plan.municipality == "9999"
        assert env.synthetic.seed == syn.DEFAULT_SEED
        # the Kolada fake serves the demo plan's KPIs for the environment's years, labelled synthetic
        assert {kpi for kpi, _, _ in env.kolada.values} <= set(plan_kpis(demo_plan()))
        assert {year for _, _, year in env.kolada.values} == {2023, 2024}
        assert env.requests == RequestCounts(0, 0, 0)
        assert httpx.get(f"{o.base_url}/config").status_code == 200
        assert httpx.get(f"{o.kolada_url}/kpi/N15428").status_code == 200
        assert env.requests == RequestCounts(pxweb=1, wfs=0, kolada=1)


def test_offline_and_seed_reach_the_options_and_the_generator(tmp_path):
    with demo_environment(tmp_path, offline=True, seed=1, years=[2024]) as env:
        assert env.options.offline and env.options.years == (2024,)
        assert env.synthetic.seed == 1
        assert env.options.seed == 20241231  # the bootstrap's seed is not the generator's


def test_servers_stop_on_exit_and_on_error(tmp_path):
    with pytest.raises(RuntimeError, match="the block failed"):
        with demo_environment(tmp_path, years=(2024,)) as env:
            urls = [env.pxweb.url, env.wfs.url, env.kolada.url]
            raise RuntimeError("the block failed")
    for server in (env.pxweb, env.wfs, env.kolada):
        with pytest.raises(RuntimeError, match="is not running"):
            _ = server.url
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2.0)


def test_fields_the_environment_sets_cannot_be_overridden(tmp_path):
    with pytest.raises(TypeError, match="sets base_url, kommun itself"):
        with demo_environment(tmp_path, kommun="0580", base_url="http://example.invalid"):
            pass


def test_years_outside_the_synthetic_data_are_refused(tmp_path):
    with pytest.raises(UsageError, match=r"years 2014.*2015"):
        with demo_environment(tmp_path, years=(2014, 2015)):
            pass


def test_request_counts_subtract():
    assert RequestCounts(3, 2, 1) - RequestCounts(1, 2, 0) == RequestCounts(2, 0, 1)
    assert (RequestCounts(3, 2, 1) - RequestCounts(3, 2, 1)).total == 0
