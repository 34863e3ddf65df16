"""One demo environment: the synthetic municipality served by the three fake services, and a refresh aimed at them.

**Syntetiska exempeldata – inte officiell statistik.** :func:`demo_environment` generates the synthetic
municipality (:func:`~segindicators.demo.synthetic.generate`), starts in-process the fake PxWebApi v2
(:func:`~segindicators.demo.serve.demo_server`), the fake WFS
(:meth:`~segindicators.testing.fake_wfs.FakeWfs.from_synthetic`) and the fake Kolada with synthetic values of
the demo plan's KPIs (:func:`~segindicators.demo.kolada.demo_kolada`), and yields a
:class:`DemoEnvironment`: the :class:`~segindicators.pipeline.context.RefreshOptions` of a refresh of kommun
9999 against those servers (pass them to :func:`~segindicators.pipeline.refresh.run_refresh`) and the
servers' request counts. The servers stop when the ``with`` block ends, also when it ends with an error.

This is the only place that wires the demo: ``segindicators demo``, the workspace's demo build for the
notebooks and the tests' shared fixture all use it.

Examples
--------
>>> import tempfile
>>> with demo_environment(tempfile.mkdtemp(), years=(2023, 2024)) as env:
...     env.options.kommun, env.options.synthetic, env.options.years, env.requests
('9999', True, (2023, 2024), RequestCounts(pxweb=0, wfs=0, kolada=0))
>>> env.pxweb.url  # stopped on exit
Traceback (most recent call last):
...
RuntimeError: FakePxWeb is not running; use it as a context manager or call start().
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segindicators.checks import check_years
from segindicators.demo.kolada import demo_kolada
from segindicators.demo.profile import demo_plan, demo_profile
from segindicators.demo.serve import demo_server
from segindicators.demo.synthetic import DEFAULT_SEED, KOMMUN, YEARS, SyntheticMunicipality, generate
from segindicators.pipeline.context import RefreshOptions
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.testing.fake_kolada import FakeKolada
from segindicators.testing.fake_pxweb import FakePxWeb
from segindicators.testing.fake_wfs import FakeWfs

__all__ = ["DemoEnvironment", "RequestCounts", "demo_environment"]

#: RefreshOptions fields the environment sets itself (they must agree with the servers it starts).
_OWN_FIELDS = frozenset({"kommun", "years", "offline", "base_url", "wfs_url", "kolada_url", "home", "profile",
                         "plan", "synthetic"})  # fmt: skip


@dataclass(frozen=True)
class RequestCounts:
    """Requests received by each fake server (a snapshot; subtract two to count one run's requests).

    Examples
    --------
    >>> RequestCounts(30, 4, 2) - RequestCounts(29, 4, 0)
    RequestCounts(pxweb=1, wfs=0, kolada=2)
    >>> (RequestCounts(30, 4, 2) - RequestCounts(29, 4, 0)).total
    3
    """

    pxweb: int
    wfs: int
    kolada: int

    def __sub__(self, other: RequestCounts) -> RequestCounts:
        return RequestCounts(self.pxweb - other.pxweb, self.wfs - other.wfs, self.kolada - other.kolada)

    @property
    def total(self) -> int:
        """Requests to the three servers together."""
        return self.pxweb + self.wfs + self.kolada


@dataclass(frozen=True)
class DemoEnvironment:
    """The running demo servers and the refresh options that point at them.

    Attributes
    ----------
    options
        Refresh of kommun 9999 into the environment's folder against the three servers (demo profile and
        plan, ``synthetic=True``); vary it with :func:`dataclasses.replace` (e.g. ``offline=True`` for a
        second run, another ``home``).
    synthetic
        The generated municipality the servers serve.
    pxweb, wfs, kolada
        The fake PxWebApi v2, WFS and Kolada v3 servers (running inside the ``with`` block).
    """

    options: RefreshOptions
    synthetic: SyntheticMunicipality
    pxweb: FakePxWeb
    wfs: FakeWfs
    kolada: FakeKolada

    @property
    def requests(self) -> RequestCounts:
        """Requests each server has received so far."""
        return RequestCounts(self.pxweb.request_count, self.wfs.request_count, self.kolada.request_count)


@contextmanager
def demo_environment(
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = False,
    seed: int = DEFAULT_SEED,
    years: Iterable[int] = YEARS,
    **options: Any,
) -> Iterator[DemoEnvironment]:
    """Start the demo's three fake servers and yield the refresh options aimed at them.

    Parameters
    ----------
    out_dir
        The refresh's home (``data/`` and ``reports/`` land there).
    offline
        The options' ``offline`` (only cached answers; the servers run anyway, so a test or the demo can show
        that they received no request).
    seed
        Seed of the synthetic municipality and of the Kolada values (not of the bootstrap: that is the
        ``seed`` field of :class:`~segindicators.pipeline.context.RefreshOptions`).
    years
        Reference years, within :data:`~segindicators.demo.synthetic.YEARS` (the Kolada fake serves them).
    **options
        Further :class:`~segindicators.pipeline.context.RefreshOptions` fields (``notebooks``, ``charts``,
        ``retry``, ``bootstrap_draws``, ``report_year``, ...).

    Yields
    ------
    DemoEnvironment

    Raises
    ------
    segindicators.errors.UsageError
        If ``years`` is empty or leaves the synthetic years (:func:`segindicators.checks.check_years`).
    TypeError
        If ``options`` names a field the environment sets itself (kommun, servers, home, profile, plan, ...).
    """
    year_tuple = check_years(list(years), param="years", synthetic_years=YEARS)
    clash = sorted(_OWN_FIELDS & set(options))
    if clash:
        raise TypeError(
            f"demo_environment sets {', '.join(clash)} itself (the demo's kommun, servers, folder, profile and "
            "plan); got them in options. Pass out_dir/years/offline as arguments, or vary the yielded "
            "env.options with dataclasses.replace."
        )
    synthetic = generate(seed)
    plan = demo_plan()
    with ExitStack() as stack:
        pxweb = stack.enter_context(demo_server(demo=synthetic))
        wfs = stack.enter_context(FakeWfs.from_synthetic(synthetic))
        kolada = stack.enter_context(demo_kolada(plan_kpis(plan), year_tuple, seed=seed))
        refresh = RefreshOptions(
            kommun=KOMMUN, years=year_tuple, offline=offline, base_url=pxweb.url, wfs_url=wfs.url,
            kolada_url=kolada.url, home=Path(out_dir), profile=demo_profile(), plan=plan, synthetic=True, **options,
        )  # fmt: skip
        yield DemoEnvironment(options=refresh, synthetic=synthetic, pxweb=pxweb, wfs=wfs, kolada=kolada)
