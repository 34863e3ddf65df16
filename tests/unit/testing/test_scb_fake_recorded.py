"""The fake PxWebApi generated from SCB's recorded metadata: it serves what SCB records and behaves as SCB does.

Values are synthetic ("Syntetiska exempeldata – inte officiell statistik"); Region codes are spelled as SCB
spells them (a few of Linköping's, kommun 0580: DeSO 0580C1190 was split into 0580C1191/0580C1192 in 2025).
"""

from __future__ import annotations

import json

import httpx
import numpy as np
import pandas as pd
import pytest

from segindicators.demo.serve import demo_server
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import read_reference_metadata, recorded_metadata, table_spec
from segindicators.testing import SYNTHETIC_SOURCE, FakePxWeb, add_synthetic_table, table_regions

DOCS = recorded_metadata()
# A slice of SCB's kopplingstabeller for Linköping (codes as published): both versions, one 2025 split.
LOOKUP = pd.DataFrame(
    [
        ("2018", "0580C1010", "0580R001", "Berga"),
        ("2018", "0580C1190", "0580R011", "Vasastaden"),
        ("2018", "0580C1230", "0580R018", "Skäggetorp-Tornby"),
        ("2025", "0580C1010", "0580R001", "Berga"),
        ("2025", "0580C1191", "0580R011", "Vasastaden"),
        ("2025", "0580C1192", "0580R011", "Vasastaden"),
        ("2025", "0580C1230", "0580R018", "Skäggetorp-Tornby"),
    ],
    columns=["geo_version", "deso", "regso", "regso_name"],
).assign(kommun="0580", kommun_name="Linköping")


def post(fake: FakePxWeb, table: str, selection: list[dict]) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/tables/{table}/data?outputFormat=json-stat2&lang=sv", json={"selection": selection}
    )


def sel(var: str, codes: list[str], codelist: str | None = None) -> dict:
    item: dict = {"variableCode": var, "valueCodes": codes}
    if codelist:
        item["codelist"] = codelist
    return item


def last_body(fake: FakePxWeb) -> dict:
    return fake.data_requests()[-1].body


@pytest.fixture
def fake():
    server = FakePxWeb(max_calls=1000, time_window=1.0, max_cells=20_000)
    for table in ("TAB6574", "TAB6571", "TAB6253", "TAB6680", "TAB5956", "TAB6586"):
        add_synthetic_table(server, DOCS[table], LOOKUP, ["0580"], seed=3)
    with server:
        yield server
    assert not server.unmatched, f"requests to routes the fake does not serve: {server.unmatched}"


# -- (a) the served metadata is SCB's recorded metadata -------------------------------------------------------


def _served(doc: dict, url: str, table: str) -> dict:
    return httpx.get(f"{url}/tables/{table}/metadata?lang=en").json()


def _assert_same_as_recorded(served: dict, ref: dict, table: str) -> None:
    assert served["id"] == ref["id"], table
    for var, dim in ref["dimension"].items():
        if var == "Region":
            got = served["dimension"]["Region"]["extension"]
            assert got == dim["extension"], f"{table} Region codelists/elimination"
            continue
        assert served["dimension"][var] == dim, f"{table} {var}"
        # the facts one by one, for a readable failure
        assert list(served["dimension"][var]["category"]["index"]) == list(dim["category"]["index"])
        assert served["dimension"][var]["extension"]["elimination"] == dim["extension"]["elimination"]
    assert served["extension"] == ref["extension"], f"{table} extension (px incl. aggregallowed)"


@pytest.mark.reference
def test_metadata_equals_the_reference_on_every_non_region_dimension(reference_dir):
    """Served /metadata against shared/reference/scb-api-v2/metadata: codes, labels, units, codelists, elimination."""
    from segindicators.geography import read_reference_lookups

    ref = read_reference_metadata(reference_dir / "scb-api-v2" / "metadata")
    lookup = read_reference_lookups(reference_dir / "lookups")
    assert len(ref) == 12
    fake = FakePxWeb(max_calls=1000, time_window=1.0)
    for table in ref:
        spec = table_spec(ref[table])
        regions = table_regions(spec, lookup, ["0580"])
        fake.add_recorded_table(ref[table], regions, synthetic=False)
    with fake:
        for table, doc in ref.items():
            served = _served(doc, fake.url, table)
            _assert_same_as_recorded(served, doc, table)
            assert served.get("updated") == doc.get("updated") or doc.get("updated") is None
            if "note" in doc:
                assert served["note"] == doc["note"] and served["label"] == doc["label"]
            # decimals and codelists via the spec read from the served answer
            assert (
                table_spec(served).variable("ContentsCode").units
                == table_spec(doc).variable("ContentsCode").units
            )
            assert table_spec(served).region_codelists == table_spec(doc).region_codelists
            assert table_spec(served).levels == table_spec(doc).levels - {"lan"}, table  # no län served
    # the synthetic demo serves the same dimensions with a label saying synthetic
    with demo_server() as demo:
        for table, doc in ref.items():
            served = _served(doc, demo.url, table)
            _assert_same_as_recorded(served, doc, table)
            assert served["label"].startswith(SYNTHETIC_SOURCE) and served["source"] == SYNTHETIC_SOURCE
            assert served["note"][-1] == SYNTHETIC_SOURCE and served["note"][:-1] == doc.get("note", [])


