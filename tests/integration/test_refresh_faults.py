"""Faults, kills and concurrent runs: the refresh loses nothing and leaves nothing broken.

All runs are the real refresh for the synthetic kommun 9999 against the demo's fake servers
(:mod:`segindicators.testing.faults`), for one reference year with the bootstrap off, to keep the module
around a minute:

- the fault matrix: each network stage × fault either completes or stops naming stage and what failed, the
  previous outputs stay intact and ``data/raw`` stays valid. Faults the refresh must survive (retried
  answers) are injected into all three stages of one run; the others run one cell at a time.
  ``benchmarks/fault_matrix.py`` runs and prints every cell on its own.
- SIGKILL at 20 seeded moments spread over a run's measured duration (forked from a warm parent,
  :mod:`segindicators.testing.kill`): previous outputs intact each time, and the next run succeeds.
- two runs at once, a stale lock, stale staging folders, and a raw-cache file changed on disk.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segindicators.cli import app
from segindicators.pipeline import refresh as rf
from segindicators.pipeline.lock import RefreshLocked
from segindicators.testing.faults import (
    FAULTS,
    NETWORK_STAGES,
    FaultLab,
    leftovers,
    outputs_match,
    raw_problems,
)
from segindicators.testing.kill import RefreshForker

YEAR = "2024"
#: Faults every network stage must survive: retried (5xx, 429, timeout, cut connection).
RECOVERABLE = ("503-recovery", "429-storm", "read-timeout", "truncated")
BY_ID = {f.id: f for f in FAULTS}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with FaultLab(tmp_path_factory.mktemp("faults"), years=(int(YEAR),)) as lab:
        lab.make_baseline()
        yield lab


@pytest.fixture(scope="module")
def forker(lab):
    """A warm parent that forks offline refresh runs of the lab's kommun and year (charts and bootstrap off)."""
    spec = {"kommun": "9999", "years": [int(YEAR)], "offline": True, "kolada_url": lab.kolada.url,
            "charts": False, "bootstrap_draws": 0}  # fmt: skip
    with RefreshForker(spec) as parent:
        yield parent


def _copy_baseline(lab: FaultLab, target: Path) -> Path:
    shutil.copytree(lab.baseline, target)
    return target


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ------------------------------------------------------------------------------------------ fault matrix


@pytest.mark.slow
@pytest.mark.parametrize("fault_id", RECOVERABLE)
def test_recoverable_faults_are_survived_by_every_network_stage(lab, fault_id):
    cells = lab.run_combined(BY_ID[fault_id])
    for cell in cells:
        assert cell.injected, f"{cell.stage}: the fault did not fire"
        assert cell.outcome == "completed", cell.problems
        assert cell.clean and cell.verdict == "survived", cell.problems


EXPECTED = {  # outcome per stage for the faults that are not simply retried
    "geometry": "failed",
    "fetch": "failed",
    "kolada": "completed with warning",  # Kolada is optional: a named warning, never a failed run
}
CELLS = [(s, f.id) for s in NETWORK_STAGES for f in FAULTS if f.id not in RECOVERABLE]


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "fault_id"), CELLS)
def test_fault_cell_fails_cleanly_or_is_survived(lab, stage, fault_id):
    cell = lab.run_cell(stage, BY_ID[fault_id])
    expected = "completed" if (stage, fault_id) == ("fetch", "400-cells") else EXPECTED[stage]
    assert cell.injected, "the fault did not fire"
    assert cell.outcome == expected, (cell.outcome, cell.message, cell.problems)
    assert cell.clean, cell.problems
    if cell.outcome == "failed":
        assert "Körningen misslyckades i steget" in cell.message and "orörda" in cell.message
        if stage == "fetch" and fault_id != "vanished-code":
            assert "table TAB" in cell.message and "with selection {" in cell.message
        if stage == "geometry" and fault_id != "vanished-code":
            assert "stat:DeSO_" in cell.message and "kommun 9999" in cell.message


def test_vanished_code_comes_from_the_catalogue_at_run_time(lab):
    from segindicators.catalogue.builder import plan_requests
    from segindicators.catalogue.definitions import load_catalogue

    table, variable, code = lab.catalogue_code()
    used = {
        (r.table, v, c)
        for r in plan_requests(load_catalogue(), "9999", lab.years)
        for v, cs in r.selection.items()
        for c in cs
    }
    assert (table, variable, code) in used and code in lab.pxweb.tables[table].variable(variable).codes


