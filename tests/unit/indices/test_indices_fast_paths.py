"""The engine's fast paths give the bits of the pandas/numpy recipes they replace (issue 13).

Each fast path is compared with the straightforward recipe on inputs that exercise its edge cases (NaN,
duplicate rows, undefined draws, unsorted keys); ``benchmarks/output_hashes.py`` checks the same at national
size against hashes recorded before the change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segindicators.indices.draws as draws_module
from segindicators.indices import bootstrap_draws, bootstrap_indices
from segindicators.indices._order import stable_argsort
from segindicators.indices._prepare import column_codes, combined_codes, segment_codes
from segindicators.indices._wide import KEY, CodedCounts, first_valid
from segindicators.indices.draws import BLOCK_CELLS, finite_quantiles
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, evaluate


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", range(5))
def test_finite_quantiles_are_nanquantile_of_the_finite_draws(seed):
    rng = np.random.default_rng(seed)
    boot = rng.normal(size=(101, 7, 3))
    boot[rng.random(boot.shape) < 0.1] = np.nan  # undefined draws, unevenly spread
    boot[:, 2, 1] = np.nan  # a cell without any finite draw
    boot[5, 4, 0] = np.inf
    q = [0.025, 0.975]
    with pytest.warns(RuntimeWarning, match="All-NaN"):  # numpy's note on cell (2, 1); ours flags it instead
        want = np.nanquantile(np.where(np.isfinite(boot), boot, np.nan), q, axis=0)
    assert _same_bits(finite_quantiles(boot, q, block=4), want)
    finite = rng.normal(size=(50, 6))
    assert _same_bits(finite_quantiles(finite, q), np.quantile(finite, q, axis=0))


def test_combined_codes_are_groupby_ngroup_with_nan_and_categories():
    df = pd.DataFrame({
        "k": pd.array(["b", "a", None, "b", "c", None, "a"], dtype="str"),
        "y": [2020, 2019, 2020, 2019, 2021, 2019, 2019],
        "c": pd.Categorical(["z", "x", "z", None, "x", "y", "x"], categories=["z", "y", "x"]),
    })  # fmt: skip
    for by in (["k"], ["k", "y"], ["c", "k"], ["y", "c"]):
        grouped = df.groupby(by, sort=True, dropna=False, observed=True)
        codes, keys = segment_codes(df, by)
        assert codes.tolist() == grouped.ngroup().tolist()
        pd.testing.assert_frame_equal(keys, grouped.size().index.to_frame(index=False))
    codes, first = combined_codes([df["y"]])
    assert codes.tolist() == [1, 0, 1, 0, 2, 0, 0] and first.tolist() == [1, 0, 4]


def test_first_valid_is_groupby_first():
    rng = np.random.default_rng(1)
    g = rng.integers(0, 40, 500)
    v = np.where(rng.random(500) < 0.3, np.nan, rng.normal(size=500))
    want = pd.Series(v).groupby(g).first().reindex(range(45))
    assert _same_bits(first_valid(g, v, 45), want.to_numpy())


def _recipe(counts: pd.DataFrame, gid: str, members: list[str]) -> pd.DataFrame:
    """The pandas recipe CodedCounts.wide replaces (the battery's group_wide before issue 13)."""
    sub = counts[counts["indicator"].isin([f"{gid}.{m}" for m in members])]
    member = sub["indicator"].str.slice(len(gid) + 1)
    wide = (
        sub.assign(member=member).groupby([*KEY, "member"], sort=True, dropna=False)["numerator"].first()
        .unstack("member").reindex(columns=members)
    )  # fmt: skip
    total = sub.groupby(KEY, sort=True, dropna=False)["denominator"].first()
    recon = sub["flags"].fillna("").str.contains("reconstructed").groupby([sub[k] for k in KEY]).any()
    out = wide.join(total.rename("total")).join(recon.rename("reconstructed")).reset_index()
    out.columns.name = None
    return out


def test_coded_wide_is_the_pandas_pivot_with_duplicates_and_suppressed_cells():
    rng = np.random.default_rng(2)
    n = 400
    counts = pd.DataFrame({
        "kommun": rng.choice(["0580", "0114", "2584"], n), "level": rng.choice(["DeSO", "RegSO"], n),
        "geo_version": rng.choice(["2018", "2025"], n), "area": rng.choice([f"A{i:02d}" for i in range(9)], n),
        "year": rng.choice([2023, 2019, 2024], n),
        "indicator": rng.choice(["g.a", "g.b", "g.c", "other.a", "gx.a"], n),
        "numerator": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 90, n).astype(float)),
        "denominator": np.where(rng.random(n) < 0.1, np.nan, rng.integers(90, 200, n).astype(float)),
        "flags": rng.choice(["", "reconstructed", "suppressed;reconstructed", None], n),
    })  # fmt: skip
    counts["flags"] = counts["flags"].astype("str")
    for col in ("kommun", "level", "geo_version", "area", "indicator"):
        counts[col] = counts[col].astype("str")
    coded = CodedCounts(counts)
    assert coded.present == {"g", "other", "gx"}
    pd.testing.assert_frame_equal(coded.wide("g", ["b", "a", "z"]), _recipe(counts, "g", ["b", "a", "z"]))
    deso = CodedCounts(counts, indicators=["g.a", "g.c", "other.a"], levels=["DeSO"])
    assert deso.present == {"g", "other", "gx"}  # of the whole frame
    at_deso = counts[counts["level"] == "DeSO"]
    pd.testing.assert_frame_equal(deso.wide("g", ["a", "c"]), _recipe(at_deso, "g", ["a", "c"]))


