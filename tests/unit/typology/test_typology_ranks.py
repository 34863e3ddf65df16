"""Rank intervals among municipalities from bootstrap draws, and the draws themselves.

All counts and draws are constructed for the tests (not SCB data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.indices import (
    IndexDraws,
    bootstrap_draws,
    bootstrap_indices,
    concat_draws,
    segregation_indices,
)
from segindicators.typology.peers import citywide_by_kommun, citywide_draws_by_kommun, peer_comparison
from segindicators.typology.ranks import _desc_ranks, _rank_percentiles, rank_change, rank_intervals


def _rows(values, index="dissimilarity", **keys) -> pd.DataFrame:
    base = {"kommun": [f"{i:04d}" for i in range(1, len(values) + 1)], "level": "RegSO", "geo_version": "2018",
            "year": 2022, "index": index, "value": np.asarray(values, float)}  # fmt: skip
    return pd.DataFrame({**base, **keys})


def _noisy(values, sd, draws=999, seed=0, index="dissimilarity") -> IndexDraws:
    """Draws centred at the values (no bias): value + N(0, sd²) per municipality and draw."""
    values, sd = np.asarray(values, float), np.broadcast_to(np.asarray(sd, float), (len(values),))
    noise = np.random.default_rng(seed).normal(size=(draws, len(values))) * sd
    return IndexDraws(_rows(values, index=index), values + noise)


def _naive(rows: pd.DataFrame, boot: np.ndarray, kommun: str, level: float, corrected: bool):
    """One municipality at a time with plain Python: its rank in each draw among its cell, then percentiles."""
    raw = rows["value"].to_numpy(float)
    mean = np.nanmean(boot, axis=0)
    point = 2 * raw - mean if corrected else raw
    reps = 2 * raw - boot if corrected else boot
    sign = np.where(rows["index"].isin(["exposure", "exposure_yx"]), -1.0, 1.0)
    out = {}
    for cell, sub in rows.groupby(["level", "geo_version", "year", "index"]):
        pos = sub.index.to_numpy()
        (me,) = pos[sub["kommun"].to_numpy() == kommun]
        rank = 1 + sum(sign[j] * point[j] > sign[me] * point[me] for j in pos)
        per_draw = [
            1 + sum(sign[j] * reps[b, j] > sign[me] * reps[b, me] for j in pos) for b in range(len(boot))
        ]
        lo, hi = np.quantile(per_draw, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
        out[cell] = (rank, lo, hi)
    return out


# ---------------------------------------------------------------- hand-derivable cases
@pytest.mark.parametrize("ranked_on", ["bias_corrected", "raw"])
def test_zero_variance_draws_collapse_the_interval_to_the_rank(ranked_on):
    values = [0.3, 0.5, 0.1, 0.4]
    d = IndexDraws(_rows(values), np.tile(values, (50, 1)))
    r = rank_intervals(d, ranked_on=ranked_on)
    assert r["rank"].tolist() == [3.0, 1.0, 4.0, 2.0]
    assert r["rank_low"].tolist() == r["rank"].tolist() == r["rank_high"].tolist()
    assert r["n"].tolist() == [4.0] * 4 and r["percentile"].tolist() == [50.0, 100.0, 25.0, 75.0]
    assert (r["ranked_on"] == ranked_on).all() and (r["flags"] == "").all()
    # no bias when every draw is the value (up to the rounding of the mean of 50 equal numbers)
    np.testing.assert_allclose(r["value_bias_corrected"], values, rtol=0, atol=1e-15)


def test_a_municipality_far_ahead_of_all_is_first_in_every_draw():
    d = _noisy([0.9, 0.30, 0.31, 0.29, 0.30], sd=0.02)
    r = rank_intervals(d).set_index("kommun")
    assert r.loc["0001", ["rank", "rank_low", "rank_high"]].tolist() == [1.0, 1.0, 1.0]
    assert (r.drop(index="0001")["rank_low"] >= 2).all()
    assert (r.drop(index="0001")["rank_high"] - r.drop(index="0001")["rank_low"] >= 2).all()  # the pack mixes


def test_far_ahead_from_a_real_bootstrap_of_counts():
    # municipality A is completely segregated (areas all-group or no-group: every draw reproduces D = 1);
    # B and C have mixed areas (D = 0.4 and 0.2) whose draws vary
    rows = [
        ("A", 40, 40),
        ("A", 0, 60),
        ("A", 30, 30),
        ("B", 35, 50),
        ("B", 15, 50),
        ("C", 30, 50),
        ("C", 20, 50),
    ]
    df = pd.DataFrame(rows, columns=["kommun", "x", "t"])
    d = bootstrap_draws(df, group="x", total="t", by="kommun", indices="dissimilarity", draws=999, rng=4)
    assert np.ptp(d.draws[:, 0]) == 0 and d.rows["value"].iloc[0] == 1.0
    r = rank_intervals(d).set_index("kommun")
    assert r.loc["A", ["rank", "rank_low", "rank_high"]].tolist() == [1.0, 1.0, 1.0]
    assert r.loc["B", "rank_low"] == 2 and r.loc["C", "rank_high"] == 3


def test_two_municipalities_tied_in_distribution_have_overlapping_intervals():
    # 0002 and 0003 have the same value and the same noise; 0001 is far ahead, 0004 far behind
    d = _noisy([0.8, 0.5, 0.5, 0.1], sd=[0.01, 0.05, 0.05, 0.01])
    r = rank_intervals(d).set_index("kommun")
    assert sorted(r.loc[["0002", "0003"], "rank"]) == [2.0, 3.0]  # the corrected values differ by chance
    for k in ("0002", "0003"):
        assert r.loc[k, ["rank_low", "rank_high"]].tolist() == [2.0, 3.0]
    assert r.loc["0001", "rank_high"] == 1 and r.loc["0004", "rank_low"] == 4


# ---------------------------------------------------------------- axioms
def test_rank_lies_in_its_interval_for_symmetric_noise():
    rng = np.random.default_rng(7)
    values = rng.uniform(0.1, 0.5, 60)
    d = _noisy(values, sd=rng.uniform(0.001, 0.05, 60), seed=8)
    for ranked_on in ("bias_corrected", "raw"):
        r = rank_intervals(d, ranked_on=ranked_on)
        assert ((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"])).all()
        assert (r["rank_low"] >= 1).all() and (r["rank_high"] <= 60).all()
        assert not r["flags"].str.contains("rank_outside_interval").any()


def test_ranks_per_draw_are_a_permutation_and_ties_share_the_better_rank():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(20, 3, 7))  # 20 draws × 3 cells × 7 municipalities, continuous: no ties
    r = _desc_ranks(v)
    np.testing.assert_array_equal(np.sort(r, axis=-1), np.broadcast_to(np.arange(1, 8), r.shape))
    np.testing.assert_array_equal(r, pd.DataFrame(-v.reshape(-1, 7)).rank(axis=1).to_numpy().reshape(r.shape))
    tied = np.round(v, 0)  # many ties: pandas' rank(method="min") is the reference
    ref = pd.DataFrame(tied.reshape(-1, 7)).rank(axis=1, ascending=False, method="min").to_numpy()
    np.testing.assert_array_equal(_desc_ranks(tied), ref.reshape(v.shape))
    padded = np.concatenate([v, np.full((20, 3, 2), -np.inf)], axis=-1)  # padding stays behind the others
    np.testing.assert_array_equal(_desc_ranks(padded)[..., :7], r)


def test_rank_percentiles_are_numpy_inverted_cdf_order_statistics():
    rng = np.random.default_rng(2)
    boot = rng.normal(size=(999, 9)) * 0.1 + np.linspace(0, 0.2, 9)
    cells = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    low, high, ndef = _rank_percentiles(boot, np.ones(9), np.zeros(9), cells, 0.9, max_cells=50)
    ranks = np.column_stack(
        [1 + (boot[:, cells == cells[j]] > boot[:, [j]]).sum(axis=1) for j in range(9)]
    )  # the reference: a loop over columns
    np.testing.assert_array_equal(low, np.quantile(ranks, 0.05, axis=0, method="inverted_cdf"))
    np.testing.assert_array_equal(high, np.quantile(ranks, 0.95, axis=0, method="inverted_cdf"))
    assert (ndef == 999).all()


@pytest.mark.parametrize("ranked_on", ["bias_corrected", "raw"])
def test_ascending_indices_invert(ranked_on):
    rng = np.random.default_rng(3)
    values = rng.uniform(0.2, 0.6, 12)
    boot = values + 0.01 + rng.normal(size=(999, 12)) * 0.03  # biased draws, so the correction matters
    seg = rank_intervals(IndexDraws(_rows(values), boot), ranked_on=ranked_on)
    mirrored = rank_intervals(IndexDraws(_rows(-values, index="exposure"), -boot), ranked_on=ranked_on)
    cols = ["rank", "rank_low", "rank_high", "n", "percentile"]
    pd.testing.assert_frame_equal(seg[cols], mirrored[cols])  # −x ranked ascending is x ranked descending
    same = rank_intervals(IndexDraws(_rows(values, index="exposure"), boot), ranked_on=ranked_on)
    np.testing.assert_array_equal(same["rank"], 13 - seg["rank"])  # the same numbers as exposure: reversed
    np.testing.assert_array_equal(
        same["rank_low"], 13 - seg["rank_high"]
    )  # 999 draws: no exact quantile ties
    np.testing.assert_array_equal(same["rank_high"], 13 - seg["rank_low"])


# ---------------------------------------------------------------- bias-corrected ranking
def test_ranking_uses_the_corrected_values_when_raw_and_corrected_orders_differ():
    # A: raw 0.40 but its draws average 0.44 (bias +0.04 → corrected 0.36); B: raw 0.38 and unbiased
    noise = np.random.default_rng(5).normal(size=(999, 2)) * 0.002
    boot = np.array([0.44, 0.38]) + noise - noise.mean(axis=0)
    d = IndexDraws(_rows([0.40, 0.38]), boot)
    corr = rank_intervals(d).set_index("kommun")
    raw = rank_intervals(d, ranked_on="raw").set_index("kommun")
    assert raw.loc["0001", "rank"] == 1 and corr.loc["0001", "rank"] == 2
    assert corr.loc["0001", "value"] == pytest.approx(0.36) and corr.loc["0001", "value_raw"] == 0.40
    assert corr.loc["0001", ["rank_low", "rank_high"]].tolist() == [2.0, 2.0]  # 2·0.40 − draws ≈ 0.36 < 0.38
    assert raw.loc["0001", ["rank_low", "rank_high"]].tolist() == [1.0, 1.0]
    assert (corr["ranked_on"] == "bias_corrected").all() and (raw["ranked_on"] == "raw").all()


def test_small_town_noise_drops_below_the_city_once_corrected():
    # a town of 12 areas × 25 residents with no real segregation (share 0.3 everywhere) has the higher raw D
    # than a city of 12 areas × 2,500 with a real gradient (22 % → 38 %); corrected, the city is ahead
    small = np.random.default_rng(3).binomial(25, 0.3, 12)
    big = np.rint(np.linspace(0.22, 0.38, 12) * 2500)
    df = pd.DataFrame({"kommun": ["0001"] * 12 + ["0002"] * 12, "x": np.r_[small, big],
                       "t": [25] * 12 + [2500] * 12})  # fmt: skip
    d = bootstrap_draws(df, group="x", total="t", by="kommun", indices="dissimilarity", draws=999, rng=1)
    raw = rank_intervals(d, ranked_on="raw").set_index("kommun")
    corr = rank_intervals(d).set_index("kommun")
    assert raw.loc["0001", "value"] > raw.loc["0002", "value"] and raw.loc["0001", "rank"] == 1
    assert corr.loc["0001", "value"] < corr.loc["0002", "value"] and corr.loc["0002", "rank"] == 1
    assert corr.loc["0001", "rank_high"] == 2  # the town's interval reaches the bottom


# ---------------------------------------------------------------- vectorised = one by one
def test_two_municipalities_at_once_equal_one_by_one():
    rng = np.random.default_rng(11)
    frames = []
    for year in (2022, 2023):
        for index in ("dissimilarity", "exposure"):
            frames.append(_rows(rng.uniform(0.2, 0.6, 6), index=index, year=year))
    rows = pd.concat(frames, ignore_index=True)
    boot = rows["value"].to_numpy() + 0.01 + rng.normal(size=(199, len(rows))) * 0.05
    d = IndexDraws(rows, boot)
    for ranked_on in ("bias_corrected", "raw"):
        r = rank_intervals(d, ranked_on=ranked_on, level=0.9, max_cells=30)  # several draw chunks
        for kommun in ("0002", "0005"):
            want = _naive(rows, boot, kommun, 0.9, ranked_on == "bias_corrected")
            got = r[r["kommun"] == kommun].set_index(["level", "geo_version", "year", "index"])
            for cell, (rank, lo, hi) in want.items():
                assert got.loc[cell, ["rank", "rank_low", "rank_high"]].tolist() == [rank, lo, hi], (
                    kommun,
                    cell,
                )


def test_cells_and_groups_are_ranked_apart():
    a = _rows([0.1, 0.2, 0.3], group="background")
    b = _rows([0.9, 0.1, 0.5], group="income")
    rows = pd.concat([a, b], ignore_index=True)
    r = rank_intervals(IndexDraws(rows, np.tile(rows["value"].to_numpy(), (5, 1))))
    assert r["rank"].tolist() == [3.0, 2.0, 1.0, 1.0, 3.0, 2.0] and (r["n"] == 3).all()
    peers = rank_intervals(
        IndexDraws(rows, np.tile(rows["value"].to_numpy(), (5, 1))), among=["0001", "0003"]
    )
    assert peers["kommun"].tolist() == ["0001", "0003"] * 2 and peers["rank"].tolist() == [2.0, 1.0, 1.0, 2.0]


def test_undefined_draws_and_missing_values():
    boot = np.tile([0.5, 0.4, 0.3], (10, 1))
    boot[:3, 0] = np.nan  # 0001's index is undefined in three draws: it sits out of those tables
    r = rank_intervals(IndexDraws(_rows([0.5, 0.4, 0.3]), boot), ranked_on="raw").set_index("kommun")
    assert r.loc["0001", "flags"] == "undefined_draws=3" and r.loc["0001", "rank_low"] == 1
    assert r.loc["0002", "rank_low"] == 1 and r.loc["0002", "rank_high"] == 2  # first when 0001 sits out
    missing = rank_intervals(IndexDraws(_rows([0.5, np.nan, 0.3]), np.tile([0.5, np.nan, 0.3], (10, 1))))
    assert missing["rank"].isna().tolist() == [False, True, False] and missing["rank_low"].isna()[1]
    assert missing["n"].tolist()[0] == 2.0


def test_a_point_rank_outside_its_interval_is_flagged():
    # raw ranking, 0002's draws all sit below 0001 although its point value is above: skewed draws
    d = IndexDraws(_rows([0.50, 0.52]), np.tile([0.50, 0.40], (20, 1)))
    r = rank_intervals(d, ranked_on="raw").set_index("kommun")
    assert r.loc["0001", ["rank", "rank_low", "rank_high"]].tolist() == [2.0, 1.0, 1.0]
    assert r.loc["0001", "flags"] == "rank_outside_interval"


def test_rank_interval_errors_name_the_argument():
    d = IndexDraws(_rows([0.1, 0.2]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="ranked_on"):
        rank_intervals(d, ranked_on="corrected")
    with pytest.raises(ValueError, match="level"):
        rank_intervals(d, level=95)
    with pytest.raises(KeyError, match="unit"):
        rank_intervals(d, unit="municipality")
    with pytest.raises(ValueError, match="ci_low"):  # a value column would make every row its own cell
        rank_intervals(IndexDraws(_rows([0.1, 0.2]).assign(ci_low=[0.0, 0.1]), np.zeros((3, 2))))
    assert rank_intervals(d, among="0002")["kommun"].tolist() == ["0002"]  # one code, not its characters
    with pytest.raises(ValueError, match=r"shape \(ndraws, 2\)"):
        IndexDraws(_rows([0.1, 0.2]), np.zeros((3, 3)))


# ---------------------------------------------------------------- the draws
def _counts(kommuns=("0001", "0002", "0003"), years=(2022, 2023), seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in kommuns:
        share = rng.uniform(0.1, 0.5, 8)
        for year in years:
            for level, size in (("RegSO", 400), ("DeSO", 150)):
                for i, s in enumerate(share):
                    rows.append({"kommun": k, "level": level, "geo_version": "2018", "year": year,
                                 "area": f"{k}{level[0]}{i}", "indicator": "foreign_born_share",
                                 "numerator": float(rng.binomial(size, s)), "denominator": float(size)})  # fmt: skip
    return pd.DataFrame(rows)


def test_draws_are_the_replicates_bootstrap_indices_summarises():
    counts = _counts()
    kw = dict(group="numerator", total="denominator", by=["kommun", "level", "geo_version", "year"])
    for resample in ("units", "table"):
        d = bootstrap_draws(
            counts, indices=["dissimilarity", "theil_h"], draws=150, rng=9, resample=resample, **kw
        )
        b = bootstrap_indices(counts, indices=["dissimilarity", "theil_h"], draws=150, rng=9, resample=resample,
                              **kw)  # fmt: skip
        pd.testing.assert_frame_equal(d.rows, b[d.rows.columns.drop("flags")].assign(flags=d.rows["flags"]))
        np.testing.assert_array_equal(d.bias_corrected(), b["value_bias_corrected"].to_numpy())
        assert d.draws.shape == (150, len(b)) and d.attrs["resample"] == resample
    point = segregation_indices(counts, indices="dissimilarity", **kw)
    d = citywide_draws_by_kommun(counts, draws=20)
    pd.testing.assert_frame_equal(d.rows, point)  # same rows as citywide_by_kommun (attrs aside)
    both = concat_draws([d.assign(group="a"), d.assign(group="b")])
    assert both.draws.shape == (20, 2 * len(point)) and both.rows["group"].tolist()[:: len(point)] == [
        "a",
        "b",
    ]
    with pytest.raises(ValueError, match="same number of draws"):
        concat_draws([d, citywide_draws_by_kommun(counts, draws=5)])


# ---------------------------------------------------------------- peer_comparison with draws
def test_peer_comparison_without_draws_keeps_its_columns_and_values():
    r = _rows([0.3, 0.5, 0.1, 0.4])
    pc = peer_comparison(r, "0004", peers=["0002", "0003"])
    old = ["level", "geo_version", "year", "index", "kommun", "value", "rank", "n", "percentile", "peer_rank",
           "peer_n", "peer_median", "peer_min", "peer_max", "flags"]  # fmt: skip
    assert pc[old].iloc[0].tolist() == ["RegSO", "2018", 2022, "dissimilarity", "0004", 0.4, 2.0, 4, 75.0, 2.0, 3,
                                         0.3, 0.1, 0.5, ""]  # fmt: skip
    assert pc["ranked_on"].item() == "raw" and pc[["rank_low", "rank_high"]].isna().all(axis=None)
    assert np.isnan(pc["value_bias_corrected"].item()) and pc["value_raw"].item() == 0.4


def test_peer_comparison_with_draws_ranks_corrected_values_with_intervals():
    counts = _counts(kommuns=tuple(f"{i:04d}" for i in range(1, 9)))
    indices = citywide_by_kommun(counts, indices="dissimilarity")
    d = citywide_draws_by_kommun(counts, draws=299, rng=2)
    pc = peer_comparison(indices, "0003", peers=["0001", "0005"], draws=d)
    assert len(pc) == 4 and (pc["ranked_on"] == "bias_corrected").all()
    corrected = d.bias_corrected()[d.rows["kommun"].to_numpy() == "0003"]
    # the mean of a column's draws is summed in another order in a narrower array: equal to rounding
    np.testing.assert_allclose(pc["value"], corrected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(pc["value"], pc["value_bias_corrected"])
    assert ((pc["rank_low"] <= pc["rank"]) & (pc["rank"] <= pc["rank_high"])).all()
    assert ((pc["peer_rank_low"] <= pc["peer_rank"]) & (pc["peer_rank"] <= pc["peer_rank_high"])).all()
    assert (pc["peer_rank_high"] <= 3).all() and (pc["n"] == 8).all() and (pc["peer_n"] == 3).all()
    all_ranks = rank_intervals(d).set_index(["level", "year", "kommun"])
    got = pc.set_index(["level", "year"])
    for (level, year), row in got.iterrows():
        assert all_ranks.loc[(level, year, "0003"), "rank_high"] == row["rank_high"]
    raw = peer_comparison(indices, "0003", peers=["0001", "0005"], draws=d, ranked_on="raw")
    np.testing.assert_array_equal(raw["value"], raw["value_raw"])
    plain = peer_comparison(indices, "0003", peers=["0001", "0005"])
    np.testing.assert_array_equal(raw["rank"], plain["rank"])  # the raw point ranks are today's ranks


def test_peer_comparison_refuses_draws_of_other_counts():
    counts = _counts()
    indices = citywide_by_kommun(counts, indices="dissimilarity")
    other = citywide_draws_by_kommun(_counts(seed=1), draws=10)
    with pytest.raises(ValueError, match="same counts"):
        peer_comparison(indices, "0001", peers=["0002"], draws=other)
    regso_only = citywide_draws_by_kommun(counts, levels=["RegSO"], draws=10)
    with pytest.raises(ValueError, match="no bootstrap draws for 6 row"):
        peer_comparison(indices, "0001", peers=["0002"], draws=regso_only)
    with pytest.raises(KeyError, match="value_bias_corrected"):
        peer_comparison(indices, "0001", peers=["0002"], ranked_on="bias_corrected")
    b = indices.assign(value_bias_corrected=indices["value"][::-1].to_numpy())  # corrected point values only
    pc = peer_comparison(b, "0001", peers=["0002"], ranked_on="bias_corrected")
    assert (pc["ranked_on"] == "bias_corrected").all() and pc["rank_low"].isna().all()


# ---------------------------------------------------------------- moved beyond noise
def _two_years(rank, low, high, **extra) -> pd.DataFrame:
    return pd.DataFrame({"kommun": "0580", "level": "RegSO", "index": "dissimilarity", "year": [2022, 2023],
                         "rank": rank, "rank_low": low, "rank_high": high, **extra})  # fmt: skip


def test_rank_change_needs_disjoint_intervals():
    cases = [  # (ranks, lows, highs) → (moved, beyond_noise)
        (([30.0, 12.0], [25.0, 8.0], [36.0, 17.0]), (True, True)),  # disjoint: beyond noise
        (([30.0, 22.0], [25.0, 18.0], [36.0, 26.0]), (True, False)),  # overlap at 25–26: noise
        (([30.0, 20.0], [25.0, 15.0], [36.0, 25.0]), (True, False)),  # touching at 25: still overlap
        (([20.0, 30.0], [15.0, 26.0], [25.0, 36.0]), (True, True)),  # downwards too
        (([30.0, 30.0], [29.0, 30.0], [31.0, 30.0]), (False, False)),
    ]
    for (rank, low, high), (moved, beyond) in cases:
        c = rank_change(_two_years(rank, low, high), from_year=2022, to_year=2023).iloc[0]
        assert (bool(c["moved"]), bool(c["beyond_noise"])) == (moved, beyond), (rank, low, high)
        assert c["rank_diff"] == rank[1] - rank[0]
    na = rank_change(_two_years([30.0, 12.0], [np.nan, 8.0], [np.nan, 17.0]), from_year=2022, to_year=2023)
    assert na["beyond_noise"].isna().item() and bool(na["moved"].item())  # no interval: unknown, not False


def test_rank_change_flags_breaks_and_refuses_ambiguous_input():
    t = _two_years([5.0, 2.0], [4.0, 1.0], [6.0, 2.0], geo_version=["2018", "2025"], n=[290.0, 290.0],
                   ranked_on="bias_corrected")  # fmt: skip
    c = rank_change(t, from_year=2022, to_year=2023).iloc[0]
    assert c["flags"] == "geo_version=2018→2025" and c["ranked_on"] == "bias_corrected"
    with pytest.raises(ValueError, match="different values"):
        rank_change(t.assign(ranked_on=["raw", "bias_corrected"]), from_year=2022, to_year=2023)
    with pytest.raises(ValueError, match="geo_version"):
        rank_change(pd.concat([t, t.iloc[[1]]]), from_year=2022, to_year=2023)
    with pytest.raises(ValueError, match="to_year=2030"):
        rank_change(t, from_year=2022, to_year=2030)
    peer = t.rename(columns={"rank": "peer_rank", "rank_low": "peer_rank_low", "rank_high": "peer_rank_high"})
    p = rank_change(peer.assign(peer_n=[9, 8]), from_year=2022, to_year=2023, rank="peer_rank").iloc[0]
    assert bool(p["beyond_noise"]) and "n=9→8" in p["flags"]


def test_rank_change_on_peer_comparison_output():
    counts = _counts(kommuns=tuple(f"{i:04d}" for i in range(1, 7)))
    d = citywide_draws_by_kommun(counts, draws=199, rng=3)
    pc = peer_comparison(citywide_by_kommun(counts, indices="dissimilarity"), "0002", peers=["0001"], draws=d)
    ch = rank_change(pc, from_year=2022, to_year=2023)
    assert len(ch) == 2 and set(ch["level"]) == {"RegSO", "DeSO"}
    assert ch["beyond_noise"].notna().all() and (ch["ranked_on"] == "bias_corrected").all()


# ---------------------------------------------------------------- Linköping among all 290, real data
@pytest.mark.reference
def test_linkoping_rank_interval_on_the_national_regso_export(born_in_sweden, reference_dir):
    from segindicators.geography import read_reference_lookups
    from segindicators.typology.peers import foreign_born_counts_from_export

    counts = foreign_born_counts_from_export(
        born_in_sweden, read_reference_lookups(reference_dir / "lookups")
    )
    indices = citywide_by_kommun(counts, levels=["RegSO"], indices="dissimilarity")
    d = citywide_draws_by_kommun(counts, levels=["RegSO"])
    pc = peer_comparison(indices, "0580", draws=d).set_index("year")
    raw = peer_comparison(indices, "0580", draws=d, ranked_on="raw").set_index("year")
    # the raw point ranks are the PySAL-checked ones of test_typology_peers.py
    assert raw["rank"].astype(int).to_dict() == {2020: 27, 2021: 21, 2022: 22, 2023: 21}
    assert (
        (pc["n"] == 290).all() and (pc["peer_n"] == 9).all() and (pc["ranked_on"] == "bias_corrected").all()
    )
    assert ((pc["rank_low"] <= pc["rank"]) & (pc["rank"] <= pc["rank_high"])).all()
    assert ((pc["rank_high"] - pc["rank_low"]) >= 5).all()  # "21st" is a range of places, not a place
    assert (pc["peer_rank"] == 2).all()
    ch = rank_change(pc.reset_index(), from_year=2020, to_year=2023).iloc[0]
    assert ch["rank_diff"] < 0 and not ch["beyond_noise"]  # up some places, within the noise
    print(pc[["value", "value_raw", "rank", "rank_low", "rank_high", "peer_rank", "peer_rank_low",
              "peer_rank_high"]].to_string())  # fmt: skip