def test_unrecorded_tables_keep_their_x_verify_mark(fake):
    add_synthetic_table(fake, DOCS["TAB6679"], LOOKUP, ["0580"])
    served = httpx.get(f"{fake.url}/tables/TAB6679/metadata").json()
    assert served["x-verify"].startswith("No recorded metadata")
    assert table_spec(served).verify == DOCS["TAB6679"]["x-verify"]


# -- (b) SCB's behaviour ---------------------------------------------------------------------------------------


def test_both_versions_in_one_region_dimension_with_scb_labels(fake):
    meta = httpx.get(f"{fake.url}/tables/TAB6574/metadata?lang=en").json()
    labels = meta["dimension"]["Region"]["category"]["label"]
    assert list(labels)[:5] == ["00", "0580", "0580C1010", "0580C1010_DeSO2025", "0580C1190"]
    assert labels["0580C1191_DeSO2025"] == "0580C1191"  # DeSO: the bare code
    assert labels["0580R018"] == "Linköping (Skäggetorp-Tornby)"  # RegSO 2020: "Kommun (Namn)"
    assert labels["0580R018_RegSO2025"] == "0580R018 Linköping (Skäggetorp-Tornby)"  # RegSO 2025
    assert meta["size"][0] == len(labels) == 2 + 3 + 4 + 3 + 3
    assert meta["value"] == []
    assert "0580C1190_DeSO2025" not in labels and "0580C1191" not in labels
    entry = httpx.get(f"{fake.url}/tables/TAB6574").json()
    assert entry["updated"] == DOCS["TAB6574"]["updated"] and entry["lastPeriod"] == "2025"


def test_a_2025_code_before_2024_answers_zero_and_a_2018_code_from_2024_null(fake):
    body = [sel("Region", ["0580C1230", "0580C1230_DeSO2025"]), sel("ContentsCode", ["000007Y4"]),
            sel("Tid", ["2023", "2024"])]  # fmt: skip
    doc = post(fake, "TAB6571", body).json()
    assert last_body(fake) == {"selection": body}
    assert doc["id"] == ["Region", "ContentsCode", "Tid"]  # UtlBakgrund and Kon eliminated
    v = doc["value"]  # [2018 code 2023, 2018 code 2024, 2025 code 2023, 2025 code 2024]
    assert v[0] > 0 and v[1] is None and v[2] == 0.0 and v[3] > 0
    assert doc["status"] == {"1": ".."}
    # the trap holds whatever the values given: the fake sets it
    t = fake.tables["TAB6571"]
    assert np.isnan(t.values[t.variable("Region").codes.index("0580C1230")][..., -1]).all()


def test_an_eliminated_variable_answers_its_total_code(fake):
    base = [sel("Region", ["0580"]), sel("ContentsCode", ["000007Y4"]), sel("Tid", ["2022"])]
    total = post(fake, "TAB6571", base).json()["value"]
    explicit = post(
        fake, "TAB6571", [base[0], sel("UtlBakgrund", ["SA"]), sel("Kon", ["1+2"]), *base[1:]]
    ).json()
    assert total == explicit["value"] and explicit["id"] == [
        "Region",
        "UtlBakgrund",
        "Kon",
        "ContentsCode",
        "Tid",
    ]
    parts = post(
        fake, "TAB6571", [base[0], sel("UtlBakgrund", ["1", "2"]), sel("Kon", ["1", "2"]), *base[1:]]
    )
    assert sum(parts.json()["value"]) == total[0]


def test_a_non_eliminable_variable_left_out_is_400(fake):
    r = post(fake, "TAB6253", [sel("Region", ["0580"]), sel("ContentsCode", ["*"]), sel("Tid", ["2024"])])
    assert r.status_code == 400 and "Upplatelseform must be selected" in r.json()["detail"]
    r = post(
        fake,
        "TAB6680",
        [sel("Region", ["0580R001"]), sel("ContentsCode", ["0000089X"]), sel("Tid", ["2021"])],
    )
    assert r.status_code == 400 and "Alder" in r.json()["detail"]
    assert [q.status for q in fake.data_requests()] == [400, 400]
    assert last_body(fake)["selection"][0] == {"variableCode": "Region", "valueCodes": ["0580R001"]}


