"""Lookups: SCB kopplingstabeller (real, ../shared/reference) and the WFS / codelist builders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from segindicators.demo.synthetic import generate
from segindicators.geography import (
    LOOKUP_COLUMNS,
    lookup_from_codelist,
    lookup_from_wfs,
    read_kopplingstabell,
    read_reference_lookups,
    validate_lookup,
)
from segindicators.geography.lookups import RegsoNameError, regso_names
from segindicators.sources.wfs import WfsClient
from segindicators.testing.fake_wfs import FakeWfs, deso_layer, regso_layer


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.mark.reference
def test_both_versions_load(lookup):
    assert list(lookup.columns) == list(LOOKUP_COLUMNS)
    assert lookup.groupby("geo_version")["deso"].nunique().to_dict() == {"2018": 5984, "2025": 6160}
    assert lookup.groupby("geo_version")["regso"].nunique().to_dict() == {"2018": 3363, "2025": 3363}
    assert lookup.groupby("geo_version")["kommun"].nunique().to_dict() == {"2018": 290, "2025": 290}
    assert not lookup.isna().any().any()
    assert all(str(t) == "str" for t in lookup.dtypes)
    assert not lookup["deso"].str.startswith("\ufeff").any() and lookup["kommun"].str.len().eq(4).all()


@pytest.mark.reference
def test_linkoping_counts(lookup):
    lkp = lookup[lookup["kommun"] == "0580"]
    assert lkp.groupby("geo_version")["regso"].nunique().to_dict() == {"2018": 32, "2025": 32}
    assert lkp.groupby("geo_version")["deso"].nunique().to_dict() == {"2018": 94, "2025": 98}
    names = lkp.drop_duplicates("regso").set_index("regso")["regso_name"]
    assert names[["0580R001", "0580R017", "0580R018"]].tolist() == ["Berga", "Ryd", "Skäggetorp-Tornby"]
    assert set(lkp["kommun_name"]) == {"Linköping"}


@pytest.mark.reference
def test_single_file_versions(reference_dir):
    a = read_kopplingstabell(reference_dir / "lookups" / "koppling-deso2018-regso2020.csv")
    b = read_kopplingstabell(reference_dir / "lookups" / "koppling-deso2025-regso2025.csv")
    assert set(a["geo_version"]) == {"2018"} and set(b["geo_version"]) == {"2025"}


def test_unknown_header_names_columns(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("DeSO,RegSO\n0580C1010,0580R001\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unrecognised kopplingstabell header \['DeSO', 'RegSO'\]"):
        read_kopplingstabell(p)


def test_validate_rejects_deso_in_two_regso():
    bad = pd.DataFrame(
        {
            "geo_version": "2018",
            "deso": ["0580C1010", "0580C1010"],
            "regso": ["0580R001", "0580R002"],
            "regso_name": ["Berga", "X"],
            "kommun": "0580",
            "kommun_name": "Linköping",
        }
    )
    with pytest.raises(ValueError, match=r"DeSO in more than one RegSO: \['0580C1010'\]"):
        validate_lookup(bad)


def _real_shaped(koppling: pd.DataFrame, kommun: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DeSO and RegSO layer attributes shaped as SCB's (recorded list), from a lookup frame; no geometry."""
    import geopandas as gpd

    part = koppling[koppling["kommun"] == kommun]
    version = part["geo_version"].iloc[0]
    deso = gpd.GeoDataFrame(
        {"desokod": part["deso"], "regsokod": part["regso"], "kommunkod": part["kommun"]},
        geometry=[None] * len(part),
    )
    regso = part.drop_duplicates("regso")
    regso = gpd.GeoDataFrame(
        {"regsokod": regso["regso"], "regsonamn": regso["regso_name"], "kommunkod": regso["kommun"]},
        geometry=[None] * len(regso),
    )
    return pd.DataFrame(deso_layer(deso, version)), pd.DataFrame(regso_layer(regso))


