"""Selection expansion, cell counting and chunk planning (pure helpers)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segindicators.sources.scb.query import (
    VariableInfo,
    count_cells,
    expand_expressions,
    expand_selection,
    plan_chunks,
)


def test_codelist_applies_before_wildcard():
    variables = {"Region": VariableInfo("Region", ("0580", "0581", "00"), False, ("vs_DeSO2025",))}
    codelist = ["0580C1160_DeSO2025", "0580A0010_DeSO2025", "0581A0010_DeSO2025"]
    out = expand_selection(variables, {"Region": ["0580*"]}, {"Region": codelist})
    assert out == {"Region": ["0580C1160_DeSO2025", "0580A0010_DeSO2025"]}


def test_unselected_variables_count_by_elimination():
    variables = {
        "Kon": VariableInfo("Kon", ("1", "2"), True, ()),
        "Tid": VariableInfo("Tid", ("2023", "2024", "2025"), False, ()),
    }
    assert expand_selection(variables, {}) == {"Tid": ["2023", "2024", "2025"]}


def test_unknown_code_and_unknown_variable():
    variables = {"Tid": VariableInfo("Tid", ("2024",), False, ())}
    with pytest.raises(ValueError, match=r"selection\['Tid'\].*'1999'"):
        expand_selection(variables, {"Tid": ["1999"]})
    # An unknown variable is left for the server to refuse (its detail text is more useful than a guess).
    assert expand_selection(variables, {"Tid": ["2024"], "Foo": ["x"]}) == {"Tid": ["2024"], "Foo": ["x"]}


def test_question_mark_and_from_to():
    codes = ["2019", "2020", "2021", "2022"]
    assert expand_expressions(["202?"], codes) == ["2020", "2021", "2022"]
    assert expand_expressions(["FROM(2021)"], codes) == ["2021", "2022"]
    assert expand_expressions(["TO(2020)"], codes) == ["2019", "2020"]


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    max_cells=st.integers(1, 200),
)
def test_plan_covers_every_cell_once_within_the_limit(sizes, max_cells):
    expanded = {f"v{i}": [f"c{j}" for j in range(n)] for i, n in enumerate(sizes)}
    selection = {k: ["*"] for k in expanded}
    chunks = plan_chunks(selection, expanded, max_cells)
    cells = []
    for chunk in chunks:
        assert chunk.cells <= max_cells
        cells.extend(itertools.product(*chunk.expanded.values()))
        for var, sent in chunk.selection.items():
            # A variable is either sent as given (wildcard) or as the explicit codes of the chunk.
            assert sent == ["*"] or sent == chunk.expanded[var]
    assert sorted(cells) == sorted(itertools.product(*expanded.values()))
    assert len(cells) == count_cells(expanded)
    if count_cells(expanded) <= max_cells:
        assert len(chunks) == 1 and chunks[0].selection == selection


def test_plan_uses_few_calls():
    expanded = {"Region": [str(i) for i in range(98)], "Kon": ["1", "2", "T"], "Tid": ["a", "b", "c"]}
    chunks = plan_chunks({k: ["*"] for k in expanded}, expanded, 300)
    assert len(chunks) == 3  # 882 cells / 300 → blocks of 33 regions
    with pytest.raises(ValueError, match="max_cells"):
        plan_chunks({}, {}, 0)
