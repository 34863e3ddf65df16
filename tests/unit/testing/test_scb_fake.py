"""The fake PxWebApi v2 server itself (it backs the client tests and the offline demo). Synthetic data."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest

from segindicators.sources.scb import ScbClient
from segindicators.testing import FakePxWeb, region_valueset


def post(fake, table, selection):
    return httpx.post(
        f"{fake.url}/tables/{table}/data?outputFormat=json-stat2&lang=sv", json={"selection": selection}
    )


@pytest.fixture
def fake():
    server = FakePxWeb(max_cells=50, max_calls=1000, time_window=1.0)
    frame = pd.DataFrame(
        {
            "Region": ["0580R001", "0580R001", "0580R018", "0580R018"],
            "Kon": ["1", "2", "1", "2"],
            "value": [10.0, 12.0, 7.0, np.nan],
            "status": [None, None, None, ".."],
        }
    )
    server.add_table(
        "TAB9100",
        "Syntetisk tabell från en lång frame",
        {"Region": ["0580R001", "0580R018"], "Kon": {"1": "män", "2": "kvinnor"}},
        frame=frame,
        elimination=["Kon"],
        codelists={
            "Region": [
                region_valueset("vs_RegSO2025", ["0580R001", "0580R018"], "RegSO2025"),
                {
                    "id": "agg_Fokus",
                    "label": "fokusområden",
                    "type": "Aggregation",
                    "values": [
                        {"code": "FOKUS", "label": "Berga + Skäggetorp", "valueMap": ["0580R001", "0580R018"]}
                    ],
                },
            ]
        },
    )
    with server:
        yield server


def test_long_frame_table_round_trips_through_the_client(fake, tmp_path):
    with ScbClient(fake.url, cache_dir=tmp_path) as c:
        got = c.data("TAB9100", {"Region": ["*"], "Kon": ["*"]}, {"Region": "vs_RegSO2025"})
    assert got["Region"].tolist() == ["0580R001", "0580R001", "0580R018", "0580R018"]
    assert got["region_version"].tolist() == ["RegSO2025"] * 4
    assert got["value"].tolist()[:3] == [10.0, 12.0, 7.0] and np.isnan(got["value"].iloc[3])
    assert got["status"].tolist() == [None, None, None, ".."]


def test_aggregation_codelist_and_elimination_sum(fake):
    doc = post(
        fake,
        "TAB9100",
        [
            {"variableCode": "Region", "codelist": "agg_Fokus", "valueCodes": ["FOKUS"]},
            {"variableCode": "Kon", "valueCodes": ["1"]},
        ],
    ).json()
    assert doc["value"] == [17.0]
    doc = post(fake, "TAB9100", [{"variableCode": "Region", "valueCodes": ["0580R001"]}]).json()
    assert doc["id"] == ["Region"] and doc["value"] == [22.0]  # Kon eliminated: summed


def test_limits_and_errors_are_problem_json(fake):
    fake.max_cells = 1
    r = post(
        fake,
        "TAB9100",
        [{"variableCode": "Region", "valueCodes": ["*"]}, {"variableCode": "Kon", "valueCodes": ["*"]}],
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Too many cells selected"
    r = post(fake, "TAB9100", [{"variableCode": "Alder", "valueCodes": ["*"]}])
    assert r.status_code == 400 and r.json()["detail"] == "Non-existent variable: Alder"
    r = httpx.get(f"{fake.url}/nonsense")
    assert r.status_code == 404 and [q.path for q in fake.unmatched] == ["/api/v2/nonsense"]
    fake.requests.clear()  # this test made the unknown request on purpose


def test_call_limit_answers_429_with_retry_after():
    t = [0.0]
    with FakePxWeb(max_calls=2, time_window=10.0, clock=lambda: t[0]) as fake:
        codes = [httpx.get(f"{fake.url}/config").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = httpx.get(f"{fake.url}/config")
        assert r.headers["retry-after"] == "10"
        t[0] = 10.5
        assert httpx.get(f"{fake.url}/tables/TAB0/metadata").status_code == 404  # counted, and not a 429
        assert fake.request_count == 5


def test_metadata_and_table_shapes(fake):
    meta = httpx.get(f"{fake.url}/tables/TAB9100/metadata?lang=sv").json()
    assert meta["id"] == ["Region", "Kon"] and meta["size"] == [2, 2]
    assert [c["id"] for c in meta["dimension"]["Region"]["extension"]["codelists"]] == [
        "vs_RegSO2025",
        "agg_Fokus",
    ]
    assert meta["dimension"]["Kon"]["category"]["label"] == {"1": "män", "2": "kvinnor"}
    table = httpx.get(f"{fake.url}/tables/TAB9100?lang=sv").json()
    assert table["id"] == "TAB9100" and table["source"].startswith("Syntetiska exempeldata")
