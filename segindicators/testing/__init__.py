"""Test and demo helpers: an in-process fake of SCB's PxWebApi v2."""

from segindicators.testing.fake_pxweb import FakePxWeb, FakeTable, RecordedRequest, region_valueset

__all__ = ["FakePxWeb", "FakeTable", "RecordedRequest", "region_valueset"]
