"""Aggregation of counts: real-export golden values, hand-derivable cases, hypothesis properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.geography import join_regso_labels, read_reference_lookups
from segindicators.geography.aggregate import (
    NotAggregableError,
    aggregate_counts,
    aggregate_up,
    groups_mapping,
    level_mapping,
)
from segindicators.geography.profiles import focus_mapping, load_profile


def _counts(
    area,
    num,
    den,
    *,
    unit="share",
    indicator="x_share",
    year=2023,
    version="2018",
    level="DeSO",
    kommun="0001",
    flags="",
):
    """Counts frame in the processed-counts contract (synthetic values)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return pd.DataFrame(
        {
            "kommun": kommun,
            "level": level,
            "geo_version": version,
            "area": list(area),
            "area_name": pd.NA,
            "year": np.int64(year),
            "indicator": indicator,
            "numerator": num,
            "denominator": den,
            "value": num / den,
            "unit": unit,
            "status": None,
            "source_table": "SYNTHETIC",
            "table_updated": "2025-01-01",
            "flags": flags,
        }
    )


# ---------------------------------------------------------------- real export (SCB, RegSO 2020)


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.fixture(scope="module")
def foreign_born(born_in_sweden, lookup):
    """foreign_born_share per RegSO and year from the real export: numerator = totalt − Sverige."""
    codes = join_regso_labels(born_in_sweden["region"], lookup, "2018")
    df = born_in_sweden.merge(
        codes[["label", "regso", "regso_name", "kommun"]], left_on="region", right_on="label"
    )
    wide = df.pivot_table(
        index=["regso", "regso_name", "kommun", "year"], columns="födelseregion", values="value"
    ).reset_index()
    num = (wide["totalt"] - wide["Sverige"]).to_numpy()
    out = _counts(wide["regso"], num, wide["totalt"], indicator="foreign_born_share", level="RegSO", year=0)
    out["year"] = wide["year"].astype("int64").to_numpy()
    out["kommun"] = wide["kommun"].to_numpy()
    out["area_name"] = wide["regso_name"].to_numpy()
    out["source_table"] = "regso2020_born_in_sweden_2020_2023.csv"
    return out


@pytest.mark.reference
def test_skaggetorp_foreign_born_2023(foreign_born):
    row = foreign_born[(foreign_born["area"] == "0580R018") & (foreign_born["year"] == 2023)].iloc[0]
    assert (row["numerator"], row["denominator"]) == (6234.0, 10060.0)
    assert round(100 * row["value"], 1) == 62.0


@pytest.mark.reference
def test_linkoping_population_2023(foreign_born, lookup):
    k = aggregate_up(foreign_born[foreign_born["kommun"] == "0580"], lookup, "kommun")
    row = k[k["year"] == 2023].iloc[0]
    assert row["denominator"] == 167_404
    assert row["area"] == "0580" and row["area_name"] == "Linköping" and row["n_parts"] == 32
    assert row["coverage"] == 1.0 and row["flags"] == ""
    assert row["value"] == pytest.approx(row["numerator"] / 167_404)


@pytest.mark.reference
def test_national_total_from_all_kommuner(foreign_born, lookup):
    k = aggregate_up(foreign_born, lookup, "kommun")
    assert k.groupby("year")["denominator"].sum().to_dict() == {
        2020: 10_379_295,
        2021: 10_452_326,
        2022: 10_521_556,
        2023: 10_551_707,
    }
    assert k["area"].nunique() == 290


@pytest.mark.reference
def test_focus_areas_equal_sum_of_parts(foreign_born):
    profile = load_profile("0580")
    focus = aggregate_counts(foreign_born, focus_mapping(profile), level="focus")
    assert focus["area"].nunique() == 3 and set(focus["level"]) == {"focus"}
    parts = foreign_born.set_index(["area", "year"])
    for fa in profile.focus_areas:
        got = focus[focus["area"] == fa.id].set_index("year")
        want = parts.loc[list(fa.areas)].groupby(level="year")[["numerator", "denominator"]].sum()
        pd.testing.assert_frame_equal(got[["numerator", "denominator"]], want, check_names=False)
        assert (got["area_name"] == fa.name).all()
    # All three together, as one arbitrary grouping: pooled, not the mean of the three shares.
    union = aggregate_counts(
        foreign_born, groups_mapping({"focus_all": ["0580R001", "0580R017", "0580R018"]}), level="focus"
    ).set_index("year")
    sub = parts.loc[["0580R001", "0580R017", "0580R018"]].xs(2023, level="year")
    assert union.loc[2023, "value"] == pytest.approx(sub["numerator"].sum() / sub["denominator"].sum())
    assert union.loc[2023, "value"] != pytest.approx(sub["value"].mean())


