"""All-or-nothing output folders for a refresh run, safe against a run killed at any moment.

A run writes everything into fresh staging folders next to the targets
(``.<name>.staging-<pid>-<token>``). Only when every stage has succeeded are they swapped in:

1. a commit journal (``data/.refresh-commit.json``, written atomically) lists each target, its staging
   folder and that folder's inode;
2. each staging folder replaces its target: on Linux in one atomic ``renameat2(RENAME_EXCHANGE)`` (the
   previous output lands in the staging folder's name), elsewhere by renaming the target aside
   (``.<name>.old-<pid>-<token>``) and the staging folder into place;
3. the journal is removed, then the previous outputs are deleted.

A run that fails or is killed before step 1 leaves the previous outputs untouched; at worst its staging
folders remain. A run killed during steps 1–3 leaves a journal. :func:`recover` (called by the next run
before it starts, under the refresh lock) finishes such a commit (the staged outputs were complete), then
recognises every leftover folder by its name and owner pid and removes it; a previous output renamed aside
whose target is missing is renamed back.

Hand-written because the job is a few renames; no library does "atomic directory replace" portably.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from segindicators._io import atomic_write_text

__all__ = ["COMMIT_JOURNAL", "pid_alive", "recover", "staged_directories", "staged_directory"]

#: File name of the commit journal (in the folder the caller chooses; the refresh uses ``data/``).
COMMIT_JOURNAL = ".refresh-commit.json"

# .<target>.staging-<pid>-<token> / .<target>.old-<pid>-<token>; older versions wrote no pid.
_LEFTOVER = re.compile(r"^\.(?P<target>.+)\.(?P<kind>staging|old)-(?:(?P<pid>\d+)-)?(?P<token>[0-9a-f]{12})$")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (zombies count as not running).

    >>> pid_alive(os.getpid())
    True
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:  # a killed child not yet reaped is a zombie: it no longer runs
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _renameat2() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths; False when the system cannot (then nothing was changed)."""
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _old_name(staging: Path) -> Path:
    return staging.with_name(staging.name.replace(".staging-", ".old-", 1))


def _swap(target: Path, staging: Path, inode: int) -> None:
    """Put ``staging`` (identified by ``inode``) in place of ``target``; a no-op when that was done already."""
    if target.exists() and target.stat().st_ino == inode:
        return
    if not staging.exists() or staging.stat().st_ino != inode:
        raise FileNotFoundError(2, "staged output is gone; the commit cannot be completed", str(staging))
    if target.exists():
        if _exchange(staging, target):
            return  # the previous output now sits at the staging path
        os.replace(target, _old_name(staging))
    os.replace(staging, target)


def _remove_leftovers(staging: Path) -> None:
    for p in (staging, _old_name(staging)):
        if p.exists():
            shutil.rmtree(p, ignore_errors=True)


def _commit(pairs: Sequence[tuple[Path, Path]], journal: Path | None) -> None:
    entries = [{"target": str(t), "staging": str(s), "inode": s.stat().st_ino} for t, s in pairs]
    if journal is not None:
        atomic_write_text(journal, json.dumps({"pid": os.getpid(), "swaps": entries}, indent=1))
    for e in entries:
        _swap(Path(e["target"]), Path(e["staging"]), int(e["inode"]))
    if journal is not None:
        journal.unlink()
    for _, staging in pairs:
        _remove_leftovers(staging)


@contextmanager
def staged_directories(
    targets: Sequence[str | os.PathLike[str]], *, journal: str | os.PathLike[str] | None = None
) -> Iterator[list[Path]]:
    """Yield one staging folder per target; all replace their targets only if the block succeeds.

    Parameters
    ----------
    targets
        The folders the run produces (e.g. ``data/processed`` and ``reports/2025``).
    journal
        Commit journal file; when given, a commit interrupted by a kill is finished by :func:`recover`, so
        the targets are replaced together. Without it each target is still replaced atomically.

    Yields
    ------
    list of Path
        Empty folders beside the targets (same order); write the complete new outputs into them.
    """
    paths = [Path(t) for t in targets]
    token = uuid.uuid4().hex[:12]
    stagings: list[Path] = []
    try:
        for target in paths:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.parent / f".{target.name}.staging-{os.getpid()}-{token}"
            staging.mkdir()
            stagings.append(staging)
        yield list(stagings)
    except BaseException:
        for staging in stagings:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    _commit(list(zip(paths, stagings, strict=True)), None if journal is None else Path(journal))


