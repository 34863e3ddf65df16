"""The refresh run end to end on the synthetic demo, over HTTP against the demo environment's fake servers."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from segindicators.demo import synthetic as syn
from segindicators.demo.cli import app as demo_app
from segindicators.demo.cli import processed_digests
from segindicators.sources.http import RetryPolicy
from segindicators.pipeline import refresh as rf
from segindicators.pipeline.cli import app as refresh_app

YEARS = tuple(range(2015, 2025))
FAST = RetryPolicy(max_tries=2, backoff_base=0.0, jitter=0.0)


def _options(demo_env, home: Path, **kw) -> rf.RefreshOptions:
    """The demo environment's refresh (conftest.py ``demo_env``) into ``home``, without charts and Kolada.

    The chart stage has its own tests (test_charts_standard.py), the Kolada stage too
    (test_refresh_stages2.py); this file's runs are PxWeb and WFS only, as they always were.
    """
    return replace(
        demo_env.options, **{"home": home, "retry": FAST, "charts": False, "kolada_url": None, **kw}
    )


@pytest.fixture(scope="module")
def first(demo_env, tmp_path_factory):
    """One online run into a fresh home; returns (home, result, requests made)."""
    fake, wfs = demo_env.pxweb, demo_env.wfs
    home = tmp_path_factory.mktemp("home")
    n0, w0 = fake.request_count, wfs.request_count
    result = rf.run_refresh(_options(demo_env, home))
    return home, result, (fake.request_count - n0, wfs.request_count - w0)


def _copy(home: Path, tmp_path: Path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(home, target)
    return target


def _manifest(home: Path) -> dict:
    return json.loads((home / "reports" / "2024" / "manifest.json").read_text(encoding="utf-8"))


def _stable(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k not in ("run_started", "run_finished", "run", "reports")}


def test_first_run_writes_everything_labelled_synthetic(first, demo_env):
    home, result, (pxweb_calls, wfs_calls) = first
    fake = demo_env.pxweb
    assert fake.unmatched == []
    assert pxweb_calls == result.http_calls["scb"] > 0 and wfs_calls == result.http_calls["wfs"] == 4
    processed = home / "data" / "processed"
    assert {p.name for p in processed.iterdir()} >= {
        "counts.parquet", "counts.csv", "lookup.parquet", "coverage.csv", "geometry_deso.parquet",
        "geometry_regso.parquet", "plan_status.parquet", "plan_status.csv",
    }  # fmt: skip
    counts = pd.read_parquet(processed / "counts.parquet")
    assert list(counts.columns) == list(rf.COLUMNS)
    assert set(counts["level"]) == {"DeSO", "RegSO", "kommun", "focus", "riket"}
    assert set(counts["geo_version"]) == {"2018", "2025", "harmonised"}
    focus = counts[counts["level"] == "focus"]
    assert set(focus["area"]) == {"norrdalen", "vasterby", "asbacken"}
    manifest = _manifest(home)
    assert manifest["synthetic"] is True and manifest["label"] == syn.SYNTHETIC_LABEL
    assert syn.SYNTHETIC_LABEL in (processed / "SYNTETISKA_DATA.txt").read_text(encoding="utf-8")
    assert manifest["parameters"]["kommun"] == "9999"
    assert {i["what"] for i in manifest["inputs"]} >= {"data", "wfs"}
    assert all(len(i["sha256"]) == 64 and i["path"].startswith("data/raw/") for i in manifest["inputs"])
    assert manifest["outputs"]["data/processed/counts.parquet"]["sha256"]
    changes = (home / "reports" / "2024" / "changes.md").read_text(encoding="utf-8")
    assert "Syntetiska exempeldata" in changes and "Första körningen" in changes


def test_kommun_rows_pool_the_deso(first):
    home, result, _ = first
    c = result.counts
    pop = c[(c["indicator"] == "population") & (c["geo_version"] == "2018") & (c["year"] == 2020)]
    deso_sum = pop.loc[pop["level"] == "DeSO", "numerator"].sum()
    assert pop.loc[pop["level"] == "kommun", "numerator"].item() == deso_sum


def test_second_run_offline_makes_zero_calls_and_same_bytes(first, demo_env, tmp_path):
    home0, _, _ = first
    fake, wfs = demo_env.pxweb, demo_env.wfs
    home = _copy(home0, tmp_path)
    before = processed_digests(home / "data" / "processed")
    manifest_before = _manifest(home)
    n0, w0 = fake.request_count, wfs.request_count
    result = rf.run_refresh(_options(demo_env, home, offline=True))
    assert (fake.request_count - n0, wfs.request_count - w0) == (0, 0)
    assert result.http_calls == {"scb": 0, "wfs": 0, "kolada": 0}
    assert processed_digests(home / "data" / "processed") == before
    assert _stable(_manifest(home)) == _stable(manifest_before)
    assert "0 figures moved" in result.summary["changes"]


def test_second_run_online_downloads_no_data(first, demo_env, tmp_path):
    home0, _, _ = first
    fake = demo_env.pxweb
    home = _copy(home0, tmp_path)
    before = processed_digests(home / "data" / "processed")
    n0 = fake.request_count
    rf.run_refresh(_options(demo_env, home))
    new = fake.requests[n0:]
    assert new and all(r.method == "GET" for r in new)  # /config, /metadata, /tables/{id}: no data POST
    assert processed_digests(home / "data" / "processed") == before
    assert _stable(_manifest(home))["inputs"] == _stable(_manifest(home0))["inputs"]


def test_injected_server_fault_fails_the_fetch_stage_and_keeps_outputs(first, demo_env, tmp_path):
    home0, _, _ = first
    fake, wfs = demo_env.pxweb, demo_env.wfs
    home = _copy(home0, tmp_path)
    before = processed_digests(home / "data" / "processed")
    report_before = (home / "reports" / "2024" / "manifest.json").read_bytes()
    fake.fail_next(times=1, status=400, route="/tables/TAB6684")
    args = ["--kommun", "9999", "--years", "2015-2024", "--home", str(home), "--base-url", fake.url,
            "--wfs-url", wfs.url]  # fmt: skip
    result = CliRunner().invoke(refresh_app, args)
    assert result.exit_code == 1, result.output
    assert "fetch" in result.output and "TAB6684" in result.output
    assert "orörda" in result.output
    assert processed_digests(home / "data" / "processed") == before
    assert (home / "reports" / "2024" / "manifest.json").read_bytes() == report_before
    assert not list((home / "data").glob(".processed.*"))


def test_failure_after_writing_leaves_previous_outputs(first, demo_env, tmp_path):
    home0, _, _ = first
    home = _copy(home0, tmp_path)
    before = processed_digests(home / "data" / "processed")

    def boom(ctx: rf.RunContext) -> None:
        assert (ctx.processed / "counts.parquet").exists()  # the new tables were written (to staging)
        raise RuntimeError("chart export broke")

    stages = rf.replace_stage(rf.STAGES, "charts", boom)
    with pytest.raises(
        rf.RefreshError, match="stage 'charts' failed: RuntimeError: chart export broke"
    ) as err:
        rf.run_refresh(_options(demo_env, home, offline=True), stages=stages)
    assert err.value.stage == "charts"
    assert processed_digests(home / "data" / "processed") == before
    assert not list((home / "data").glob(".processed.*")) and not list((home / "reports").glob(".2024.*"))


def test_offline_without_cache_names_the_missing_layer(demo_env, tmp_path):
    with pytest.raises(rf.RefreshError, match="stage 'geometry' failed: WfsCacheMiss.*stat:DeSO_2018"):
        rf.run_refresh(_options(demo_env, tmp_path, offline=True))
    assert not (tmp_path / "data" / "processed").exists()


def test_notebooks_are_executed_with_parameters(first, demo_env, tmp_path, monkeypatch):
    home0, _, _ = first
    _copy(home0, tmp_path)
    # a relative home (as in `segindicators demo --out demo-output`): notebooks run with their own folder as
    # cwd, so the data_dir they receive must be absolute
    monkeypatch.chdir(tmp_path)
    home = Path("home")
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("kommun = None\ndata_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import pandas as pd, pathlib\n"
        "assert pathlib.Path(data_dir).is_absolute(), data_dir\n"
        "n = len(pd.read_parquet(pathlib.Path(data_dir) / 'counts.parquet'))\n"
        "assert kommun == '9999' and n > 0"
    )]  # fmt: skip
    nbformat.write(nb, nbdir / "01_check.ipynb")
    result = rf.run_refresh(_options(demo_env, home, offline=True, notebooks=nbdir))
    assert (home / "reports" / "2024" / "notebooks" / "01_check.ipynb").exists()
    assert "01_check" in result.summary["notebooks"]


def test_demo_command(tmp_path):
    result = CliRunner().invoke(demo_app, ["--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "0 + 0 + 0 förfrågningar" in result.output and "byte-identisk: ja" in result.output
    assert "Total tid" in result.output
    assert _manifest(tmp_path / "demo")["synthetic"] is True


def test_stage_order():
    # indices run before the plan so the plan follows the citywide indices too
    # kolada runs before the plan so the plan follows the municipality-level KPIs too
    assert [s.name for s in rf.STAGES] == ["geometry", "fetch", "validate", "harmonise", "write", "indices",
                                          "kolada", "plan", "typology", "charts", "report", "notebooks", "changes",
                                          "manifest"]  # fmt: skip
    with pytest.raises(KeyError, match="no stage 'maps'"):
        rf.replace_stage(rf.STAGES, "maps", lambda ctx: None)


def test_options_years_default_report_year():
    opts = rf.RefreshOptions(kommun="0580", years=(2020, 2021))
    assert opts.year_for_report == 2021 and replace(opts, report_year=2030).year_for_report == 2030


def test_riket_rows_equal_the_synthetic_national_series(first):
    _, result, _ = first
    c = result.counts
    truth = syn.generate().counts
    t = truth[(truth["level"] == "riket") & (truth["variable"] == "background")]
    t = t.pivot_table(index="year", columns="category", values="value")
    got = c[(c["level"] == "riket") & (c["indicator"] == "foreign_background_share")].set_index("year")
    assert sorted(got.index) == list(YEARS)
    assert (got["area"] == "00").all() and (got["area_name"] == "Riket").all()
    pd.testing.assert_series_equal(got["numerator"], t["foreign"].reindex(got.index), check_names=False)
    pd.testing.assert_series_equal(got["denominator"], t["total"].reindex(got.index), check_names=False)


def test_kommun_rows_are_scbs_own_figures_without_gaps(first):
    """The kommun series is SCB's published kommun figure, not a DeSO sum that a suppressed DeSO would break."""
    _, result, _ = first
    c = result.counts
    truth = syn.generate().counts
    t = truth[(truth["level"] == "kommun") & (truth["variable"] == "economic_standard_0_19")]
    t = t.pivot_table(index="year", columns="category", values="value")
    got = c[(c["level"] == "kommun") & (c["indicator"] == "low_economic_standard_0_19")].set_index("year")
    assert sorted(got.index) == list(YEARS) and got["value"].notna().all()
    assert not got["flags"].str.contains("pooled").any()
    # SCB publishes whole percent (TAB6685 unit decimals 0): the figure is within its stated rounding of the truth
    assert (got["rounding"] == 0.005).all()
    err = (got["value"] - (t["low"] / t["total"]).reindex(got.index)).abs()
    assert (err <= got["rounding"] + 1e-12).all()
    np.testing.assert_array_equal(got["denominator"], t["total"].reindex(got.index))


