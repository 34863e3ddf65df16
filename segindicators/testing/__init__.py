"""Test and demo helpers: in-process fakes of SCB's PxWebApi v2 and of Kolada's API v3 (synthetic data).

The fake Kolada serves the real v3 metadata records recorded from the live service
(:mod:`segindicators.testing.kolada_records`) and synthetic numbers labelled synthetic.
"""

from segindicators.testing.fake_http import FakeJsonServer, HttpProblem
from segindicators.testing.fake_kolada import FakeKolada
from segindicators.testing.fake_pxweb import (
    SYNTHETIC_SOURCE,
    FakePxWeb,
    FakeTable,
    FakeVariable,
    RecordedRequest,
    region_valueset,
)

__all__ = [
    "SYNTHETIC_SOURCE",
    "FakeJsonServer",
    "FakeKolada",
    "FakePxWeb",
    "FakeTable",
    "FakeVariable",
    "HttpProblem",
    "RecordedRequest",
    "region_valueset",
]
