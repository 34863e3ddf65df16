"""The generic synthetic filler on SCB's real Linköping codes: consistent from the recorded metadata alone.

Region codes come from SCB's kopplingstabeller (../shared/reference/lookups); every value is synthetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.sources.scb.metadata import level_of_code, recorded_metadata, table_spec
from segindicators.testing import FakePxWeb, synthetic_values, table_regions

pytestmark = pytest.mark.reference
DOCS = recorded_metadata()


@pytest.fixture(scope="module")
def lookup(reference_dir) -> pd.DataFrame:
    from segindicators.geography import read_reference_lookups

    return read_reference_lookups(reference_dir / "lookups")


def _fill(table: str, lookup: pd.DataFrame, **kw) -> tuple[dict[str, str], np.ndarray, np.ndarray]:
    regions = table_regions(DOCS[table], lookup, ["0580"])
    values, status = synthetic_values(DOCS[table], regions, lookup, seed=11, **kw)
    return regions, values, status


def _frame(table: str, regions: dict[str, str], values: np.ndarray, status: np.ndarray) -> pd.DataFrame:
    spec = table_spec(DOCS[table])
    axes = [list(regions) if d == "Region" else list(spec.variable(d).codes) for d in spec.dimension_order]
    index = pd.MultiIndex.from_product(axes, names=list(spec.dimension_order))
    return pd.DataFrame({"value": values.ravel(), "status": status.ravel()}, index=index)


def test_linkoping_regions_are_scbs(lookup):
    regions = table_regions(DOCS["TAB6574"], lookup, ["0580"])
    levels = pd.Series([level_of_code(c) for c in regions]).value_counts().to_dict()
    assert levels == {("DeSO", "2025"): 98, ("DeSO", "2018"): 94, ("RegSO", "2018"): 32, ("RegSO", "2025"): 32,
                      ("kommun", None): 1, ("riket", None): 1}  # fmt: skip
    assert regions["0580R018_RegSO2025"] == "0580R018 Linköping (Skäggetorp-Tornby)"
    assert regions["0580R001"] == "Linköping (Berga)" and regions["0580C1191_DeSO2025"] == "0580C1191"
    # only what the table publishes: TAB6680 DeSO/RegSO, TAB6586 RegSO, TAB6534 2025, TAB5956 2018
    assert {level_of_code(c)[0] for c in table_regions(DOCS["TAB6680"], lookup, ["0580"])} == {
        "DeSO",
        "RegSO",
    }
    assert {level_of_code(c)[0] for c in table_regions(DOCS["TAB6586"], lookup, ["0580"])} == {"RegSO"}
    assert {level_of_code(c)[1] for c in table_regions(DOCS["TAB6534"], lookup, ["0580"])} == {"2025", None}
    assert {level_of_code(c)[1] for c in table_regions(DOCS["TAB5956"], lookup, ["0580"])} == {"2018", None}


def test_counts_are_integers_and_parts_sum_to_totals(lookup):
    regions, values, status = _fill("TAB6574", lookup)
    f = _frame("TAB6574", regions, values, status)["value"].unstack(["Alder", "Kon"])
    f = f.dropna(how="all")
    assert (f.fillna(0) == np.floor(f.fillna(0))).all().all()
    ages = [c for c in DOCS["TAB6574"]["dimension"]["Alder"]["category"]["index"] if c != "totalt"]
    for kon in ("1", "2", "1+2"):
        part = f.loc[:, [(a, kon) for a in ages]]
        full = part.notna().all(axis=1)
        assert full.mean() > 0.5  # most rows have no suppressed part
        np.testing.assert_array_equal(part[full].sum(axis=1), f.loc[full, ("totalt", kon)])
    both = (
        f.loc[:, [(a, k) for a in ["totalt", *ages] for k in ("1", "2")]]
        .T.groupby(level=0)
        .sum(min_count=2)
        .T
    )
    ok = both.notna().all(axis=1)
    np.testing.assert_array_equal(both[ok]["totalt"], f.loc[ok, ("totalt", "1+2")])
    # suppressed: null + "..", 1–4 hidden, never at a total code
    s = _frame("TAB6574", regions, values, status)
    sup = s[(s["status"] == "..") & s.index.get_level_values("Tid").isin(["2020", "2024"])]
    sup = sup[[level_of_code(r)[1] in (None, "2018" if t == "2020" else "2025")
               for r, t in zip(sup.index.get_level_values("Region"), sup.index.get_level_values("Tid"), strict=True)]]  # fmt: skip
    assert len(sup) > 0 and sup["value"].isna().all()
    assert not (sup.index.get_level_values("Alder") == "totalt").any()
    assert not (sup.index.get_level_values("Kon") == "1+2").any()


def test_deso_sum_to_regso_sum_to_kommun_sum_to_riket_within_a_version(lookup):
    regions, values, status = _fill("TAB6571", lookup, rest_of_country=False)
    f = _frame("TAB6571", regions, values, status).xs(
        ("SA", "1+2", "000007Y4"), level=("UtlBakgrund", "Kon", "ContentsCode")
    )
    w = f["value"].unstack("Tid")
    for version, year in (("2018", "2023"), ("2025", "2024")):
        lk = lookup[(lookup["kommun"] == "0580") & (lookup["geo_version"] == version)]
        ds, rs = ("", "") if version == "2018" else ("_DeSO2025", "_RegSO2025")
        by_regso = w.loc[lk["deso"] + ds, year].groupby(lk["regso"].to_numpy() + rs).sum()
        pd.testing.assert_series_equal(by_regso, w.loc[by_regso.index, year], check_names=False)
        assert by_regso.sum() == w.loc["0580", year] == w.loc["00", year]
        assert len(lk) == (94 if version == "2018" else 98) and lk["regso"].nunique() == 32
    # default: riket = Linköping + a synthetic rest of the country
    regions, values, status = _fill("TAB6571", lookup)
    g = _frame("TAB6571", regions, values, status)["value"]
    assert g["00", "SA", "1+2", "000007Y4", "2023"] > 10 * g["0580", "SA", "1+2", "000007Y4", "2023"]
    # the population is the same in every table of one seed (TAB6574's total = TAB6571's total)
    r74, v74, s74 = _fill("TAB6574", lookup, rest_of_country=False)
    h = _frame("TAB6574", r74, v74, s74)["value"]
    assert h["0580C1230", "totalt", "1+2", "000007Y7", "2021"] == w.loc["0580C1230", "2021"]


def test_percentages_decimals_amounts_and_quartiles(lookup):
    regions, values, status = _fill("TAB6684", lookup)
    f = _frame("TAB6684", regions, values, status)["value"].unstack("ContentsCode")
    f = f[f.notna().any(axis=1)]
    q = f[["000008A6", "000008A7", "000008A8", "000008A9"]].dropna()
    assert ((q >= 0) & (q <= 100)).all().all() and (q == q.round(0)).all().all()  # unit decimals 0
    assert (q.sum(axis=1) - 100).abs().max() <= 2  # whole-percent shares of one four-way split
    med = f["000008AB"].dropna()
    assert (med > 50).all() and (med == med.round(1)).all() and (med != med.round(0)).any()  # decimals 1
    assert (f["000008AA"].dropna() > 0).all()
    assert (f["000008A5"].dropna() == f["000008A5"].dropna().round()).all()
    # TAB6685: at-risk-of-poverty and high economic standard in whole percent, persons consistent by age
    regions, values, status = _fill("TAB6685", lookup)
    g = (
        _frame("TAB6685", regions, values, status)["value"]
        .unstack(["ContentsCode", "Alder"])
        .dropna(how="all")
    )
    pct = g[["000008AC", "000008AD"]].stack(future_stack=True).dropna()
    assert ((pct >= 0) & (pct <= 100)).all().all() and (pct == pct.round(0)).all().all()
    n = g["000008AE"].dropna()
    np.testing.assert_array_equal(n["0-19"] + n["20-64"] + n["65+"], n["tot"])
    np.testing.assert_array_equal(n["0-19"] + n["20-65"] + n["66+"], n["tot"])


def test_labour_market_contents_and_area_type(lookup):
    regions, values, status = _fill("TAB6680", lookup)
    f = _frame("TAB6680", regions, values, status)["value"].unstack("ContentsCode").dropna()
    assert len(f) > 0
    np.testing.assert_array_equal(f["0000089X"] + f["0000089W"], f["0000089V"])  # labour force
    np.testing.assert_array_equal(f["0000089V"] + f["0000089Z"], f["0000089Y"])  # total
    w = f.xs("1+2", level="Kon")["0000089Y"].unstack("Alder")
    assert (w["20-64"] <= w["20-65"]).all() and (w["20-64"] <= w["16-64"]).all()
    regions, values, status = _fill("TAB6586", lookup)
    g = _frame("TAB6586", regions, values, status)["value"].unstack("ContentsCode")
    g = g[[not (level_of_code(r)[1] == "2025" and int(t) < 2024) and not (level_of_code(r)[1] == "2018" and int(t) >= 2024)
           for r, t in g.index]]  # fmt: skip
    assert set(g["000008IU"].dropna().unique()) <= {1, 2, 3, 4, 5} and g["000008IU"].nunique() >= 2
    assert (
        ((g[["000008IV", "000008IW", "000008IX"]] >= 0) & (g[["000008IV", "000008IW", "000008IX"]] <= 100))
        .all()
        .all()
    )
    assert (g["000008IT"] == g["000008IT"].round(1)).all()


def test_deterministic_and_served_with_the_trap(lookup):
    a = _fill("TAB6572", lookup)
    b = _fill("TAB6572", lookup)
    np.testing.assert_array_equal(a[1], b[1])
    fake = FakePxWeb()
    t = fake.add_recorded_table(DOCS["TAB6572"], a[0], a[1], status=a[2])
    assert t.label.startswith("Syntetiska exempeldata – inte officiell statistik")
    codes = t.variable("Region").codes
    years = t.variable("Tid").codes
    new = codes.index("0580C1191_DeSO2025")
    assert (t.values[new][..., years.index("2023")] == 0).all()  # SCB's 0 for a 2025 code before 2024
    assert not np.isnan(t.values[new][..., years.index("2024")]).all()


def test_a_linkoping_build_on_real_codes_in_one_call_per_table(lookup, tmp_path):
    from segindicators.sources.scb import ScbClient
    from segindicators.testing import synthetic_server

    fake = synthetic_server(lookup, ["0580"], seed=5, max_calls=1000, time_window=1.0)
    assert sorted(fake.tables) == sorted(DOCS)
    with fake, ScbClient(fake.url, cache_dir=tmp_path) as client:
        for table, doc in DOCS.items():
            spec = table_spec(doc)
            region = ["0580*", "00"] if "riket" in spec.levels else ["0580*"]
            codes = {"Region": region, "Kon": ["1+2"]}  # both sexes: every table under 150,000 cells
            got = client.data(table, {d: codes.get(d, ["*"]) for d in spec.dimension_order})
            deso = got[got["Region"].str.fullmatch(r"0580[A-C]\d{4}")]
            regso = got[got["Region"].str.fullmatch(r"0580R\d{3}")]
            if "DeSO" in spec.levels:
                n = deso.groupby(deso["region_version"].fillna("2018"))["Region"].nunique().to_dict()
                assert n == {v: {"2018": 94, "2025": 98}[v[-4:]] for v in n} and n, (table, n)
            if "RegSO" in spec.levels:
                assert set(regso.groupby(regso["region_version"].fillna("2018"))["Region"].nunique()) == {32}
            assert ("00" in set(got["Region"])) == ("riket" in spec.levels)
        assert len(fake.data_requests()) == len(DOCS) and not fake.unmatched
