"""The WFS client against the fake GeoServer: outgoing request, cache with provenance, offline mode, and the
fake's layers shaped as SCB's recorded DescribeFeatureType."""

from __future__ import annotations

import json
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pyogrio
import pytest

from segindicators.demo.synthetic import generate
from segindicators.sources.wfs import (
    DESO_ATTRIBUTES,
    DESO_REQUIRED,
    REGSO_ATTRIBUTES,
    REGSO_REQUIRED,
    WfsCacheMiss,
    WfsClient,
    WfsError,
    getfeature_params,
)
from segindicators.sources.http import RetryPolicy
from segindicators.testing.fake_wfs import REGSO_UNRECORDED, FakeWfs, deso_layer, regso_layer

#: SCB's DeSO layer attributes as written in the recorded DescribeFeatureType (2026-10), copied by hand from
#: reference/scb-api-v2/metadata/README.md (last paragraph) and DESIGN.md "Data sources"; not from the package.
RECORDED_DESO = [
    "objectid", "objektidentitet", "objekttyp", "desokod", "regsokod", "lanskod", "kommunkod", "version",
    "ansvarig_organisation", "referensdatum",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo():
    return generate()


def test_getfeature_request_and_frame(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client:
            deso = client.layer("DeSO", "2025", "9999")
        [req] = fake.requests
    assert req.path == "/geoserver/stat/wfs"
    assert req.query == {k: [v] for k, v in getfeature_params("stat:DeSO_2025", "9999").items()}
    assert req.query["CQL_FILTER"] == ["kommunkod='9999'"] and req.query["srsName"] == ["EPSG:3006"]
    assert req.query["outputFormat"] == ["geopackage"] and req.query["typeNames"] == ["stat:DeSO_2025"]
    assert deso.crs.to_epsg() == 3006
    # SCB's DeSO layers have no regsonamn (recorded DescribeFeatureType): the client does not return one
    assert list(deso.columns) == ["desokod", "regsokod", "kommunkod", "geo_version", "geometry"]
    want = demo.geometry[demo.geometry["geo_version"] == "2025"]
    assert sorted(deso["desokod"]) == sorted(want["desokod"])
    assert deso.geometry.area.sum() == pytest.approx(want.geometry.area.sum())


def test_cached_then_offline_without_calls(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as first:
            first.layer("RegSO", "2018", "9999")
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as again:
            regso = again.layer("RegSO", "2018", "9999")
        assert fake.request_count == 1 and again.http_calls == 0
    offline = WfsClient(base_url="http://127.0.0.1:9/none", cache_dir=tmp_path, offline=True)
    assert offline.layer("RegSO", "2018", "9999").equals(regso)
    provenance = [json.loads(p.read_text()) for p in tmp_path.rglob("*.json")]
    assert len(provenance) == 1
    assert provenance[0]["layer"] == "stat:RegSO_2020" and "CQL_FILTER=kommunkod" in provenance[0]["url"]
    assert len(provenance[0]["sha256"]) == 64
    with pytest.raises(WfsCacheMiss, match="stat:DeSO_2025 for kommun 9999 is not in the cache"):
        offline.layer("DeSO", "2025", "9999")


def test_server_error_names_layer_and_nothing_cached(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        fake.fail_next(times=2, status=503)
        retry = RetryPolicy(max_tries=2, backoff_base=0.0)
        with WfsClient(base_url=fake.url, cache_dir=tmp_path, retry=retry) as client:
            with pytest.raises(WfsError, match="stat:DeSO_2018 for kommun 9999 failed"):
                client.layer("DeSO", "2018", "9999")
        assert fake.request_count == 2
    assert not list(tmp_path.rglob("*.body"))


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="level/geo_version"):
        WfsClient(cache_dir="/nonexistent").layer("DeSO", "2020", "0580")


def _served_columns(body: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answer.gpkg"
        path.write_bytes(body)
        return list(pyogrio.read_dataframe(path).columns)


@pytest.mark.parametrize("version", ["2018", "2025"])
def test_fake_deso_layer_columns_are_exactly_the_recorded_list(demo, tmp_path, version):
    layer = {"2018": "stat:DeSO_2018", "2025": "stat:DeSO_2025"}[version]
    with FakeWfs.from_synthetic(demo) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client:
            body = client.raw(layer, "9999")
        [req] = fake.requests
    assert req.status == 200 and req.query["typeNames"] == [layer]
    assert _served_columns(body) == [*RECORDED_DESO, "geometry"]
    assert "regsonamn" not in _served_columns(body)


def test_recorded_list_is_the_one_in_the_reference_material(reference_dir):
    text = (reference_dir / "scb-api-v2" / "metadata" / "README.md").read_text(encoding="utf-8")
    m = re.search(r"the DeSO layers\s+carry `([^`]+)`", text)
    assert m, "the README's paragraph on SCB's WFS moved: update this test with it"
    recorded = [a.strip() for a in m.group(1).split(",")]
    assert list(DESO_ATTRIBUTES) == recorded == RECORDED_DESO
    assert "no `regsonamn` on DeSO layers" in text and "`regsokod` and `regsonamn`" in text
    assert list(REGSO_ATTRIBUTES) == ["regsokod", "regsonamn"]


def test_client_needs_only_recorded_attributes():
    assert set(DESO_REQUIRED) <= set(DESO_ATTRIBUTES)
    assert set(REGSO_REQUIRED) <= set(REGSO_ATTRIBUTES)
    assert "regsonamn" not in DESO_ATTRIBUTES


def test_fake_regso_layer_and_client_frame(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client:
            body = client.raw("stat:RegSO_2025", "9999")
            regso = client.layer("RegSO", "2025", "9999")
        reqs = fake.requests
    assert [r.query for r in reqs] == [
        {k: [v] for k, v in getfeature_params("stat:RegSO_2025", "9999").items()}
    ]
    assert reqs[0].query["CQL_FILTER"] == ["kommunkod='9999'"] and reqs[0].query["outputFormat"] == [
        "geopackage"
    ]
    assert _served_columns(body) == [*REGSO_ATTRIBUTES, *REGSO_UNRECORDED, "geometry"]
    assert list(regso.columns) == ["regsokod", "regsonamn", "kommunkod", "geo_version", "geometry"]
    want = demo.lookup[demo.lookup["geo_version"] == "2025"].drop_duplicates("regso")
    assert dict(zip(regso["regsokod"], regso["regsonamn"], strict=True)) == dict(
        zip(want["regso"], want["regso_name"], strict=True)
    )


def test_regso_layer_without_names_gives_na_names(demo, tmp_path):
    r = demo.regso_geometry[demo.regso_geometry["geo_version"] == "2025"]
    layer = regso_layer(r).drop(columns="regsonamn")
    with FakeWfs({"stat:RegSO_2025": layer}) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client:
            regso = client.layer("RegSO", "2025", "9999")
    assert regso["regsonamn"].isna().all() and len(regso) == len(r)
    assert (regso["kommunkod"] == "9999").all()


def test_deso_layer_lacking_regsokod_names_layer_and_attributes(demo, tmp_path):
    g = demo.geometry[demo.geometry["geo_version"] == "2025"]
    layer = deso_layer(g, "2025").drop(columns="regsokod")
    with FakeWfs({"stat:DeSO_2025": layer}) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path) as client, pytest.raises(WfsError) as err:
            client.layer("DeSO", "2025", "9999")
    message = str(err.value)
    assert "stat:DeSO_2025 for kommun 9999" in message and "['regsokod'] missing" in message
    received = [a for a in RECORDED_DESO if a != "regsokod"]
    assert f"received {received}" in message and "DescribeFeatureType of stat:DeSO_2025" in message


def _get(url: str, params: dict[str, str]) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"{url}?{urlencode(params)}", timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"typeNames": "stat:DeSO_2020"}, 400, b"Feature type stat:DeSO_2020 unknown"),
        ({"outputFormat": "application/json"}, 400, b"outputFormat=geopackage only"),
        ({"srsName": "EPSG:4326"}, 400, b"srsName=EPSG:3006 only"),
        ({"CQL_FILTER": "lanskod='05'"}, 400, b"expected CQL_FILTER=kommunkod"),
        ({"count": "10"}, 400, b"not a recorded request"),
        ({"request": "DescribeFeatureType"}, 400, b"request=GetFeature is served"),
    ],
)
def test_unrecorded_requests_fail(demo, change, status, text):
    params = {**getfeature_params("stat:DeSO_2025", "9999"), **change}
    with FakeWfs.from_synthetic(demo) as fake:
        got, body = _get(fake.url, params)
        assert got == status and text in body
        assert _get(fake.url, getfeature_params("stat:DeSO_2025", "9999"))[0] == 200  # the recorded one works
        assert _get(fake.url.replace("/wfs", "/wms"), params)[0] == 404
        assert [r.status for r in fake.requests] == [status, 200, 404]


def test_client_refuses_an_unrecorded_answer_and_caches_nothing(demo, tmp_path):
    # a layer the fake does not serve: the client's request is refused, and the error names layer and kommun
    with FakeWfs({}) as fake:
        with WfsClient(base_url=fake.url, cache_dir=tmp_path, retry=RetryPolicy(max_tries=1)) as client:
            with pytest.raises(WfsError, match="stat:RegSO_2020 for kommun 9999 failed"):
                client.layer("RegSO", "2018", "9999")
    assert not list(tmp_path.rglob("*.body"))


def test_a_geopackage_cut_short_is_never_cached(tmp_path):
    """A truncated answer with a matching Content-Length passes the magic-bytes check; the header size does not."""
    import geopandas as gpd
    import pytest as _pytest
    import shapely

    from segindicators.sources.wfs import _validate_gpkg

    g = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=3006)
    path = tmp_path / "x.gpkg"
    g.to_file(path, driver="GPKG")
    body = path.read_bytes()
    _validate_gpkg(body)
    with _pytest.raises(ValueError, match="cut short"):
        _validate_gpkg(body[: len(body) // 2])
