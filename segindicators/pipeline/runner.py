"""How every run is run: one at a time, all or nothing, stage by stage (the kommun refresh and the national run).

:func:`staged_run` holds ``data/.refresh.lock`` (:mod:`segindicators.pipeline.lock`), finishes or removes what a
killed run left (:func:`segindicators.pipeline.staging.recover`), opens the SCB and WFS clients and yields
staging folders for the run's targets, which replace the live folders only when the block succeeds
(:func:`segindicators.pipeline.staging.staged_directories`); :func:`run_stages` runs the stages in order over
a context, timing each and turning a failure into :class:`RefreshError` naming the stage.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from segindicators.errors import Failure
from segindicators.paths import raw_dir
from segindicators.pipeline.context import Stage
from segindicators.pipeline.lock import refresh_lock
from segindicators.pipeline.staging import COMMIT_JOURNAL, recover, staged_directories
from segindicators.sources.http import CacheIntegrityWarning, RetryPolicy
from segindicators.sources.scb import DEFAULT_BASE_URL, ScbClient
from segindicators.sources.wfs import DEFAULT_WFS_URL, WfsClient

__all__ = ["ClientOptions", "RefreshError", "Run", "release_memory", "run_stages", "staged_run"]

#: Called as ``on_stage(name, "start", None)`` and ``on_stage(name, "done" | "failed", seconds)``.
OnStage = Callable[[str, str, float | None], None]


class RefreshError(Failure, RuntimeError):
    """A stage failed; ``stage`` names it. The previous outputs are untouched (exit code 1 in the CLI)."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"stage '{stage}' failed: {message}")
        self.stage = stage
        self.cause_text = message

    def lines(self) -> list[str]:
        """The failed stage and its cause, then what a failed run leaves."""
        return [
            f"Körningen misslyckades i steget {self.stage}: {self.cause_text}",
            "Tidigare resultat i data/processed och reports/ är orörda.",
        ]


class ClientOptions(Protocol):
    """What :func:`staged_run` reads of a run's options to open its clients."""

    base_url: str | None
    wfs_url: str | None
    offline: bool
    retry: RetryPolicy | None


@dataclass(frozen=True)
class Run:
    """What :func:`staged_run` yields: the staging folders (in the targets' order), the clients and the notes
    on what the lock and the recovery did (for the run's warnings)."""

    staged: list[Path]
    scb: ScbClient
    wfs: WfsClient
    notes: list[str]


@contextmanager
def staged_run(home: Path, targets: Sequence[Path], options: ClientOptions) -> Iterator[Run]:
    """Lock the project, clean up after killed runs, open the clients and stage ``targets``.

    Parameters
    ----------
    home
        The project folder (absolute).
    targets
        The folders the run replaces (under ``home/data`` and ``home/reports``).
    options
        Server URLs, offline mode and retry policy of the clients.

    Raises
    ------
    RefreshLocked
        Another run holds ``data/.refresh.lock``; nothing was done.
    """
    journal = home / "data" / COMMIT_JOURNAL
    with refresh_lock(home) as lock:
        # Under the lock no other run writes here: finish or remove what a killed run left behind.
        folders = sorted({home / "data", home / "reports", *(Path(t).parent for t in targets)})
        cleaned = recover(folders, journal=journal, locked=True)
        raw = raw_dir(home)
        scb = ScbClient(
            base_url=options.base_url or DEFAULT_BASE_URL, cache_dir=raw / "scb", offline=options.offline,
            retry=options.retry,
        )  # fmt: skip
        wfs = WfsClient(
            base_url=options.wfs_url or DEFAULT_WFS_URL, cache_dir=raw / "wfs", offline=options.offline,
            retry=options.retry,
        )  # fmt: skip
        try:
            with staged_directories(targets, journal=journal) as staged:
                yield Run(list(staged), scb, wfs, [*lock.notes, *cleaned])
        finally:
            scb.close()
            wfs.close()


def _run_stage(stage: Stage, ctx: Any) -> None:
    """Run one stage; a cache file that failed its integrity check (reported as a warning) is recorded too.

    Every warning the stage issues is shown as usual afterwards; :class:`CacheIntegrityWarning` s are also
    added to ``ctx.warnings`` (and so to the manifest).
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            stage.run(ctx)
    finally:
        for w in caught:
            if issubclass(w.category, CacheIntegrityWarning):
                ctx.warnings.append(f"{stage.name}: {w.message}")
            warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


def release_memory() -> None:
    """Give the memory a stage freed back to the operating system, so the next stage's peak does not stack on it
    (:func:`run_stages` calls it after every stage).

    pandas' text columns live in arrow's memory pool, its numbers in ``malloc``'s heap; both keep freed memory
    for reuse by their own kind, so at national size (7 M rows) a run holds about 1 GB it no longer uses.
    Arrow's pool releases it on request, glibc's ``malloc_trim`` on Linux (elsewhere nothing is done). Only
    the process's resident memory changes, never a result.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
    trim = getattr(libc, "malloc_trim", None)  # glibc only (not musl)
    if trim is not None:
        trim(0)


def run_stages(stages: Sequence[Stage], ctx: Any, on_stage: OnStage | None = None) -> dict[str, float]:
    """Run ``stages`` in order over ``ctx``; return each stage's seconds.

    Raises
    ------
    RefreshError
        Naming the failed stage and the cause (the stages after it do not run).
    """
    notify = on_stage or (lambda *a: None)
    timings: dict[str, float] = {}
    for stage in stages:
        notify(stage.name, "start", None)
        t0 = time.perf_counter()
        try:
            _run_stage(stage, ctx)
        except Exception as exc:
            timings[stage.name] = time.perf_counter() - t0
            notify(stage.name, "failed", timings[stage.name])
            raise RefreshError(stage.name, f"{type(exc).__name__}: {exc}") from exc
        release_memory()
        timings[stage.name] = time.perf_counter() - t0
        notify(stage.name, "done", timings[stage.name])
    return timings
