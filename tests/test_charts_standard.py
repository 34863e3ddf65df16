"""The standard chart set: rendered by the real refresh (charts stage) on the synthetic demo served over HTTP
by the fake SCB servers, and from the real national RegSO export in ../shared/reference.

One refresh run per test session (``demo_refresh`` in conftest.py, shared with the report tests). Set SEGINDICATORS_CHART_OUT=/some/dir to keep the PNGs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segindicators.charts import SYNTHETIC_MARK, plotted_data
from segindicators.charts.specs import standard_chart_specs
from segindicators.charts.standard import render_standard_charts
from segindicators.charts.style import all_texts, data_lines
from segindicators.charts.style import sources_from_frame as sources_of
from segindicators.demo import synthetic as syn
from segindicators.demo.profile import demo_profile

DRAWN = [
    "01_trend_low_economic_standard_0_19", "02_trend_employment_rate_20_64", "03_trend_foreign_born_share",
    "04_trend_education_post_secondary_3plus", "05_ranked_low_economic_standard_0_19",
    "06_ranked_employment_rate_20_64", "07_ranked_foreign_born_share", "08_index_trend_economic_standard",
    "09_index_trend_background", "10_decomposition_theil_h_income", "11_ice_economic_standard",
    *[f"14_plan_status_{k}" for k in range(1, 6)], "15_measures_status", "16_map_area_type", "17_map_low_economic_standard_0_19",
]  # fmt: skip
NOT_DRAWN = [  # a single-municipality run has no peer indices; the demo ships a (synthetic) measures register
    "12_peers_dissimilarity_background",
    "13_peers_rank_dissimilarity_background",
]


def _keep(paths: list[Path]) -> None:
    keep = os.environ.get("SEGINDICATORS_CHART_OUT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for p in paths:
            shutil.copy(p, Path(keep) / p.name)


@pytest.fixture(scope="module")
def run(demo_refresh):
    """One refresh of the synthetic demo (all stages, charts included) over HTTP against the fakes (conftest)."""
    return demo_refresh


@pytest.fixture(scope="module")
def again(run, tmp_path_factory):
    """The same set rendered again from data/processed (PNG only), figures kept for checks."""
    out = tmp_path_factory.mktemp("again")
    meta = _sheet(run.reports / "01_trend_low_economic_standard_0_19.xlsx", "Metadata").set_index("Fält")
    retrieved = str(meta.loc["Hämtningsdatum", "Värde"])
    assert retrieved[:4].isdigit()  # the stage recorded the raw inputs' retrieval date
    charts = render_standard_charts(run.processed, out, kommun="9999", year=2024, profile=demo_profile(),
                                    formats=("png",), keep_figures=True, retrieved=retrieved)  # fmt: skip
    return charts, out


def _sheet(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")


def test_stage_writes_every_expected_file(run):
    reports = run.reports
    for name in DRAWN:
        for ext in ("png", "svg", "pdf", "xlsx"):
            assert (reports / f"{name}.{ext}").stat().st_size > 1000, f"{name}.{ext}"
    for name in NOT_DRAWN:
        assert not (reports / f"{name}.png").exists()
    index = (reports / "index.md").read_text(encoding="utf-8")
    for name in DRAWN:
        assert f"]({name}.png)" in index
    for name in NOT_DRAWN:
        assert f"`{name}`" in index
    assert index.count("Inte ritat (not drawn)") == len(NOT_DRAWN)
    assert "jämförelsekommuner" in index  # the reason peers are skipped, not faked
    assert SYNTHETIC_MARK in index
    assert "charts" in run.timings and "0 diagram" not in run.summary["charts"]
    assert set(run.manifest["reports"]) >= {f"{n}.xlsx" for n in DRAWN}  # manifest runs after charts
    _keep([reports / f"{n}.png" for n in DRAWN])


def test_rerender_is_byte_identical_xlsx(run, again):
    charts, out = again
    assert [c.name for c in charts] == DRAWN
    assert [s.name for s in charts.skipped] == NOT_DRAWN
    for name in DRAWN:
        assert (out / f"{name}.xlsx").read_bytes() == (run.reports / f"{name}.xlsx").read_bytes(), name


@pytest.mark.parametrize("name", DRAWN)
def test_xlsx_equals_plotted_data(again, name):
    charts, out = again
    want = plotted_data(charts.figures[name])
    back = _sheet(out / f"{name}.xlsx", "Data")
    assert list(back.columns) == [str(c) for c in want.columns]
    assert len(back) == len(want) > 0
    for col in want.columns:
        a, b = want[col], back[str(col)]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=0, atol=1e-12)
        else:
            assert a.astype("string").fillna("").tolist() == b.astype("string").fillna("").tolist(), col


@pytest.mark.parametrize("name", [n for n in DRAWN if "_trend_" in n and not n.startswith(("08", "09"))])
def test_trend_lines_equal_processed_counts(run, again, name):
    """Each line of a trend chart is the processed series itself (not re-derived)."""
    charts, out = again
    fig = charts.figures[name]
    back = _sheet(out / f"{name}.xlsx", "Data")
    lines = data_lines(fig.axes[0])
    assert 4 <= len(lines) <= 5  # three focus areas, the kommun, riket
    for ln in lines:
        sub = back[back["series"] == ln.get_label()]
        np.testing.assert_array_equal(ln.get_xdata(), sub["year"].to_numpy())
        np.testing.assert_allclose(ln.get_ydata(), sub["value"].to_numpy(dtype=float))
    spec = next(s for s in standard_chart_specs() if s.name == name)
    counts = pd.read_parquet(run.processed / "counts.parquet")
    focus = counts[(counts["indicator"] == spec.indicator) & (counts["level"] == "focus")
                   & (counts["geo_version"] == "harmonised") & (counts["area"] == "norrdalen")]  # fmt: skip
    got = back[back["series"] == "Norrdalen"].set_index("year")["value"]
    np.testing.assert_allclose(got.to_numpy(dtype=float), focus.set_index("year")["value"].reindex(got.index))


def test_ranked_bars_equal_regso_values_and_highlights(run, again):
    charts, out = again
    name = "05_ranked_low_economic_standard_0_19"
    back = _sheet(out / f"{name}.xlsx", "Data")
    widths = [p.get_width() for p in charts.figures[name].axes[0].patches]
    np.testing.assert_allclose(widths, back["value"].fillna(0).to_numpy())
    counts = pd.read_parquet(run.processed / "counts.parquet")
    regso = counts[(counts["indicator"] == "low_economic_standard_0_19") & (counts["level"] == "RegSO")
                   & (counts["year"] == 2024) & (counts["geo_version"] == "2025")]  # fmt: skip
    assert len(back) == len(regso) == 12
    np.testing.assert_allclose(
        back.set_index("area")["value"].sort_index(), regso.set_index("area")["value"].sort_index()
    )
    assert set(back.loc[back["highlight"] == "focus", "area"]) == set(syn.FOCUS_AREAS)
    kommun = counts[(counts["indicator"] == "low_economic_standard_0_19") & (counts["level"] == "kommun")
                    & (counts["year"] == 2024)]["value"].item()  # fmt: skip
    assert back["municipal_value"].iloc[0] == pytest.approx(kommun)


@pytest.mark.parametrize("name", DRAWN)
def test_synthetic_mark_on_every_chart(again, name):
    charts, out = again
    assert SYNTHETIC_MARK in all_texts(charts.figures[name])
    meta = _sheet(out / f"{name}.xlsx", "Metadata").set_index("Fält")
    assert str(meta.loc["Syntetiska data", "Värde"]).startswith("Ja")


@pytest.mark.parametrize(
    "name", ["01_trend_low_economic_standard_0_19", "03_trend_foreign_born_share", "08_index_trend_economic_standard",
             "09_index_trend_background", "10_decomposition_theil_h_income"],
)  # fmt: skip
def test_breaks_marked_where_the_series_crosses_them(again, name):
    charts, out = again
    texts = all_texts(charts.figures[name])
    assert "Seriebrott¹" in texts
    assert any(t.startswith("¹ Seriebrott 2024:") for t in texts)
    meta = _sheet(out / f"{name}.xlsx", "Metadata")
    assert meta.loc[meta["Fält"] == "Seriebrott", "Värde"].tolist() == [2024]


def test_break_outside_plotted_years_not_marked(again):
    """BAS starts in 2020 and the BAS series starts in 2020: only the 2024 geography break is crossed."""
    charts, out = again
    meta = _sheet(out / "02_trend_employment_rate_20_64.xlsx", "Metadata")
    assert meta.loc[meta["Fält"] == "Seriebrott", "Värde"].tolist() == [2024]


def test_sources_have_updated_stamps(again):
    charts, out = again
    meta = _sheet(out / "01_trend_low_economic_standard_0_19.xlsx", "Metadata")
    tables = meta.loc[meta["Fält"] == "Källtabell", ["Värde", "Detalj"]].values.tolist()
    # one table: TAB6685 publishes the share and its own number of persons (no TAB6574 persons base any more);
    # the demo's tables carry the `updated` stamp of SCB's recorded metadata
    assert tables == [["SCB TAB6685", "uppdaterad 2026-01-20T07:00:00Z"]]


def test_measures_register_chart_when_a_register_is_given(run, tmp_path):
    from segindicators.plan.measures import load_register

    reg = replace(load_register("linkoping_2023_measures"), municipality="9999")
    spec = [s for s in standard_chart_specs() if s.name == "15_measures_status"]
    charts = render_standard_charts(run.processed, tmp_path, kommun="9999", year=2024, profile=demo_profile(),
                                    specs=spec, measures=reg, formats=("png",), keep_figures=True)  # fmt: skip
    data = plotted_data(charts.figures["15_measures_status"])
    got = data.set_index(["year", "status"])["count"]
    assert got[(2022, "genomförd")] == 15 and got[(2022, "pågår")] == 39 and got[(2022, "ej genomförd")] == 6
    assert got[(2023, "okänd")] == 50  # 2023: only the total is known, drawn as "status ej redovisad"
    assert pd.isna(got[(2023, "genomförd")])  # not reported that year: empty, never 0
    assert pd.isna(got.get((2022, "okänd"), pd.NA))
    _keep([tmp_path / "15_measures_status.png"])


def test_missing_inputs_are_listed_not_drawn(tmp_path):
    counts = pd.DataFrame(
        {"kommun": "9999", "level": "kommun", "geo_version": "2018", "area": "9999", "area_name": "X",
         "year": [2022, 2023], "indicator": "foreign_born_share", "numerator": [10.0, 11.0],
         "denominator": [100.0, 100.0], "value": [0.1, 0.11], "unit": "share", "status": None,
         "source_table": "TAB6572", "table_updated": "2024-05-02", "flags": ""}
    )  # fmt: skip
    charts = render_standard_charts({"counts": counts}, tmp_path, kommun="9999", year=2023, synthetic=True,
                                    measures=None, formats=("png",))  # fmt: skip
    assert [c.name for c in charts] == ["03_trend_foreign_born_share"]  # kommun only: no profile focus areas
    assert len(charts.skipped) == len(standard_chart_specs()) - 1
    index = charts.index.read_text(encoding="utf-8")
    assert "indices.parquet) saknas" in index and "geometri" not in index.split("16_map_area_type")[0][-10:]


def test_sources_of_splits_combined_tables():
    df = pd.DataFrame({"source_table": ["TAB6685+TAB6574"], "table_updated": ["2025-02-21"]})
    assert [s.table for s in sources_of(df)] == ["TAB6574", "TAB6685"]
    from segindicators.catalogue import load_catalogue

    bas = load_catalogue().indicator("employment_rate_20_64").breaks[0]
    assert bas.reason_sv.startswith("BAS (sysselsatta) ersätter RAMS")  # the footnote readers see


# --- real data: the national RegSO export (../shared/reference) ------------------------------------------

PEER_SPECS = ("03_trend_foreign_born_share", "07_ranked_foreign_born_share", "12_peers_dissimilarity_background",
              "13_peers_rank_dissimilarity_background")  # fmt: skip


@pytest.fixture(scope="module")
def reference_set(born_in_sweden, reference_dir, tmp_path_factory):
    """Foreign-born share by RegSO for Linköping and its peers (2020–2023), D per municipality, rendered."""
    from segindicators.geography import load_profile
    from segindicators.geography.lookups import read_reference_lookups
    from segindicators.typology.peers import citywide_by_kommun, foreign_born_counts_from_export

    profile = load_profile("0580")
    lookup = read_reference_lookups(reference_dir / "lookups")
    national = foreign_born_counts_from_export(born_in_sweden, lookup[lookup["geo_version"] == "2018"])
    riket = national.groupby("year")[["numerator", "denominator"]].sum().reset_index()
    keep = national[national["kommun"].isin(["0580", *profile.peers])]
    kommun = keep.groupby(["kommun", "year"])[["numerator", "denominator"]].sum().reset_index()
    base = {"geo_version": "2018", "indicator": "foreign_born_share", "unit": "share", "status": None,
            "source_table": "TAB6572 (web export)", "flags": ""}  # fmt: skip
    counts = pd.concat(
        [
            keep,
            kommun.assign(level="kommun", area=kommun["kommun"], area_name=pd.NA, **base),
            riket.assign(kommun="00", level="riket", area="00", area_name="Riket", **base),
        ],
        ignore_index=True,
    )
    counts["value"] = counts["numerator"] / counts["denominator"]
    indices = citywide_by_kommun(counts, indices="dissimilarity", levels=("RegSO",)).assign(
        group="foreign_born"
    )
    specs = [
        replace(s, indicator="foreign_born", population="utrikes födda respektive födda i Sverige")
        if s.name.startswith(("12_", "13_")) else s
        for s in standard_chart_specs() if s.name in PEER_SPECS
    ]  # fmt: skip
    out = tmp_path_factory.mktemp("reference")
    charts = render_standard_charts({"counts": counts, "indices": indices}, out, kommun="0580", year=2023,
                                    profile=profile, specs=specs, formats=("png",), keep_figures=True)  # fmt: skip
    _keep([out / f"{c.name}.png" for c in charts])
    return charts, counts, out


@pytest.mark.reference
def test_reference_set_renders_all_four(reference_set):
    charts, _, out = reference_set
    assert [c.name for c in charts] == list(PEER_SPECS) and charts.skipped == []
    for c in charts:
        assert SYNTHETIC_MARK not in all_texts(charts.figures[c.name])
        assert (out / f"{c.name}.xlsx").exists()


@pytest.mark.reference
def test_reference_ranked_foreign_born_linkoping(reference_set, born_in_sweden):
    charts, _, _ = reference_set
    data = plotted_data(charts.figures["07_ranked_foreign_born_share"])
    assert len(data) == 32 and data["value"].is_monotonic_decreasing
    assert sorted(data.loc[data["highlight"] == "focus", "area_name"]) == [
        "Berga",
        "Ryd",
        "Skäggetorp-Tornby",
    ]
    # independent: Skäggetorp-Tornby 2023 straight from the raw export rows
    raw = born_in_sweden[born_in_sweden["region"].str.startswith("Linköping (Skäggetorp")]
    raw = raw[raw["year"] == 2023].set_index("födelseregion")["value"]
    want = (raw["totalt"] - raw["Sverige"]) / raw["totalt"]
    assert data.set_index("area")["value"]["0580R018"] == pytest.approx(want)
    texts = all_texts(charts.figures["07_ranked_foreign_born_share"])
    assert any(
        "typologin saknas" in t for t in texts
    )  # no affluence inputs in this export: said, not guessed


@pytest.mark.reference
def test_reference_dissimilarity_trend_with_peers(reference_set):
    charts, counts, _ = reference_set
    data = plotted_data(charts.figures["12_peers_dissimilarity_background"])
    lkp = data[data["series"] == "Linköping"].sort_values("year")
    assert lkp["year"].tolist() == [2020, 2021, 2022, 2023]
    for year, d in zip(lkp["year"], lkp["value"], strict=True):
        g = counts[(counts["kommun"] == "0580") & (counts["level"] == "RegSO") & (counts["year"] == year)]
        x, t = g["numerator"].to_numpy(), g["denominator"].to_numpy()
        y = t - x  # D = ½ Σ |x_i/X − y_i/Y| (Duncan & Duncan 1955), by hand
        assert d == pytest.approx(0.5 * np.abs(x / x.sum() - y / y.sum()).sum(), abs=1e-12)
    assert data["series"].str.contains("median \\(8 st.\\)").any()
    rank = plotted_data(charts.figures["13_peers_rank_dissimilarity_background"])
    assert len(rank) == 9 and set(rank["first_year"]) == {2020} and set(rank["last_year"]) == {2023}


def test_plan_charts_name_every_source_of_their_panels(run):
    """Area 1 follows a Kolada KPI and D on the background group: both sources are on the chart."""
    meta = _sheet(run.reports / "14_plan_status_1.xlsx", "Metadata").set_index("Fält")
    line = str(meta.loc["Källa", "Värde"])
    assert "SCB, tabell TAB6571 (uppdaterad 2025-06-01)" in line and "Kolada, nyckeltal N05401" in line
    assert "segindicators.plan" not in str(meta.loc["Definition", "Värde"])