@pytest.mark.parametrize("registry", [TWO_GROUP, MULTIGROUP])
def test_shared_sums_give_each_kernels_own_bits(registry):
    rng = np.random.default_rng(3)
    t = rng.integers(1, 300, 200).astype(float)
    if registry is TWO_GROUP:
        x = np.floor(t * rng.random(200))
    else:
        x = rng.multinomial(t.astype(int), [0.5, 0.3, 0.2]).astype(float)
    codes = rng.integers(0, 9, 200)
    together = evaluate(registry, list(registry), x, t, codes, 10)  # segment 9 is empty: NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, got in zip(registry, together, strict=True):
            assert _same_bits(got, registry[name](x, t, codes, 10)), name


@pytest.mark.parametrize("resample", ["units", "table"])
def test_blocking_changes_no_draw(resample, monkeypatch):
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"k": np.repeat(["A", "B", "C"], [30, 3, 12]), "t": rng.integers(20, 400, 45)})
    df["x"] = np.floor(df["t"] * rng.random(45))
    kw = dict(group="x", total="t", by="k", draws=37, rng=7, resample=resample, max_cells=900)
    one_block = bootstrap_indices(df, **kw)
    d_one = bootstrap_draws(df, **kw)
    assert BLOCK_CELLS > 45 * 20  # by default a block holds the whole chunk here; now split it draw by draw
    monkeypatch.setattr(draws_module, "BLOCK_CELLS", 45)
    pd.testing.assert_frame_equal(bootstrap_indices(df, **kw), one_block, check_exact=True)
    assert _same_bits(bootstrap_draws(df, **kw).draws, d_one.draws)


@pytest.mark.parametrize("seed", range(20))
def test_codes_of_frames_sorted_by_a_key_prefix_are_groupby_ngroup(seed):
    # a frame sorted by its first keys (a wide frame: kommun, level, geo_version, area, year) takes the runs
    # path; unsorted, descending, NaN-holding and object-typed keys take the factorisation
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    df = pd.DataFrame({
        "k": pd.array(rng.choice(["0580", "0114", "ä", "Z", ""], n), dtype="str"),
        "lvl": pd.array(rng.choice(["DeSO", "RegSO"], n), dtype="str"),
        "area": rng.integers(0, 4, n),
        "year": rng.integers(2015, 2018, n),
        "flag": rng.integers(0, 2, n).astype(bool),
    })  # fmt: skip
    variants = [df, df.sort_values(["k", "lvl", "area"]), df.sort_values(["k", "lvl", "year", "area"]),
                df.sort_values(["k"], ascending=False), df.astype({"k": object}).sort_values("k")]  # fmt: skip
    if seed % 4 == 0:
        with_na = df.sort_values(["k", "lvl"]).copy()
        with_na.loc[with_na.index[-1], "k"] = None
        variants.append(with_na)
    for frame in variants:
        for by in (["k"], ["k", "lvl"], ["k", "lvl", "year"], ["k", "lvl", "area", "year", "flag"]):
            codes, first = combined_codes([frame[b] for b in by])
            want = frame.groupby(by, sort=True, dropna=False, observed=True).ngroup().to_numpy()
            assert codes.tolist() == want.tolist()
            assert first.tolist() == [int(np.flatnonzero(want == g)[0]) for g in range(want.max() + 1)]


@pytest.mark.parametrize("seed", range(10))
def test_stable_argsort_is_numpys_stable_argsort(seed):
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 17, 500):
        key = rng.integers(0, 30, n) + 0.5 * rng.integers(0, 4, n) / rng.integers(1, 5, n)  # many ties
        if n > 3 and seed % 3 == 0:
            key[[0, 2]] = np.nan
            key[1] = -0.0
        for nearly in (False, True):
            assert (
                stable_argsort(key, nearly_sorted=nearly).tolist() == np.argsort(key, kind="stable").tolist()
            )


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, np.uint64])
def test_integer_column_codes_are_sorted_factorize(dtype):
    rng = np.random.default_rng(3)
    info = np.iinfo(dtype)
    for values in (rng.integers(2015, 2025, 300), [info.min, info.max, info.min], rng.integers(0, 100, 7)):
        column = pd.Series(np.asarray(values).astype(dtype))
        codes, n = column_codes(column)
        want, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
        assert codes.tolist() == want.tolist() and n == len(uniques)


@pytest.mark.parametrize("shape", [(101, 7, 3), (40, 1, 1), (1, 4, 2)])
def test_finite_mean_in_place_gives_the_masked_copys_bits(shape):
    rng = np.random.default_rng(5)
    boot = rng.normal(size=shape)
    boot[rng.random(shape) < 0.1] = np.nan
    boot.flat[0] = np.inf
    boot[boot > 2.0] = -0.0  # a signed zero must stay what the masked copy makes of it
    want_mean, want_n = draws_module._finite_mean(boot)
    used = boot.copy()
    mean, n = draws_module._finite_mean(used, overwrite=True)
    assert _same_bits(mean, want_mean) and n.tolist() == want_n.tolist()
    assert np.isfinite(used).all()  # the undefined draws were set to 0 in place
