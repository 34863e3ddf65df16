"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from segindicators.demo.kolada import demo_kolada
from segindicators.geography.lookups import read_reference_lookups
from segindicators.geography.profiles import load_profile
from segindicators.plan.definition import resolve_plan
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.testing.recorded_tables import national_synthetic_server
from tests.support.national_samples import wfs_for
from tests.support.peers import KOMMUN, OTHERS, YEARS


@pytest.fixture(scope="module")
def served(reference_dir):
    """The national fake (Linköping, its peers, three others), a WFS for Linköping and the Kolada fake."""
    lookup = read_reference_lookups(reference_dir / "lookups")
    kommuner = sorted({KOMMUN, *load_profile(KOMMUN).peers, *OTHERS})
    fake = national_synthetic_server(lookup[lookup["kommun"].isin(kommuner)], years=YEARS, max_calls=300)
    kolada = demo_kolada(plan_kpis(resolve_plan(None, KOMMUN)), YEARS)
    with fake, wfs_for(lookup, [KOMMUN]) as wfs, kolada:
        yield fake, wfs, kolada, kommuner
