"""Synthetic Kolada values for the demo plan's KPIs, served by a fake Kolada v3 server.

**Syntetiska exempeldata – inte officiell statistik.** The demo plan follows three municipality-level Kolada
KPIs (as the Linköping plan does); the fictional kommun 9999 has no Kolada data, so the demo serves made-up
values for it and for riket (``"0000"``) from :class:`~segindicators.testing.fake_kolada.FakeKolada`.

What is real and what is made up:

- the KPI metadata is Kolada's real v3 record (recorded, :mod:`segindicators.testing.kolada_records`), so
  titles, ``is_divided_by_gender`` etc. are as the live service answers; a KPI the recording lacks gets a
  fictional record labelled synthetic, and a KPI recorded as absent from v3 (N00914) is not served at all,
  as the real service does not serve it;
- every number is synthetic and carries the label in its ``status``
  (:data:`~segindicators.testing.fake_kolada.SYNTHETIC_SOURCE`): a level and a linear trend per KPI
  (:data:`SPECS`, round invented numbers, loosely of the order of the real KPIs' published levels) plus small
  seeded noise; KPIs divided by gender get ``K`` and ``M`` values around ``T``. Election KPIs (N05401) have
  a value for every year that repeats the latest election's, as Kolada publishes them
  (:mod:`segindicators.sources.kolada.elections`). The same seed gives the same values, so the demo's second run is
  byte-identical. A KPI not in :data:`SPECS` gets a generic series (level 50, no trend).

Examples
--------
>>> fake = demo_kolada(["N15428", "N05401"], range(2015, 2025))
>>> sorted(fake.kpis), fake.kpis["N15428"]["title"]
(['N05401', 'N15428'], 'Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)')
>>> {e["status"] for by_gender in fake.values.values() for e in by_gender.values()}
{'Syntetiska exempeldata – inte officiell statistik'}
>>> v = {y: fake.values[("N05401", "9999", y)]["T"]["value"] for y in (2017, 2018, 2019, 2021, 2022)}
>>> v[2018] == v[2019] == v[2021] != v[2022], v[2017] != v[2018]  # the 2014 / 2018 / 2022 elections
(True, True)
>>> demo_kolada(["N15428"], [2020]).values == demo_kolada(["N15428"], [2020]).values
True
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from segindicators.demo.synthetic import DEFAULT_SEED, KOMMUN, KOMMUN_NAME, SYNTHETIC_LABEL
from segindicators.sources.kolada.elections import ELECTION_KPIS, latest_election
from segindicators.testing.fake_kolada import FakeKolada

__all__ = ["SPECS", "KpiSpec", "demo_kolada"]


@dataclass(frozen=True)
class KpiSpec:
    """A synthetic KPI: topic, kommun and riket level in the first year, change per year, noise SD.

    ``gender_gap`` is added to ``T`` for ``K`` and subtracted for ``M`` (KPIs divided by gender only).
    """

    topic: str
    kommun_level: float
    riket_level: float
    trend: float
    noise: float = 0.5
    gender_gap: float = 1.0


#: Synthetic series of the demo plan's KPIs (invented round numbers, not Kolada's values).
SPECS: dict[str, KpiSpec] = {
    "N05401": KpiSpec("valdeltagande (%)", 82.0, 85.0, 0.3, 0.4, gender_gap=0.8),
    "N31807": KpiSpec("andel invånare med ekonomiskt bistånd (%)", 5.5, 4.5, -0.15, 0.1),
    "N15428": KpiSpec("andel elever behöriga till gymnasiet (%)", 80.0, 84.0, 0.6, 0.8, gender_gap=2.0),
}
_GENERIC = KpiSpec("nyckeltal", 50.0, 50.0, 0.0, 1.0)


def demo_kolada(
    kpis: Iterable[str], years: Iterable[int], *, seed: int = DEFAULT_SEED, kommun: str = KOMMUN
) -> FakeKolada:
    """A :class:`FakeKolada` (not started) with synthetic values of ``kpis`` for ``kommun`` and riket.

    Parameters
    ----------
    kpis
        KPI ids without the ``kolada:`` prefix.
    years
        Years to serve (an election KPI serves each of them with the latest election's value).
    seed
        Seed of the noise; each KPI and municipality draws from its own stream (the KPI id's CRC-32 joins
        the seed), so adding a KPI does not change the others' values.
    kommun
        The (fictional) municipality code served besides riket ``"0000"``.
    """
    fake = FakeKolada()
    fake.add_municipality(kommun, KOMMUN_NAME if kommun == KOMMUN else f"Kommun {kommun}")
    years = sorted({int(y) for y in years})
    recorded, absent = fake.recorded["kpi"]["records"], fake.recorded["kpi"]["absent"]
    for kpi in sorted(set(kpis)):
        if kpi in absent:
            continue  # gone from Kolada v3: the fake answers /kpi/{kpi} with no record, as Kolada does
        spec = SPECS.get(kpi, _GENERIC)
        if kpi in recorded:
            record = fake.add_recorded_kpi(kpi)
        else:
            record = fake.add_kpi(kpi, f"{SYNTHETIC_LABEL} – {spec.topic} (fiktivt nyckeltal {kpi})")
        if not years:
            continue
        election = kpi in ELECTION_KPIS
        # an election KPI draws one value per election (from the one before the first year on)
        ys = sorted(set(latest_election(years).tolist())) if election else years
        t = np.asarray(ys, dtype=float) - ys[0]
        for i, (muni, level) in enumerate(((kommun, spec.kommun_level), ("0000", spec.riket_level))):
            rng = np.random.default_rng([seed, zlib.crc32(kpi.encode("utf-8")), i])
            total = level + spec.trend * t + rng.normal(0.0, spec.noise, len(ys))
            series = {"T": total}
            if record["is_divided_by_gender"]:
                series |= {"K": total + spec.gender_gap, "M": total - spec.gender_gap}
            for gender, values in series.items():
                rounded = [round(float(v), 1) for v in values]
                if election:
                    fake.add_election_series(
                        kpi, muni, years, dict(zip(ys, rounded, strict=True)), gender=gender
                    )
                else:
                    fake.add_values(kpi, muni, ys, rounded, gender=gender)
    return fake