def test_tables_without_riket_rows_give_no_sweden_value_and_no_failure(first, demo_env):
    """SCB publishes TAB6680 (BAS) and TAB6258/TAB6638 for DeSO and RegSO only (their /metadata): riket is not
    asked for there, the other tables bring their riket rows in the same call, and nothing fails."""
    _, result, _ = first
    riket = set(result.counts.loc[result.counts["level"] == "riket", "indicator"])
    assert {"population", "foreign_background_share", "low_economic_standard_0_19"} <= riket
    assert not {"employment_rate_20_64", "rental_dwellings_share"} & riket
    bodies = {
        r.path.split("/")[-2]: {s["variableCode"]: s["valueCodes"] for s in r.body["selection"]}
        for r in demo_env.pxweb.data_requests()
    }
    assert bodies["TAB6680"]["Region"] == ["9999*"] and bodies["TAB6574"]["Region"] == ["9999*", "00"]
    kommun = result.counts[
        (result.counts["level"] == "kommun") & (result.counts["indicator"] == "employment_rate_20_64")
    ]
    assert len(kommun) and kommun["flags"].str.contains("pooled").all()
    assert kommun["flags"].str.contains("unvouched_sum").all()  # TAB6680: aggregallowed false


def test_plan_status_has_a_sweden_value_wherever_scb_publishes_one(first):
    """Riket rows come with each table's own call; one table without riket no longer drops them all."""
    home, result, _ = first
    status = pd.read_parquet(home / "data" / "processed" / "plan_status.parquet")
    riket = result.counts[result.counts["level"] == "riket"]
    published = set(zip(riket["indicator"], riket["year"], strict=True))
    keys = list(zip(status["indicator"], status["year"], strict=True))
    rows = status[np.array([k in published for k in keys]) & status["value"].notna().to_numpy()]
    assert len(rows) > 0 and rows["sweden_value"].notna().all()
    assert "low_economic_standard_0_19" in set(rows["indicator"])
