"""All-or-nothing output folders under a kill at each step of the commit, and the refresh lock (no refresh run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from segindicators.pipeline import staging
from segindicators.pipeline.lock import LockHolder, RefreshLocked, refresh_lock
from segindicators.pipeline.staging import recover, staged_directories


def _tree(root: Path, name: str, text: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(text)
    return folder


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _pair(tmp_path: Path) -> tuple[list[Path], Path]:
    targets = [_tree(tmp_path / "data", "processed", "old p"), _tree(tmp_path / "reports", "2024", "old r")]
    return targets, tmp_path / "data" / staging.COMMIT_JOURNAL


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-aside"])
def test_commit_replaces_both_folders_and_leaves_nothing(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(staging, "_RENAMEAT2", None)
    targets, journal = _pair(tmp_path)
    with staged_directories(targets, journal=journal) as (p, r):
        (p / "a.txt").write_text("new p")
        (r / "a.txt").write_text("new r")
    assert [(t / "a.txt").read_text() for t in targets] == ["new p", "new r"]
    assert sorted(x.name for x in (tmp_path / "data").iterdir()) == ["processed"]
    assert sorted(x.name for x in (tmp_path / "reports").iterdir()) == ["2024"]


def _kill_during_commit(tmp_path: Path, swapped: int, *, aside_only: bool = False) -> tuple[list[Path], Path]:
    """Stage new outputs, write the journal and do ``swapped`` swaps, as a run killed at that point would."""
    targets, journal = _pair(tmp_path)
    stagings = []
    for t in targets:
        s = t.parent / f".{t.name}.staging-{_dead_pid()}-0123456789ab"
        s.mkdir()
        (s / "a.txt").write_text(f"new {t.name}")
        stagings.append(s)
    entries = [
        {"target": str(t), "staging": str(s), "inode": s.stat().st_ino}
        for t, s in zip(targets, stagings, strict=True)
    ]
    journal.write_text(json.dumps({"pid": 1, "swaps": entries}))
    for t, s in list(zip(targets, stagings, strict=True))[:swapped]:
        staging._swap(t, s, s.stat().st_ino)
    if aside_only:  # killed between "target → .old" and ".staging → target" (no renameat2)
        t, s = targets[swapped], stagings[swapped]
        os.replace(t, staging._old_name(s))
    return targets, journal


@pytest.mark.parametrize("swapped", [0, 1, 2])
def test_a_commit_killed_midway_is_finished_by_the_next_run(tmp_path, swapped):
    targets, journal = _kill_during_commit(tmp_path, swapped)
    notes = recover([tmp_path / "data", tmp_path / "reports"], journal=journal, locked=True)
    assert [(t / "a.txt").read_text() for t in targets] == ["new processed", "new 2024"]
    assert not journal.exists() and any("finished replacing" in n for n in notes)
    assert sorted(x.name for x in (tmp_path / "data").iterdir()) == ["processed"]
    assert sorted(x.name for x in (tmp_path / "reports").iterdir()) == ["2024"]


def test_a_kill_between_the_two_renames_loses_nothing(tmp_path):
    targets, journal = _kill_during_commit(tmp_path, 0, aside_only=True)
    assert not targets[0].exists()  # the previous output sits in .processed.old-…, the new one is staged
    recover([tmp_path / "data", tmp_path / "reports"], journal=journal, locked=True)
    assert [(t / "a.txt").read_text() for t in targets] == ["new processed", "new 2024"]
    # without a journal (a single staged folder) the previous output is put back instead
    targets, _ = _kill_during_commit(tmp_path / "nojournal", 0, aside_only=True)
    (tmp_path / "nojournal" / "data" / staging.COMMIT_JOURNAL).unlink()
    notes = recover([tmp_path / "nojournal" / "data"], locked=True)
    assert (targets[0] / "a.txt").read_text() == "old p" and any("restored" in n for n in notes)


def test_stale_staging_is_recognised_by_name_and_owner(tmp_path):
    live = tmp_path / f".processed.staging-{os.getppid()}-0123456789ab"  # a running process
    dead = tmp_path / f".processed.staging-{_dead_pid()}-0123456789ab"
    legacy = tmp_path / ".processed.staging-0123456789ab"
    other = tmp_path / ".processed.notes"
    for p in (live, dead, legacy, other):
        p.mkdir()
    recover([tmp_path])
    assert live.exists() and not dead.exists() and not legacy.exists() and other.exists()
    recover([tmp_path], locked=True)  # under the lock nobody else can be writing: the pid is a reused one
    assert not live.exists() and other.exists()


def test_lock_refuses_a_second_holder_and_is_released(tmp_path):
    with refresh_lock(tmp_path) as held:
        assert held.holder.pid == os.getpid() and held.taken_over is None
        with pytest.raises(RefreshLocked) as err:
            with refresh_lock(tmp_path):
                pass
        assert f"pid {os.getpid()}" in str(err.value) and held.holder.started in str(err.value)
        assert err.value.exit_code == 1
    assert (tmp_path / "data" / ".refresh.lock").read_text() == ""
    with refresh_lock(tmp_path) as again:
        assert again.taken_over is None


def test_lock_of_a_killed_holder_is_taken_over(tmp_path):
    code = (
        "import os, sys, time; from segindicators.pipeline.lock import refresh_lock\n"
        "with refresh_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(RefreshLocked, match=f"pid {proc.pid}"):
            with refresh_lock(tmp_path):
                pass
    finally:
        proc.kill()  # SIGKILL: the holder cannot release anything
        proc.wait()
    record = LockHolder.parse((tmp_path / "data" / ".refresh.lock").read_text())
    assert record is not None and record.pid == proc.pid  # the dead holder's record is still there
    with refresh_lock(tmp_path) as lock:
        assert lock.taken_over == record and "no longer runs" in lock.notes[0]
