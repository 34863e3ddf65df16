"""Kill refresh runs with SIGKILL at chosen moments (the kill test's tool).

A warm parent process (``python -m segindicators.testing.kill OPTIONS_JSON``) imports the package and the
libraries the stages load lazily, then forks one child per trial; each child runs the real
:func:`~segindicators.pipeline.refresh.run_refresh` into the project folder it is given. The parent,
not the test, sends the SIGKILL, and only to a child it has not reaped yet, so the pid can never belong to
another process. Forking a warm parent instead of starting a fresh interpreter per trial keeps a trial as
long as the run itself, so many trials fit in a test.

Protocol (one JSON object per line): the test writes ``{"cmd": "run", "home": ...}``, the parent answers
``{"pid": ...}``; the test writes ``{"cmd": "kill"}`` (SIGKILL now, unless the child already ended) or
``{"cmd": "wait"}``, the parent answers ``{"pid", "killed", "exit", "seconds"}``. :class:`RefreshForker` is
the test side.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from segindicators.demo.profile import demo_plan, demo_profile
from segindicators.pipeline.refresh import RefreshOptions, run_refresh
from segindicators.testing.fake_http import StartStop

__all__ = ["RefreshForker", "Trial", "main"]


def _options(spec: dict[str, Any], home: str) -> Any:
    kw = dict(spec)
    if kw.pop("demo", True):
        kw.update(profile=demo_profile(), plan=demo_plan(), synthetic=True)
    kw["years"] = tuple(kw["years"])
    kw.setdefault("notebooks", str(Path(home) / "no-notebooks"))
    kw["notebooks"] = Path(kw["notebooks"])
    return RefreshOptions(home=Path(home), **kw)


#: Modules a refresh uses (geopandas, pyogrio and openpyxl are imported only when a stage needs them); imported
#: once in the parent so a forked child does not pay for them.
WARM_MODULES = (
    "segindicators.pipeline.refresh", "segindicators.catalogue.builder", "segindicators.catalogue.check",
    "segindicators.catalogue.validate", "segindicators.geography", "segindicators.sources.wfs",
    "segindicators.sources.scb", "segindicators.indices.battery", "segindicators.plan.status",
    "segindicators.sources.kolada.client", "segindicators.typology.build", "segindicators.pipeline.manifest",
    "segindicators.pipeline.changes", "segindicators.demo.profile", "geopandas", "pyogrio", "openpyxl",
    "pyarrow.parquet",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """The warm parent: ``argv = [OPTIONS_JSON]``; import, then serve the protocol on stdin/stdout."""
    import importlib

    spec = json.loads((argv if argv is not None else sys.argv[1:])[0])
    t0 = time.monotonic()
    for name in WARM_MODULES:
        importlib.import_module(name)
    _options(spec, ".")  # loads the demo profile and plan
    print(json.dumps({"ready": True, "warmup_seconds": time.monotonic() - t0}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("cmd") != "run":
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: one refresh, then exit without running the parent's clean-up
            code = 0
            try:
                run_refresh(_options(spec, cmd["home"]))
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        order = json.loads(sys.stdin.readline() or '{"cmd": "wait"}')
        killed = False
        if order.get("cmd") == "kill":
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:  # still running (and not reaped: the pid is still this child's)
                os.kill(pid, signal.SIGKILL)
                killed = True
                _, status = os.waitpid(pid, 0)
        else:
            _, status = os.waitpid(pid, 0)
        print(
            json.dumps(
                {"pid": pid, "killed": killed, "exit": os.waitstatus_to_exitcode(status),
                 "seconds": time.monotonic() - start}
            ),
            flush=True,
        )  # fmt: skip
    return 0


@dataclass(frozen=True)
class Trial:
    """One forked run: its pid, whether the SIGKILL landed, its exit code and how long it ran."""

    pid: int
    killed: bool
    exit: int
    seconds: float


class RefreshForker(StartStop):
    """Test side of the protocol: start the warm parent, run (and kill) refreshes, stop it.

    Parameters
    ----------
    spec
        :class:`~segindicators.pipeline.refresh.RefreshOptions` fields as JSON-able values (without
        ``home``); ``"demo": True`` (default) adds the demo's profile, plan and synthetic label.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.proc: subprocess.Popen[str] | None = None
        self.warmup_seconds = float("nan")

    def start(self) -> Self:
        """Start the parent and wait until it has imported everything."""
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "segindicators.testing.kill", json.dumps(self.spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        ready = self._read()
        self.warmup_seconds = float(ready["warmup_seconds"])
        return self

    def _read(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the refresh parent exited (code {self.proc.wait()}); see its stderr")
        return json.loads(line)

    def _write(self, doc: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(doc) + "\n")
        self.proc.stdin.flush()

    def start_run(self, home: Path) -> int:
        """Fork one refresh into ``home``; return its pid (it runs until :meth:`finish`)."""
        self._write({"cmd": "run", "home": str(home)})
        return int(self._read()["pid"])

    def finish(self, *, kill: bool) -> Trial:
        """SIGKILL the running child now (``kill``; a no-op if it already ended) or wait for it."""
        self._write({"cmd": "kill" if kill else "wait"})
        r = self._read()
        return Trial(
            pid=int(r["pid"]), killed=bool(r["killed"]), exit=int(r["exit"]), seconds=float(r["seconds"])
        )

    def run(self, home: Path, kill_after: float | None = None) -> Trial:
        """Run one refresh into ``home``; SIGKILL it ``kill_after`` seconds after it started (None: wait)."""
        self.start_run(home)
        if kill_after is not None:
            time.sleep(max(0.0, kill_after))
        return self.finish(kill=kill_after is not None)

    def stop(self) -> None:
        """Stop the parent (its stdin closes, it exits)."""
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


if __name__ == "__main__":
    raise SystemExit(main())
