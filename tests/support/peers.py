"""Shared setup of the peers tests: Linköping (0580) against a national fake serving a handful of
municipalities on SCB's real codes (Linköping, its eight peers and three others). Every number is synthetic
("Syntetiska exempeldata – inte officiell statistik")."""

from __future__ import annotations

from segindicators.pipeline import refresh as rf
from segindicators.sources.http import RetryPolicy

YEARS = (2023, 2024)
KOMMUN = "0580"
OTHERS = ("0180", "1480", "2584")
FAST = RetryPolicy(max_tries=3, backoff_base=0.0, jitter=0.0)


def peer_options(served, home, **kw) -> rf.RefreshOptions:
    """Refresh options of Linköping into ``home`` against the ``served`` fakes (charts off, 19 draws)."""
    fake, wfs, kolada, _ = served
    base = dict(kommun=KOMMUN, years=YEARS, base_url=fake.url, wfs_url=wfs.url, kolada_url=kolada.url, home=home,
                charts=False, notebooks=home / "no-notebooks", retry=FAST, bootstrap_draws=19, national_draws=19)  # fmt: skip
    base.update(kw)
    return rf.RefreshOptions(**base)
