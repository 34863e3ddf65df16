"""Peer comparison: Linköping's rank among 290 on the real national RegSO export, against PySAL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.geography import join_regso_labels, load_profile, read_reference_lookups
from segindicators.typology.peers import citywide_by_kommun, foreign_born_counts_from_export, peer_comparison

LINKOPING = "0580"


@pytest.fixture(scope="module")
def national(born_in_sweden, reference_dir):
    lookup = read_reference_lookups(reference_dir / "lookups")
    return born_in_sweden, lookup


@pytest.mark.reference
def test_linkoping_dissimilarity_rank_against_pysal(national):
    from segregation.singlegroup import Dissim

    export, lookup = national
    # independent path: plain pandas pivot, PySAL's Dissim per municipality, ranking by sorting
    wide = export.pivot_table(index=["region", "year"], columns="födelseregion", values="value").reset_index()
    codes = join_regso_labels(wide["region"], lookup).set_index("label")["kommun"]
    wide["kommun"] = wide["region"].map(codes)
    wide["foreign"] = wide["totalt"] - wide["Sverige"]
    assert wide.groupby("year")["totalt"].sum().loc[2022] == 10_521_556  # the export is the whole country

    ours = peer_comparison(citywide_by_kommun(foreign_born_counts_from_export(export, lookup), levels=["RegSO"],
                                              indices="dissimilarity"), LINKOPING)  # fmt: skip
    ours = ours.set_index("year")
    peers = list(load_profile(LINKOPING).peers)
    ranks = {}
    for year, g in wide.groupby("year"):
        d = {k: Dissim(sub, "foreign", "totalt").statistic for k, sub in g.groupby("kommun")}
        assert len(d) == 290
        ordered = sorted(d.values(), reverse=True)
        rank = 1 + sum(v > d[LINKOPING] for v in ordered)
        peer_vals = [d[p] for p in [LINKOPING, *peers]]
        peer_rank = 1 + sum(v > d[LINKOPING] for v in peer_vals)
        row = ours.loc[year]
        assert row["value"] == pytest.approx(d[LINKOPING], abs=1e-10)
        assert row["rank"] == rank and row["n"] == 290
        assert row["percentile"] == pytest.approx(100 * sum(v <= d[LINKOPING] for v in ordered) / 290)
        assert row["peer_rank"] == peer_rank and row["peer_n"] == 9
        assert row["peer_median"] == pytest.approx(np.median([d[p] for p in peers]))
        ranks[year] = rank
    assert sorted(ranks) == [2020, 2021, 2022, 2023]
    assert {y: int(r) for y, r in ranks.items()} == {
        2020: 27,
        2021: 21,
        2022: 22,
        2023: 21,
    }  # as computed here
    print("Linköping rank for D (foreign-born, RegSO) among 290:", ranks)


def _indices(values, index="dissimilarity"):
    return pd.DataFrame({"kommun": [f"{i:04d}" for i in range(1, len(values) + 1)], "level": "RegSO",
                         "geo_version": "2018", "year": 2022, "index": index, "value": values})  # fmt: skip


def test_ranks_ties_and_exposure_direction():
    r = peer_comparison(_indices([0.5, 0.5, 0.2, np.nan]), "0002", peers=["0001", "0004"])
    assert r[["rank", "n", "percentile"]].values.tolist() == [[1.0, 3.0, 100.0]]
    assert r["peer_n"].item() == 2 and r["flags"].item() == "missing_peers=0004"
    e = peer_comparison(_indices([0.9, 0.6, 0.3], index="exposure"), "0003", peers=["0001"])
    assert e["rank"].item() == 1  # lowest exposure = most segregated


def test_peer_comparison_errors_name_the_problem():
    with pytest.raises(ValueError, match="0580"):
        peer_comparison(_indices([0.1, 0.2]), "0580", peers=[])
    with pytest.raises(KeyError, match="kommun"):
        peer_comparison(_indices([0.1]).drop(columns="kommun"), "0001", peers=[])


def test_citywide_by_kommun_covers_both_levels_and_ranks_within_each():
    rows = []
    for k, shares in (("0001", [0.1, 0.5]), ("0002", [0.3, 0.3]), ("0003", [0.0, 0.6])):
        for level, suffix in (("RegSO", "R"), ("DeSO", "C")):
            for i, s in enumerate(shares):
                rows.append({"kommun": k, "level": level, "geo_version": "2018", "year": 2022,
                             "area": f"{k}{suffix}{i}", "indicator": "foreign_born_share",
                             "numerator": 100 * s, "denominator": 100.0})  # fmt: skip
    r = citywide_by_kommun(pd.DataFrame(rows), indices="dissimilarity")
    assert set(r["level"]) == {"RegSO", "DeSO"} and len(r) == 6
    pc = peer_comparison(r, "0001", peers=["0002"]).set_index("level")
    # D: 0001 = 0.4/(2·0.3·0.7)·... computed by hand: Σ t|p−P| = 40, 2TP(1−P) = 2·200·0.3·0.7 = 84
    assert pc.loc["RegSO", "value"] == pytest.approx(40 / 84)
    assert pc.loc["RegSO", "rank"] == 2 and pc.loc["DeSO", "rank"] == 2  # 0003 (D = 60/84) is most segregated
    assert pc.loc["RegSO", "peer_rank"] == 1 and pc.loc["RegSO", "peer_median"] == 0.0
