"""The refresh's ``kolada`` and ``typology`` stages on the synthetic demo, over HTTP against the fake servers."""

from __future__ import annotations

import socket
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from segindicators.demo import synthetic as syn
from segindicators.demo.cli import processed_digests
from segindicators.demo.kolada import demo_kolada
from segindicators.demo.profile import demo_plan
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.pipeline import refresh as rf
from segindicators.typology.affluence import AFFLUENCE_SV, DEPRIVATION_SV
from tests.test_refresh import FAST, YEARS, _copy, _manifest, _stable

KPIS = plan_kpis(demo_plan())


def _options(demo_env, home, **kw) -> rf.RefreshOptions:
    """The demo environment's refresh (conftest.py ``demo_env``) into ``home``; charts have their own tests."""
    return replace(demo_env.options, home=home, retry=FAST, charts=False, **kw)


def _counts(demo_env) -> tuple[int, int, int]:
    served = demo_env.requests
    return served.pxweb, served.wfs, served.kolada


@pytest.fixture(scope="module")
def first(demo_env, tmp_path_factory):
    """One online run; also captures what the typology stage leaves for the charts stage."""
    home = tmp_path_factory.mktemp("home")
    seen: dict = {}
    charts = next(s.run for s in rf.STAGES if s.name == "charts")

    def capture(ctx: rf.RunContext) -> None:
        seen.update(vars(ctx.typology))
        charts(ctx)

    before = _counts(demo_env)
    result = rf.run_refresh(_options(demo_env, home), stages=rf.replace_stage(rf.STAGES, "charts", capture))
    calls = tuple(a - b for a, b in zip(_counts(demo_env), before, strict=True))
    return home, result, calls, seen


def _own_year(frame: pd.DataFrame, level: str, year: int) -> pd.DataFrame:
    m = frame[(frame["level"] == level) & (frame["year"] == year)]
    return m[m["geo_version"] == ("2025" if year >= 2024 else "2018")]


# ------------------------------------------------------------------------------------------------ typology


def test_typology_files_and_flags_as_the_generator_intends(first):
    home, result, _, _ = first
    processed, reports = home / "data" / "processed", home / "reports" / "2024"
    assert {"typology.parquet", "typology.csv", "area_types.parquet"} <= {p.name for p in processed.iterdir()}
    assert {"affluence.xlsx", "affluence.csv"} <= {p.name for p in reports.iterdir()}
    measures = pd.read_parquet(processed / "typology.parquet")
    assert set(measures["level"]) == {"RegSO", "DeSO"}
    assert set(measures["year"]) == set(YEARS)
    assert set(measures["geo_version"]) == {"2018", "2025", "harmonised"}
    for year in YEARS:
        conc = _own_year(measures, "RegSO", year).drop_duplicates("area").set_index("area")["concentration"]
        deprived = set(conc[conc.str.contains(DEPRIVATION_SV, regex=False)].index)
        affluent = set(conc[conc.str.contains(AFFLUENCE_SV, regex=False)].index)
        assert deprived == set(syn.FOCUS_AREAS), year
        assert set(syn.AFFLUENT_AREAS) <= affluent and not affluent & set(syn.FOCUS_AREAS), year
    # the focus areas rank last on every ICE dimension, the affluent areas in the top three
    ice = _own_year(measures, "RegSO", 2024)
    ice = ice[ice["measure"].str.startswith("ice_")].set_index(["area", "measure"])["rank"].unstack()
    assert (ice.loc[list(syn.FOCUS_AREAS)] >= 10).all().all()
    assert (ice.loc[list(syn.AFFLUENT_AREAS)] <= 3).all().all()
    assert "2024: RegSO 3 koncentrerat välstånd / 3 koncentrerad fattigdom" in result.summary["typology"]


def test_ice_background_equals_an_independent_computation(first):
    home, _, _, _ = first
    counts = pd.read_parquet(home / "data" / "processed" / "counts.parquet")
    measures = pd.read_parquet(home / "data" / "processed" / "typology.parquet")
    fb = counts[(counts["indicator"] == "foreign_background_share") & (counts["level"] == "RegSO")]
    fb = fb[fb["geo_version"] == "2018"].set_index(["area", "year"])
    expected = (fb["denominator"] - 2 * fb["numerator"]) / fb["denominator"]  # (swedish - foreign) / total
    got = measures[(measures["measure"] == "ice_background") & (measures["level"] == "RegSO")]
    got = got[got["geo_version"] == "2018"].set_index(["area", "year"])["value"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.reindex(got.index).sort_index(), check_names=False
    )
    # the municipal value is the pooled ICE over the areas (sum A - sum P) / sum T
    pooled = expected.mul(fb["denominator"]).groupby("year").sum() / fb["denominator"].groupby("year").sum()
    kv = measures[(measures["measure"] == "ice_background") & (measures["level"] == "RegSO")]
    kv = kv[kv["geo_version"] == "2018"].drop_duplicates("year").set_index("year")["kommun_value"]
    np.testing.assert_allclose(kv.sort_index().to_numpy(), pooled.sort_index().to_numpy(), rtol=1e-12)