# ------------------------------------------------------------------------------------------------- kills

KILL_TRIALS = 20
KILL_SEED = 20251201


@pytest.mark.slow
def test_refresh_killed_at_random_moments_keeps_outputs_and_the_next_run_succeeds(lab, forker, tmp_path):
    home = _copy_baseline(lab, tmp_path / "home")
    processed, reports = home / "data" / "processed", home / "reports" / YEAR
    previous = tmp_path / "previous"  # the outputs of the last run that completed

    def keep_previous() -> None:
        shutil.rmtree(previous, ignore_errors=True)
        shutil.copytree(processed, previous / "processed")
        shutil.copytree(reports, previous / "reports")

    first = forker.run(home)  # a full run: the previous outputs, and the duration to spread kills over
    assert (first.exit, first.killed) == (0, False)
    keep_previous()
    rng = random.Random(KILL_SEED)
    span = 0.97 * first.seconds
    moments = [span * (k + rng.random()) / KILL_TRIALS for k in range(KILL_TRIALS)]
    rng.shuffle(moments)
    killed, finished, stale_seen, in_commit = 0, 0, 0, 0
    while moments:
        moment = moments.pop(0)
        trial = forker.run(home, kill_after=moment)
        if not trial.killed:  # it finished first: then it must have succeeded; try another moment
            assert trial.exit == 0, f"a run not killed failed (exit {trial.exit}) at {moment:.2f} s"
            finished += 1
            assert finished <= 10, "the runs keep finishing before the kill: the duration changed"
            moments.append(rng.uniform(0.0, 0.9 * span))
        killed += trial.killed
        # data/processed: byte-identical always (a run that committed wrote the same bytes)
        assert outputs_match(previous / "processed", processed, exact=True) == []
        # reports/<year>: the previous report byte for byte, or the killed run's complete new one
        if outputs_match(previous / "reports", reports, exact=True):
            assert outputs_match(previous / "reports", reports, exact=False) == [], moment
            keep_previous()
        # what a killed run leaves (staging folders, a commit journal) is removed by a later run
        left = leftovers(home)
        stale_seen += len(left)
        in_commit += any("refresh-commit" in p for p in left)
    assert killed == KILL_TRIALS
    last = forker.run(home)  # the next run: no manual clean-up
    assert (last.exit, last.killed) == (0, False)
    assert leftovers(home) == []
    assert (home / "data" / ".refresh.lock").read_text() == ""
    assert outputs_match(previous / "processed", processed, exact=True) == []
    assert outputs_match(previous / "reports", reports, exact=False) == []
    assert raw_problems(home) == []
    print(
        f"\nkill test: {killed} runs killed at seeded moments over {first.seconds:.1f} s ({finished} finished "
        f"first, {in_commit} killed while committing), {stale_seen} leftovers seen after kills and removed by "
        f"the next runs; last run {last.seconds:.1f} s"
    )


# --------------------------------------------------------------------------------------------- the lock


