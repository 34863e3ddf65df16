"""The WFS client against the fake GeoServer: outgoing request, cache with provenance, offline mode."""

from __future__ import annotations

import json

import pytest

from segindicators.demo.synthetic import generate
from segindicators.geography.wfs import WfsCacheMiss, WfsClient, WfsError, getfeature_params
from segindicators.http import RetryPolicy
from segindicators.testing.fake_wfs import FakeWfs


@pytest.fixture(scope="module")
def demo():
    return generate()


def test_getfeature_request_and_frame(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        client = WfsClient(base_url=fake.url, cache_dir=tmp_path)
        deso = client.layer("DeSO", "2025", "9999")
        [req] = fake.requests
    assert req.path == "/geoserver/stat/wfs"
    assert req.query == {k: [v] for k, v in getfeature_params("stat:DeSO_2025", "9999").items()}
    assert req.query["CQL_FILTER"] == ["kommunkod='9999'"] and req.query["srsName"] == ["EPSG:3006"]
    assert req.query["outputFormat"] == ["geopackage"] and req.query["typeNames"] == ["stat:DeSO_2025"]
    assert deso.crs.to_epsg() == 3006
    assert list(deso.columns) == ["desokod", "regsokod", "regsonamn", "kommunkod", "geo_version", "geometry"]
    want = demo.geometry[demo.geometry["geo_version"] == "2025"]
    assert sorted(deso["desokod"]) == sorted(want["desokod"])
    assert deso.geometry.area.sum() == pytest.approx(want.geometry.area.sum())


def test_cached_then_offline_without_calls(demo, tmp_path):
    with FakeWfs.from_synthetic(demo) as fake:
        WfsClient(base_url=fake.url, cache_dir=tmp_path).layer("RegSO", "2018", "9999")
        again = WfsClient(base_url=fake.url, cache_dir=tmp_path)
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
        client = WfsClient(
            base_url=fake.url, cache_dir=tmp_path, retry=RetryPolicy(max_tries=2, backoff_base=0.0)
        )
        with pytest.raises(WfsError, match="stat:DeSO_2018 for kommun 9999 failed"):
            client.layer("DeSO", "2018", "9999")
        assert fake.request_count == 2
    assert not list(tmp_path.rglob("*.body"))


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="level/geo_version"):
        WfsClient(cache_dir="/nonexistent").layer("DeSO", "2020", "0580")