def test_area_types_are_municipal_relative_and_agreement_is_computed(first):
    home, result, _, seen = first
    types = pd.read_parquet(home / "data" / "processed" / "area_types.parquet")
    rep = types[types["index"] == "area_type_kommun_relative"]
    assert len(rep) and rep["flags"].str.contains("kommun_relative").all()
    assert rep["flags"].str.contains("v3_proxy").all()
    assert "area_type_reproduced" not in set(types["index"])  # one municipality: no national bands
    assert set(rep["level"]) == {"RegSO", "DeSO"}
    assert set(rep["value"].dropna()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    # agreement, recomputed by hand from the written file (RegSO, native geography versions, every year)
    off = types[types["index"] == "area_type_official"]
    key = ["geo_version", "area", "year"]
    pairs = (
        rep[(rep["level"] == "RegSO") & rep["geo_version"].isin(["2018", "2025"])]
        .merge(off[off["geo_version"].isin(["2018", "2025"])], on=key, suffixes=("_rep", "_off"))
        .dropna(subset=["value_rep", "value_off"])
    )
    share = float((pairs["value_rep"] == pairs["value_off"]).mean())
    a = seen["agreement"]["all_years"]
    # V3 (employment) exists from 2019 (RAMS 2019 in the catalogue, BAS 2020-)
    assert a.n == len(pairs) == 12 * 6
    assert a.share_agreeing == pytest.approx(share)
    assert f"överensstämmelse med officiell typ {share:.0%}" in result.summary["typology"]
    assert "kommunrelativa" in result.summary["typology"]
    assert seen["reference"] == "kommun" and seen["table_year"] == 2024


def test_affluence_table_answers_the_mp_note(first):
    home, _, _, seen = first
    reports = home / "reports" / "2024"
    sheets = pd.read_excel(reports / "affluence.xlsx", sheet_name=None)
    assert list(sheets) == ["Välstånd", "Överensstämmelse", "Noter"]
    table = sheets["Välstånd"]
    assert table.loc[table["Grupp"] == "Fokusområde", "Kod"].tolist() == list(syn.FOCUS_AREAS)
    assert set(syn.AFFLUENT_AREAS) <= set(table.loc[table["Grupp"] == "Koncentrerat välstånd", "Kod"])
    assert {"Kommunen (alla områden)", "Riket"} <= set(table["Grupp"])
    notes = sheets["Noter"]["Not"].tolist()
    assert notes[0] == syn.SYNTHETIC_LABEL and any("kommunrelativa" in n for n in notes)
    csv = pd.read_csv(reports / "affluence.csv")
    assert csv["Kod"].astype(str).tolist() == table["Kod"].astype(str).tolist()
    assert set(seen) >= {"measures", "index", "area_types", "official", "table", "agreement", "thresholds"}


# -------------------------------------------------------------------------------------------------- kolada


def test_kolada_values_feed_the_plan(first, demo_env):
    home, result, calls, _ = first
    kolada = demo_env.kolada
    assert calls[2] == 2  # /kpi/{3 ids} and one /data request
    data = kolada.data_requests()[0].path
    assert data.endswith(
        "/data/kpi/N05401,N15428,N31807/municipality/0000,9999/year/" + ",".join(map(str, YEARS))
    )
    k = pd.read_parquet(home / "data" / "processed" / "kolada.parquet")
    assert set(k["kpi"]) == set(KPIS) and set(k["municipality"]) == {"9999", "0000"}
    served = kolada.values[("N15428", "9999", 2022)]["T"]["value"]
    t = k[k["gender"] == "T"]  # N15428 is divided by gender (its real record says so): T, K and M rows
    assert t.set_index(["kpi", "municipality", "year"]).loc[("N15428", "9999", 2022), "value"] == served
    # Changed: N05401 has a value every year (as Kolada publishes it), only election years are observations
    n05401 = k[k["kpi"] == "N05401"]
    assert sorted(n05401["year"].unique()) == list(YEARS) and set(n05401["gender"]) == {"T", "K", "M"}
    assert sorted(n05401.loc[~n05401["carried_forward"].astype(bool), "year"].unique()) == [2018, 2022]
    assert (k["status"] == syn.SYNTHETIC_LABEL).all()  # every served number is labelled synthetic
    status = pd.read_parquet(home / "data" / "processed" / "plan_status.parquet")
    ks = status[status["indicator"].str.startswith("kolada:")]
    assert set(ks["indicator"]) == {f"kolada:{k}" for k in KPIS}
    assert ks["year"].notna().all()
    latest = ks.sort_values("year").drop_duplicates("indicator", keep="last")
    assert (latest["status"] != "insufficient data").all(), latest[["indicator", "status", "reason"]]
    assert latest["sweden_value"].notna().all()
    assert "3 KPI × 2 kommuner" in result.summary["kolada"]
    assert not [w for w in result.warnings if w.startswith("kolada")]
    assert {i["what"] for i in _manifest(home)["inputs"]} >= {"metadata of KPI N05401,N15428,N31807"}


def test_offline_second_run_zero_calls_to_every_fake_and_same_bytes(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    before = processed_digests(home / "data" / "processed")
    manifest_before = _manifest(home)
    n0 = _counts(demo_env)
    result = rf.run_refresh(_options(demo_env, home, offline=True))
    assert _counts(demo_env) == n0  # PxWeb, WFS and Kolada: no request at all
    assert processed_digests(home / "data" / "processed") == before
    assert {"kolada.parquet", "typology.parquet", "area_types.parquet"} <= set(before)
    assert _stable(_manifest(home)) == _stable(manifest_before)
    assert "0 HTTP-anrop" in result.summary["kolada"]


def test_unknown_kpi_is_a_warning_and_the_other_kpis_still_arrive(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    partial = demo_kolada(["N15428", "N31807"], YEARS)  # Kolada "does not know" N05401
    with partial:
        result = rf.run_refresh(_options(demo_env, home, kolada_url=partial.url))
    assert any("does not know KPI N05401" in w for w in result.warnings)
    assert "okända KPI: N05401" in result.summary["kolada"]
    k = pd.read_parquet(home / "data" / "processed" / "kolada.parquet")
    assert set(k["kpi"]) == {"N15428", "N31807"}
    status = pd.read_parquet(home / "data" / "processed" / "plan_status.parquet")
    assert status.loc[status["indicator"] == "kolada:N05401", "status"].tolist() == ["insufficient data"]
    assert _manifest(home)["run"]["warnings"] == result.warnings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kolada_down_is_a_warning_not_a_failed_run(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    url = f"http://127.0.0.1:{_closed_port()}/v3"
    result = rf.run_refresh(_options(demo_env, home, kolada_url=url))
    assert result.summary["kolada"].startswith("FEL, inga Kolada-värden")
    (warning,) = [w for w in result.warnings if w.startswith("kolada:")]
    assert "no Kolada values this run" in warning and "127.0.0.1" in warning
    assert not (home / "data" / "processed" / "kolada.parquet").exists()
    status = pd.read_parquet(home / "data" / "processed" / "plan_status.parquet")
    ks = status[status["indicator"].str.startswith("kolada:")]
    assert set(ks["status"]) == {"insufficient data"} and len(ks) == len(KPIS)
    assert (home / "data" / "processed" / "typology.parquet").exists()  # the rest of the run went on


def test_offline_without_kolada_cache_is_a_warning(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    import shutil

    shutil.rmtree(home / "data" / "raw" / "kolada")
    result = rf.run_refresh(_options(demo_env, home, offline=True))
    assert any("KoladaCacheMiss" in w and "run once online" in w for w in result.warnings)


def test_synthetic_run_without_kolada_server_skips_and_says_so(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    result = rf.run_refresh(_options(demo_env, home, offline=True, kolada_url=None))
    assert result.summary["kolada"].startswith("skipped: synthetic run without a Kolada server")
    assert any(w.startswith("kolada: skipped") for w in result.warnings)


def test_online_second_run_asks_kolada_again_but_stores_nothing_new(first, demo_env, tmp_path):
    home = _copy(first[0], tmp_path)
    before = processed_digests(home / "data" / "processed")
    raw_before = sorted(p.name for p in (home / "data" / "raw" / "kolada").rglob("*") if p.is_file())
    kolada = demo_env.kolada
    k0 = kolada.request_count
    rf.run_refresh(_options(demo_env, home))
    assert kolada.request_count - k0 == 2  # no freshness check in Kolada: the KPIs are asked again
    assert sorted(p.name for p in (home / "data" / "raw" / "kolada").rglob("*") if p.is_file()) == raw_before
    assert processed_digests(home / "data" / "processed") == before
    assert _stable(_manifest(home))["inputs"] == _stable(_manifest(first[0]))["inputs"]
