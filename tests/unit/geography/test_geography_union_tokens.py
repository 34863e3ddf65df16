"""``_union_tokens`` (the flags and source tables of a sum of areas) against a per-group set union."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.geography.aggregate import _union_tokens, rows_where

STRINGS = ["", "a", "b", "c;a", "a;b", "b;;c", None, "zz;a;a", ";x", "suppressed", "harmonised;pooled", "Å;ö"]


def _reference(values: list, groups: np.ndarray, n: int, extra: dict | None) -> list[str]:
    sets = [set() for _ in range(n)]
    for v, g in zip(values, groups, strict=True):
        sets[g] |= {t for t in (v or "").split(";") if t}
    for token, mask in (extra or {}).items():
        for g in np.flatnonzero(mask):
            sets[g].add(token)
    return [";".join(sorted(s)) for s in sets]


@pytest.mark.parametrize("seed", range(40))
def test_union_of_tokens_per_group(seed):
    rng = np.random.default_rng(seed)
    n, groups = int(rng.integers(0, 60)), int(rng.integers(1, 8))
    values = [STRINGS[i] for i in rng.integers(0, len(STRINGS), n)]
    ids = rng.integers(0, groups, n)
    extra = [None, {"suppressed": rng.random(groups) < 0.4}, {"q": np.zeros(groups, dtype=bool)}][seed % 3]
    dtype = ["object", "str", "string"][seed % 3]
    got = _union_tokens(pd.Series(values, dtype=dtype), ids, groups, extra)
    assert got.dtype == object
    assert got.tolist() == _reference(values, ids, groups, extra)


def test_rows_where_copies_only_when_it_drops_rows():
    f = pd.DataFrame({"level": ["DeSO", "RegSO"], "x": [1, 2]})
    assert rows_where(f, f["x"] > 0) is f
    kept = rows_where(f, f["level"] == "RegSO")
    assert kept is not f and kept["x"].tolist() == [2]