def test_wfs_attributes_equal_kopplingstabell_shape():
    # Changed with issue 11: SCB's DeSO layers carry no regsonamn (recorded DescribeFeatureType); the names come
    # from the RegSO layer, joined on regsokod (the old test put regsonamn and kommunnamn on the DeSO layer).
    deso = pd.DataFrame(
        {
            "objectid": [1, 2],
            "desokod": ["0580C1230", "0580C1240"],
            "regsokod": ["0580R018", "0580R018"],
            "lanskod": ["05", "05"],
            "kommunkod": ["0580", "0580"],
            "geometry": [None, None],
        }
    )
    regso = pd.DataFrame({"regsokod": ["0580R018"], "regsonamn": ["Skäggetorp-Tornby"], "geometry": [None]})
    out = lookup_from_wfs(deso, "2018", {"0580": "Linköping"}, regso_attributes=regso)
    assert list(out.columns) == list(LOOKUP_COLUMNS)
    assert out["regso"].tolist() == ["0580R018", "0580R018"]
    assert out["regso_name"].tolist() == ["Skäggetorp-Tornby"] * 2 and set(out["kommun_name"]) == {
        "Linköping"
    }
    with pytest.raises(ValueError, match="geo_version"):
        lookup_from_wfs(deso, "2020", regso_attributes=regso)


def test_deso_attributes_lacking_regsokod_name_layer_and_received():
    deso = pd.DataFrame(
        {"objectid": [1], "desokod": ["0580C1230"], "kommunkod": ["0580"], "geometry": [None]}
    )
    with pytest.raises(ValueError) as err:
        lookup_from_wfs(
            deso, "2025", regso_attributes=[{"regsokod": "0580R018", "regsonamn": "Skäggetorp-Tornby"}]
        )
    message = str(err.value)
    assert "WFS layer stat:DeSO_2025 lacks attribute(s) ['regsokod']" in message
    assert "expected ['desokod', 'regsokod', 'kommunkod']" in message
    assert "received ['objectid', 'desokod', 'kommunkod']" in message


