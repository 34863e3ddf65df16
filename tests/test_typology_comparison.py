"""The reproduction against SCB's published index, components and type (TAB6586), on data whose answer is known
by construction, and on SCB's real 2022 export of the area types."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from segindicators.typology.comparison import (
    COMPARISON_COLUMNS,
    COMPARISON_SORT_KEYS,
    COMPONENT_PAIRS,
    PUBLISHED_INDEX,
    compare_counts,
    compare_with_published,
)
from segindicators.typology.comparison_sheets import comparison_sheets
from segindicators.typology.socioeconomic import BandRule, agreement_from_values, band_types

RULE = BandRule()
PUBLISHED_TYPES = [1] * 10 + [2] * 15 + [3] * 30 + [4] * 30 + [5] * 15  # 100 area-years
CHANGED = {1: (2, 2), 3: (2, 4), 5: (3, 4)}  # published type: (how many areas, reproduced as)


def _rows(areas, kommun, year, indicator, values, geo="2018"):
    return pd.DataFrame(
        {
            "kommun": kommun, "level": "RegSO", "geo_version": geo, "year": np.int64(year), "area": areas,
            "area_name": pd.NA, "indicator": indicator, "numerator": np.nan, "denominator": np.nan,
            "value": np.asarray(values, dtype=float), "flags": "",
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def constructed():
    """100 area-years (50 RegSO of two municipalities × 2021, 2022); the reproduction equals SCB's type except
    for 7 chosen areas, each one class off."""
    rng = np.random.default_rng(13)
    pub = np.array(PUBLISHED_TYPES, dtype=float)[rng.permutation(100)]
    rep = pub.copy()
    changed = []
    for t, (k, to) in CHANGED.items():
        idx = np.flatnonzero(pub == t)[:k]
        rep[idx] = to
        changed += idx.tolist()
    areas = np.array([f"{'0580' if i % 50 < 25 else '0581'}R{i % 50:03d}" for i in range(100)])
    kommun = np.array([a[:4] for a in areas])
    year = np.where(np.arange(100) < 50, 2021, 2022)
    published = pd.concat(
        [
            _rows([a], k, y, "area_type_official", [v])
            for a, k, y, v in zip(areas, kommun, year, pub, strict=True)
        ],
        ignore_index=True,
    )
    types = published.drop(columns="indicator").assign(
        index="area_type_reproduced", value=rep, rule=RULE.name
    )
    return {"pub": pub, "rep": rep, "changed": sorted(changed), "year": year, "kommun": kommun,
            "published": published, "types": types}  # fmt: skip


def _get(table, comparison, measure, *, scope=None, year=None, kommun=None, type=None, type_compared=None):
    t = table[(table["comparison"] == comparison) & (table["measure"] == measure)]
    t = t[t["scope"] == scope] if scope else t[t["scope"] != "kommun"]
    t = t[t["kommun"] == kommun] if kommun else t
    t = t[t["year"] == year] if year else t[t["year"].isna()]
    t = t[t["type"] == type] if type else t[t["type"].isna()]
    t = t[t["type_compared"] == type_compared] if type_compared else t[t["type_compared"].isna()]
    assert len(t) == 1, (comparison, measure, scope, year, kommun, type)
    return t.iloc[0]


def test_seven_areas_one_class_off_give_the_hand_computed_agreement(constructed):
    c = compare_with_published(
        None, constructed["types"], constructed["published"], kommuner=["0580", "0581"]
    )
    a = c.area_type
    assert a.n == 100 and a.share_agreeing == pytest.approx(0.93) and a.within_one == 1.0
    # margins: published (rows) 10, 15, 30, 30, 15; reproduced (columns) 8, 17, 28, 35, 12
    pe = (10 * 8 + 15 * 17 + 30 * 28 + 30 * 35 + 15 * 12) / 100**2  # = 0.2405
    assert a.kappa == pytest.approx((0.93 - pe) / (1 - pe), abs=1e-12)  # = 0.907834...
    rows, cols = [10, 15, 30, 30, 15], [8, 17, 28, 35, 12]
    expected_dis = sum(abs(i - j) * rows[i] * cols[j] for i in range(5) for j in range(5)) / 100**2
    assert a.kappa_linear == pytest.approx(1 - 0.07 / expected_dis, abs=1e-12)  # 7 areas, 1 class each
    expected_sq = sum((i - j) ** 2 * rows[i] * cols[j] for i in range(5) for j in range(5)) / 100**2
    assert a.kappa_quadratic == pytest.approx(1 - 0.07 / expected_sq, abs=1e-12)
    confusion = np.diag([8, 15, 28, 30, 12])
    confusion[0, 1], confusion[2, 3], confusion[4, 3] = 2, 2, 3
    np.testing.assert_array_equal(a.confusion.to_numpy(), confusion)
    t = c.table
    assert c.scope == "pooled"  # two municipalities, not the country
    assert _get(t, "area_type", "kappa")["value"] == pytest.approx(a.kappa)
    for k, share in {1: 0.8, 2: 1.0, 3: 28 / 30, 4: 1.0, 5: 0.8}.items():
        row = _get(t, "area_type", "agreement_in_type", type=k)
        assert row["value"] == pytest.approx(share) and row["n"] == rows[k - 1]
        assert _get(t, "published", "areas", type=k)["value"] == rows[k - 1]
    for i, j in itertools.product(range(1, 6), range(1, 6)):
        assert _get(t, "area_type", "confusion", type=i, type_compared=j)["value"] == confusion[i - 1, j - 1]
    # per year and per municipality, counted straight from the construction
    same = constructed["pub"] == constructed["rep"]
    for year in (2021, 2022):
        sel = constructed["year"] == year
        row = _get(t, "area_type", "share_agreeing", year=year)
        assert row["value"] == pytest.approx(same[sel].mean()) and row["n"] == 50
    for k in ("0580", "0581"):
        sel = constructed["kommun"] == k
        row = _get(t, "area_type", "share_agreeing", scope="kommun", kommun=k)
        assert row["value"] == pytest.approx(same[sel].mean()) and row["n"] == sel.sum()
    assert c.band_rule is None  # no published index given: no rule-only comparison
    assert set(t["comparison"]) == {"published", "area_type"}


def test_output_table_schema_and_sort(constructed):
    t = compare_with_published(None, constructed["types"], constructed["published"], kommuner=["0580"]).table
    assert list(t.columns) == list(COMPARISON_COLUMNS)
    assert {c: str(d) for c, d in t.dtypes.items()} == COMPARISON_COLUMNS
    resorted = t.sort_values(list(COMPARISON_SORT_KEYS), kind="mergesort", na_position="last")
    pd.testing.assert_frame_equal(t, resorted.reset_index(drop=True))
    assert not t.duplicated(list(COMPARISON_SORT_KEYS)).any()
    assert set(t["scope"]) == {"pooled", "kommun"} and set(t.loc[t["scope"] == "kommun", "kommun"]) == {
        "0580"
    }
    assert t.loc[t["comparison"] == "area_type", "flags"].eq("v3_proxy").all()


def _component_counts(n_kommun=2, per_kommun=20, seed=3, suppress=()):
    """Counts with the reproduction's inputs and SCB's published rows: reproduced = published + known offsets."""
    rng = np.random.default_rng(seed)
    n = n_kommun * per_kommun
    areas = [f"{1000 + k // per_kommun:04d}R{k % per_kommun:03d}" for k in range(n)]
    kommun = [a[:4] for a in areas]
    v1, v2, v3 = rng.uniform(5, 40, n), rng.uniform(5, 30, n), rng.uniform(2, 25, n)
    off1 = np.where(np.arange(n) % 2 == 0, 2.0, -2.0)  # mean 0, absolute 2
    rep1, rep2, rep3 = v1 + off1, v2 - 0.7, 2.0 * v3 + 10.0  # V3: another quantity, linear in SCB's
    published_index = (v1 + v2 + v3) / 3
    pub_types = band_types(published_index, published_index.mean(), published_index.std(), RULE.edges)
    pv1 = v1.copy()
    pv1[list(suppress)] = np.nan
    frames = []
    for ind, vals in (("low_economic_standard_share", rep1 / 100), ("education_compulsory_share", rep2 / 100),
                      ("employment_rate_20_64", 1 - rep3 / 100), ("area_type_official", pub_types),
                      (PUBLISHED_INDEX, published_index)):  # fmt: skip
        frames.append(
            pd.concat([_rows([a], k, 2022, ind, [v]) for a, k, v in zip(areas, kommun, vals, strict=True)])
        )
    for pid, vals in zip(COMPONENT_PAIRS, (pv1, v2, v3), strict=True):
        frames.append(
            pd.concat([_rows([a], k, 2022, pid, [v]) for a, k, v in zip(areas, kommun, vals, strict=True)])
        )
    return pd.concat(frames, ignore_index=True), {"v1": v1, "v2": v2, "v3": v3, "off1": off1}


def test_component_errors_equal_the_constructed_offsets():
    counts, truth = _component_counts()
    c = compare_counts(counts)
    t = c.table
    v1 = {m: _get(t, "v1_low_economic_standard", m)["value"] for m in
          ("mean_difference", "mean_abs_difference", "median_abs_difference", "correlation")}  # fmt: skip
    assert v1 == pytest.approx({"mean_difference": 0.0, "mean_abs_difference": 2.0, "median_abs_difference": 2.0,
                                "correlation": np.corrcoef(truth["v1"] + truth["off1"], truth["v1"])[0, 1]},
                               abs=1e-9)  # fmt: skip
    v2 = _get(t, "v2_compulsory_education", "mean_difference")
    assert v2["value"] == pytest.approx(-0.7) and v2["n"] == 40
    assert _get(t, "v2_compulsory_education", "mean_abs_difference")["value"] == pytest.approx(0.7)
    assert _get(t, "v2_compulsory_education", "correlation")["value"] == pytest.approx(1.0)
    v3 = _get(t, "v3_not_employed_20_64_proxy", "mean_difference")
    assert v3["value"] == pytest.approx(truth["v3"].mean() + 10.0) and v3["flags"] == "v3_proxy"
    assert _get(t, "v3_not_employed_20_64_proxy", "correlation")["value"] == pytest.approx(1.0)
    # the index error is the mean of the component errors
    idx = _get(t, "index", "mean_difference")["value"]
    assert idx == pytest.approx((0.0 - 0.7 + truth["v3"].mean() + 10.0) / 3)
    # SCB's own index banded by SCB's rule (here: the rule the types were made with) agrees perfectly
    assert c.band_rule.share_agreeing == 1.0 and c.band_rule.kappa == pytest.approx(1.0)
    assert _get(t, "band_rule", "kappa_linear")["value"] == pytest.approx(1.0)
    assert _get(t, "band_rule", "share_agreeing")["flags"] == "pooled_reference"  # 2 municipalities
    assert c.area_type.share_agreeing < 1.0  # the proxy's offsets move types; the rule is not to blame


def test_suppressed_published_cells_leave_the_pair_out_never_zero():
    counts, truth = _component_counts(suppress=(0, 1))
    t = compare_counts(counts).table
    row = _get(t, "v1_low_economic_standard", "mean_abs_difference")
    assert row["n"] == 38 and row["value"] == pytest.approx(2.0)
    assert _get(t, "v2_compulsory_education", "mean_abs_difference")["n"] == 40


def test_band_rule_alone_separates_rounding_from_the_rule():
    """SCB's types from the unrounded index; the published index rounded to one decimal: every disagreement of
    the rule-only comparison is an area within half a decimal of an edge."""
    rng = np.random.default_rng(8)
    n = 400
    true_index = rng.normal(20, 6, n)
    for _ in range(5):  # eight areas just either side of an edge (μ, σ move a little with them: iterate)
        edges = true_index.mean() + true_index.std() * np.array(RULE.edges)
        true_index[:8] = np.repeat(edges, 2) + np.tile([-0.01, 0.01], 4)
    types = band_types(true_index, true_index.mean(), true_index.std(), RULE.edges)
    areas = [f"{1000 + i // 100:04d}R{i % 100:03d}" for i in range(n)]
    kommun = [a[:4] for a in areas]
    pub = pd.concat(
        [_rows(areas, kommun, 2023, "area_type_official", types),
         _rows(areas, kommun, 2023, PUBLISHED_INDEX, np.round(true_index, 1))], ignore_index=True,
    )  # fmt: skip
    c = compare_with_published(None, None, pub)
    t = c.table
    amb = c.pairs["rounding_ambiguous"].to_numpy(dtype=bool)
    assert amb[:8].sum() >= 4 and amb.sum() < 40
    assert _get(t, "band_rule", "rounding_ambiguous_share")["value"] == pytest.approx(amb.mean())
    unamb = _get(t, "band_rule", "share_agreeing_unambiguous")
    assert unamb["value"] == 1.0 and unamb["n"] == n - amb.sum()
    wrong = (c.pairs["band_type"] != c.pairs["pub_type"]).to_numpy()
    assert wrong.any() and not (wrong & ~amb).any()
    # a different rule is caught by the same comparison
    other = compare_with_published(None, None, pub, rule=BandRule((-1.5, -0.5, 0.5, 1.5)))
    assert other.band_rule.share_agreeing < 0.9


def test_national_scope_needs_every_municipality():
    areas = [f"{k:04d}R001" for k in range(1, 291)]
    pub = _rows(areas, [a[:4] for a in areas], 2022, "area_type_official", np.arange(290) % 5 + 1)
    c = compare_with_published(None, None, pub)
    assert c.scope == "national"
    assert _get(c.table, "published", "areas", type=3)["value"] == 58
    assert "inte hela riket" not in " ".join(c.notes)
    assert not c.table["flags"].str.contains("pooled_reference").any()


def test_errors_name_the_argument(constructed):
    with pytest.raises(ValueError, match="rule"):
        compare_with_published(
            None, constructed["types"], constructed["published"], rule=BandRule((-2, -1, 1, 2))
        )
    with pytest.raises(ValueError, match="kommuner"):
        compare_with_published(None, constructed["types"], constructed["published"], kommuner=["0114"])
    bad = pd.concat([constructed["published"], _rows(["0580R000"], "0580", 2021, PUBLISHED_INDEX, [140.0])])
    with pytest.raises(ValueError, match="0–100"):
        compare_with_published(None, None, bad)
    with pytest.raises(ValueError, match="1–5"):
        agreement_from_values(np.array([1.0, 2.0]), np.array([1.0, 27.3]))
    twice = pd.concat([constructed["types"], constructed["types"].iloc[:2]], ignore_index=True)
    with pytest.raises(ValueError, match="types: 4 rows share"):
        compare_with_published(None, twice, constructed["published"])


def test_sheets_are_xlsx_shaped_and_keep_missing_values(constructed):
    c = compare_with_published(None, constructed["types"], constructed["published"], kommuner=["0580"])
    s = comparison_sheets(c)
    assert list(s) == ["Sammanfattning", "Per typ", "Korstabell", "Noter"]
    summary = s["Sammanfattning"]
    assert summary.loc[0, ["Omfattning", "År", "Antal"]].tolist() == ["alla jämförda områden", "alla år", 100]
    assert summary.loc[0, "Andel lika"] == pytest.approx(0.93)
    cross = s["Korstabell"]
    first = cross.iloc[:5][[f"Typ {j}" for j in range(1, 6)]].to_numpy()
    np.testing.assert_array_equal(first, c.area_type.confusion.to_numpy())
    per = s["Per typ"]
    assert per.columns.tolist()[:5] == ["Omfattning", "Kommun", "År", "SCB:s typ", "Områden med SCB:s typ"]
    kommun_year = per[(per["Kommun"] == "0580") & (per["År"] == "2021")]
    assert int(kommun_year["Områden med SCB:s typ"].sum()) == 25
    empty = kommun_year["Områden med SCB:s typ"] == 0
    assert kommun_year.loc[empty, "Andel lika, reproduktionen"].isna().all()  # no areas: missing, not 0


@pytest.mark.reference
def test_real_export_of_the_official_types_through_the_comparison(reference_dir):
    from segindicators.geography import read_reference_lookups
    from segindicators.typology import area_type_counts, read_official_area_types

    lookup = read_reference_lookups(reference_dir / "lookups")
    published = read_official_area_types(
        reference_dir / "scb-export-csv" / "regso2020_omradestyp_2022.csv", lookup
    )
    c = compare_with_published(None, None, published, kommuner=["0580"])
    assert c.scope == "national"  # 290 municipalities, every RegSO 2020
    t = c.table
    per_type = {k: _get(t, "published", "areas", type=k)["value"] for k in range(1, 6)}
    assert sum(per_type.values()) == 3363
    assert _get(t, "published", "areas", type=1)["n"] == 3363
    got = area_type_counts(published).iloc[0]
    assert per_type == {k: float(got[f"type_{k}"]) for k in range(1, 6)}
    linkoping = {
        k: _get(t, "published", "areas", scope="kommun", kommun="0580", type=k)["value"] for k in range(1, 6)
    }
    assert sum(linkoping.values()) == 32 and linkoping[1] >= 1  # Skäggetorp-Tornby is type 1
    # SCB's types against themselves: the machinery gives perfect agreement on the real national set
    same = published.drop(columns="indicator").assign(index="area_type_reproduced", rule=RULE.name)
    a = compare_with_published(None, same, published).area_type
    assert a.n == 3363 and a.share_agreeing == 1.0 and a.kappa == pytest.approx(1.0)
