"""What the synthetic filler reads from a table's metadata: its classifying axes and its kinds of content.

**Syntetiska exempeldata – inte officiell statistik.** A table's cells are built from *atoms*, per
classifying variable (every variable but Region, ContentsCode and Tid), read from the metadata alone
(:func:`axis`):

* an age variable (codes such as ``-4``, ``5-9``, ``80-``, ``20-64``, ``65+``): the elementary age intervals
  of its codes, so overlapping bands (``20-64`` and ``20-65``) and the total stay consistent;
* an eliminable variable, or a non-eliminable one with a "total"/"totalt" code and at least two other codes:
  a partition — its non-total codes are atoms, the total is their sum;
* a non-eliminable variable with a total and one other code (``Sysselsattning`` ``FÖRV``/``total``): the
  code is a subset of the total;
* a non-eliminable variable without a total (``InkomstTyp``): views of the same persons.

Contents are counts, percentages, amounts or ``index`` units (:func:`content_kind`).

Examples
--------
>>> a = axis("Alder", ["-4", "5-64", "65+", "tot"], {"tot": "total"}, eliminable=False)
>>> a.kind, a.atoms, a.total
('age', 3, 'tot')
>>> content_kind("percent", "Share with low economic standard"), content_kind("SEK thousands", "Median")
('percent', 'amount')
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from segindicators.testing.pxweb_tables import total_code

__all__ = ["MAX_AGE", "Axis", "axis", "content_kind", "expit", "percent_model", "seed_of"]

_AGE = re.compile(r"^(?P<lo>\d+)?-(?P<hi>\d+)?$|^(?P<plus>\d+)\+$")
#: Exclusive upper bound of the last age atom.
MAX_AGE = 111


def seed_of(*parts: object) -> int:
    """A 32-bit number from words (CRC-32 of ``"a|b|…"``), to seed what is drawn per variable or content."""
    return zlib.crc32("|".join(str(p) for p in parts).encode("utf-8"))


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def _age_interval(code: str) -> tuple[int, int] | None:
    """``"-4"`` → (0, 5), ``"80-"`` → (80, 111), ``"65+"`` → (65, 111), ``"20-64"`` → (20, 65); else None."""
    m = _AGE.match(str(code))
    if not m:
        return None
    if m["plus"]:
        return int(m["plus"]), MAX_AGE
    if m["lo"] is None and m["hi"] is None:
        return None
    lo = int(m["lo"]) if m["lo"] else 0
    hi = int(m["hi"]) + 1 if m["hi"] else MAX_AGE
    return lo, hi


@dataclass
class Axis:
    """A classifying variable: its atoms, which atoms each code covers, and the atoms' shares."""

    var: str
    codes: list[str]
    member: np.ndarray  # (codes, atoms) 0/1
    kind: str  # "age", "partition", "subset", "view"
    total: str | None
    atom_ages: list[tuple[int, int]] | None = None

    @property
    def atoms(self) -> int:
        """Number of atoms."""
        return int(self.member.shape[1])

    def shares(self, z: np.ndarray, seed: int) -> np.ndarray:
        """(units, atoms) non-negative weights for latent scores ``z`` (not normalised)."""
        n = self.atoms
        if self.kind == "age":
            ages = np.arange(MAX_AGE, dtype=float)
            base = np.where(ages < 65, 1.0, np.exp(-(ages - 65) / 11.0))
            tilt = np.exp(-0.006 * z[:, None] * (ages[None, :] - 40.0))  # younger where z is low
            w = base[None, :] * tilt
            return np.stack([w[:, lo:hi].sum(axis=1) for lo, hi in self.atom_ages or []], axis=1)
        if self.kind == "subset":
            p = expit(1.2 + 0.5 * z)
            return np.stack([p, 1.0 - p], axis=1)
        if self.kind == "view":
            return np.ones((len(z), 1))
        atom_codes = [c for c in self.codes if c != self.total]
        rng = np.random.default_rng([seed, seed_of(self.var)])  # per variable, the same for every area
        a = rng.normal(0.0, 0.35, n)
        b = np.linspace(-0.5, 0.5, n) if n > 1 else np.zeros(1)
        if self.var == "Kon":
            a, b = np.zeros(n), np.zeros(n)
        for i, code in enumerate(atom_codes):
            if code.upper() in ("US", "ÖVRIGT") or code.lower().startswith("ovr"):
                a[i], b[i] = -3.5, -0.3  # "no information" / "data missing": a small share
        return np.exp(a[None, :] + b[None, :] * z[:, None])


def axis(var: str, codes: Sequence[str], labels: Mapping[str, str], eliminable: bool) -> Axis:
    """The :class:`Axis` of a classifying variable, from its codes, labels and elimination flag."""
    codes = list(codes)
    total = total_code(codes, labels)
    rest = [c for c in codes if c != total]
    if not rest:  # only a total (TAB5880's Kon "1+2"): one atom
        return Axis(var, codes, np.ones((len(codes), 1)), "view", total)
    ages = {c: _age_interval(c) for c in rest}
    if rest and all(ages.values()):
        cuts = sorted({0, MAX_AGE, *(b for iv in ages.values() for b in iv)})  # type: ignore[union-attr]
        atoms = list(zip(cuts[:-1], cuts[1:], strict=True))
        member = np.zeros((len(codes), len(atoms)))
        for i, c in enumerate(codes):
            lo, hi = ages.get(c) or (0, MAX_AGE)
            member[i] = [lo <= a and b <= hi for a, b in atoms]
        return Axis(var, codes, member, "age", total, atoms)
    if eliminable or (total is not None and len(rest) >= 2):
        member = np.zeros((len(codes), len(rest)))
        for i, c in enumerate(codes):
            member[i] = 1.0 if c == total else [c == r for r in rest]
        return Axis(var, codes, member, "partition", total)
    if total is not None:
        member = np.array([[1.0, 1.0] if c == total else [1.0, 0.0] for c in codes])
        return Axis(var, codes, member, "subset", total)
    return Axis(var, codes, np.ones((len(codes), 1)), "view", None)


def content_kind(base: str, label: str) -> str:
    """``"percent"``, ``"index"``, ``"area_type"``, ``"count"`` or ``"amount"`` from a unit's base and label."""
    b, lab = base.lower(), label.lower()
    if b == "percent":
        return "percent"
    if b == "index":
        return "area_type" if "type" in lab else "index"
    if "number" in b or "persons" in b or "antal" in b:
        return "count"
    return "amount"


def percent_model(label: str, seed: int, code: str) -> tuple[float, float]:
    """(intercept, slope on z) of a percentage's hidden share, by the label's words."""
    lab = label.lower()
    if "poverty" in lab or "low economic" in lab:
        return -1.8, -0.9
    if "high" in lab:
        return -2.6, 0.9
    if "pre-upper" in lab or "primary" in lab:
        return -2.0, -0.6
    if "assistance" in lab or "unemploy" in lab:
        return -2.8, -0.8
    rng = np.random.default_rng([seed, seed_of("percent", code)])
    return float(rng.uniform(-2.0, 0.0)), -0.5