def test_lookup_from_real_shaped_fake_layers_has_every_regso_name(tmp_path):
    demo = generate()
    with FakeWfs.from_synthetic(demo) as fake:
        parts = []
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client:
            for version in ("2018", "2025"):
                d, r = client.layer("DeSO", version, "9999"), client.layer("RegSO", version, "9999")
                assert "regsonamn" not in d.columns
                parts.append(
                    lookup_from_wfs(d, version, {"9999": "Exempelstad (syntetisk)"}, regso_attributes=r)
                )
    out = pd.concat(parts, ignore_index=True)
    assert out["regso_name"].notna().all() and out["regso_name"].str.len().gt(0).all()
    want = demo.lookup.sort_values(["geo_version", "deso"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(out, want[list(LOOKUP_COLUMNS)])


@pytest.mark.reference
def test_lookup_from_real_shaped_layers_reproduces_the_kopplingstabell(lookup):
    for version in ("2018", "2025"):
        koppling = lookup[lookup["geo_version"] == version]
        deso, regso = _real_shaped(koppling, "0580")
        out = lookup_from_wfs(deso, version, {"0580": "Linköping"}, regso_attributes=regso)
        want = koppling[koppling["kommun"] == "0580"].reset_index(drop=True)
        pd.testing.assert_frame_equal(out, want)
        assert out["regso"].nunique() == 32 and out["regso_name"].notna().all()


@pytest.mark.reference
def test_regso_names_fall_back_to_the_kopplingstabell(lookup):
    deso, regso = _real_shaped(lookup[lookup["geo_version"] == "2025"], "0580")
    want = lookup_from_wfs(deso, "2025", regso_attributes=regso)
    # the layer without regsonamn: every name from the kopplingstabell, kommun name too
    out = lookup_from_wfs(deso, "2025", regso_attributes=regso.drop(columns="regsonamn"), fallback=lookup)
    pd.testing.assert_frame_equal(out.drop(columns="kommun_name"), want.drop(columns="kommun_name"))
    assert set(out["kommun_name"]) == {"Linköping"}
    # some names empty, one RegSO missing from the layer: those from the fallback, the rest from the layer
    partial = regso.copy()
    partial.loc[partial["regsokod"] == "0580R001", "regsonamn"] = ""
    partial.loc[partial["regsokod"] == "0580R017", "regsonamn"] = None
    partial = partial[partial["regsokod"] != "0580R018"]
    names = regso_names(partial, "2025", codes=deso["regsokod"], fallback=lookup).set_index("regso")
    assert names.loc[["0580R001", "0580R017", "0580R018"], "regso_name"].tolist() == [
        "Berga", "Ryd", "Skäggetorp-Tornby",
    ]  # fmt: skip
    assert names.loc[["0580R001", "0580R017", "0580R018"], "source"].eq("kopplingstabell").all()
    assert names["source"].value_counts().to_dict() == {"wfs": 29, "kopplingstabell": 3}


def test_no_regso_name_anywhere_is_a_clear_error():
    deso = [{"desokod": "0580C1230", "regsokod": "0580R018", "kommunkod": "0580"}]
    with pytest.raises(RegsoNameError) as err:
        lookup_from_wfs(deso, "2025", regso_attributes=[{"regsokod": "0580R018", "kommunkod": "0580"}])
    message = str(err.value)
    assert "RegSO name(s) missing for 1 code(s) ['0580R018']" in message
    assert (
        "WFS layer stat:RegSO_2025, attribute 'regsonamn': expected a non-empty name per regsokod" in message
    )
    assert "received no attribute 'regsonamn' (attributes received: ['regsokod', 'kommunkod'])" in message
    assert "no fallback lookup was given" in message and "fallback=read_reference_lookups(DIR)" in message
    # a fallback without the code, an empty name in the layer: still an error, saying both
    other = pd.DataFrame({"geo_version": ["2025"], "deso": ["0580C1020"], "regso": ["0580R001"],
                          "regso_name": ["Berga"], "kommun": ["0580"], "kommun_name": ["Linköping"]})  # fmt: skip
    with pytest.raises(
        RegsoNameError, match=r"received 'regsonamn' empty for \['0580R018'\]; the fallback lookup"
    ):
        regso_names([{"regsokod": "0580R018", "regsonamn": " "}], "2025", fallback=other)
    with pytest.raises(RegsoNameError, match=r"received no RegSO layer attributes"):
        lookup_from_wfs(deso, "2018")


@pytest.mark.reference
def test_codelist_shape_like_real_aggregation_codelist(reference_dir):
    real = json.loads(
        (reference_dir / "scb-api-v2" / "codelist_agg_Ålder10årJ.json").read_text(encoding="utf-8")
    )
    # Same structure as SCB's aggregation codelist, with RegSO codes (synthetic content, real shape).
    payload = {key: real[key] for key in real if key not in ("values",)} | {
        "id": "agg_RegSO2025",
        "values": [
            {
                "code": "0580R001_RegSO2025",
                "label": "0580R001 Linköping (Berga)",
                "valueMap": ["0580C1010_DeSO2025"],
            },
            {
                "code": "0580R018_RegSO2025",
                "label": "Linköping (Skäggetorp-Tornby )",
                "valueMap": ["0580C1230_DeSO2025", "0580C1240_DeSO2025"],
            },
        ],
    }
    assert set(real["values"][0]) >= {"code", "label", "valueMap"}
    out = lookup_from_codelist(payload)
    assert out[["geo_version", "deso", "regso", "regso_name"]].values.tolist() == [
        ["2025", "0580C1010", "0580R001", "Berga"],
        ["2025", "0580C1230", "0580R018", "Skäggetorp-Tornby"],
        ["2025", "0580C1240", "0580R018", "Skäggetorp-Tornby"],
    ]


def test_codelist_without_valuemap_and_version_errors():
    payload = {
        "id": "vs_RegSO2020",
        "values": [{"code": "0580R017_RegSO2020", "label": "0580R017 Linköping (Ryd)"}],
    }
    out = lookup_from_codelist(payload)
    assert out["geo_version"].tolist() == ["2018"] and out["deso"].isna().all()
    assert out["kommun_name"].tolist() == ["Linköping"]
    with pytest.raises(ValueError, match="contradicts geo_version='2025'"):
        lookup_from_codelist(payload, "2025")
    with pytest.raises(ValueError, match="cannot infer the geography version"):
        lookup_from_codelist({"values": [{"code": "0580R017", "label": "Linköping (Ryd)"}]})
