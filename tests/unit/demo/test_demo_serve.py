"""The synthetic municipality served over HTTP on SCB's recorded tables: real codes, the generator's numbers.

All values are "Syntetiska exempeldata – inte officiell statistik" (kommun 9999 is fictional).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.demo import synthetic as syn
from segindicators.demo.serve import AGE_SPLITS, DEMO_TABLES, demo_server, split_counts
from segindicators.sources.scb import ScbClient
from segindicators.sources.scb.metadata import recorded_metadata, table_spec

DOCS = recorded_metadata()


@pytest.fixture(scope="module")
def demo() -> syn.SyntheticMunicipality:
    return syn.generate()


@pytest.fixture(scope="module")
def served(demo, tmp_path_factory) -> dict:
    """Every demo table fetched in ONE call each: Region ["9999*", "00"] (where the table has riket), no codelist."""
    fake = demo_server(demo=demo)
    out: dict = {}
    with fake:
        with ScbClient(base_url=fake.url, cache_dir=tmp_path_factory.mktemp("raw")) as client:
            for table in DEMO_TABLES:
                spec = table_spec(DOCS[table])
                region = ["9999*", "00"] if "riket" in spec.levels else ["9999*"]
                selection = {d: region if d == "Region" else ["*"] for d in spec.dimension_order}
                out[table] = client.data(table, selection)
            out["with codelist"] = client.data(
                "TAB5956", {"Region": ["9999*"], "UtbildningsNiva": ["21"], "ContentsCode": ["*"], "Tid": ["2023"]},
                {"Region": "vs_DeSoHE"},
            )  # fmt: skip
        out["requests"] = list(fake.requests)
        out["unmatched"] = fake.unmatched
        out["fake"] = fake
    return out


def _truth(demo: syn.SyntheticMunicipality) -> pd.Series:
    c = demo.counts
    return c.set_index(["level", "region", "year", "variable", "category"])["value"]


def _cells(frame: pd.DataFrame, **codes: str) -> pd.DataFrame:
    """Rows of a client frame at fixed codes, indexed by (Region with its version suffix, year)."""
    f = frame
    for var, code in codes.items():
        f = f[f[var] == code]
    region = f["Region"] + np.where(f["region_version"].notna(), "_" + f["region_version"].fillna(""), "")
    return f.assign(key=region, year=f["Tid"].astype(int)).set_index(["key", "year"])[["value", "status"]]


def _published(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells of the year's geography version (drops SCB's 0 for 2025 codes before 2024 and 2018 codes after)."""
    key, year = frame.index.get_level_values(0), frame.index.get_level_values(1)
    v25 = key.str.endswith("2025")
    v18 = key.str.len().isin([8, 9]) & ~v25  # plain DeSO (9999C1010) / RegSO (9999R001) codes
    keep = ~((v25 & (year < 2024)) | (v18 & (year >= 2024)))
    return frame[keep]


def _level(plain: str) -> str:
    """The area level of a served Region code without its version suffix ("00", "9999", "9999R001", DeSO)."""
    return "riket" if plain == "00" else "kommun" if len(plain) == 4 else "RegSO" if "R" in plain else "DeSO"


def _compare(got: pd.DataFrame, truth: pd.Series, demo, var: str, cat: str, what: str, *, scale=None) -> None:
    got = _published(got)
    got = got[(got.index.get_level_values(1) >= 2015) & (got.index.get_level_values(1) <= 2024)]
    want = []
    for key, year in got.index:
        plain = key.split("_")[0]
        level = _level(plain)
        want.append(truth.get((level, plain, year, var, cat), np.nan))
    want = np.array(want, dtype=float)
    if scale is not None:
        want = scale(want, got)
    np.testing.assert_array_equal(np.isnan(got["value"].to_numpy(float)), np.isnan(want), err_msg=what)
    np.testing.assert_allclose(got["value"].to_numpy(float), want, rtol=0, atol=1e-9, err_msg=what)
    assert (got.loc[got["value"].isna(), "status"] == "..").all(), what


def test_split_counts_adds_up_exactly():
    n = np.arange(0, 500, dtype=float)
    for splits in AGE_SPLITS.values():
        parts = split_counts(n, [w for _, w in splits])
        assert (parts == np.floor(parts)).all()
        np.testing.assert_array_equal(parts.sum(axis=1), n)


def test_one_call_per_table_and_only_served_routes(served):
    assert served["unmatched"] == []
    data = [r for r in served["requests"] if r.method == "POST"]
    assert len(data) == len(DEMO_TABLES) + 1
    for r in data[:-1]:
        region = next(s for s in r.body["selection"] if s["variableCode"] == "Region")
        assert "codelist" not in region and region["valueCodes"][0] == "9999*"
    assert data[-1].body["selection"][0] == {
        "variableCode": "Region",
        "codelist": "vs_DeSoHE",
        "valueCodes": ["9999*"],
    }
    assert set(served["with codelist"]["Region"]) == set(
        served["fake"].tables["TAB5956"].variable("Region").codes
    ) - {
        "00",
        "9999",
    } - {c for c in served["fake"].tables["TAB5956"].variable("Region").codes if "R" in c}


