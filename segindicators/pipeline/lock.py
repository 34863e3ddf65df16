"""One refresh at a time per project folder: ``data/.refresh.lock``.

The lock file holds the holder's pid, host, start time and command line (JSON), so a second run can say
who holds it. Holding it means holding an exclusive ``flock`` on the file: the kernel releases that when the
holder exits in any way, SIGKILL included, so a lock left by a dead process never blocks a new run. A new
run also refuses when the file names a process that still runs on this host (the same pid *and* the same
process start time, so a reused pid does not count), which covers a holder whose ``flock`` is not visible
(a hand-copied lock file, a file system without ``flock``).

A lock left behind by a process that no longer runs is taken over: the new run locks the file, writes its
own record in place of the old one and notes the takeover among its warnings. On release the record is
emptied; the file itself stays (deleting it would let a run that opened the old file and one that created
a new file hold "the" lock at the same time).

Examples
--------
>>> import tempfile, pathlib
>>> home = pathlib.Path(tempfile.mkdtemp())
>>> with refresh_lock(home) as lock:
...     try:
...         with refresh_lock(home):
...             pass
...     except RefreshLocked as exc:
...         print("refused:", exc.holder.pid == os.getpid())
refused: True
>>> (home / "data" / ".refresh.lock").read_text()
''
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from segindicators.errors import Failure
from segindicators.pipeline.staging import pid_alive

__all__ = ["LOCK_FILE", "LockHolder", "RefreshLock", "RefreshLocked", "refresh_lock"]

#: Lock file name under ``<home>/data``.
LOCK_FILE = ".refresh.lock"


def _proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[19]
    except (OSError, IndexError):
        return None


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) the lock."""

    pid: int
    host: str
    started: str
    command: str = ""
    proc_start: str | None = None

    @classmethod
    def me(cls) -> LockHolder:
        """A record for the current process."""
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            command=" ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "",
            proc_start=_proc_start(os.getpid()),
        )

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        """The record in a lock file's text; None for an empty or unreadable record."""
        try:
            doc = json.loads(text)
            return cls(
                pid=int(doc["pid"]), host=str(doc.get("host", "")), started=str(doc.get("started", "?")),
                command=str(doc.get("command", "")), proc_start=doc.get("proc_start"),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None

    def running_here(self) -> bool:
        """The recorded process still runs on this host (a reused pid with another start time does not)."""
        if self.host != socket.gethostname() or not pid_alive(self.pid):
            return False
        now = _proc_start(self.pid)
        return self.proc_start is None or now is None or now == self.proc_start

    def describe(self) -> str:
        """``pid 123 on host, started 2026-01-01T10:00:00Z (segindicators refresh ...)``."""
        cmd = f" ({self.command})" if self.command else ""
        return f"pid {self.pid} on {self.host or '?'}, started {self.started}{cmd}"


class RefreshLocked(Failure):
    """Another refresh holds the lock of this project folder."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        who = holder.describe() if holder is not None else "a process that has not written its record yet"
        super().__init__(
            f"another refresh is running on this project folder: {who}; lock file {path}.",
            hint="Wait for it to finish and run again. If that process is not running any more (it ran on "
            "another machine and was killed), delete the lock file.",
        )
        self.path = path
        self.holder = holder


@dataclass
class RefreshLock:
    """A held lock: its file, our record and the record of a dead holder taken over (if any)."""

    path: Path
    holder: LockHolder
    taken_over: LockHolder | None = None
    notes: list[str] = field(default_factory=list)


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


@contextmanager
def refresh_lock(home: str | os.PathLike[str]) -> Iterator[RefreshLock]:
    """Hold the refresh lock of ``home`` for the block.

    Parameters
    ----------
    home
        Project folder; the lock file is ``<home>/data/.refresh.lock`` (created when missing).

    Yields
    ------
    RefreshLock
        ``taken_over`` names a holder that died without releasing; ``notes`` says so in a sentence.

    Raises
    ------
    RefreshLocked
        Another process holds the lock; the message names its pid, host and start time.
    """
    path = Path(home) / "data" / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshLocked(path, LockHolder.parse(_read(fd))) from None
        previous = LockHolder.parse(_read(fd))
        if previous is not None and previous.pid != os.getpid() and previous.running_here():
            fcntl.flock(fd, fcntl.LOCK_UN)
            raise RefreshLocked(path, previous)
        me = LockHolder.me()
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me), ensure_ascii=False).encode("utf-8"), 0)
        os.fsync(fd)
        lock = RefreshLock(path=path, holder=me, taken_over=previous)
        if previous is not None:
            lock.notes.append(
                f"took over the refresh lock left by {previous.describe()}, which no longer runs "
                "(it was killed or crashed)"
            )
        try:
            yield lock
        finally:
            os.ftruncate(fd, 0)
            os.fsync(fd)
    finally:
        os.close(fd)  # closing the file releases the flock