# ---------------------------------------------------------------- hand-derivable cases


def test_pooled_not_averaged():
    c = _counts(["a", "b"], [10, 450], [100, 900])
    out = aggregate_counts(c, groups_mapping({"G": ["a", "b"]}), level="focus").iloc[0]
    assert out["value"] == 0.46  # 460 / 1000; the mean of shares would be 0.30


def test_suppressed_part_propagates_with_coverage():
    c = _counts(["a", "b", "c"], [10, np.nan, 30], [100, 300, 600])
    c.loc[1, "status"] = ".."
    m = groups_mapping({"G": ["a", "b", "c"]})
    prop = aggregate_counts(c, m, level="focus").iloc[0]
    assert np.isnan(prop["value"]) and np.isnan(prop["numerator"]) and prop["status"] == ".."
    assert prop["flags"] == "suppressed" and prop["coverage"] == 0.7 and prop["n_missing"] == 1
    avail = aggregate_counts(c, m, level="focus", suppressed="available").iloc[0]
    assert (avail["numerator"], avail["denominator"], avail["value"]) == (40.0, 700.0, 40 / 700)
    assert avail["coverage"] == 0.7 and avail["flags"] == "suppressed"


def test_part_missing_from_data_counts_as_missing():
    c = _counts(["a", "b"], [10, 20], [100, 100])
    out = aggregate_counts(c, groups_mapping({"G": ["a", "b", "z"]}), level="focus").iloc[0]
    assert out["n_parts"] == 3 and out["n_missing"] == 1 and np.isnan(out["value"])


def test_counts_unit_sums_and_flags_union():
    c = _counts(
        ["a", "b"],
        [5, 7],
        [np.nan, np.nan],
        unit="count",
        indicator="population",
        flags=["small_area", "reconstructed;small_area"],
    )
    out = aggregate_counts(c, groups_mapping({"G": ["a", "b"]}), level="focus").iloc[0]
    assert out["value"] == 12.0 and np.isnan(out["denominator"]) and out["coverage"] == 1.0
    assert out["flags"] == "reconstructed;small_area"


def test_median_raises_naming_indicator():
    c = _counts(["a", "b"], [np.nan, np.nan], [np.nan, np.nan], unit="tkr", indicator="median_income_tkr")
    with pytest.raises(NotAggregableError, match="'median_income_tkr' \\(unit 'tkr'\\) cannot be aggregated"):
        aggregate_counts(c, groups_mapping({"G": ["a", "b"]}), level="focus")


def test_duplicate_part_rows_rejected():
    c = _counts(["a", "a"], [1, 1], [2, 2])
    with pytest.raises(ValueError, match="duplicated rows"):
        aggregate_counts(c, groups_mapping({"G": ["a"]}), level="focus")


def test_level_mapping_direction():
    lk = pd.DataFrame(
        {
            "geo_version": "2018",
            "deso": ["0580C1010"],
            "regso": "0580R001",
            "regso_name": "Berga",
            "kommun": "0580",
            "kommun_name": "Linköping",
        }
    )
    with pytest.raises(ValueError, match="finer → coarser"):
        level_mapping(lk, "kommun", "DeSO")


# ---------------------------------------------------------------- properties


@st.composite
def geography(draw):
    """A random synthetic kommun: DeSO nested in RegSO, counts with num ≤ den, some suppressed."""
    n_regso = draw(st.integers(1, 5))
    sizes = draw(st.lists(st.integers(1, 4), min_size=n_regso, max_size=n_regso))
    rows, i = [], 0
    for r, size in enumerate(sizes):
        for _ in range(size):
            rows.append((f"9999C{1000 + i:04d}", f"9999R{r + 1:03d}"))
            i += 1
    n = len(rows)
    den = draw(st.lists(st.integers(1, 5000), min_size=n, max_size=n))
    frac = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    num = [float(np.floor(d * f)) for d, f in zip(den, frac, strict=True)]
    lookup = pd.DataFrame(
        {
            "geo_version": "2018",
            "deso": [d for d, _ in rows],
            "regso": [r for _, r in rows],
            "regso_name": "synthetic",
            "kommun": "9999",
            "kommun_name": "Syntetisk",
        }
    )
    counts = _counts([d for d, _ in rows], num, den, kommun="9999")
    return lookup, counts