def test_tables_are_scbs_recorded_ones_labelled_synthetic(served):
    fake = served["fake"]
    assert sorted(fake.tables) == sorted(DEMO_TABLES)
    for tid, t in fake.tables.items():
        assert t.label.startswith("Syntetiska exempeldata – inte officiell statistik")
        assert t.source == syn.SYNTHETIC_LABEL and t.notes[-1] == syn.SYNTHETIC_LABEL
        spec = table_spec(DOCS[tid])
        for var in spec.dimension_order:
            if var != "Region":
                assert t.variable(var).codes == list(spec.variable(var).codes), (tid, var)
        regions = set(t.variable("Region").codes)
        assert ("00" in regions) == ("riket" in spec.levels) and ("9999" in regions) == (
            "kommun" in spec.levels
        )
    assert "9999C1081_DeSO2025" in fake.tables["TAB6574"].variable("Region").codes
    assert not any(c.endswith("2025") for c in fake.tables["TAB5956"].variable("Region").codes)
    assert set(fake.tables["TAB6586"].variable("Region").codes) == {
        f"9999R{i:03d}{s}" for i in range(1, 13) for s in ("", "_RegSO2025")
    }


def test_population_background_and_birth_region_equal_the_generator(demo, served):
    truth = _truth(demo)
    t74 = served["TAB6574"]
    _compare(_cells(t74, Alder="totalt", Kon="1+2"), truth, demo, "population_age", "total", "population")
    _compare(_cells(t74, Alder="80-", Kon="2"), truth, demo, "population_sex_age", "women_80+", "women 80-")
    bands = sum(_cells(t74, Alder=a, Kon="1+2")["value"] for a in ("-4", "5-9", "10-14", "15-19"))
    _compare(
        _cells(t74, Alder="-4", Kon="1+2").assign(value=bands), truth, demo, "population_age", "0-19", "0-19"
    )
    t71 = served["TAB6571"]
    for code, cat in (("1", "foreign"), ("2", "swedish"), ("SA", "total")):
        _compare(
            _cells(t71, UtlBakgrund=code, Kon="1+2"), truth, demo, "background", cat, f"background {code}"
        )
    men = _published(_cells(t71, UtlBakgrund="SA", Kon="1"))
    assert men["value"].isna().all() and (men["status"] == "..").all()  # no variable by sex: null, never 0
    t72 = served["TAB6572"]
    _compare(_cells(t72, Fodelseregion="sv", Kon="1+2"), truth, demo, "birth_region", "sweden", "sv")
    _compare(_cells(t72, Fodelseregion="öv", Kon="1+2"), truth, demo, "birth_region", "outside_europe", "öv")

    def eu(_w, got):  # Europe except Sweden = the generator's Nordic + rest of Europe; ".." if either is
        out = []
        for key, year in got.index:
            plain = key.split("_")[0]
            level = _level(plain)
            parts = [truth.get((level, plain, year, "birth_region", c), np.nan)
                     for c in ("nordic_excl_sweden", "europe_excl_nordic")]  # fmt: skip
            out.append(sum(parts))
        return np.array(out)

    _compare(_cells(t72, Fodelseregion="eu", Kon="1+2"), truth, demo, "birth_region", "total", "eu", scale=eu)


def test_years_the_generator_lacks_are_null_and_the_2025_trap_is_zero(served):
    t74 = _cells(served["TAB6574"], Alder="totalt", Kon="1+2")
    years = t74.index.get_level_values(1)
    early = _published(t74[(years < 2015) | (years == 2025)])
    assert early["value"].isna().all() and (early["status"] == "..").all()
    keys = t74.index.get_level_values(0)
    trap = t74[keys.str.endswith("_DeSO2025") & (years < 2024)]
    assert len(trap) and (trap["value"] == 0).all() and trap["status"].isna().all()
    assert not (t74[~(keys.str.endswith("2025") & (years < 2024))]["value"] == 0).any()
    other = _cells(served["TAB6258"], Upplatelseform="ÖVRIGT", ContentsCode="000006OC")
    # the synthetic municipality has no dwellings of "other/missing" tenure: a true 0 wherever the dwellings
    # total is known (so the rental share has its denominator), never a suppressed ".." turned into 0
    pub = _published(other)
    assert (pub["value"] == 0).all() and pub["status"].isna().all()


