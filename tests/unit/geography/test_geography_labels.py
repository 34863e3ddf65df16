"""RegSO labels 'Kommun (RegSO-namn)': quirks and the full national join."""

from __future__ import annotations

import pandas as pd
import pytest

from segindicators.geography import (
    LabelJoinError,
    join_regso_labels,
    parse_regso_label,
    read_reference_lookups,
)


@pytest.fixture(scope="module")
def lookup(reference_dir):
    return read_reference_lookups(reference_dir / "lookups")


@pytest.mark.reference
def test_all_3363_labels_join_one_to_one(born_in_sweden, lookup):
    labels = born_in_sweden["region"]
    joined = join_regso_labels(labels, lookup, geo_version="2018")
    assert len(joined) == labels.nunique() == 3363
    assert joined["regso"].is_unique and joined["regso"].notna().all()
    assert set(joined["regso"]) == set(lookup.loc[lookup["geo_version"] == "2018", "regso"])
    by_label = joined.set_index("label")["regso"]
    assert by_label["Linköping (Skäggetorp-Tornby)"] == "0580R018"
    assert by_label["Eslöv (Eslöv centrum )"].startswith("1285R")
    # Same RegSO name in two kommuner resolves by kommun.
    assert by_label["Botkyrka (Tuna )"][:4] == "0127" and by_label["Luleå (Tuna )"][:4] == "2580"


@pytest.mark.reference
def test_quirky_labels_are_counted(born_in_sweden, lookup):
    labels = pd.Series(born_in_sweden["region"].unique())
    quirky = labels.str.contains(r"\s\)") | labels.str.contains("–")
    assert 0 < quirky.sum() <= 29  # README: 29 labels need the quirk handling


@pytest.mark.reference
def test_unmatched_labels_raise_with_first_few(lookup):
    with pytest.raises(
        LabelJoinError, match=r"2 of 3 label\(s\) match no RegSO.*'Linköping \(Atlantis\)'.*Hint"
    ):
        join_regso_labels(["Linköping (Berga)", "Linköping (Atlantis)", "Ingenstans (Berga)"], lookup)


def test_parse_quirks():
    out = parse_regso_label(["Eslöv (Eslöv centrum )", "Sotenäs (Kungshamn–Smögen)", "A (B (C) )"])
    assert out["kommun_name"].tolist() == ["Eslöv", "Sotenäs", "A"]
    assert out["regso_name"].tolist() == ["Eslöv centrum", "Kungshamn–Smögen", "B (C)"]
    with pytest.raises(ValueError, match="not of the form"):
        parse_regso_label(["Linköping"])


def test_dash_variants_join_and_duplicates_rejected():
    lk = pd.DataFrame(
        {
            "geo_version": "2018",
            "deso": ["1427C1010", "1427C1020"],
            "regso": ["1427R001", "1427R002"],
            "regso_name": ["Kungshamn–Smögen-Hovenäset–Väjern", "Hunnebostrand"],
            "kommun": "1427",
            "kommun_name": "Sotenäs",
        }
    )
    out = join_regso_labels(["Sotenäs (Kungshamn-Smögen-Hovenäset-Väjern)"], lk)
    assert out["regso"].tolist() == ["1427R001"]
    with pytest.raises(LabelJoinError, match="several labels match the same RegSO"):
        join_regso_labels(["Sotenäs (Hunnebostrand)", "Sotenäs (Hunnebostrand )x"[:-1]], lk)
