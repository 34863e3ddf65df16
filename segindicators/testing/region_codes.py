"""Levels and geography versions of many Region codes at once, as :func:`level_of_code` reads one.

A national table has about 19,000 Region codes; :func:`region_levels` classifies them without a loop over
codes: every code is reduced to its *shape* (digits of the plain code replaced by ``9``, the suffix kept,
``00`` kept as riket), and :func:`segindicators.sources.scb.metadata.level_of_code` reads one code of each
shape (a handful). The patterns stay defined once, in ``sources.scb.metadata``.

Examples
--------
>>> levels, versions = region_levels(["00", "0580", "0580C1010", "0580C1191_DeSO2025", "0580R001_RegSO2025"])
>>> levels.tolist(), versions.tolist()
(['riket', 'kommun', 'DeSO', 'DeSO', 'RegSO'], [None, None, '2018', '2025', '2025'])
>>> plain_codes(["0580C1191_DeSO2025", "0580"]).tolist()
['0580C1191', '0580']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.sources.scb.metadata import level_of_code

__all__ = ["DESO_SUFFIX", "REGSO_SUFFIX", "plain_codes", "region_levels"]

#: Suffix of a code of each geography version as SCB's tables spell it (reference metadata README).
DESO_SUFFIX = {"2018": "", "2025": "_DeSO2025"}
REGSO_SUFFIX = {"2018": "", "2025": "_RegSO2025"}


def _series(codes: Sequence[str] | np.ndarray | pd.Index) -> pd.Series:
    return pd.Series(np.asarray(codes, dtype=object), dtype="str")


def plain_codes(codes: Sequence[str] | np.ndarray | pd.Index) -> np.ndarray:
    """The codes without their version suffix (``0580C1191_DeSO2025`` → ``0580C1191``), as an object array."""
    return _series(codes).str.partition("_")[0].to_numpy(dtype=object)


def region_levels(codes: Sequence[str] | np.ndarray | pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Level and geography version of every code (object arrays; None where :func:`level_of_code` says None).

    Parameters
    ----------
    codes
        Region codes as SCB's tables spell them.

    Returns
    -------
    levels, versions
        Object arrays of the length of ``codes``: ``"riket"``, ``"lan"``, ``"kommun"``, ``"DeSO"``,
        ``"RegSO"`` or None; ``"2018"``, ``"2025"`` or None.
    """
    s = _series(codes)
    if s.empty:
        return np.array([], dtype=object), np.array([], dtype=object)
    parts = s.str.partition("_")
    shape = parts[0].str.replace(r"\d", "9", regex=True) + parts[1] + parts[2]
    shape = shape.where(s != "00", "00")
    which, shapes = pd.factorize(shape)
    first = np.unique(which, return_index=True)[1]  # one code of each shape, in the order of ``shapes``
    read = [level_of_code(code) for code in s.to_numpy(dtype=object)[first].tolist()]
    levels = np.array([r[0] for r in read] or [None], dtype=object)
    versions = np.array([r[1] for r in read] or [None], dtype=object)
    return levels[which], versions[which]
