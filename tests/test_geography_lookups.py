"""Lookups: SCB kopplingstabeller (real, ../shared/reference) and the WFS / codelist builders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from segindicators.geography import (
    LOOKUP_COLUMNS,
    lookup_from_codelist,
    lookup_from_wfs,
    read_kopplingstabell,
    read_reference_lookups,
    validate_lookup,
)


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


def test_wfs_attributes_equal_kopplingstabell_shape():
    attrs = pd.DataFrame(
        {
            "desokod": ["0580C1230", "0580C1240"],
            "regsokod": ["0580R018", "0580R018"],
            "regsonamn": ["Skäggetorp-Tornby", "Skäggetorp-Tornby"],
            "kommunkod": ["0580", "0580"],
            "kommunnamn": ["Linköping", "Linköping"],
            "geometry": [None, None],
        }
    )
    out = lookup_from_wfs(attrs, "2018")
    assert list(out.columns) == list(LOOKUP_COLUMNS)
    assert out["regso"].tolist() == ["0580R018", "0580R018"]
    with pytest.raises(ValueError, match=r"missing WFS attribute\(s\) \['regsonamn'\]"):
        lookup_from_wfs(attrs.drop(columns="regsonamn"), "2018")
    with pytest.raises(ValueError, match="geo_version"):
        lookup_from_wfs(attrs, "2020")


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
