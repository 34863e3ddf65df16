"""Charts from real SCB data (national RegSO export in ../shared/reference): Linköping and peers.

Foreign-born = totalt − Sverige (födelseregion). The dissimilarity index D is computed here with PySAL's
``segregation.singlegroup.Dissim`` as an independent implementation until the package's own index engine
lands (TODO: switch to ``segindicators.indices.segregation_indices``).
Set SEGINDICATORS_CHART_OUT=/some/dir to keep the rendered PNGs for a visual check.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segindicators.charts import (
    ChartMeta,
    Source,
    export,
    peer_rank_chart,
    peer_trend_chart,
    plotted_data,
    ranked_bar_chart,
    trend_chart,
)
from segindicators.charts.style import all_texts

pytestmark = pytest.mark.reference

FOCUS = ["Berga", "Ryd", "Skäggetorp-Tornby"]
PEERS = ["Norrköping", "Uppsala", "Örebro", "Västerås", "Jönköping", "Umeå", "Lund", "Helsingborg"]
SOURCE = (
    Source("Befolkning efter region (RegSO 2020) och födelseregion, webbexport från Statistikdatabasen"),
)


def _keep(fig, name: str, tmp_path: Path) -> Path:
    res = export(fig, name, out_dir=tmp_path, formats=("png",))
    keep = os.environ.get("SEGINDICATORS_CHART_OUT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(res.paths["png"], Path(keep) / f"{name}.png")
    return res.paths["png"]


@pytest.fixture(scope="module")
def regso_counts(born_in_sweden) -> pd.DataFrame:
    """One row per RegSO × year: municipality, RegSO name, total, born in Sweden, foreign-born."""
    df = born_in_sweden
    wide = df.pivot_table(index=["region", "year"], columns="födelseregion", values="value", aggfunc="first")
    wide = wide.reset_index()
    parts = wide["region"].str.extract(r"^(?P<kommun>[^(]+?) \((?P<regso>.*?)\s*\)$")
    wide["kommun"] = parts["kommun"].str.strip()
    wide["regso"] = parts["regso"].str.strip()
    wide["foreign_born"] = wide["totalt"] - wide["Sverige"]
    return wide


@pytest.fixture(scope="module")
def area_type_2022(reference_dir) -> pd.Series:
    """Official områdestyp (1–5) per RegSO label, 2022."""
    from segindicators.sources.scb import read_export_csv

    df = read_export_csv(reference_dir / "scb-export-csv" / "regso2020_omradestyp_2022.csv")
    return df.set_index(df["stub0"].str.replace(r"\s+\)$", ")", regex=True))["value"]


def test_ranked_foreign_born_linkoping(regso_counts, area_type_2022, tmp_path):
    lkp = regso_counts[(regso_counts["kommun"] == "Linköping") & (regso_counts["year"] == 2023)]
    assert len(lkp) == 32
    frame = pd.DataFrame(
        {
            "area": lkp["region"],
            "area_name": lkp["regso"],
            "year": lkp["year"],
            "value": (lkp["foreign_born"] / lkp["totalt"]).to_numpy(),
        }
    )
    municipal = float(lkp["foreign_born"].sum() / lkp["totalt"].sum())
    meta = ChartMeta(
        title="Utrikes födda, samtliga invånare, andel (%)",
        subtitle="Linköpings regionala statistikområden (RegSO), 31 december 2023",
        unit="share",
        sources=SOURCE,
        definition="Andel av folkbokförda invånare som är födda utomlands: (totalt − födda i Sverige) / totalt.",
    )
    types = area_type_2022.reindex(frame["area"])
    assert types.notna().all()
    affluent = frame.loc[types.eq(5).to_numpy(), "area_name"].tolist()
    assert (
        len(affluent) == 8
    )  # Ekängen, Hackefors, Hjulsbro, Linghem, Sturefors, Vidingsjö, Vikingstad-R., Vårdnäs
    meta = replace(meta, notes=("Områdestyp enligt SCB:s socioekonomiska index för RegSO, 2022.",))
    fig = ranked_bar_chart(
        frame,
        meta,
        focus=FOCUS,
        affluent=affluent,
        affluent_label="Områdestyp 5: mycket goda socioekonomiska förutsättningar",
        municipal_value=municipal,
        municipal_label="Linköping",
    )
    png = _keep(fig, "ref_ranked_foreign_born_linkoping", tmp_path)
    assert png.stat().st_size > 50_000
    data = plotted_data(fig)
    assert sorted(data.loc[data["highlight"] == "focus", "area_name"]) == FOCUS
    assert sorted(data.loc[data["highlight"] == "affluent", "area_name"]) == sorted(affluent)
    assert data["value"].is_monotonic_decreasing
    # independent check of one bar: Skäggetorp-Tornby's share from the raw rows
    raw = regso_counts.set_index(["region", "year"])
    row = raw.loc[("Linköping (Skäggetorp-Tornby)", 2023)]
    want = (row["totalt"] - row["Sverige"]) / row["totalt"]
    assert data.set_index("area_name").loc["Skäggetorp-Tornby", "value"] == pytest.approx(want)
    assert 0.05 < municipal < 0.5
    texts = all_texts(fig)
    assert not any("Syntetiska" in t for t in texts)
    assert any(t.startswith("Linköping: ") and t.endswith("\u00a0%") for t in texts)


def test_trend_foreign_born_focus_areas(regso_counts, tmp_path):
    lkp = regso_counts[regso_counts["kommun"] == "Linköping"]
    focus = lkp[lkp["regso"].isin(FOCUS)]
    rows = [
        pd.DataFrame(
            {
                "area": focus["region"],
                "area_name": focus["regso"],
                "level": "RegSO",
                "year": focus["year"],
                "value": focus["foreign_born"] / focus["totalt"],
            }
        )
    ]
    k = lkp.groupby("year")[["foreign_born", "totalt"]].sum()
    rows.append(
        pd.DataFrame(
            {
                "area": "0580",
                "area_name": "Linköping",
                "level": "kommun",
                "year": k.index,
                "value": (k["foreign_born"] / k["totalt"]).to_numpy(),
            }
        )
    )
    r = regso_counts.groupby("year")[["foreign_born", "totalt"]].sum()
    assert r["totalt"].to_dict() == {2020: 10379295, 2021: 10452326, 2022: 10521556, 2023: 10551707}
    rows.append(
        pd.DataFrame(
            {
                "area": "00",
                "area_name": "Riket",
                "level": "riket",
                "year": r.index,
                "value": (r["foreign_born"] / r["totalt"]).to_numpy(),
            }
        )
    )
    meta = ChartMeta(
        title="Utrikes födda, samtliga invånare, andel (%)",
        subtitle="Linköpings fokusområden, kommunen och riket, 2020–2023",
        unit="share",
        sources=SOURCE,
    )
    fig = trend_chart(pd.concat(rows, ignore_index=True), meta)
    _keep(fig, "ref_trend_foreign_born_focus", tmp_path)
    assert len(plotted_data(fig)) == 5 * 4


def _dissimilarity(regso_counts: pd.DataFrame) -> pd.DataFrame:
    """D per municipality × year from the package's engine, checked against the hand formula."""
    from segindicators.indices import segregation_indices

    sub = regso_counts[regso_counts["kommun"].isin(["Linköping", *PEERS])]
    res = segregation_indices(
        sub, group="foreign_born", total="totalt", by=["kommun", "year"], indices=["dissimilarity"]
    )
    for (kommun, year), g in sub.groupby(["kommun", "year"]):
        # hand formula as an independent check: D = ½ Σ |x_i/X − y_i/Y| (Duncan & Duncan 1955)
        x, t = g["foreign_born"].to_numpy(), g["totalt"].to_numpy()
        y = t - x
        d = res.loc[(res["kommun"] == kommun) & (res["year"] == year), "value"].item()
        assert d == pytest.approx(0.5 * np.abs(x / x.sum() - y / y.sum()).sum(), abs=1e-12)
    out = res.rename(columns={"kommun": "municipality"})[["municipality", "year", "value"]]
    out["year"] = out["year"].astype(int)
    return out.reset_index(drop=True)


def test_dissimilarity_trend_linkoping_with_peers(regso_counts, tmp_path):
    d = _dissimilarity(regso_counts)
    assert set(d["municipality"]) == {"Linköping", *PEERS}
    assert d["year"].unique().tolist() == [2020, 2021, 2022, 2023]
    assert d["value"].between(0, 1).all()
    meta = ChartMeta(
        title="Segregationsindex D, utrikes födda respektive födda i Sverige, index 0–1",
        subtitle="Linköping och åtta jämförelsekommuner, RegSO, 2020–2023",
        unit="index",
        sources=SOURCE,
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| över kommunens RegSO (Duncan & Duncan 1955).",
    )
    fig = peer_trend_chart(d, meta, focus="Linköping")
    _keep(fig, "ref_peers_dissimilarity_trend", tmp_path)
    data = plotted_data(fig)
    lkp = data[data["series"] == "Linköping"]["value"].to_numpy()
    np.testing.assert_allclose(lkp, d[d["municipality"] == "Linköping"].sort_values("year")["value"])
    fig2 = peer_rank_chart(d, meta, focus="Linköping", years=(2020, 2023))
    _keep(fig2, "ref_peers_dissimilarity_rank", tmp_path)
    assert len(plotted_data(fig2)) == 9
