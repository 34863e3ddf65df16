"""The faults of the refresh's fault matrix: what each injects into a fake server, and how to undo it.

Each :class:`Fault` applies one kind of failure to the fake that serves a network stage
(:data:`NETWORK_STAGES`) through the fakes' fault-injection API
(:class:`~segindicators.testing.fake_http.FaultInjection`) or by changing what the fake serves (a code that
vanished, a smaller cell limit), and returns an :class:`Injected`: how to tell that it fired, how to undo it,
and what a failure message must name. Nothing here names a table or a value code: what a fault needs is
asked of the lab at run time (:class:`FaultTarget`, implemented by
:class:`~segindicators.testing.faults.FaultLab`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from segindicators.geography.lookups import geo_version_for_year
from segindicators.sources.http import RetryPolicy
from segindicators.sources.wfs import LAYERS

__all__ = ["FAST_RETRY", "FAULTS", "NETWORK_STAGES", "Fault", "FaultTarget", "Injected"]

#: The stages that talk to a server, with the fake that serves them and the route their faults target.
NETWORK_STAGES: dict[str, tuple[str, str]] = {
    "geometry": ("wfs", "/wfs"),
    "fetch": ("pxweb", "/data"),
    "kolada": ("kolada", "/data/"),
}

#: Quick retries for the matrix (same rules, short waits); ``read_timeout`` lets a delay exceed it quickly.
FAST_RETRY = RetryPolicy(
    max_tries=3, max_rate_limited=10, backoff_base=0.01, backoff_max=0.05, jitter=0.0, max_retry_after=0.05,
    read_timeout=1.0,
)  # fmt: skip


class FaultTarget(Protocol):
    """What an injection needs of the lab: the three fakes, the run's retry policy, and run-time lookups."""

    pxweb: Any
    wfs: Any
    kolada: Any
    retry: RetryPolicy
    years: tuple[int, ...]
    kommun: str

    def catalogue_code(self) -> tuple[str, str, str]:
        """A (table, variable, value code) the catalogue selects from a table the fake serves."""
        ...

    def largest_selection(self) -> int:
        """Cells of the largest data selection of the fault-free run."""
        ...

    def what_fails(self, stage: str) -> tuple[str, ...]:
        """Words a failure message of ``stage`` must hold."""
        ...


@dataclass
class Injected:
    """What an injection changed: how to tell that it fired, how to undo it, what the message must name."""

    fired: Callable[[], bool]
    undo: Callable[[], None] = lambda: None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fault:
    """One kind of fault; ``inject(lab, stage)`` applies it to the stage's fake server."""

    id: str
    title: str
    inject: Callable[[FaultTarget, str], Injected]


# ------------------------------------------------------------------------------------------- injections


def _server(lab: FaultTarget, stage: str) -> tuple[Any, str]:
    which, route = NETWORK_STAGES[stage]
    return getattr(lab, which), route


def _pending_done(server: Any) -> Callable[[], bool]:
    return lambda: server.faults_pending == 0


def _status(times: Callable[[RetryPolicy], int], status: int, retry_after: str | None = None) -> Any:
    def inject(lab: FaultTarget, stage: str) -> Injected:
        server, route = _server(lab, stage)
        server.fail_next(times=times(lab.retry), status=status, route=route, retry_after=retry_after)
        return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))

    return inject


def _delay(lab: FaultTarget, stage: str) -> Injected:
    server, route = _server(lab, stage)
    timeout = lab.retry.read_timeout or 120.0
    server.delay_next(seconds=timeout * 2.5, times=1, route=route)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _truncate(lab: FaultTarget, stage: str) -> Injected:
    server, route = _server(lab, stage)
    server.truncate_next(times=1, route=route, keep_header=True)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _invalid(lab: FaultTarget, stage: str) -> Injected:
    server, route = _server(lab, stage)
    server.invalid_next(times=1, route=route)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _logged_since(server: Any, test: Callable[[Any], bool]) -> Callable[[], bool]:
    start = len(server.requests)
    return lambda: any(test(r) for r in server.requests[start:])


