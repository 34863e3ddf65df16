"""The declared row order computed from the key columns alone, and parquet written in that order group by group.

:func:`segindicators.tables.sort_order` must give exactly the stable sort the tables always had (a copy of the
frame sorted with ``sort_values(kind="mergesort")``, ``level`` by :data:`LEVEL_ORDER`), and
``write_frame(frame, path, order=...)`` exactly the bytes of the sorted frame written at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators._io import ROW_GROUP, write_frame
from segindicators.geography.assemble import _sorted_concat
from segindicators.tables import LEVEL_ORDER, TABLES, normalise, sort_order, sort_table


def _reference_order(name: str, frame: pd.DataFrame) -> np.ndarray:
    """The old sort_table: a copy with a level rank, sorted stably."""
    keys = list(TABLES[name].sort_keys)
    work = frame.reset_index(drop=True).copy()
    work["__rank"] = work["level"].map(LEVEL_ORDER).fillna(len(LEVEL_ORDER)).astype("int64")
    return work.sort_values(
        ["__rank" if k == "level" else k for k in keys], kind="mergesort"
    ).index.to_numpy()


def _counts(rng: np.random.Generator, n: int, *, missing: bool = False) -> pd.DataFrame:
    """Synthetic counts rows (not SCB data) with many ties in the keys."""
    frame = pd.DataFrame({
        "kommun": rng.choice(["0580", "0114", "00"], n),
        "level": rng.choice(["DeSO", "RegSO", "kommun", "riket", "other"], n),
        "geo_version": rng.choice(["2018", "2025", "harmonised"], n),
        "area": rng.choice(["0580C1010", "0580R001", "0580", "Å1"], n),
        "area_name": "x",
        "year": rng.integers(2015, 2018, n),
        "indicator": rng.choice(["background.foreign", "income.low", "a"], n),
        "numerator": rng.random(n), "denominator": 1.0, "value": rng.random(n), "unit": "share",
        "status": None, "source_table": "TAB1", "table_updated": "2026", "flags": "", "rounding": np.nan,
    })  # fmt: skip
    if missing:
        frame.loc[frame.index[::7], "area"] = None
    return normalise("counts", frame, sort=False)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", ["counts", "national_counts"])
def test_sort_order_is_the_stable_sort_the_tables_always_had(seed, name):
    rng = np.random.default_rng(seed)
    frame = _counts(rng, int(rng.integers(0, 400)), missing=seed % 2 == 1)
    frame.index = rng.permutation(len(frame)) + 1000  # positions, not labels, are returned
    order = sort_order(name, frame)
    expected = _reference_order(name, frame)
    got = np.arange(len(frame)) if order is None else order
    assert got.tolist() == expected.tolist()
    ordered = sort_table(name, frame)
    assert sort_order(name, ordered) is None or ordered["area"].isna().any()  # in order: not sorted again
    assert ordered.equals(frame.iloc[expected].reset_index(drop=True))


def test_sort_table_of_an_ordered_frame_keeps_it_and_leaves_the_input_alone():
    frame = sort_table("counts", _counts(np.random.default_rng(0), 50))
    out = sort_table("counts", frame)
    out.loc[0, "value"] = -1.0
    assert out.drop(columns="value").equals(frame.drop(columns="value")) and frame.loc[0, "value"] != -1.0


def test_parquet_written_in_order_group_by_group_is_byte_identical(tmp_path):
    rng = np.random.default_rng(1)
    n = ROW_GROUP + 12_345  # two row groups
    frame = pd.DataFrame({
        "area": pd.array(rng.choice(["0580C1010", "0580R001", None], n), dtype="string"),
        "year": rng.integers(2015, 2025, n), "value": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
    })  # fmt: skip
    order = rng.permutation(n)
    write_frame(frame.take(order).reset_index(drop=True), tmp_path / "whole.parquet")
    write_frame(frame, tmp_path / "grouped.parquet", order=order)
    write_frame(frame.take(order), tmp_path / "whole.csv")
    write_frame(frame.iloc[:1000], tmp_path / "grouped.csv", order=order[order < 1000])
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "grouped.parquet").read_bytes()
    small = frame.iloc[:1000].take(order[order < 1000]).to_csv(index=False).encode("utf-8-sig")
    assert (tmp_path / "grouped.csv").read_bytes() == small


@pytest.mark.parametrize("seed", range(4))
def test_pieces_concatenated_column_by_column_equal_the_normalised_concatenation(seed):
    rng = np.random.default_rng(seed)
    pieces = [_counts(rng, int(rng.integers(0, 200)), missing=seed == 3) for _ in range(4)]
    expected = normalise("counts", pd.concat(pieces, ignore_index=True))
    got = _sorted_concat(list(pieces))
    assert got.dtypes.equals(expected.dtypes)
    pd.testing.assert_frame_equal(got, expected)
