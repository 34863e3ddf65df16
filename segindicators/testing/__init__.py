"""Test and demo helpers: an in-process fake of SCB's PxWebApi v2."""

from segindicators.testing.fake_pxweb import (
    SYNTHETIC_SOURCE,
    FakePxWeb,
    FakeTable,
    FakeVariable,
    RecordedRequest,
    region_valueset,
)

__all__ = ["SYNTHETIC_SOURCE", "FakePxWeb", "FakeTable", "FakeVariable", "RecordedRequest", "region_valueset"]
