"""Chart functions, style rules and export (synthetic frames only: "Syntetiska exempeldata")."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images
from shapely.geometry import box

from segindicators.charts import (
    SYNTHETIC_MARK,
    ChartMeta,
    TooManyLinesError,
    chart_style,
    choropleth_map,
    decomposition_chart,
    export,
    ice_chart,
    index_trend_chart,
    measures_status_chart,
    peer_rank_chart,
    peer_trend_chart,
    plan_status_chart,
    plotted_data,
    ranked_bar_chart,
    trend_chart,
    write_index,
)
from segindicators.charts.style import HELPER_GID, all_texts, data_lines, small_texts
from tests.support import chart_samples as s

BASELINE_DIR = Path(__file__).parent / "baseline"
REGEN = os.environ.get("SEGINDICATORS_REGEN_BASELINE", "") == "1"
TOLERANCE = 2.0
"""RMS difference allowed by compare_images (0–255 grey levels). Fonts are DejaVu Sans shipped with
matplotlib and rendering uses matplotlib's bundled FreeType, so the same versions reproduce pixels
exactly; 2.0 absorbs anti-aliasing noise across platforms but fails on any moved text or bar."""


def squares_gdf() -> gpd.GeoDataFrame:
    """A fictional 4×3 grid of districts (EPSG:3006 metres), values 5–60 %, one suppressed."""
    rows = []
    for i in range(12):
        x, y = i % 4, i // 4
        rows.append(
            {
                "area": f"9999R{i + 1:03d}",
                "area_name": f"Område {chr(65 + i)}",
                "value": 0.05 + 0.05 * i,
                "area_type": 1 + i % 5,
                "geometry": box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000),
            }
        )
    g = gpd.GeoDataFrame(rows, crs="EPSG:3006")
    g.loc[3, "value"] = np.nan
    return g


def meta(title="Titel, population, enhet", unit="share", synthetic=True, **kw) -> ChartMeta:
    return ChartMeta(
        title=title, subtitle="Exempelstad, 2019–2023", unit=unit, sources=s.SRC, synthetic=synthetic, **kw
    )


BUILDERS = {
    "trend": lambda: trend_chart(s.trend_frame(), s.trend_meta()),
    "ranked": lambda: ranked_bar_chart(
        s.ranked_frame(),
        s.ranked_meta(),
        focus=["Område C", "9999R007"],
        affluent=["Område B"],
        municipal_value=0.21,
        municipal_label="Exempelstad",
    ),
    "index_trend": lambda: index_trend_chart(s.index_frame(), s.index_meta()),
    "decomposition": lambda: decomposition_chart(s.decomposition_frame(), meta(unit="index")),
    "ice": lambda: ice_chart(s.ice_frame(), meta(unit="index"), focus=["Område L"]),
    "measures": lambda: measures_status_chart(s.measures_frame(), meta(unit="count")),
    "plan": lambda: plan_status_chart(
        s.plan_frame(),
        meta(breaks=((2022, "exempel"),)),
        indicator_labels={
            "employment_rate_20_64": "Förvärvsarbetande 20–64 år",
            "low_economic_standard_0_19": "Låg ekonomisk standard 0–19 år",
        },
    ),
    "peer_trend": lambda: peer_trend_chart(s.peers_frame(), meta(unit="index"), focus="Exempelstad"),
    "peer_rank": lambda: peer_rank_chart(s.peers_frame(), meta(unit="index"), focus="Exempelstad"),
    "map": lambda: choropleth_map(squares_gdf(), meta(), focus=["9999R006"], k=4),
    "map_area_type": lambda: choropleth_map(
        squares_gdf(), meta(unit=""), column="area_type", categorical=True
    ),
}


# --- image comparison ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trend", "ranked", "index_trend", "ice", "decomposition", "map"])
def test_matches_baseline_image(name, tmp_path):
    fig = BUILDERS[name]()
    actual = tmp_path / f"{name}.png"
    with chart_style():
        fig.savefig(actual, dpi=100, metadata={"Software": None})
    expected = BASELINE_DIR / f"{name}.png"
    if REGEN:
        BASELINE_DIR.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
    assert expected.exists(), (
        f"baseline {expected} missing; generate it with SEGINDICATORS_REGEN_BASELINE=1 pytest tests/test_charts.py "
        "and look at the PNG before committing it."
    )
    result = compare_images(str(expected), str(actual), tol=TOLERANCE)
    assert result is None, result


# --- export: xlsx equals the plotted data -------------------------------------------------------------


def _read_sheet(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_exported_xlsx_equals_plotted_data(name, tmp_path):
    fig = BUILDERS[name]()
    res = export(fig, f"chart_{name}", out_dir=tmp_path)
    assert {p.suffix for p in res.paths.values()} == {".png", ".svg", ".pdf", ".xlsx"}
    back = _read_sheet(res.paths["xlsx"], "Data")
    want = plotted_data(fig)
    assert list(back.columns) == [str(c) for c in want.columns]
    for col in want.columns:
        a, b = want[col], back[str(col)]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=0, atol=1e-12)
        else:
            assert a.astype("string").fillna("").tolist() == b.astype("string").fillna("").tolist(), col


def test_trend_xlsx_equals_line_artists(tmp_path):
    fig = BUILDERS["trend"]()
    res = export(fig, "trend", out_dir=tmp_path)
    back = _read_sheet(res.paths["xlsx"], "Data")
    lines = data_lines(fig.axes[0])
    assert [ln.get_label() for ln in lines] == list(dict.fromkeys(back["series"]))
    for ln in lines:
        sub = back[back["series"] == ln.get_label()]
        np.testing.assert_array_equal(ln.get_xdata(), sub["year"].to_numpy())
        np.testing.assert_allclose(ln.get_ydata(), sub["value"].to_numpy(dtype=float))  # NaN where NaN
    assert back["value"].isna().sum() == 1  # the suppressed cell stays empty, never 0


def test_ranked_xlsx_equals_bar_artists(tmp_path):
    fig = BUILDERS["ranked"]()
    back = _read_sheet(export(fig, "ranked", out_dir=tmp_path).paths["xlsx"], "Data")
    widths = [p.get_width() for p in fig.axes[0].patches]
    np.testing.assert_allclose(widths, back["value"].fillna(0).to_numpy())
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == back["area_name"].tolist()
    assert back["value"].is_monotonic_decreasing or back["value"].dropna().is_monotonic_decreasing
    assert back.set_index("area_name").loc[["Område C", "Område G"], "highlight"].eq("focus").all()
    assert back.set_index("area_name").loc["Område B", "highlight"] == "affluent"


def test_metadata_sheet(tmp_path):
    fig = BUILDERS["trend"]()
    back = _read_sheet(export(fig, "trend", out_dir=tmp_path).paths["xlsx"], "Metadata")
    rows = {r["Fält"]: r for _, r in back.iterrows()}
    assert rows["Källtabell"]["Värde"] == "SCB TAB6685"
    assert rows["Källtabell"]["Detalj"] == "uppdaterad 2025-02-21T08:00:00Z"
    assert rows["Seriebrott"]["Värde"] == 2020
    assert rows["Hämtningsdatum"]["Värde"] == "2025-03-01"
    assert rows["Definition"]["Värde"].startswith("Andel barn 0–19 år")
    assert rows["Syntetiska data"]["Värde"].startswith("Ja")


def test_export_is_byte_stable_and_names_are_stable(tmp_path):
    a = export(BUILDERS["trend"](), "01_trend", out_dir=tmp_path / "a")
    b = export(BUILDERS["trend"](), "01_trend", out_dir=tmp_path / "b")
    for fmt in ("png", "svg", "pdf", "xlsx"):
        assert a.paths[fmt].name == f"01_trend.{fmt}"
        assert a.paths[fmt].read_bytes() == b.paths[fmt].read_bytes(), fmt
    with pytest.raises(ValueError, match="stable file stem"):
        export(BUILDERS["trend"](), "Trend 2024.png", out_dir=tmp_path)


def test_png_is_300_dpi(tmp_path):
    from PIL import Image

    res = export(BUILDERS["ice"](), "ice", out_dir=tmp_path, formats=("png",))
    with Image.open(res.paths["png"]) as im:
        assert round(im.info["dpi"][0]) == 300
        assert im.size[0] == pytest.approx(16 / 2.54 * 300, abs=2)


def test_write_index(tmp_path):
    out = tmp_path / "reports" / "2024"
    res = export(BUILDERS["trend"](), "01_trend", out_dir=out)
    text = write_index(out, [res]).read_text(encoding="utf-8")
    assert text.startswith("# Diagram 2024")
    assert "![Låg ekonomisk standard" in text and "(01_trend.png)" in text and "(01_trend.xlsx)" in text
    assert SYNTHETIC_MARK in text


# --- style rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_synthetic_mark_present_when_synthetic(name):
    assert SYNTHETIC_MARK in all_texts(BUILDERS[name]())


def test_no_synthetic_mark_on_real_data():
    fig = trend_chart(s.trend_frame(), s.trend_meta(synthetic=False))
    texts = all_texts(fig)
    assert SYNTHETIC_MARK not in texts and "SYNTETISKA DATA" not in texts
    assert "Källa: SCB, tabell TAB6685 (uppdaterad 2025-02-21). Bearbetning: segindicators." in texts


def test_more_than_five_lines_is_an_error():
    df = s.trend_frame()
    extra = df[df["area_name"] == "Norrby"].assign(area="9999R009", area_name="Österby")
    with pytest.raises(TooManyLinesError, match="6 lines in one panel; at most 5"):
        trend_chart(pd.concat([df, extra]), s.trend_meta())
    idx = pd.concat([s.index_frame().assign(index=f"i{k}") for k in range(6)])
    with pytest.raises(TooManyLinesError):
        index_trend_chart(idx, s.index_meta())


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_at_most_five_data_lines_and_no_tiny_text(name):
    fig = BUILDERS[name]()
    for ax in fig.axes:
        assert len(data_lines(ax)) <= 5
    assert small_texts(fig) == []


def test_break_marked_when_series_crosses_it():
    fig = trend_chart(s.trend_frame(), s.trend_meta())
    helpers = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == HELPER_GID]
    assert [ln.get_xdata()[0] for ln in helpers] == [2019.5]
    texts = all_texts(fig)
    assert "Seriebrott¹" in texts
    assert "¹ Seriebrott 2020: ny inkomstdefinition i registret (exempel)" in texts


def test_break_not_marked_outside_plotted_years():
    df = s.trend_frame()
    fig = trend_chart(df[df["year"] >= 2020], s.trend_meta())  # 2020 is the first year: nothing crossed
    assert not [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == HELPER_GID]
    assert not any(t.startswith("Seriebrott") or "Seriebrott 2020" in t for t in all_texts(fig))
    fig = index_trend_chart(s.index_frame(), s.index_meta())
    assert any("Seriebrott 2020" in t for t in all_texts(fig))


def test_style_is_not_global():
    before = dict(mpl.rcParams)
    BUILDERS["trend"]()
    assert dict(mpl.rcParams) == before


def test_swedish_ticks_on_percent_axis():
    fig = BUILDERS["trend"]()
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "20\u00a0%" in labels
    years = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "2016" in years and "2023" in years


def test_map_classes_and_outlines():
    fig = BUILDERS["map"]()
    data = plotted_data(fig)
    assert data.loc[data["area"] == "9999R004", "class"].item() == "Uppgift saknas (..)"
    assert data["class"].nunique() == 5  # four classes + missing
    assert data.loc[data["focus"], "area"].tolist() == ["9999R006"]
    texts = all_texts(fig)
    assert "Kommungräns" in texts and "Fokusområde" in texts and "Område F" in texts


def test_missing_columns_named_in_error():
    with pytest.raises(ValueError, match=r"trend_chart: frame lacks column\(s\) \['level'\]"):
        trend_chart(s.trend_frame().drop(columns="level"), s.trend_meta())
    with pytest.raises(ValueError, match="ICE values must lie in"):
        ice_chart(s.ice_frame().assign(value=2.0), meta())


def test_map_focus_by_larger_unit_outlines_dissolved_area():
    g = squares_gdf().assign(regso=lambda d: np.where(d.index < 2, "9999R100", "9999R200"))
    fig = choropleth_map(g, meta(), focus=["9999R100"], focus_by="regso", focus_names={"9999R100": "Norrby"})
    data = plotted_data(fig)
    assert data.loc[data["focus"], "area"].tolist() == ["9999R001", "9999R002"]
    assert "Norrby" in all_texts(fig)
    with pytest.raises(ValueError, match="focus_by='kommun'"):
        choropleth_map(g, meta(), focus=["x"], focus_by="kommun")


def test_peer_rank_with_all_290_labels_only_focus():
    rng = np.random.default_rng(1)
    names = [f"Kommun {i:03d}" for i in range(290)]
    df = pd.DataFrame(
        {
            "municipality": np.repeat(names, 2),
            "year": np.tile([2020, 2023], 290),
            "value": rng.uniform(0.1, 0.5, 580),
        }
    )
    fig = peer_rank_chart(df, meta(unit="index"), focus="Kommun 042")
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Kommun 042"]
    assert len(plotted_data(fig)) == 290


def test_plan_breaks_share_one_footnote_across_panels():
    texts = all_texts(BUILDERS["plan"]())
    assert texts.count("¹ Seriebrott 2022: exempel") == 1
    assert texts.count("Seriebrott¹") == 4
    # status word above the panel, the latest value on its own line below it
    assert "i fas\n59,0\u00a0% 2024" in texts and "inte i fas\n60,0\u00a0% 2024" in texts


def test_index_trend_selects_indices_and_empty_frame_is_explained():
    df = pd.concat([s.index_frame(), s.index_frame().assign(index="gini")])
    fig = index_trend_chart(df, s.index_meta(), indices=["theil_h", "dissimilarity"])
    assert plotted_data(fig)["series"].unique().tolist() == [
        "Theils informationsindex (H)",
        "Dissimilaritetsindex (D)",
    ]
    with pytest.raises(ValueError, match=r"indices: \['atkinson_0.5'\] not in frame"):
        index_trend_chart(df, s.index_meta(), indices=["atkinson_0.5"])
    with pytest.raises(ValueError, match="frame has no rows"):
        trend_chart(s.trend_frame().iloc[:0], s.trend_meta())
