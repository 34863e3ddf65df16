"""Sweden's 290 municipalities (kommunkod → kommunnamn), shipped with the package.

``kommuner.csv`` holds the municipality codes and names of SCB's kopplingstabell DeSO 2025 → RegSO 2025
(the same 290 codes and names as the DeSO 2018 → RegSO 2020 table: the municipal division has not changed
since 2007). It is what the commands validate ``--kommun`` against before they touch a cache or the network;
``tests/unit/geography/test_kommuner.py`` checks it against both kopplingstabeller in ``../shared/reference/lookups``.

Examples
--------
>>> len(kommuner()), kommuner()["0580"]
(290, 'Linköping')
>>> is_kommun("0580"), is_kommun("1234"), is_kommun("abc")
(True, False, False)
>>> lan_codes()[:3]
('01', '03', '04')
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

__all__ = ["is_kommun", "kolada_region_ids", "kommuner", "lan_codes"]


@functools.cache
def kommuner() -> Mapping[str, str]:
    """The 290 municipality codes (four digits, leading zero kept) and their names, sorted by code."""
    text = resources.files("segindicators.geography").joinpath("kommuner.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return MappingProxyType({r["kommun"]: r["kommun_name"] for r in sorted(rows, key=lambda r: r["kommun"])})


def is_kommun(code: object) -> bool:
    """True when ``code`` is one of the 290 municipality codes (a string such as ``"0580"``)."""
    return isinstance(code, str) and code in kommuner()


@functools.cache
def lan_codes() -> tuple[str, ...]:
    """The 21 county (län) codes: the first two digits of the municipality codes."""
    return tuple(sorted({code[:2] for code in kommuner()}))


def kolada_region_ids() -> tuple[str, ...]:
    """Kolada's non-municipality ids: ``"0000"`` (riket) and ``"00LL"`` for each region (län)."""
    return ("0000", *(f"00{lan}" for lan in lan_codes()))
