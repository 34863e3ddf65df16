"""What a test does when something it needs is missing: skip on a developer machine, fail under ``CI=true``.

A CI run must never pass by skipping (reference data, the browser), so the three places that would skip share
this one rule.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def in_ci() -> bool:
    """True when the run has ``CI=true`` (any case), as ``.ci/run`` sets it."""
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str, in_ci_hint: str) -> None:
    """Skip with ``reason``; under ``CI=true`` fail instead, with ``reason`` and ``in_ci_hint`` (what CI must have)."""
    if in_ci():
        pytest.fail(f"{reason} ({in_ci_hint})")
    pytest.skip(reason)


def import_or_fail(module: str) -> ModuleType:
    """``module`` imported; missing, skip (developer machine) or fail (``CI=true``): the oracles must run in CI.

    For test-only dependencies listed in ``pyproject.toml``'s ``[test]`` extra (PySAL ``segregation``).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        skip_or_fail(
            f"{module} is not installed ({exc})",
            'CI=true: the oracle tests must run; `pip install -e ".[test]"` installs it',
        )
        raise  # not reached: skip_or_fail raises
