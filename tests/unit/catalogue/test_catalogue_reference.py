"""The catalogue against SCB's own recorded metadata (shared/reference/scb-api-v2/metadata): zero problems.

Fails, not skips, under CI=true when the reference folder is missing (fixture ``reference_dir``).
"""

from __future__ import annotations

import pytest

from segindicators.catalogue.check import check_catalogue
from segindicators.catalogue.definitions import load_catalogue
from segindicators.sources.scb.metadata import read_reference_metadata, recorded_metadata, recorded_specs

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def reference_metadata(reference_dir):
    return read_reference_metadata(reference_dir / "scb-api-v2" / "metadata")


def test_every_recorded_table_variable_code_and_meaning_checks_out(reference_metadata):
    cat = load_catalogue()
    used = {p.table for e in (*cat.indicators, *cat.groups) for p in e.sources}
    assert set(reference_metadata) <= used  # every recorded table is one the catalogue uses
    problems = check_catalogue(cat, reference_metadata, tables=sorted(reference_metadata))
    assert [str(p) for p in problems] == []


def test_only_the_unrecorded_tables_carry_verify(reference_metadata):
    cat = load_catalogue()
    unrecorded = sorted(set(recorded_metadata()) - set(reference_metadata))
    assert unrecorded == ["TAB5880", "TAB6679"]
    for entry in (*cat.indicators, *cat.groups):
        tables = {p.table for p in entry.sources}
        assert entry.verify == bool(tables & set(unrecorded)), entry.id
    # and the unrecorded ones check against the evidence the reference README quotes (shipped with x-verify)
    specs = recorded_specs()
    assert all(specs[t].verify for t in unrecorded)
    assert check_catalogue(cat, recorded_metadata(), tables=unrecorded) == []


def test_source_periods_stay_inside_the_years_scb_publishes(reference_metadata):
    from segindicators.sources.scb.metadata import table_spec

    cat = load_catalogue()
    for entry in (*cat.indicators, *cat.groups):
        for p in entry.sources:
            if p.table not in reference_metadata:
                continue
            years = table_spec(reference_metadata[p.table]).years
            assert p.first >= years[0], (entry.id, p.table)
            if p.last is not None:
                assert p.last <= years[-1], (entry.id, p.table)


def test_every_source_period_names_a_geography_version_the_table_has(reference_metadata):
    from segindicators.sources.scb.metadata import table_spec

    cat = load_catalogue()
    for entry in (*cat.indicators, *cat.groups):
        for p in entry.sources:
            if p.table in reference_metadata:
                assert p.geo_version in table_spec(reference_metadata[p.table]).geo_versions, (
                    entry.id,
                    p.table,
                )
