"""Test and demo helpers: in-process fakes of SCB's PxWebApi v2 and of Kolada's API v3 (synthetic data).

SCB tables are served from SCB's recorded metadata (:meth:`FakePxWeb.add_recorded_table`); their Region lists
and synthetic values come from :mod:`segindicators.testing.recorded_tables`, for chosen municipalities
(:func:`synthetic_server`) or the whole country (:func:`national_synthetic_server`, :func:`serve_national`).
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
    recorded_valueset,
    region_valueset,
)
from segindicators.testing.recorded_tables import (
    add_synthetic_table,
    national_synthetic_server,
    serve_national,
    synthetic_server,
    synthetic_values,
    table_regions,
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
    "add_synthetic_table",
    "national_synthetic_server",
    "recorded_valueset",
    "region_valueset",
    "serve_national",
    "synthetic_server",
    "synthetic_values",
    "table_regions",
]