def test_unknown_codelist_value_code_variable_and_routes(fake):
    cases = [
        ("TAB6571", [sel("Region", ["0580*"], "vs_DeSO2031"), sel("ContentsCode", ["*"]), sel("Tid", ["2024"])],
         "Non-existent codelist vs_DeSO2031"),
        # a real codelist the table does not list (TAB5956 offers vs_DeSoHE, not vs_DeSO2018)
        ("TAB5956", [sel("Region", ["0580*"], "vs_DeSO2018"), sel("ContentsCode", ["*"]), sel("Tid", ["2023"])],
         "Non-existent codelist vs_DeSO2018"),
        ("TAB6571", [sel("Region", ["0580C9999"]), sel("ContentsCode", ["*"]), sel("Tid", ["2024"])],
         "'0580C9999' is not one of"),
        ("TAB6571", [sel("Region", ["0580"]), sel("ContentsCode", ["000007Y7"]), sel("Tid", ["2024"])],
         "'000007Y7' is not one of"),  # TAB6574's content code asked of TAB6571
        ("TAB6574", [sel("Region", ["0580"]), sel("Fodelseregion", ["sv"]), sel("ContentsCode", ["*"]),
                     sel("Tid", ["2024"])], "Non-existent variable: Fodelseregion"),
    ]  # fmt: skip
    for table, body, detail in cases:
        r = post(fake, table, body)
        assert r.status_code == 400 and detail in r.json()["detail"], (table, r.json())
        assert last_body(fake) == {"selection": body}
    assert httpx.get(f"{fake.url}/tables/TAB9999/metadata").status_code == 404
    assert httpx.get(f"{fake.url}/codelists/vs_Nonsense").status_code == 404
    assert sorted(q.path for q in fake.unmatched) == [
        "/api/v2/codelists/vs_Nonsense",
        "/api/v2/tables/TAB9999/metadata",
    ]
    fake.reset_log()  # the unknown requests were made on purpose


def test_wildcards_without_codelist_span_every_level_and_version(fake):
    body = [sel("Region", ["0580*", "00"]), sel("Alder", ["totalt"]), sel("Kon", ["1+2"]),
            sel("ContentsCode", ["000007Y7"]), sel("Tid", ["2023", "2024"])]  # fmt: skip
    doc = post(fake, "TAB6574", body).json()
    assert last_body(fake) == {"selection": body}
    codes = list(doc["dimension"]["Region"]["category"]["index"])
    assert codes[0] == "00" and set(codes) == set(fake.tables["TAB6574"].variable("Region").codes)
    # one call answers DeSO, RegSO, kommun and riket of both versions: the builder's single call per table
    frame = pd.DataFrame(
        {"Region": np.repeat(codes, 2), "Tid": ["2023", "2024"] * len(codes), "v": doc["value"]}
    )
    w = frame.pivot(index="Region", columns="Tid", values="v")
    for year, deso, regso in (("2023", ["0580C1010", "0580C1190", "0580C1230"], ["0580R001", "0580R011", "0580R018"]),
                              ("2024", ["0580C1010_DeSO2025", "0580C1191_DeSO2025", "0580C1192_DeSO2025",
                                        "0580C1230_DeSO2025"],
                               ["0580R001_RegSO2025", "0580R011_RegSO2025", "0580R018_RegSO2025"])):  # fmt: skip
        assert w.loc[deso, year].sum() == w.loc[regso, year].sum() == w.loc["0580", year]
        assert w.loc["00", year] > w.loc["0580", year]  # riket includes the rest of the country
    # TAB6680 publishes no kommun and no riket: "0580*" gives DeSO and RegSO only, "00" is unknown
    body = [sel("Region", ["0580*"]), sel("Kon", ["1+2"]), sel("Alder", ["20-64"]), sel("ContentsCode", ["*"]),
            sel("Tid", ["2022"])]  # fmt: skip
    regions = post(fake, "TAB6680", body).json()["dimension"]["Region"]["category"]["index"]
    assert "0580" not in regions and len(regions) == 7 + 6
    body[0] = sel("Region", ["0580*", "00"])
    assert post(fake, "TAB6680", body).status_code == 400