def _wait_for_lock(path: Path, pid: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            doc = json.loads(path.read_text())
            if doc.get("pid") == pid:
                return doc
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    raise AssertionError(f"run {pid} did not take the lock within {timeout} s")


@pytest.mark.slow
def test_second_refresh_refuses_while_one_runs(lab, forker, tmp_path):
    home = _copy_baseline(lab, tmp_path / "home")
    pid = forker.start_run(home)
    try:
        holder = _wait_for_lock(home / "data" / ".refresh.lock", pid)
        args = [
            "refresh",
            "--kommun",
            "9999",
            "--years",
            YEAR,
            "--home",
            str(home),
            "--offline",
            "--no-charts",
        ]
        second = CliRunner().invoke(app, args)
    finally:
        first = forker.finish(kill=False)
    assert first.exit == 0
    assert second.exit_code == 1, second.output
    out = " ".join(second.output.split())
    assert f"pid {pid}" in out and f"started {holder['started']}" in out and ".refresh.lock" in out
    assert "another refresh is running" in out and "Traceback" not in second.output


def test_stale_lock_and_staging_of_a_dead_run_are_taken_over_and_removed(lab, tmp_path):
    home = _copy_baseline(lab, tmp_path / "home")
    dead = _dead_pid()
    lock = home / "data" / ".refresh.lock"
    lock.write_text(json.dumps({"pid": dead, "host": socket.gethostname(), "started": "2026-01-01T00:00:00Z",
                                "command": "segindicators refresh"}))  # fmt: skip
    stale = [
        home / "data" / f".processed.staging-{dead}-0123456789ab",
        home / "reports" / f".{YEAR}.staging-{dead}-0123456789ab",
        home / "reports" / ".2019.staging-ba9876543210",  # an older version's name, without a pid
    ]
    for folder in stale:
        folder.mkdir()
        (folder / "counts.parquet").write_bytes(b"half a file")
    result = rf.run_refresh(lab.options(home, offline=True))
    notes = " ".join(w for w in result.warnings if w.startswith("refresh:"))
    assert f"took over the refresh lock left by pid {dead}" in notes
    for folder in stale:
        assert not folder.exists() and str(folder) in notes
    assert leftovers(home) == [] and lock.read_text() == ""
    manifest = json.loads((home / "reports" / YEAR / "manifest.json").read_text())
    assert any("took over the refresh lock" in w for w in manifest["run"]["warnings"])


def test_lock_naming_a_live_process_refuses(lab, tmp_path):
    """A lock record of a process that still runs on this host refuses even without its flock (e.g. copied)."""
    home = _copy_baseline(lab, tmp_path / "home")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (home / "data" / ".refresh.lock").write_text(
            json.dumps({"pid": sleeper.pid, "host": socket.gethostname(), "started": "2026-12-01T08:00:00Z"})
        )
        with pytest.raises(RefreshLocked, match=rf"pid {sleeper.pid} .*started 2026-12-01T08:00:00Z"):
            rf.run_refresh(lab.options(home, offline=True))
    finally:
        sleeper.kill()
        sleeper.wait()
    assert outputs_match(lab.baseline / "data" / "processed", home / "data" / "processed", exact=True) == []


# ------------------------------------------------------------------------------------------ cache integrity


def _newest_body(raw: Path, what: str) -> Path:
    """The body of the newest cache entry whose provenance says ``what``."""
    found = []
    for prov in sorted(raw.rglob("*.json")):
        doc = json.loads(prov.read_text())
        if doc.get("what") == what:
            found.append(prov.with_suffix(".body"))
    assert found, what
    return found[-1]


def test_changed_raw_file_is_named_offline_and_fetched_again_online(lab, tmp_path):
    home = _copy_baseline(lab, tmp_path / "home")
    raw = home / "data" / "raw"
    layer = _newest_body(raw / "wfs", "wfs")
    data = _newest_body(raw / "scb", "data")
    for body in (layer, data):
        body.chmod(0o644)
        content = bytearray(body.read_bytes())
        content[len(content) // 2] ^= 0xFF
        body.write_bytes(bytes(content))
    changed = {p: p.read_bytes() for p in (layer, data)}
    processed = home / "data" / "processed"
    # offline: nothing else to read, so the run stops and names the file (never parses it)
    with pytest.raises(rf.RefreshError) as err:
        rf.run_refresh(lab.options(home, offline=True))
    assert str(layer) in str(err.value) and "sha256" in str(err.value)
    assert outputs_match(lab.baseline / "data" / "processed", processed, exact=True) == []
    # online: reported and fetched again as new entries; the changed files stay as they are
    with pytest.warns(Warning, match="fetched again"):
        result = rf.run_refresh(lab.options(home))
    integrity = [w for w in result.warnings if "sha256" in w]
    assert any(str(layer) in w for w in integrity) and any(str(data) in w for w in integrity)
    assert all(p.read_bytes() == b for p, b in changed.items())
    assert len(list(layer.parent.glob("*.body"))) == 2 and len(list(data.parent.glob("*.body"))) == 2
    assert outputs_match(lab.baseline / "data" / "processed", processed, exact=True) == []
    # (that an offline read then takes the valid newer entry: tests/test_cli_errors.py, through `scb fetch`)