@contextmanager
def staged_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging folder that replaces ``target`` only if the block finishes without error.

    Leftovers of earlier runs on this target whose process no longer runs are removed first.

    Parameters
    ----------
    target
        The folder the run produces (for example ``data/processed`` or ``reports/2025``).

    Yields
    ------
    Path
        An empty folder beside ``target``; write the complete new output into it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_directory(root / "out") as d:
    ...     _ = (d / "a.txt").write_text("ny")
    >>> (root / "out" / "a.txt").read_text()
    'ny'
    >>> try:
    ...     with staged_directory(root / "out") as d:
    ...         _ = (d / "a.txt").write_text("halv")
    ...         raise RuntimeError("stage failed")
    ... except RuntimeError:
    ...     pass
    >>> (root / "out" / "a.txt").read_text(), sorted(p.name for p in root.iterdir())
    ('ny', ['out'])
    """
    target = Path(target)
    if target.parent.is_dir():
        recover([target.parent], names={target.name})
    with staged_directories([target]) as (staging,):
        yield staging


def recover(
    folders: Iterable[str | os.PathLike[str]],
    *,
    journal: str | os.PathLike[str] | None = None,
    names: set[str] | None = None,
    locked: bool = False,
) -> list[str]:
    """Finish an interrupted commit and remove leftovers of killed runs; return what was done.

    Parameters
    ----------
    folders
        Folders holding targets (the refresh: ``data/`` and ``reports/``).
    journal
        The commit journal; when present, its swaps are completed first (roll forward).
    names
        Only leftovers of these target names (default: every leftover in ``folders``).
    locked
        The caller holds the lock of these folders: a leftover is stale even if a process with its pid runs
        (pids are reused; no run can be writing without the lock). Otherwise only leftovers of processes that
        no longer run are removed.

    Returns
    -------
    list of str
        One sentence per action, for the run's warnings.
    """
    done: list[str] = []
    if journal is not None:
        jpath = Path(journal)
        if jpath.exists():
            try:
                doc = json.loads(jpath.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = {"swaps": []}  # written atomically: an unreadable journal was changed by hand
            for e in doc.get("swaps", []):
                target, staging = Path(e["target"]), Path(e["staging"])
                try:
                    _swap(target, staging, int(e["inode"]))
                except FileNotFoundError:
                    continue
                _remove_leftovers(staging)
                done.append(
                    f"finished replacing {target} with the complete output of run pid {doc.get('pid')}, which "
                    "was killed while replacing its outputs"
                )
            jpath.unlink()
        for tmp in jpath.parent.glob(f".{jpath.name}.*.tmp"):
            tmp.unlink(missing_ok=True)
    for folder in (Path(f) for f in folders):
        if not folder.is_dir():
            continue
        found = [(m, p) for p in sorted(folder.iterdir()) if (m := _LEFTOVER.match(p.name)) and p.is_dir()]
        for m, path in sorted(found, key=lambda mp: mp[0]["kind"] != "old"):  # restore "old" first
            if names is not None and m["target"] not in names:
                continue
            pid = int(m["pid"]) if m["pid"] else None
            if pid == os.getpid() or (pid is not None and not locked and pid_alive(pid)):
                continue
            owner = "a run of an older version" if pid is None else f"run pid {pid}, which no longer runs"
            target = folder / m["target"]
            if m["kind"] == "old" and not target.exists():
                os.replace(path, target)
                done.append(f"restored the previous output {target} that {owner} had moved aside")
            elif path.exists():
                shutil.rmtree(path, ignore_errors=True)
                what = "staging folder" if m["kind"] == "staging" else "replaced output"
                done.append(f"removed the stale {what} {path} of {owner}")
    return done