@pytest.mark.parametrize(
    ("table", "codelist", "want"),
    [
        (
            "TAB6574",
            "vs_DeSO2025",
            ["0580C1010_DeSO2025", "0580C1191_DeSO2025", "0580C1192_DeSO2025", "0580C1230_DeSO2025"],
        ),
        ("TAB6574", "vs_DeSO2018", ["0580C1010", "0580C1190", "0580C1230"]),
        ("TAB6574", "vs_RegSO2025", ["0580R001_RegSO2025", "0580R011_RegSO2025", "0580R018_RegSO2025"]),
        ("TAB6574", "vs_RegSO2020", ["0580R001", "0580R011", "0580R018"]),
        ("TAB6574", "vs_CRegionKommun07", ["0580"]),
        ("TAB5956", "vs_DeSoHE", ["0580C1010", "0580C1190", "0580C1230"]),
        ("TAB5956", "vs_RegSo1", ["0580R001", "0580R011", "0580R018"]),
        ("TAB6586", "vs_RegSO2025", ["0580R001_RegSO2025", "0580R011_RegSO2025", "0580R018_RegSO2025"]),
    ],
)
def test_a_codelist_applies_before_the_wildcard(fake, table, codelist, want):
    body = [sel("Region", ["0580*"], codelist), sel("ContentsCode", ["*"]), sel("Tid", ["TOP(1)"])]
    if table == "TAB6574":
        body[1:1] = [sel("Alder", ["totalt"]), sel("Kon", ["1+2"])]
    r = post(fake, table, body)
    assert r.status_code == 200, r.json()
    assert list(r.json()["dimension"]["Region"]["category"]["index"]) == want
    assert last_body(fake)["selection"][0] == {
        "variableCode": "Region",
        "valueCodes": ["0580*"],
        "codelist": codelist,
    }
    served = httpx.get(f"{fake.url}/codelists/{codelist}").json()
    assert [v["code"] for v in served["values"]][: len(want)] == want or set(want) <= {
        v["code"] for v in served["values"]
    }


def test_riket_codelist_and_several_levels_in_one_call(fake):
    r = post(fake, "TAB6574", [sel("Region", ["*"], "vs_ARegionRiket"), sel("Alder", ["totalt"]),
                               sel("Kon", ["1+2"]), sel("ContentsCode", ["*"]), sel("Tid", ["2024"])])  # fmt: skip
    assert list(r.json()["dimension"]["Region"]["category"]["index"]) == ["00"]
    assert httpx.get(f"{fake.url}/codelists/vs_ARegionRiket").json()["values"] == [
        {"code": "00", "label": "Sweden", "valueMap": ["00"]}
    ]


def test_client_reads_a_recorded_table_in_one_call(fake, tmp_path):
    with ScbClient(fake.url, cache_dir=tmp_path) as c:
        got = c.data("TAB6571", {"Region": ["0580*", "00"], "UtlBakgrund": ["1", "SA"], "Kon": ["1+2"],
                                 "ContentsCode": ["000007Y4"], "Tid": ["2023", "2024"]})  # fmt: skip
    assert len(fake.data_requests()) == 1
    assert set(got["region_version"].dropna()) == {"DeSO2025", "RegSO2025"}
    trap = got[(got["region_version"].notna()) & (got["Tid"] == "2023")]
    assert (trap["value"] == 0).all() and trap["status"].isna().all()  # SCB's 0: the builder must drop it
    gone = got[got["Region"].str.len().eq(9) & got["region_version"].isna() & (got["Tid"] == "2024")]
    assert gone["value"].isna().all() and (gone["status"] == "..").all()


def test_limits_and_faults_still_apply(fake, tmp_path):
    body = [
        sel("Region", ["*"]),
        sel("Alder", ["*"]),
        sel("Kon", ["*"]),
        sel("ContentsCode", ["*"]),
        sel("Tid", ["*"]),
    ]
    fake.max_cells = 100
    r = post(fake, "TAB6574", body)
    assert r.status_code == 400 and r.json()["title"] == "Too many cells selected"
    fake.max_cells = 20_000
    fake.fail_next(1, status=503, route="/data")
    assert post(fake, "TAB6574", body).status_code == 503
    assert post(fake, "TAB6574", body).status_code == 200
    t = [0.0]
    limited = FakePxWeb(max_calls=2, time_window=10.0, clock=lambda: t[0])
    add_synthetic_table(limited, DOCS["TAB6586"], LOOKUP, ["0580"])
    with limited:
        codes = [httpx.get(f"{limited.url}/tables/TAB6586/metadata").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert httpx.get(f"{limited.url}/tables/TAB6586").headers["retry-after"] == "10"


def test_regions_must_be_of_the_tables_levels():
    fake = FakePxWeb()
    with pytest.raises(ValueError, match=r"TAB6680 publishes levels \['DeSO', 'RegSO'\]"):
        fake.add_recorded_table(DOCS["TAB6680"], {"0580": "Linköping", "0580R001": "Linköping (Berga)"})
    with pytest.raises(ValueError, match="0580C1010_DeSO2025"):
        fake.add_recorded_table(DOCS["TAB5956"], {"0580C1010_DeSO2025": "0580C1010"})
    assert json.dumps(DOCS["TAB6680"]) == json.dumps(
        recorded_metadata()["TAB6680"]
    )  # the document is not changed
