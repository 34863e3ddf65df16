"""kolada.parquet writer and the fake Kolada server's own behaviour (synthetic data only)."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.kolada import PROCESSED_COLUMNS, parse_data_records, to_processed, write_processed
from segindicators.kolada.client import KoladaError, normalise_years
from segindicators.plan.status import series_from_kolada
from segindicators.testing import FakeKolada


def frame(kpi="N00001", munis=("0580", "0000"), years=(2020, 2021), value=1.0, gender="T") -> pd.DataFrame:
    rows = [
        (kpi, m, y, gender, value + i, None) for i, (m, y) in enumerate((m, y) for m in munis for y in years)
    ]
    return pd.DataFrame(rows, columns=PROCESSED_COLUMNS)  # synthetic


def test_written_file_has_the_plan_columns_and_types(tmp_path):
    path = write_processed(frame(), tmp_path / "kolada.parquet")
    stored = pd.read_parquet(path)
    assert list(stored.columns) == PROCESSED_COLUMNS
    assert stored["year"].dtype == np.int64 and stored["value"].dtype == np.float64
    assert stored["municipality"].tolist() == ["0000", "0000", "0580", "0580"]  # codes keep leading zeros
    series = series_from_kolada(stored, "0580")
    assert series["level"].tolist() == ["riket", "riket", "kommun", "kommun"]


def test_write_is_byte_stable_and_merge_keeps_other_kpis(tmp_path):
    target = tmp_path / "kolada.parquet"
    write_processed(frame("N00001"), target)
    first = target.read_bytes()
    write_processed(frame("N00001"), target)
    assert target.read_bytes() == first
    write_processed(frame("N00002", value=5.0), target)
    stored = pd.read_parquet(target)
    assert sorted(stored["kpi"].unique()) == ["N00001", "N00002"]
    # Newer values replace the same key; other years stay.
    write_processed(frame("N00001", munis=("0580",), years=(2021, 2022), value=9.0), target)
    s = pd.read_parquet(target).query("kpi == 'N00001' and municipality == '0580'")
    assert s[["year", "value"]].values.tolist() == [[2020, 1.0], [2021, 9.0], [2022, 10.0]]
    write_processed(frame("N00003"), target, merge=False)
    assert pd.read_parquet(target)["kpi"].unique().tolist() == ["N00003"]


def test_csv_output_and_merge(tmp_path):
    target = tmp_path / "kolada.csv"
    write_processed(frame("N00001"), target)
    write_processed(frame("N00002"), target)
    stored = pd.read_csv(target, dtype={"municipality": "string"})
    assert len(stored) == 8 and set(stored["municipality"]) == {"0580", "0000"}


def test_processed_validation_errors():
    with pytest.raises(ValueError, match="lacks columns"):
        to_processed(pd.DataFrame({"kpi": ["N1"]}))
    with pytest.raises(ValueError, match="four-digit"):
        to_processed(frame(munis=("580",)))
    with pytest.raises(ValueError, match="gender"):
        to_processed(frame(gender="X"))
    with pytest.raises(ValueError, match="duplicate"):
        to_processed(pd.concat([frame(), frame()]))


def test_parse_records_nan_status_and_errors():
    recs = [
        {
            "kpi": "N1",
            "municipality": "0580",
            "period": 2024,
            "values": [{"gender": "T", "status": "Saknas", "value": None}],
        },
        {
            "kpi": "N1",
            "municipality": "0580",
            "period": 2023,
            "values": [{"gender": "T", "status": "", "value": 3, "count": 2}],
        },
        {"kpi": "N1", "municipality": "0580", "period": 2022, "values": []},
    ]  # synthetic
    out = parse_data_records(recs)
    assert out["year"].tolist() == [2023, 2024]
    assert out["value"].isna().tolist() == [False, True]
    assert out["status"].isna().tolist() == [True, False] and out["status"].iloc[1] == "Saknas"
    assert out["count"].tolist()[0] == 2.0 and np.isnan(out["count"].tolist()[1])
    with pytest.raises(KoladaError, match="gender"):
        parse_data_records(
            [{"kpi": "N1", "municipality": "0580", "period": 2024, "values": [{"gender": "X", "value": 1}]}]
        )
    with pytest.raises(KoladaError, match="non-numeric"):
        parse_data_records(
            [
                {
                    "kpi": "N1",
                    "municipality": "0580",
                    "period": 2024,
                    "values": [{"gender": "T", "value": "abc"}],
                }
            ]
        )
    assert list(parse_data_records([]).columns) == [
        "kpi",
        "municipality",
        "year",
        "gender",
        "value",
        "status",
        "count",
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1990, 2030), min_size=1, max_size=10))
def test_normalise_years_property(years):
    out = normalise_years(years)
    assert out == [str(y) for y in sorted(set(years))]
    assert normalise_years(",".join(map(str, years))) == out


def test_normalise_years_errors():
    for bad in ("2024-2018", "abc", "", "20-30"):
        with pytest.raises(ValueError, match="years"):
            normalise_years(bad)


# -- the fake server ----------------------------------------------------------------------------------------
@pytest.fixture
def fake():
    f = FakeKolada(page_size=2, max_ids=3)
    f.add_kpi("N00001", "Syntetiskt nyckeltal")
    f.add_values("N00001", "0580", [2020, 2021, 2022], [1.0, 2.0, 3.0])
    f.add_values("N00001", "0580", [2020], [1.5], gender="K", count=4)
    with f:
        yield f


def test_fake_pages_links_and_counts(fake):
    url = fake.url + "/data/kpi/N00001/municipality/0580/year/2020,2021,2022"
    p1 = httpx.get(url, params={"per_page": 10}).json()
    assert p1["count"] == 3 and len(p1["values"]) == 2 and p1["previous_url"] is None
    assert p1["values"][0]["values"] == [
        {"gender": "T", "status": "", "value": 1.0},
        {"gender": "K", "status": "", "value": 1.5, "count": 4},
    ]
    p2 = httpx.get(p1["next_url"]).json()
    assert [r["period"] for r in p2["values"]] == [2022] and p2["next_url"] is None
    assert p2["previous_url"].endswith("page=1&per_page=10")
    # Other segment orders and two-segment paths work too.
    alt = httpx.get(fake.url + "/data/municipality/0580/kpi/N00001").json()
    assert alt["count"] == 3


def test_fake_errors(fake):
    r = httpx.get(fake.url + "/data/kpi/N00001/municipality/0580/year/2018,2019,2020,2021")
    assert r.status_code == 400 and "at most 3" in r.json()["detail"]
    r = httpx.get(fake.url + "/kpi/N99999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert not fake.unmatched  # an unknown KPI is a known route
    assert httpx.get(fake.url + "/nothing/here").status_code == 404
    assert httpx.post(fake.url + "/kpi/N00001").status_code == 404
    assert [r.path for r in fake.unmatched] == ["/v3/nothing/here", "/v3/kpi/N00001"]
    fake.fail_next(status=429, retry_after="2")
    r = httpx.get(fake.url + "/kpi/N00001")
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert httpx.get(fake.url + "/kpi/N00001").json()["values"][0]["title"] == "Syntetiskt nyckeltal"
    assert fake.request_count == 6


def test_fake_call_limit():
    t = [0.0]
    with FakeKolada(max_calls=2, time_window=10.0, clock=lambda: t[0]) as f:
        codes = [httpx.get(f.url + "/kpi").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        t[0] = 10.5
        assert httpx.get(f.url + "/kpi").status_code == 200
