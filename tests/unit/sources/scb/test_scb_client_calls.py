"""ScbClient spends no call on what it already knows (issue 13): valuesets counted on the table's own codes, the
cache revalidated with the ``updated`` of the metadata it read.

Against the national synthetic fake (SCB's recorded TAB6574 metadata with every Region code of the
kopplingstabeller; synthetic values — Syntetiska exempeldata – inte officiell statistik).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from segindicators.sources.scb import ScbClient
from segindicators.testing import serve_national

SEL = {
    "Region": ["*"],
    "Alder": ["totalt"],
    "Kon": ["1+2"],
    "ContentsCode": ["000007Y7"],
    "Tid": ["2024", "2025"],
}
DESO_2025 = {"Region": "vs_DeSO2025"}
CELLS = 6_160 * 2  # every DeSO 2025 × two years


@pytest.fixture
def national(reference_dir):
    with serve_national(reference_dir / "lookups", years=[2024, 2025], tables=["TAB6574"], max_calls=1000,
                        time_window=1.0, max_cells=20_000) as fake:  # fmt: skip
        yield fake
        assert not fake.unmatched


def _calls(fake) -> list[tuple[str, str, int]]:
    return [(r.method, r.path.removeprefix("/api/v2/"), r.status) for r in fake.requests]


def _manifest_cells(cache) -> list[int]:
    out = []
    for prov in cache.rglob("*.json"):
        if json.loads(prov.read_text(encoding="utf-8")).get("what") == "manifest":
            out.append(json.loads(prov.with_suffix(".body").read_bytes())["cells"])
    return out


def test_a_call_that_fits_reads_no_codelist_and_equals_the_split_one(national, tmp_path):
    with ScbClient(national.url, cache_dir=tmp_path / "whole") as client:
        whole = client.data("TAB6574", SEL, DESO_2025)
    assert _calls(national) == [
        ("GET", "config", 200), ("GET", "tables/TAB6574/metadata", 200), ("POST", "tables/TAB6574/data", 200)
    ]  # fmt: skip
    assert len(whole) == CELLS and (whole["region_version"] == "DeSO2025").all()
    assert _manifest_cells(tmp_path / "whole") == [CELLS]
    national.reset_log()
    national.max_cells = 10_000  # now the call must be split: on the valueset's own codes, which it reads
    with ScbClient(national.url, cache_dir=tmp_path / "split") as client:
        split = client.data("TAB6574", SEL, DESO_2025)
    assert [c[:2] for c in _calls(national)] == [
        ("GET", "config"), ("GET", "tables/TAB6574/metadata"), ("GET", "codelists/vs_DeSO2025"),
        ("POST", "tables/TAB6574/data"), ("POST", "tables/TAB6574/data"),
    ]  # fmt: skip
    assert _manifest_cells(tmp_path / "split") == [CELLS]
    pd.testing.assert_frame_equal(whole, split, check_exact=True)


def test_a_valueset_larger_than_its_level_is_read_and_split_after_scbs_refusal(national, tmp_path):
    """The count on the table's DeSO 2025 codes says 12,320 cells; this valueset also holds the RegSO 2025 codes."""
    valueset = national.codelists["vs_DeSO2025"]
    regso = national.codelists["vs_RegSO2025"]["values"]
    national.codelists["vs_DeSO2025"] = {**valueset, "values": [*valueset["values"], *regso]}
    national.max_cells = 15_000  # the count (12,320) fits, the valueset's 2 × 9,523 = 19,046 cells do not
    with ScbClient(national.url, cache_dir=tmp_path) as client:
        got = client.data("TAB6574", SEL, DESO_2025)
    calls = _calls(national)
    assert calls[2:] == [
        ("POST", "tables/TAB6574/data", 400), ("GET", "codelists/vs_DeSO2025", 200),
        ("POST", "tables/TAB6574/data", 200), ("POST", "tables/TAB6574/data", 200),
    ]  # fmt: skip
    assert len(got) == (6_160 + 3_363) * 2 and got["Region"].nunique() == 6_160 + 3_363


def test_cached_data_is_revalidated_with_the_metadatas_updated_without_asking_the_table(national, tmp_path):
    with ScbClient(national.url, cache_dir=tmp_path) as client:
        first = client.data("TAB6574", SEL, DESO_2025)
    national.reset_log()
    with ScbClient(national.url, cache_dir=tmp_path) as client:
        client.metadata("TAB6574")  # a build reads every table's metadata before its data
        again = client.data("TAB6574", SEL, DESO_2025)
    assert _calls(national) == [("GET", "config", 200), ("GET", "tables/TAB6574/metadata", 200)]
    pd.testing.assert_frame_equal(first, again)
    # SCB republishes the table: the metadata's updated differs from the cached answer's, so it is fetched again
    table = national.tables["TAB6574"]
    national.tables["TAB6574"] = dataclasses.replace(table, updated="2027-01-15T06:00:00Z")
    national.reset_log()
    with ScbClient(national.url, cache_dir=tmp_path) as client:
        client.metadata("TAB6574")
        newer = client.data("TAB6574", SEL, DESO_2025)
    assert [c[:2] for c in _calls(national)] == [
        ("GET", "config"), ("GET", "tables/TAB6574/metadata"), ("POST", "tables/TAB6574/data")
    ]  # fmt: skip
    assert newer.attrs["updated"] == "2027-01-15T06:00:00Z"
