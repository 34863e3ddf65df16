"""JSON-stat2 parser: real SCB responses (reference) and hand-built cases."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.sources.scb.jsonstat import category_codes, parse_jsonstat2, split_region_code
from segindicators.sources.scb.query import codelist_codes, metadata_variables


@pytest.fixture(scope="module")
def tab6471(reference_dir):
    raw = (reference_dir / "scb-api-v2" / "TAB6471_data.json").read_bytes()
    return json.loads(raw), parse_jsonstat2(raw)


@pytest.mark.reference
def test_dimension_sizes_match_size(tab6471):
    doc, frame = tab6471
    assert len(frame) == int(np.prod(doc["size"]))
    for var, size in zip(doc["id"], doc["size"], strict=True):
        assert frame[var].nunique() == size
    assert list(frame.columns) == [
        "Region",
        "region_version",
        "Alder",
        "Kon",
        "ContentsCode",
        "Tid",
        "value",
        "status",
    ]


@pytest.mark.reference
def test_every_cell_lands_on_the_right_row(tab6471):
    """Independent check: walk the cube with itertools.product (last dimension fastest) in plain Python."""
    doc, frame = tab6471
    codes = []
    for var in doc["id"]:
        index = doc["dimension"][var]["category"]["index"]
        codes.append(sorted(index, key=index.__getitem__))
    expected = {}
    for flat, combo in enumerate(itertools.product(*codes)):
        expected[combo] = doc["value"][flat]
    got = dict(zip(frame[doc["id"]].itertuples(index=False, name=None), frame["value"], strict=True))
    assert len(got) == len(expected)
    for combo, value in expected.items():
        assert got[combo] == value, combo
    # Spot check by hand from the file: Stockholms län (01), 0-9 år, totalt, first month.
    row = frame[
        (frame.Region == "01") & (frame.Alder == "0-9") & (frame.Kon == "TotSa") & (frame.Tid == "2026M01")
    ]
    assert row["value"].item() == doc["value"][0] == 245284


@pytest.mark.reference
def test_every_region_tid_pair_by_index_arithmetic(tab6471):
    doc, frame = tab6471
    dims = doc["dimension"]
    sizes = dict(zip(doc["id"], doc["size"], strict=True))
    strides = {}
    acc = 1
    for var in reversed(doc["id"]):
        strides[var] = acc
        acc *= sizes[var]
    sub = frame[(frame.Alder == "20-29") & (frame.Kon == "2")]
    assert len(sub) == sizes["Region"] * sizes["Tid"]
    for row in sub.itertuples(index=False):
        flat = sum(dims[v]["category"]["index"][getattr(row, v)] * strides[v] for v in doc["id"])
        assert row.value == doc["value"][flat]


@pytest.mark.reference
def test_notes_label_updated_in_attrs(tab6471):
    doc, frame = tab6471
    assert "Cell Key Method" in frame.attrs["note"][0]
    assert frame.attrs["note"] == doc["note"]
    assert frame.attrs["updated"] == "2026-06-08T06:00:00Z"
    assert frame.attrs["source"] == "SCB"
    assert frame.attrs["label"].startswith("Folkmängden per månad")
    assert frame.attrs["extension"]["px"]["tableid"] == "TAB6471"
    assert frame.attrs["category_labels"]["Kon"]["2"] == "kvinnor"
    assert frame.attrs["units"]["000007SF"]["base"] == "antal"
    assert frame["status"].isna().all() and frame["region_version"].isna().all()


@pytest.mark.reference
def test_reference_metadata_and_codelist(reference_dir):
    folder = reference_dir / "scb-api-v2"
    meta = json.loads((folder / "TAB6471_metadata.json").read_text(encoding="utf-8"))
    variables = metadata_variables(meta)
    assert [len(v.codes) for v in variables.values()] == meta["size"] == [312, 134, 3, 1, 16]
    assert "vs_CKM03Kommun" in variables["Region"].codelists
    assert variables["Kon"].elimination and not variables["Tid"].elimination
    codelist = json.loads((folder / "codelist_agg_Ålder10årJ.json").read_text(encoding="utf-8"))
    assert codelist_codes(codelist)[:2] == ["-9", "10-19"]


def _doc(status, values=(1, None, 3, 4)):
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [2, 2],
        "dimension": {
            "Region": {"category": {"index": ["0580R001_RegSO2025", "0580R018_RegSO2025"]}},
            "Tid": {"category": {"index": {"2024": 0, "2025": 1}}},
        },
        "value": list(values) if not isinstance(values, dict) else values,
        "status": status,
    }


@pytest.mark.parametrize(
    "status, expected",
    [
        ({"1": ".."}, [None, "..", None, None]),
        ([None, "..", None, None], [None, "..", None, None]),
        ("..", ["..", "..", "..", ".."]),
        (None, [None, None, None, None]),
    ],
    ids=["dict", "list", "string", "absent"],
)
def test_status_shapes(status, expected):
    frame = parse_jsonstat2(_doc(status))
    assert frame["status"].tolist() == expected
    assert np.isnan(frame["value"].iloc[1]) and frame["value"].iloc[0] == 1.0  # suppressed stays NaN, never 0
    assert frame["Region"].tolist() == ["0580R001", "0580R001", "0580R018", "0580R018"]
    assert frame["region_version"].tolist() == ["RegSO2025"] * 4


def test_sparse_value_object():
    frame = parse_jsonstat2(_doc({"2": "-"}, values={"0": 5, "3": 7}))
    assert frame["value"].tolist()[0] == 5 and frame["value"].tolist()[3] == 7
    assert np.isnan(frame["value"].iloc[1]) and np.isnan(frame["value"].iloc[2])
    assert frame["status"].iloc[2] == "-"


def test_wrong_value_count_is_an_error():
    with pytest.raises(ValueError, match="expected 4 cells"):
        parse_jsonstat2(_doc(None, values=(1, 2, 3)))


def test_region_helpers():
    assert split_region_code("0580R018_RegSO2020") == ("0580R018", "RegSO2020")
    assert split_region_code("0580C1160_DeSO2018") == ("0580C1160", "DeSO2018")
    assert split_region_code("0580_XYZ") == ("0580_XYZ", None)
    assert category_codes({"category": {"index": {"z": 1, "y": 0}}}) == ["y", "z"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_parser_matches_itertools_product(sizes, data):
    """Property: the vectorised layout equals a plain Python walk of the cube (last dimension fastest)."""
    ids = [f"d{i}" for i in range(len(sizes))]
    codes = [[f"{v}c{j}" for j in range(n)] for v, n in zip(ids, sizes, strict=True)]
    n = int(np.prod(sizes))
    values = data.draw(st.lists(st.one_of(st.none(), st.integers(0, 99)), min_size=n, max_size=n))
    doc = {
        "class": "dataset",
        "id": ids,
        "size": sizes,
        "dimension": {
            v: {"category": {"index": {c: k for k, c in enumerate(cs)}}}
            for v, cs in zip(ids, codes, strict=True)
        },
        "value": values,
        "status": {str(k): ".." for k, x in enumerate(values) if x is None},
    }
    frame = parse_jsonstat2(doc)
    for k, combo in enumerate(itertools.product(*codes)):
        row = frame.iloc[k]
        assert tuple(row[ids]) == combo
        if values[k] is None:
            assert np.isnan(row["value"]) and row["status"] == ".."
        else:
            assert row["value"] == values[k] and row["status"] is None
