"""The national synthetic fake: every area of SCB's kopplingstabeller, served as one municipality's are.

Region codes come from SCB's real lookups (../shared/reference/lookups: 5,984 DeSO 2018, 6,160 DeSO 2025,
3,363 RegSO of each version, 290 kommuner); every variable, code and codelist is SCB's recorded metadata;
every number is synthetic (Syntetiska exempeldata – inte officiell statistik).
"""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from segindicators.geography import read_reference_lookups
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import LEVEL_CODELISTS, level_of_code, recorded_metadata, table_spec
from segindicators.testing import FakePxWeb, national_synthetic_server, serve_national, synthetic_server

pytestmark = pytest.mark.reference
DOCS = recorded_metadata()
SEED = 13
SUFFIX = {("DeSO", "2025"): "_DeSO2025", ("RegSO", "2025"): "_RegSO2025"}


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.fixture(scope="module")
def national(reference_dir):
    with serve_national(reference_dir / "lookups", seed=SEED, max_calls=10_000, time_window=1.0) as fake:
        yield fake
    assert not fake.unmatched


def expected(lookup, level: str, version: str | None) -> set[str]:
    """The lookup's codes of a level and version, spelled as SCB's tables spell them."""
    if level == "kommun":
        return set(lookup["kommun"])
    if level == "riket":
        return {"00"}
    column = {"DeSO": "deso", "RegSO": "regso"}[level]
    codes = set(lookup.loc[lookup["geo_version"] == version, column])
    return {c + SUFFIX.get((level, version), "") for c in codes}


def post(fake: FakePxWeb, table: str, selection: list[dict]) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/tables/{table}/data?outputFormat=json-stat2&lang=sv",
        json={"selection": selection},
        timeout=60,
    )


def narrow(table: str, region: dict) -> list[dict]:
    """A selection of every Region code of ``region`` and one code of every other variable."""
    spec = table_spec(DOCS[table])
    out = [region]
    for var in spec.dimension_order:
        if var != "Region":
            out.append(
                {
                    "variableCode": var,
                    "valueCodes": ["TOP(1)" if var == "Tid" else spec.variable(var).codes[0]],
                }
            )
    return out


def test_region_lists_are_the_lookups_code_sets(national, lookup):
    counts = {("DeSO", "2018"): 5984, ("DeSO", "2025"): 6160, ("RegSO", "2018"): 3363, ("RegSO", "2025"): 3363,
              ("kommun", None): 290, ("riket", None): 1}  # fmt: skip
    meta = httpx.get(f"{national.url}/tables/TAB6574/metadata?lang=en", timeout=60).json()
    served = list(meta["dimension"]["Region"]["category"]["index"])
    assert len(served) == len(set(served)) == sum(counts.values()) == 19161  # SCB's: 19,182 with 21 län
    by_level: dict[tuple, set[str]] = {}
    for code in served:
        by_level.setdefault(level_of_code(code), set()).add(code)
    assert {k: len(v) for k, v in by_level.items()} == counts
    for (level, version), codes in by_level.items():
        assert codes == expected(lookup, level, version), (level, version)
    # every table: exactly the levels and versions its metadata lists, every area of them
    for table, doc in DOCS.items():
        spec = table_spec(doc)
        codes = national.tables[table].variable("Region").codes
        got = {}
        for code in codes:
            got.setdefault(level_of_code(code), set()).add(code)
        want = {(lv, v) for (lv, v) in counts if spec.has_level(lv, v)}
        assert set(got) == want, table
        assert all(got[k] == expected(lookup, *k) for k in want), table


@pytest.mark.parametrize(
    ("table", "codelist"),
    [
        (t, c["id"])
        for t, d in sorted(DOCS.items())
        for c in d["dimension"]["Region"]["extension"]["codelists"]
        if c["id"] != "vs_BRegionLän07"
    ],  # fmt: skip
)
def test_each_listed_region_codelist_with_a_wildcard_returns_every_area(national, lookup, table, codelist):
    level, version = LEVEL_CODELISTS[codelist]
    answer = httpx.get(f"{national.url}/codelists/{codelist}", timeout=60).json()
    want = expected(lookup, level, version)
    assert {v["code"] for v in answer["values"]} == want
    r = post(
        national, table, narrow(table, {"variableCode": "Region", "codelist": codelist, "valueCodes": ["*"]})
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    got = list(doc["dimension"]["Region"]["category"]["index"])
    assert set(got) == want and len(got) == len(want)
    assert len(doc["value"]) == len(want)


def test_lan_is_not_served(national):
    # verify: the lookups hold no län names, so the fake serves no län; vs_BRegionLän07 answers no values
    r = post(national, "TAB6574", narrow("TAB6574", {"variableCode": "Region", "codelist": "vs_BRegionLän07",
                                                    "valueCodes": ["*"]}))  # fmt: skip
    assert r.status_code == 400 and "matches no values" in r.json()["detail"]


def test_a_prefix_wildcard_without_codelist_spans_one_municipality(national, lookup):
    r = post(national, "TAB6574", narrow("TAB6574", {"variableCode": "Region", "valueCodes": ["0580*"]}))
    got = set(r.json()["dimension"]["Region"]["category"]["index"])
    lk = lookup[lookup["kommun"] == "0580"]
    assert len(got) == 1 + 94 + 98 + 32 + 32 and "0580" in got
    assert {c for c in got if level_of_code(c) == ("DeSO", "2018")} == set(
        lk.loc[lk["geo_version"] == "2018", "deso"]
    )


def test_over_the_cell_limit_is_400_and_under_it_is_served(national):
    sel = [{"variableCode": "Region", "codelist": "vs_DeSO2018", "valueCodes": ["*"]},
           {"variableCode": "Alder", "valueCodes": ["*"]}, {"variableCode": "Kon", "valueCodes": ["*"]},
           {"variableCode": "ContentsCode", "valueCodes": ["*"]}, {"variableCode": "Tid", "valueCodes": ["*"]}]  # fmt: skip
    r = post(national, "TAB6574", sel)
    assert r.status_code == 400 and r.json()["title"] == "Too many cells selected"
    assert f"{5984 * 18 * 3 * 16} cells requested, the limit is 150000" in r.json()["detail"]
    sel[1] = {"variableCode": "Alder", "valueCodes": ["totalt", "-4", "5-9", "10-14"]}
    sel[2] = {"variableCode": "Kon", "valueCodes": ["1", "2"]}
    sel[4] = {"variableCode": "Tid", "valueCodes": ["2021", "2022", "2023"]}
    r = post(national, "TAB6574", sel)
    assert r.status_code == 200 and len(r.json()["value"]) == 5984 * 4 * 2 * 3 == 143_616


def test_the_call_limit_answers_429_with_retry_after(reference_dir):
    now = [0.0]
    with serve_national(reference_dir / "lookups", seed=SEED, max_calls=30, time_window=10.0,
                        clock=lambda: now[0]) as fake:  # fmt: skip
        codes = [httpx.get(f"{fake.url}/config").status_code for _ in range(31)]
        assert codes == [200] * 30 + [429]
        assert fake.requests[-1].status == 429
        r = httpx.get(f"{fake.url}/config")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) == 10
        now[0] = 10.5
        assert httpx.get(f"{fake.url}/config").status_code == 200


