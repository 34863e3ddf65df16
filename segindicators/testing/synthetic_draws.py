"""Counter-based random draws keyed by area codes: the same area gets the same numbers in any batch.

**Syntetiska exempeldata – inte officiell statistik.** The synthetic tables of
:mod:`segindicators.testing.recorded_tables` draw every number from the seed, the table, the year, the area
code and the cell, never from a generator's position in a stream, so a DeSO's cells are the same whether one
municipality or all 290 are built, and a national build is vectorised (no loop over areas).

* :func:`code_keys` hashes ASCII codes (FNV-1a, 64 bit) into ``uint64`` keys, vectorised over the characters;
* :func:`uniform` / :func:`normal` turn broadcast key arrays into U(0, 1) / N(0, 1) numbers (SplitMix64
  finaliser per part; normals by Box–Muller);
* :func:`allocate` splits integer totals over categories (largest remainder: exact sums, no sampling);
* :func:`binomial_like` is an integer count ``0 ≤ k ≤ n`` around ``n p`` with binomial spread.

Examples
--------
>>> keys = code_keys(["0580C1010", "0580C1020"])
>>> bool(code_keys(["0580C1010"])[0] == keys[0])  # the key does not depend on the batch
True
>>> u = uniform(7, "deso", keys)
>>> bool(((u > 0) & (u < 1)).all()), bool(uniform(7, "deso", keys[:1])[0] == u[0])
(True, True)
>>> allocate(np.array([10, 3]), np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]), np.zeros((2, 3)))
array([[5, 3, 2],
       [0, 0, 3]])
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

__all__ = ["allocate", "binomial_like", "code_keys", "normal", "part_key", "uniform"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def code_keys(codes: Any) -> np.ndarray:
    """``uint64`` FNV-1a hashes of ASCII codes (one per code, independent of the other codes).

    Parameters
    ----------
    codes
        A sequence or array of ASCII strings (area codes such as ``"0580C1010"``).

    Returns
    -------
    numpy.ndarray
        ``uint64``, the shape of ``codes``.

    Raises
    ------
    ValueError
        A code that is not ASCII.
    """
    arr = np.asarray(codes, dtype=str)
    try:
        raw = arr.astype("S")
    except UnicodeEncodeError:
        bad = [c for c in arr.ravel().tolist() if not c.isascii()][:3]
        raise ValueError(f"codes: expected ASCII area codes, got {bad}.") from None
    flat = raw.ravel()
    width = max(raw.dtype.itemsize, 1)
    chars = np.frombuffer(flat.tobytes(), dtype=np.uint8).reshape(len(flat), width) if len(flat) else None
    lengths = np.char.str_len(flat) if len(flat) else np.zeros(0, dtype=int)
    h = np.full(len(flat), _FNV_OFFSET, dtype=np.uint64)
    for j in range(width if chars is not None else 0):  # a loop over characters, not over codes
        step = (h ^ chars[:, j].astype(np.uint64)) * _FNV_PRIME
        h = np.where(j < lengths, step, h)
    return h.reshape(arr.shape)


def part_key(part: Any) -> np.ndarray:
    """A part of a draw's key as ``uint64``: integers as they are, strings by CRC-32, arrays of keys as given.

    >>> int(part_key(3)[0]), part_key("TAB6574").dtype.name
    (3, 'uint64')
    """
    if isinstance(part, str):
        return np.array([zlib.crc32(part.encode("utf-8"))], dtype=np.uint64)
    arr = np.asarray(part)
    if arr.dtype.kind in "iu":
        return np.atleast_1d(arr.astype(np.uint64))
    raise TypeError(f"part: expected an int, a str or an integer array, got {type(part).__name__}.")


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (uint64 arithmetic wraps; arrays, so numpy gives no overflow warning)."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def _hash(*parts: Any) -> np.ndarray:
    h = np.zeros(1, dtype=np.uint64)
    for part in parts:
        h = _mix(h ^ (part_key(part) + _GOLDEN))
    return h


def uniform(*parts: Any) -> np.ndarray:
    """U(0, 1) numbers (never 0 or 1), one per element of the broadcast key parts.

    Parameters
    ----------
    *parts
        Integers, strings (hashed by CRC-32) and ``uint64`` key arrays (:func:`code_keys`), broadcast
        together: ``uniform(seed, "deso", keys[:, None], np.arange(4)[None, :])`` is one number per area and
        category.
    """
    h = _hash(*parts)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) / float(2**53)


def normal(*parts: Any) -> np.ndarray:
    """N(0, 1) numbers, one per element of the broadcast key parts (Box–Muller on two :func:`uniform`)."""
    u1 = uniform(*parts, "normal-1")
    u2 = uniform(*parts, "normal-2")
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def allocate(totals: np.ndarray, shares: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """Split integer ``totals`` over the last axis of ``shares`` by largest remainder: parts sum to the total.

    Parameters
    ----------
    totals
        Non-negative integers, shape ``S``.
    shares
        Non-negative weights, shape ``S + (k,)`` (normalised here; a row of zeros gives zeros).
    jitter
        Log-scale noise on the weights, the shape of ``shares`` (e.g. ``0.05 * normal(...)``; zeros: none).

    Returns
    -------
    numpy.ndarray
        ``int64`` of the shape of ``shares``.
    """
    w = shares * np.exp(jitter)
    total_w = w.sum(axis=-1, keepdims=True)
    p = np.divide(w, total_w, out=np.zeros_like(w), where=total_w > 0)
    expected = np.asarray(totals, dtype=np.float64)[..., None] * p
    base = np.floor(expected)
    left = np.rint(np.asarray(totals, dtype=np.float64) - base.sum(axis=-1)).astype(np.int64)
    rank = np.argsort(np.argsort(-(expected - base), axis=-1, kind="stable"), axis=-1, kind="stable")
    return (base + (rank < left[..., None])).astype(np.int64)


def binomial_like(n: np.ndarray, p: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """An integer count between 0 and ``n`` around ``n p`` with binomial spread: ``n p + sqrt(n p (1-p)) noise``.

    >>> binomial_like(np.array([100.0, 0.0]), np.array([0.3, 0.3]), np.array([0.0, 1.0]))
    array([30.,  0.])
    """
    mean = n * p
    return np.clip(np.rint(mean + np.sqrt(mean * (1.0 - p)) * noise), 0.0, n)
