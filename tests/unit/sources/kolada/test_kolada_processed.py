"""kolada.parquet writer and the fake Kolada server's own behaviour (synthetic numbers only)."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.sources.kolada import PROCESSED_COLUMNS, parse_data_records, to_processed, write_processed
from segindicators.sources.kolada.client import KoladaError, normalise_years
from segindicators.plan.status import series_from_kolada
from segindicators.testing import FakeKolada
from segindicators.testing.fake_kolada import SYNTHETIC_SOURCE
from segindicators.testing.kolada_records import load_records


def frame(kpi="N00001", munis=("0580", "0000"), years=(2020, 2021), value=1.0, gender="T") -> pd.DataFrame:
    rows = [
        (kpi, m, y, gender, value + i, None, False)
        for i, (m, y) in enumerate((m, y) for m in munis for y in years)
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
    f.add_kpi("N00001", "Syntetiskt nyckeltal", is_divided_by_gender=True)  # a fictional KPI
    f.add_values("N00001", "0580", [2020, 2021, 2022], [1.0, 2.0, 3.0])
    f.add_values("N00001", "0580", [2020], [1.5], gender="K", count=4)
    with f:
        yield f


def test_fake_pages_links_and_counts(fake):
    url = fake.url + "/data/kpi/N00001/municipality/0580/year/2020,2021,2022"
    p1 = httpx.get(url, params={"per_page": 10}).json()
    assert p1["count"] == 3 and len(p1["values"]) == 2 and p1["previous_url"] is None
    # Changed: a value entry has v3's recorded fields {gender, count, status, value, isdeleted}; the fake's
    # numbers carry the synthetic label in status.
    assert p1["values"][0]["values"] == [
        {"gender": "T", "count": 1, "status": SYNTHETIC_SOURCE, "value": 1.0, "isdeleted": False},
        {"gender": "K", "count": 4, "status": SYNTHETIC_SOURCE, "value": 1.5, "isdeleted": False},
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
    # Changed: an unknown KPI answers 200 with an empty list (the reference README), not 404.
    r = httpx.get(fake.url + "/kpi/N99999")
    assert r.status_code == 200 and r.json()["values"] == [] and r.json()["next_url"] is None
    r = httpx.get(fake.url + "/kpi/N00001", params={"per_page": 5001})
    assert r.status_code == 400 and "per_page 1..5000" in r.json()["detail"]
    assert not fake.unmatched  # an unknown KPI is a known route
    assert httpx.get(fake.url + "/nothing/here").status_code == 404
    assert httpx.post(fake.url + "/kpi/N00001").status_code == 404
    assert [r.path for r in fake.unmatched] == ["/v3/nothing/here", "/v3/kpi/N00001"]
    fake.fail_next(status=429, retry_after="2")
    r = httpx.get(fake.url + "/kpi/N00001")
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert httpx.get(fake.url + "/kpi/N00001").json()["values"][0]["title"] == "Syntetiskt nyckeltal"
    assert fake.request_count == 7


def test_fake_call_limit():
    t = [0.0]
    with FakeKolada(max_calls=2, time_window=10.0, clock=lambda: t[0]) as f:
        codes = [httpx.get(f.url + "/kpi").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        t[0] = 10.5
        assert httpx.get(f.url + "/kpi").status_code == 200


# -- the fake is generated from the recorded v3 material (shipped copy; see test_kolada_records.py) --------
RECORDED = load_records()


def test_fake_serves_the_recorded_kpi_records_verbatim():
    f = FakeKolada()
    for kpi in RECORDED["kpi"]["records"]:
        f.add_recorded_kpi(kpi)
    with f:
        doc = httpx.get(f.url + "/kpi/N05401,N15428,N31807").json()
        assert not f.unmatched
    assert doc["values"] == [RECORDED["kpi"]["records"][k] for k in ("N05401", "N15428", "N31807")]
    assert [list(r) for r in doc["values"]] == [RECORDED["kpi"]["fields"]] * 3  # field order as recorded
    assert doc["values"][0]["title"] == "Valdeltagande i senaste kommunalvalet, andel (%)"
    assert (
        doc["values"][0]["is_divided_by_gender"] is True and doc["values"][2]["is_divided_by_gender"] is False
    )


def test_fake_refuses_made_up_records_for_real_kpis_and_invented_fields():
    f = FakeKolada()
    with pytest.raises(ValueError, match=r"N15428.*recorded real Kolada KPI.*add_recorded_kpi"):
        f.add_kpi("N15428", "Syntetiskt")
    with pytest.raises(ValueError, match=r"\['colour'\]: not fields of a recorded v3 KPI record"):
        f.add_kpi("N00001", "Syntetiskt", colour="red")
    with pytest.raises(ValueError, match="no recorded v3 record"):
        f.add_recorded_kpi("N00001")
    f.add_kpi("N00001", "Syntetiskt nyckeltal")
    assert list(f.kpis["N00001"]) == RECORDED["kpi"]["fields"]
    assert SYNTHETIC_SOURCE in f.kpis["N00001"]["description"]
    f.add_recorded_kpi("N31807")
    with pytest.raises(ValueError, match="is_divided_by_gender = false"):
        f.add_values("N31807", "0580", [2020], [1.0], gender="K")


def test_fake_data_records_have_the_recorded_shape():
    f = FakeKolada()
    f.add_recorded_kpi("N15428")
    for g in ("T", "K", "M"):
        f.add_values("N15428", "0580", [2023], [50.0], gender=g)
    with f:
        (rec,) = httpx.get(f.url + "/data/kpi/N15428/year/2023").json()["values"]
    assert list(rec) == RECORDED["data"]["record_fields"]
    assert [list(e) for e in rec["values"]] == [RECORDED["data"]["value_fields"]] * 3
    assert [e["gender"] for e in rec["values"]] == ["T", "K", "M"]
    assert {e["count"] for e in rec["values"]} == set(RECORDED["data"]["value_examples"]["count"])


def test_fake_serves_the_recorded_municipalities_and_labels_fictional_ones():
    f = FakeKolada()
    f.add_municipality("9999", "Exempelstad")
    with pytest.raises(ValueError, match="0580.*recorded real municipality.*Linköping"):
        f.add_municipality("0580", "Påhittad")
    with f:
        all_ = httpx.get(f.url + "/municipality").json()["values"]
        two = httpx.get(f.url + "/municipality/0580,9999").json()["values"]
        assert not f.unmatched
    assert [m for m in all_ if m["id"] != "9999"] == RECORDED["municipality"]["records"]
    assert two[0] == {"id": "0580", "title": "Linköping", "type": "K"}
    assert two[1]["title"] == f"Exempelstad – {SYNTHETIC_SOURCE}"
    riket = next(m for m in all_ if m["id"] == "0000")
    assert riket == {"id": "0000", "title": "Riket", "type": "L"}


def test_fake_election_series_carries_the_latest_election_forward():
    f = FakeKolada()
    f.add_recorded_kpi("N05401")
    f.add_election_series("N05401", "9999", range(2016, 2025), {2018: 81.0, 2022: 83.5}, gender="K")
    served = {y: by_g["K"]["value"] for (k, m, y), by_g in f.values.items()}
    assert served == {2018: 81.0, 2019: 81.0, 2020: 81.0, 2021: 81.0, 2022: 83.5, 2023: 83.5, 2024: 83.5}