@settings(max_examples=25, deadline=None)
@given(geography())
def test_deso_regso_kommun_consistent(g):
    lookup, deso = g
    regso = aggregate_up(deso, lookup, "RegSO")
    # Every RegSO equals the pooled sum of its DeSO (recomputed here independently with a dict walk).
    parent = dict(zip(lookup["deso"], lookup["regso"], strict=True))
    by_regso: dict[str, list[float]] = {}
    for area, n, d in zip(deso["area"], deso["numerator"], deso["denominator"], strict=True):
        acc = by_regso.setdefault(parent[area], [0.0, 0.0])
        acc[0] += n
        acc[1] += d
    got = regso.set_index("area")
    for code, (n, d) in by_regso.items():
        assert got.loc[code, "numerator"] == n and got.loc[code, "denominator"] == d
        assert got.loc[code, "value"] == pytest.approx(n / d)
    via_regso = aggregate_up(regso, lookup, "kommun")
    direct = aggregate_up(deso, lookup, "kommun")
    for col in ("numerator", "denominator", "value"):
        assert via_regso[col].iloc[0] == pytest.approx(direct[col].iloc[0])
    assert direct["denominator"].iloc[0] == deso["denominator"].sum()
    assert regso["denominator"].sum() == deso["denominator"].sum()
    assert direct["value"].iloc[0] == pytest.approx(deso["numerator"].sum() / deso["denominator"].sum())


@settings(max_examples=25, deadline=None)
@given(geography())
def test_counts_and_shares_together_by_indicator(g):
    """Several indicators (a share and a count) and years in one frame aggregate independently."""
    lookup, deso = g
    population = deso.assign(
        indicator="population",
        unit="count",
        numerator=deso["denominator"],
        denominator=np.nan,
        value=deso["denominator"],
    )
    both = pd.concat([deso, population, deso.assign(year=np.int64(2024))], ignore_index=True)
    k = aggregate_up(both, lookup, "kommun").set_index(["indicator", "year"])
    assert k.loc[("population", 2023), "value"] == deso["denominator"].sum()
    assert k.loc[("x_share", 2023), "denominator"] == k.loc[("population", 2023), "value"]
    assert k.loc[("x_share", 2024), "value"] == k.loc[("x_share", 2023), "value"]
    via = aggregate_up(aggregate_up(both, lookup, "RegSO"), lookup, "kommun").set_index(["indicator", "year"])
    pd.testing.assert_series_equal(via["value"], k["value"])


@settings(max_examples=25, deadline=None)
@given(geography(), st.data())
def test_share_is_pooled_and_suppression_propagates(g, data):
    lookup, deso = g
    out = aggregate_up(deso, lookup, "kommun").iloc[0]
    pooled = deso["numerator"].sum() / deso["denominator"].sum()
    assert out["value"] == pytest.approx(pooled)
    # The pooled share is a denominator-weighted mean of the parts' shares, so it lies between them.
    assert deso["value"].min() - 1e-12 <= out["value"] <= deso["value"].max() + 1e-12
    k = data.draw(st.integers(0, len(deso) - 1))
    sup = deso.copy()
    sup.loc[k, ["numerator", "value"]] = np.nan
    hidden = aggregate_up(sup, lookup, "kommun").iloc[0]
    assert np.isnan(hidden["value"])
    assert hidden["coverage"] == pytest.approx(1 - deso.loc[k, "denominator"] / deso["denominator"].sum())


def test_average_of_shares_differs_from_pooled_share():
    """A concrete case where the mean of shares is wrong: 1/1 and 0/99 → mean 0.5, pooled 0.01."""
    c = _counts(["a", "b"], [1, 0], [1, 99])
    out = aggregate_counts(c, groups_mapping({"G": ["a", "b"]}), level="focus").iloc[0]
    assert out["value"] == pytest.approx(0.01) and c["value"].mean() == 0.5
