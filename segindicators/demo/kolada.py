"""Synthetic Kolada values for the demo plan's KPIs, served by a fake Kolada v3 server.

**Syntetiska exempeldata – inte officiell statistik.** The demo plan follows three municipality-level Kolada
KPIs (as the Linköping plan does); the fictional kommun 9999 has no Kolada data, so the demo serves made-up
values for it and for riket (``"0000"``) from :class:`~segindicators.testing.fake_kolada.FakeKolada`. Every KPI
title starts with the synthetic label, and the values come from a seeded generator: a level and a linear
trend per KPI (:data:`SPECS`, round invented numbers, loosely of the order of the real KPIs' published
levels) plus small seeded noise. The same seed gives the same values, so the demo's second run is
byte-identical. A KPI not in :data:`SPECS` gets a generic series (level 50, no trend).

Examples
--------
>>> fake = demo_kolada(["N15428", "N05401"], range(2015, 2025))
>>> sorted(fake.kpis), fake.kpis["N15428"]["title"].startswith("Syntetiska exempeldata")
(['N05401', 'N15428'], True)
>>> sorted({y for (k, m, y) in fake.values if k == "N05401"})  # election years only
[2018, 2022]
>>> demo_kolada(["N15428"], [2020]).values == demo_kolada(["N15428"], [2020]).values
True
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from segindicators.demo.synthetic import DEFAULT_SEED, KOMMUN, SYNTHETIC_LABEL
from segindicators.testing.fake_kolada import FakeKolada

__all__ = ["SPECS", "KpiSpec", "demo_kolada"]


@dataclass(frozen=True)
class KpiSpec:
    """A synthetic KPI: topic, kommun and riket level in the first year, change per year, noise SD."""

    topic: str
    kommun_level: float
    riket_level: float
    trend: float
    noise: float = 0.5
    election_years_only: bool = False


#: Synthetic series of the demo plan's KPIs (invented round numbers, not Kolada's values).
SPECS: dict[str, KpiSpec] = {
    "N05401": KpiSpec("valdeltagande (%)", 82.0, 85.0, 0.3, 0.4, election_years_only=True),
    "N31807": KpiSpec("andel invånare med ekonomiskt bistånd (%)", 5.5, 4.5, -0.15, 0.1),
    "N15428": KpiSpec("andel elever behöriga till gymnasiet (%)", 80.0, 84.0, 0.6, 0.8),
}
_GENERIC = KpiSpec("nyckeltal", 50.0, 50.0, 0.0, 1.0)
_ELECTIONS = frozenset(range(1994, 2100, 4))  # Swedish general elections: 2018, 2022, ...


def demo_kolada(
    kpis: Iterable[str], years: Iterable[int], *, seed: int = DEFAULT_SEED, kommun: str = KOMMUN
) -> FakeKolada:
    """A :class:`FakeKolada` (not started) with synthetic values of ``kpis`` for ``kommun`` and riket.

    Parameters
    ----------
    kpis
        KPI ids without the ``kolada:`` prefix.
    years
        Years to serve (election-year KPIs only in election years).
    seed
        Seed of the noise; each KPI and municipality draws from its own stream (the KPI id's CRC-32 joins
        the seed), so adding a KPI does not change the others' values.
    kommun
        The municipality code served besides riket ``"0000"``.
    """
    fake = FakeKolada()
    years = sorted({int(y) for y in years})
    for kpi in sorted(set(kpis)):
        spec = SPECS.get(kpi, _GENERIC)
        fake.add_kpi(kpi, f"{SYNTHETIC_LABEL} – {spec.topic} (syntetisk motsvarighet till Kolada {kpi})")
        ys = [y for y in years if y in _ELECTIONS] if spec.election_years_only else years
        if not ys:
            continue
        t = np.asarray(ys, dtype=float) - ys[0]
        for i, (muni, level) in enumerate(((kommun, spec.kommun_level), ("0000", spec.riket_level))):
            rng = np.random.default_rng([seed, zlib.crc32(kpi.encode("utf-8")), i])
            values = level + spec.trend * t + rng.normal(0.0, spec.noise, len(ys))
            fake.add_values(kpi, muni, ys, [round(float(v), 1) for v in values])
    return fake
