"""The refresh's geometry stage on WFS layers shaped as SCB's (DeSO layers without regsonamn)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segindicators.demo.profile import demo_profile
from segindicators.demo.synthetic import generate
from segindicators.geography.lookups import LOOKUP_COLUMNS, RegsoNameError
from segindicators.sources.wfs import WfsClient, WfsError
from segindicators.pipeline.refresh import RefreshOptions, RunContext, stage_geometry
from segindicators.testing.fake_wfs import FakeWfs, deso_layer, regso_layer


@pytest.fixture(scope="module")
def demo():
    return generate()


def _ctx(home: Path, wfs: WfsClient) -> RunContext:
    options = RefreshOptions(kommun="9999", years=(2023, 2024), home=home)
    return RunContext(
        options=options, home=home, processed=home, reports=home, previous_processed=home, wfs=wfs,
        profile=demo_profile(),
    )  # fmt: skip


def _layers(demo, *, regso_names: bool = True, deso_drop: str | None = None) -> dict:
    g, r = demo.geometry, demo.regso_geometry
    out = {}
    for version, deso, regso in (("2018", "stat:DeSO_2018", "stat:RegSO_2020"), ("2025", "stat:DeSO_2025", "stat:RegSO_2025")):  # fmt: skip
        d = deso_layer(g[g["geo_version"] == version], version)
        out[deso] = d.drop(columns=deso_drop) if deso_drop else d
        rl = regso_layer(r[r["geo_version"] == version])
        out[regso] = rl if regso_names else rl.drop(columns="regsonamn")
    return out


def _run(demo, tmp_path: Path, layers: dict) -> RunContext:
    with (
        FakeWfs(layers) as fake,
        WfsClient(base_url=fake.url, cache_dir=tmp_path / "data" / "raw" / "wfs") as wfs,
    ):
        ctx = _ctx(tmp_path, wfs)
        stage_geometry(ctx)
        assert fake.request_count == 4 and {r.status for r in fake.requests} == {200}
    return ctx


def _koppling_csvs(demo, folder: Path) -> None:
    """The synthetic lookup written in the layouts of SCB's two kopplingstabeller."""
    folder.mkdir(parents=True)
    lk = demo.lookup
    a = lk[lk["geo_version"] == "2018"]
    pd.DataFrame(
        {"Kommun": a["kommun"], "Kommunnamn": a["kommun_name"], "DeSO_2018": a["deso"],
         "RegSO_2020": a["regso_name"], "RegSOkod_2020": a["regso"]}
    ).to_csv(folder / "koppling-deso2018-regso2020.csv", index=False, encoding="utf-8-sig")  # fmt: skip
    b = lk[lk["geo_version"] == "2025"]
    pd.DataFrame(
        {"DeSO_2025": b["deso"], "RegSOkod_2025": b["regso"], "RegSO_2025": b["regso_name"],
         "Kommun": b["kommun"], "Kommunnamn": b["kommun_name"]}
    ).to_csv(folder / "koppling-deso2025-regso2025.csv", index=False, encoding="utf-8-sig")  # fmt: skip


def _want(demo) -> pd.DataFrame:
    return demo.lookup.sort_values(["geo_version", "deso"]).reset_index(drop=True)[list(LOOKUP_COLUMNS)]


def test_geometry_stage_on_real_shaped_layers(demo, tmp_path):
    ctx = _run(demo, tmp_path, _layers(demo))
    pd.testing.assert_frame_equal(ctx.lookup, _want(demo))
    assert ctx.lookup["regso_name"].notna().all() and not ctx.warnings
    deso, regso = ctx.geometry["deso"], ctx.geometry["regso"]
    assert list(deso.columns) == ["desokod", "regsokod", "kommunkod", "geo_version", "geometry"]
    assert list(regso.columns) == ["regsokod", "regsonamn", "kommunkod", "geo_version", "geometry"]
    names = ctx.lookup.drop_duplicates(["geo_version", "regso"]).set_index(["geo_version", "regso"])[
        "regso_name"
    ]
    assert regso.set_index(["geo_version", "regsokod"])["regsonamn"].sort_index().equals(names.sort_index())
    assert ctx.summary["geometry"] == "2018: 40 DeSO / 12 RegSO, 2025: 44 DeSO / 12 RegSO"


def test_regso_layer_without_names_and_no_kopplingstabell_stops_the_stage(demo, tmp_path):
    with pytest.raises(RegsoNameError) as err:
        _run(demo, tmp_path, _layers(demo, regso_names=False))
    message = str(err.value)
    assert (
        "WFS layer stat:RegSO_2020, attribute 'regsonamn': expected a non-empty name per regsokod" in message
    )
    assert "received no attribute 'regsonamn' (attributes received: ['regsokod', 'kommunkod'])" in message
    assert f"{tmp_path / 'data' / 'raw' / 'lookups'}: none found there" in message


def test_regso_names_from_the_kopplingstabeller_with_a_warning(demo, tmp_path):
    _koppling_csvs(demo, tmp_path / "data" / "raw" / "lookups")
    ctx = _run(demo, tmp_path, _layers(demo, regso_names=False))
    pd.testing.assert_frame_equal(ctx.lookup, _want(demo))
    assert ctx.geometry["regso"]["regsonamn"].notna().all()
    assert len(ctx.warnings) == 2 and all("taken from the kopplingstabeller" in w for w in ctx.warnings)
    assert "geography version 2018 has no name for 12 RegSO" in ctx.warnings[0]


def test_deso_layer_lacking_regsokod_stops_the_stage(demo, tmp_path):
    with (
        FakeWfs(_layers(demo, deso_drop="regsokod")) as fake,
        WfsClient(base_url=fake.url, cache_dir=tmp_path) as wfs,
    ):
        ctx = _ctx(tmp_path, wfs)
        with pytest.raises(
            WfsError, match=r"stat:DeSO_2018 for kommun 9999: attribute\(s\) \['regsokod'\] missing"
        ):
            stage_geometry(ctx)