def test_one_municipalitys_cells_equal_the_one_municipality_fake(national, lookup):
    single = synthetic_server(lookup, ["0580"], seed=SEED)
    for table in DOCS:
        a, b = national.tables[table], single.tables[table]
        codes_a, codes_b = a.variable("Region").codes, b.variable("Region").codes
        mine = [c for c in codes_b if c != "00"]  # riket: the whole country, not 0580 + a synthetic rest
        assert mine and set(mine) <= set(codes_a)
        ia, ib = [codes_a.index(c) for c in mine], [codes_b.index(c) for c in mine]
        np.testing.assert_array_equal(a.values[ia], b.values[ib], err_msg=table)
        np.testing.assert_array_equal(a.status[ia], b.status[ib], err_msg=table)


def test_riket_is_the_sum_of_the_kommuner_and_deso_sum_to_regso(national, lookup):
    t = national.tables["TAB6571"]
    codes = t.variable("Region").codes
    years = t.variable("Tid").codes
    total = t.variable("UtlBakgrund").codes.index("SA"), t.variable("Kon").codes.index("1+2")
    pop = t.values[:, total[0], total[1], 0, :]  # every background, both sexes, the one content: persons
    kommun = [i for i, c in enumerate(codes) if level_of_code(c)[0] == "kommun"]
    np.testing.assert_array_equal(pop[codes.index("00")], pop[kommun].sum(axis=0))
    assert 8e6 < pop[codes.index("00"), years.index("2023")] < 13e6
    lk = lookup[lookup["geo_version"] == "2025"]
    row = {c: i for i, c in enumerate(codes)}
    by_regso = lk.groupby("regso")["deso"].apply(list)
    j = years.index("2024")
    for regso, deso in by_regso.items():
        assert pop[row[regso + "_RegSO2025"], j] == sum(pop[row[d + "_DeSO2025"], j] for d in deso)


def test_the_tables_say_they_are_synthetic(national):
    for t in national.tables.values():
        assert (
            t.label.startswith(SYNTHETIC_LABEL) and t.source == SYNTHETIC_LABEL and SYNTHETIC_LABEL in t.notes
        )
    r = post(national, "TAB6586", narrow("TAB6586", {"variableCode": "Region", "codelist": "vs_RegSO2025",
                                                    "valueCodes": ["*"]}))  # fmt: skip
    doc = r.json()
    assert doc["label"].startswith(SYNTHETIC_LABEL) and doc["source"] == SYNTHETIC_LABEL
    assert doc["note"][-1] == SYNTHETIC_LABEL
    config = httpx.get(f"{national.url}/config").json()
    assert config["sourceReferences"][0]["text"] == SYNTHETIC_LABEL


def test_the_client_reads_a_national_level_through_its_codelist(national, tmp_path):
    with ScbClient(national.url, cache_dir=tmp_path) as client:
        got = client.data("TAB6684", {"Region": ["*"], "ContentsCode": ["000008A5"], "Tid": ["2022", "2023"]},
                          codelists={"Region": "vs_DeSO2018"})  # fmt: skip
    assert got["Region"].nunique() == 5984 and len(got) == 5984 * 2
    assert (got["value"].dropna() > 0).all() and got["value"].notna().mean() > 0.99


def test_years_fills_only_the_years_asked_for_and_keeps_the_recorded_periods(lookup):
    fake = national_synthetic_server(lookup, seed=SEED, years=[2024], tables=["TAB6586"])
    t = fake.tables["TAB6586"]
    assert t.variable("Tid").codes == list(DOCS["TAB6586"]["dimension"]["Tid"]["category"]["index"])
    years = t.variable("Tid").codes
    rows = [i for i, c in enumerate(t.variable("Region").codes) if c.endswith("_RegSO2025")]
    old = [i for i, c in enumerate(t.variable("Region").codes) if not c.endswith("_RegSO2025")]
    assert np.isnan(t.values[old][:, :, years.index("2022")]).all()  # 2025 codes: SCB's 0 before 2024
    assert np.isfinite(t.values[rows][:, :, years.index("2024")]).mean() > 0.9