def test_labour_income_education_tenure_equal_the_generator(demo, served):
    truth = _truth(demo)
    t80 = served["TAB6680"]
    _compare(
        _cells(t80, Kon="1+2", Alder="20-64", ContentsCode="0000089X"),
        truth,
        demo,
        "employment_20_64",
        "employed",
        "X",
    )
    _compare(
        _cells(t80, Kon="1+2", Alder="20-64", ContentsCode="0000089Y"),
        truth,
        demo,
        "employment_20_64",
        "total",
        "Y",
    )
    assert _published(_cells(t80, Kon="1+2", Alder="20-64", ContentsCode="0000089W"))["value"].isna().all()
    assert not any(
        k in ("00", "9999") for k, _ in _cells(t80, Kon="1+2", Alder="20-64", ContentsCode="0000089X").index
    )
    t5880 = served["TAB5880"]
    _compare(
        _cells(t5880, Sysselsattning="FÖRV", Kon="1+2"),
        truth,
        demo,
        "employment_20_64_rams",
        "employed",
        "FÖRV",
    )
    _compare(
        _cells(t5880, Sysselsattning="total", Kon="1+2"),
        truth,
        demo,
        "employment_20_64_rams",
        "total",
        "RAMS",
    )
    t79 = served["TAB6679"]
    _compare(
        _cells(t79, InkomstTyp="SaFörInk", Kon="1+2", ContentsCode="0000089O"),
        truth,
        demo,
        "income_quartile",
        "total",
        "O",
    )
    _compare(
        _cells(t79, InkomstTyp="SaFörInk", Kon="1+2", ContentsCode="0000089U"),
        truth,
        demo,
        "median_income_tkr",
        "total",
        "U",
    )
    for code, cat in (("21", "compulsory"), ("6", "post_secondary_3plus"), ("US", "unknown")):
        _compare(
            _cells(served["TAB5956"], UtbildningsNiva=code),
            truth,
            demo,
            "education_25_64",
            cat,
            f"edu {code}",
        )
        _compare(
            _cells(served["TAB6534"], UtbildningsNiva=code),
            truth,
            demo,
            "education_25_65",
            cat,
            f"edu25 {code}",
        )
    for code, cat in (("HYRESRÄTT", "rental"), ("ÖVRIGT", "unknown"), ("TOTALT", "total")):
        _compare(
            _cells(served["TAB6253"], Upplatelseform=code),
            truth,
            demo,
            "persons_tenure",
            cat,
            f"persons {code}",
        )
    _compare(
        _cells(served["TAB6258"], Upplatelseform="1"), truth, demo, "dwellings_tenure", "rental", "TAB6258"
    )
    _compare(
        _cells(served["TAB6638"], Upplatelseform="1"), truth, demo, "dwellings_tenure", "rental", "TAB6638"
    )
    _compare(
        _cells(served["TAB6586"], ContentsCode="000008IU"),
        truth,
        demo,
        "area_type_official",
        "total",
        "area type",
    )


def test_percentages_follow_the_units_decimals(demo, served):
    truth = _truth(demo)

    def pct(var_num: tuple[str, str], var_den: tuple[str, str], decimals: int):
        def scale(_w, got):
            out = []
            for key, year in got.index:
                plain = key.split("_")[0]
                level = _level(plain)
                num = truth.get((level, plain, year, *var_num), np.nan)
                den = truth.get((level, plain, year, *var_den), np.nan)
                out.append(np.round(100 * num / den, decimals))
            return np.array(out)

        return scale

    t85 = served["TAB6685"]
    for alder, g in (("tot", "all"), ("0-19", "0_19"), ("65+", "65plus")):
        got = _cells(t85, Alder=alder, ContentsCode="000008AC")
        scale = pct((f"economic_standard_{g}", "low"), (f"economic_standard_{g}", "total"), 0)
        _compare(got, truth, demo, f"economic_standard_{g}", "low", f"AC {alder}", scale=scale)
        assert (_published(got)["value"].dropna() % 1 == 0).all()  # unit decimals 0: whole percent
        _compare(
            _cells(t85, Alder=alder, ContentsCode="000008AE"),
            truth,
            demo,
            f"economic_standard_{g}",
            "total",
            "AE",
        )
    t84 = served["TAB6684"]
    for i, content in enumerate(("000008A6", "000008A7", "000008A8", "000008A9")):
        scale = pct(("equivalised_income_quartile", f"q{i + 1}"), ("equivalised_income_quartile", "total"), 0)
        _compare(
            _cells(t84, ContentsCode=content),
            truth,
            demo,
            "equivalised_income_quartile",
            f"q{i + 1}",
            content,
            scale=scale,
        )
    _compare(_cells(t84, ContentsCode="000008AB"), truth, demo, "median_economic_standard_tkr", "total", "AB")
    assert _published(_cells(t84, ContentsCode="000008AA"))["value"].isna().all()  # no mean in the generator
