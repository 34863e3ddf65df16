"""League tables of every municipality (``segindicators.typology.national``), on hand-made index values.

The values are synthetic ("Syntetiska exempeldata – inte officiell statistik"), chosen so every rank can be
read off by eye.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.indices import IndexDraws
from segindicators.tables import TABLES, normalise
from segindicators.typology.national import league, national_indices, national_ranks


def _indices(index: str = "dissimilarity", raw=(0.30, 0.50, 0.10, 0.40), corrected=(0.20, 0.50, 0.10, 0.35)):
    n = len(raw)
    frame = pd.DataFrame({
        "kommun": [f"000{i + 1}" for i in range(n)], "level": "RegSO", "geo_version": "2025", "year": 2024,
        "group": "background", "index": index, "value": list(raw), "value_bias_corrected": list(corrected),
        "bias": np.nan, "ci_low": np.nan, "ci_high": np.nan, "ci_low_bias_corrected": np.nan,
        "ci_high_bias_corrected": np.nan, "expected_random": np.nan, "units": 10, "units_dropped": 0, "flags": "",
    })  # fmt: skip
    return normalise("national_indices", frame)  # the declared dtypes: text columns are pandas "string"


def test_ranks_on_both_values_with_declared_dtypes_and_peers():
    ranks = national_ranks(_indices(), peers={"0004": ["0002", "0003", "9998"]}, names={"0004": "Fyra"})
    assert list(ranks.columns) == TABLES["national_ranks"].column_names
    own = ranks[ranks["kommun"] == "0004"].set_index("ranked_on")
    assert own.loc["raw", "rank"] == 2 and own.loc["raw", "percentile"] == 75.0  # 0.40 after 0.50
    assert own.loc["bias_corrected", "rank"] == 2 and own.loc["bias_corrected", "value"] == 0.35
    assert own.loc["raw", "peer_rank"] == 2 and own.loc["raw", "peer_n"] == 3  # 0004, 0002, 0003
    assert own.loc["raw", "peer_median"] == 0.30 and own.loc["raw", "kommun_name"] == "Fyra"
    assert own.loc["raw", "flags"] == "missing_peers=9998"
    other = ranks[ranks["kommun"] == "0001"]
    assert other["peer_rank"].isna().all() and other["peer_n"].isna().all()  # no peer group
    assert ranks["rank_low"].isna().all()  # no replicates are passed (see league)


def test_the_bias_corrected_ranking_can_differ_from_the_raw_one():
    idx = _indices(raw=(0.30, 0.50, 0.10, 0.40), corrected=(0.45, 0.50, 0.10, 0.35))
    table = national_ranks(idx, kommuner=["0001"])
    assert table.set_index("ranked_on")["rank"].to_dict() == {"bias_corrected": 2.0, "raw": 3.0}


def test_exposure_ranks_ascending_and_ties_share_the_better_rank():
    low = league(_indices("exposure", raw=(0.2, 0.1, 0.1, 0.9)), "raw").set_index("kommun")["rank"]
    assert low.to_dict() == {"0001": 3.0, "0002": 1.0, "0003": 1.0, "0004": 4.0}


def test_a_value_without_bias_correction_is_ranked_raw_only():
    idx = _indices("ice_share_high", corrected=(np.nan,) * 4)
    ranks = national_ranks(idx)
    assert set(ranks["ranked_on"]) == {"raw"} and len(ranks) == 4


def test_national_indices_by_kommun_in_one_call():
    rows = []
    for k, shares in [("0001", [0.9, 0.1]), ("0002", [0.5, 0.4]), ("0003", [0.2, 0.2])]:
        for i, share in enumerate(shares):
            for m, v in [("foreign", share * 100), ("swedish", (1 - share) * 100)]:
                rows.append({"kommun": k, "level": "RegSO", "geo_version": "2025", "area": f"{k}R00{i}",
                             "year": 2024, "indicator": f"background.{m}", "numerator": v, "denominator": 100.0,
                             "flags": ""})  # fmt: skip
    rows.append({**rows[0], "geo_version": "harmonised"})  # trend series are not citywide inputs
    got = national_indices(pd.DataFrame(rows), draws=9, rng=1)
    d = got[got["index"] == "dissimilarity"].set_index("kommun")
    assert d["value"].round(4).to_dict() == {"0001": 0.8, "0002": 0.101, "0003": 0.0}
    assert d["value_bias_corrected"].notna().all() and set(got["geo_version"]) == {"2025"}
    assert list(got.columns) == TABLES["national_indices"].column_names


def test_national_ranks_names_a_missing_cell_column():
    with pytest.raises(KeyError, match=r"indices: no column\(s\) \['level', 'geo_version'"):
        national_ranks(pd.DataFrame({"kommun": ["0001"], "value": [0.1]}))


def test_a_rank_outside_its_interval_is_flagged_among_all_and_among_peers():
    # 0001's raw D is 0.30 (third of four) but 0.90 in every draw (first): its raw rank lies outside its rank
    # interval [1, 1], among all and among its peers 0002 and 0003. Bias-corrected, 2·0.30 − 0.90 = −0.30 in
    # the estimate and in every debiased replicate: fourth, inside [4, 4].
    idx = _indices(raw=(0.30, 0.50, 0.10, 0.40), corrected=(-0.30, 0.50, 0.10, 0.40))
    rows = idx[["level", "geo_version", "year", "group", "index", "kommun", "value"]].assign(flags="")
    draws = IndexDraws(rows, np.tile([0.90, 0.50, 0.10, 0.40], (9, 1)))
    ranks = national_ranks(idx, kommuner=["0001"], peers={"0001": ["0002", "0003"]}, draws=draws)
    own = ranks.set_index("ranked_on")
    assert own.loc["raw", ["rank", "rank_low", "rank_high"]].tolist() == [3.0, 1.0, 1.0]
    assert own.loc["raw", "flags"] == "rank_outside_interval;peer_rank_outside_interval"
    assert own.loc["bias_corrected", ["rank", "rank_low", "rank_high"]].tolist() == [4.0, 4.0, 4.0]
    assert own.loc["bias_corrected", "flags"] == ""
