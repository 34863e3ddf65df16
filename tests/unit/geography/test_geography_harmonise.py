"""Harmonisation across the 2023/2024 break: the crosswalk rule on SCB's real lookups, and harmonised series.

Counts used here are synthetic (made up for the test, not official statistics); the lookups are real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.geography import read_reference_lookups
from segindicators.geography.aggregate import aggregate_up
from segindicators.geography.harmonise import (
    add_flag,
    crosswalk_summary,
    deso_crosswalk,
    harmonise_deso,
    harmonise_regso,
    regso_changes,
)

LINKOPING_SPLITS = {
    "0580C1190": ["0580C1191", "0580C1192"],
    "0580C1230": ["0580C1231", "0580C1232"],
    "0580C1310": ["0580C1311", "0580C1312"],
    "0580C1600": ["0580C1601", "0580C1602"],
}


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.fixture(scope="module")
def crosswalk(lookup):
    return deso_crosswalk(lookup)


def _synthetic_deso_counts(lookup: pd.DataFrame, kommun: str) -> pd.DataFrame:
    """Synthetic counts (not statistics): numerator = 10, denominator = 100 + i per DeSO, 2023 and 2024."""
    rows = []
    for version, year in (("2018", 2023), ("2025", 2024)):
        codes = sorted(lookup.loc[(lookup["geo_version"] == version) & (lookup["kommun"] == kommun), "deso"])
        for i, code in enumerate(codes):
            rows.append((kommun, "DeSO", version, code, year, 10.0, 100.0 + i))
    df = pd.DataFrame(
        rows, columns=["kommun", "level", "geo_version", "area", "year", "numerator", "denominator"]
    )
    return df.assign(
        area_name=pd.NA,
        indicator="synthetic_share",
        value=df["numerator"] / df["denominator"],
        unit="share",
        status=None,
        source_table="SYNTHETIC",
        table_updated="2025-01-01",
        flags="",
    )


@pytest.mark.reference
def test_linkoping_splits_found(crosswalk):
    lkp = crosswalk[crosswalk["kommun"] == "0580"]
    split = lkp[lkp["kind"] == "split"]
    assert split.groupby("deso_2018")["deso_2025"].apply(list).to_dict() == LINKOPING_SPLITS
    assert split["same_regso"].all()
    assert set(lkp["kind"]) == {"unchanged", "split"}
    assert (lkp["kind"] == "unchanged").sum() == 90  # 94 - 4 split = 90; 90 + 8 parts = 98


@pytest.mark.reference
def test_national_rule_report(crosswalk):
    s = crosswalk_summary(crosswalk).set_index(["kind", "n_parts"])
    assert s.loc[("split", 2), "n_deso_2018"] == 111
    assert s.loc[("split", 3), "n_deso_2018"] == 22
    assert s.loc[("split", 4), "n_deso_2018"] == 7
    assert s.loc[("unchanged", 1), "n_deso_2018"] == 5832
    assert s.loc[("recoded", 1), "kommuner"] == "0586"
    # Every 2018 and every 2025 code is accounted for exactly once per side.
    assert crosswalk["deso_2018"].dropna().nunique() == 5984
    assert crosswalk["deso_2025"].dropna().nunique() == 6160
    assert crosswalk["deso_2025"].dropna().is_unique
    # The rule's code pattern: every split part is parent[:-1] + digit 1–9, in the parent's RegSO.
    split = crosswalk[crosswalk["kind"] == "split"]
    assert (split["deso_2025"].str[:-1] == split["deso_2018"].str[:-1]).all()
    assert split["deso_2018"].str.endswith("0").all() and split["same_regso"].all()


@pytest.mark.reference
def test_regso_changes(lookup, crosswalk):
    ch = regso_changes(lookup, crosswalk)
    assert ch["status"].value_counts().to_dict() == {
        "continuous": 3356,
        "changed": 6,
        "new": 1,
        "discontinued": 1,
    }
    assert (ch.loc[ch["kommun"] == "0580", "status"] == "continuous").all()
    assert set(ch.loc[ch["status"] == "changed", "regso"]) == {
        "0139R010",
        "0586R002",
        "0586R007",
        "0586R010",
        "1496R007",
        "2523R009",
    }
    renamed = ch[ch["name_changed"]].set_index("regso")
    assert renamed.loc["1984R005", "name_2025"] == "Nästkvarn-Sturestaden"


@pytest.mark.reference
def test_harmonise_deso_sums_split_parts(lookup, crosswalk):
    counts = _synthetic_deso_counts(lookup, "0580")
    out = harmonise_deso(counts, crosswalk)
    assert set(out["geo_version"]) == {"harmonised"}
    assert out["flags"].str.split(";").apply(lambda t: "harmonised" in t).all()
    assert out.groupby("year")["area"].nunique().to_dict() == {2023: 94, 2024: 94}
    new = counts[counts["geo_version"] == "2025"].set_index("area")
    h = out[out["year"] == 2024].set_index("area")
    for parent, parts in LINKOPING_SPLITS.items():
        assert h.loc[parent, "denominator"] == new.loc[parts, "denominator"].sum()
        assert h.loc[parent, "numerator"] == 20.0
        assert h.loc[parent, "value"] == pytest.approx(20.0 / new.loc[parts, "denominator"].sum())
    # Unchanged DeSO carry their 2024 numbers unchanged.
    assert h.loc["0580C1160", "denominator"] == new.loc["0580C1160", "denominator"]
    # Kommun total is the same whichever way it is summed.
    total_2025 = counts.loc[counts["geo_version"] == "2025", "denominator"].sum()
    assert h["denominator"].sum() == total_2025


@pytest.mark.reference
def test_suppressed_part_makes_parent_missing(lookup, crosswalk):
    counts = _synthetic_deso_counts(lookup, "0580")
    hit = (counts["area"] == "0580C1231") & (counts["year"] == 2024)
    counts.loc[hit, ["numerator", "value"]] = np.nan
    counts.loc[hit, "status"] = ".."
    h = harmonise_deso(counts, crosswalk).set_index(["area", "year"])
    assert np.isnan(h.loc[("0580C1230", 2024), "value"])
    assert set(h.loc[("0580C1230", 2024), "flags"].split(";")) == {"harmonised", "suppressed"}
    assert h.loc[("0580C1230", 2023), "value"] == pytest.approx(
        10 / h.loc[("0580C1230", 2023), "denominator"]
    )


@pytest.mark.reference
def test_harmonised_deso_aggregate_to_regso_and_regso_series(lookup, crosswalk):
    counts = _synthetic_deso_counts(lookup, "0580")
    h = harmonise_deso(counts, crosswalk)
    regso_h = aggregate_up(h, lookup, "RegSO")
    assert regso_h.groupby("year")["area"].nunique().to_dict() == {2023: 32, 2024: 32}
    # Direct RegSO aggregation per version equals the harmonised one for continuous RegSO.
    direct = pd.concat(
        [aggregate_up(counts[counts["geo_version"] == v], lookup, "RegSO") for v in ("2018", "2025")]
    )
    cont = harmonise_regso(direct.assign(level="RegSO"), regso_changes(lookup, crosswalk))
    merged = cont.merge(regso_h, on=["area", "year"], suffixes=("", "_h"))
    assert len(merged) == 64
    np.testing.assert_allclose(merged["denominator"], merged["denominator_h"])
    assert (cont["geo_version"] == "harmonised").all() and cont["flags"].str.contains("harmonised").all()
    assert cont.loc[cont["area"] == "0580R018", "area_name"].iloc[0] == "Skäggetorp-Tornby"


def test_add_flag_idempotent():
    s = pd.Series(["", "small_area", "harmonised;small_area"])
    assert add_flag(add_flag(s, "harmonised"), "harmonised").tolist() == [
        "harmonised",
        "small_area;harmonised",
        "harmonised;small_area",
    ]


def test_crosswalk_needs_both_versions():
    lk = pd.DataFrame(
        {
            "geo_version": ["2018"],
            "deso": ["0580C1010"],
            "regso": ["0580R001"],
            "regso_name": ["Berga"],
            "kommun": ["0580"],
            "kommun_name": ["Linköping"],
        }
    )
    with pytest.raises(ValueError, match="needs both geo_version"):
        deso_crosswalk(lk)