def _vanish(lab: FaultTarget, stage: str) -> Injected:
    """Remove, at run time, one code the stage relies on from what the fake serves."""
    if stage == "fetch":
        table_id, variable, code = lab.catalogue_code()
        original = lab.pxweb.tables[table_id]
        lab.pxweb.tables[table_id] = _without_code(original, variable, code)

        def undo() -> None:
            lab.pxweb.tables[table_id] = original

        fired = _logged_since(lab.pxweb, lambda r: r.path.endswith(f"/tables/{table_id}/metadata"))
        return Injected(fired, undo, (table_id, code))
    if stage == "geometry":
        layer = LAYERS[("DeSO", geo_version_for_year(max(lab.years)))]
        original = lab.wfs.layers[layer]
        mine = original[original["kommunkod"] == lab.kommun]
        code = str(sorted(mine["desokod"])[0])
        lab.wfs.set_layer(layer, original[original["desokod"] != code].reset_index(drop=True))
        fired = _logged_since(lab.wfs, lambda r: layer in str(r.query))
        return Injected(fired, lambda: lab.wfs.set_layer(layer, original), (code,))
    kpi = sorted(lab.kolada.kpis)[0]
    record = lab.kolada.kpis.pop(kpi)
    fired = _logged_since(lab.kolada, lambda r: "/kpi/" in r.path and kpi in r.path)
    return Injected(fired, lambda: lab.kolada.kpis.__setitem__(kpi, record), (kpi,))


def _too_many_cells(lab: FaultTarget, stage: str) -> Injected:
    """PxWeb: enforce half the largest selection as the cell limit while /config still advertises the old one
    (the client must split on the 400); the WFS and Kolada answer a plain 400 Bad Request."""
    server, route = _server(lab, stage)
    if stage != "fetch":
        server.fail_next(times=1, status=400, route=route)
        return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))
    fake = lab.pxweb
    saved = (fake.max_cells, fake.advertised_max_cells)
    fake.advertised_max_cells = saved[1] or saved[0]
    fake.max_cells = max(2, lab.largest_selection() // 2)

    def undo() -> None:
        fake.max_cells, fake.advertised_max_cells = saved

    fired = _logged_since(fake, lambda r: r.status == 400 and r.path.endswith("/data"))
    return Injected(fired, undo, lab.what_fails(stage))


def _without_code(table: Any, variable: str, code: str) -> Any:
    """A copy of a fake table that no longer has ``code`` in ``variable`` (metadata, data and cube)."""
    axis = next(i for i, v in enumerate(table.variables) if v.code == variable)
    var = table.variables[axis]
    pos = var.codes.index(code)
    kept = [i for i in range(len(var.codes)) if i != pos]
    new_var = dataclasses.replace(
        var, codes=[var.codes[i] for i in kept], labels=[var.labels[i] for i in kept]
    )
    variables = [new_var if i == axis else v for i, v in enumerate(table.variables)]
    return dataclasses.replace(
        table, variables=variables, values=np.take(table.values, kept, axis=axis),
        status=np.take(table.status, kept, axis=axis),
    )  # fmt: skip


#: The faults of the matrix, in order.
FAULTS: tuple[Fault, ...] = (
    Fault("500-burst", "HTTP 500 burst longer than the retries", _status(lambda p: p.max_tries, 500)),
    Fault("503-recovery", "HTTP 503, then recovery", _status(lambda p: p.max_tries - 1, 503)),
    Fault(
        "429-storm",
        "429 storm with Retry-After",
        _status(lambda p: max(1, min(5, p.max_rate_limited - 1)), 429, "1"),
    ),
    Fault("read-timeout", "read timeout (answer slower than the timeout)", _delay),
    Fault("truncated", "truncated body (connection cut)", _truncate),
    Fault("invalid-body", "invalid body (bad JSON / not a GeoPackage)", _invalid),
    Fault("vanished-code", "a code vanished (metadata / layer / KPI)", _vanish),
    Fault("400-cells", "400 (PxWeb: too many cells)", _too_many_cells),
)
