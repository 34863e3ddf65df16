"""A fault matrix for the refresh: each network stage × each fault, against the demo's fake servers.

For every cell, the real :func:`~segindicators.pipeline.refresh.run_refresh` runs for the synthetic kommun
over HTTP (the demo's wiring, :func:`~segindicators.demo.environment.demo_environment`: the fake PxWeb,
WFS and Kolada), in a project folder holding the outputs of a previous fault-free run, with one fault injected on
the stage's route through the fakes' fault-injection API (:class:`~segindicators.testing.fake_http.FaultInjection`).
Nothing here names a table or a value code: the table and code a fault needs are taken at run time from the
catalogue (:func:`~segindicators.catalogue.builder.plan_requests`) and from the tables the fake serves.

A cell passes when

- the fault fired (the fake served every injected answer, or the changed metadata/layer/KPI was asked for);
- the run either completed or failed with a :class:`~segindicators.pipeline.refresh.RefreshError` whose
  message names the stage and what failed (table and selection, layer, KPI or the vanished code);
- the previous outputs are intact: after a failed run ``data/processed`` and ``reports/<year>`` are
  byte-identical to before; after a completed run ``data/processed`` is byte-identical to the fault-free
  run's (for a Kolada failure, which the refresh records as a warning, only the Kolada-derived tables
  differ) and ``reports/<year>`` holds the same files with the same content (its ``manifest.json`` records
  the same output hashes, parameters and versions, xlsx files hold the same cells);
- ``data/raw`` holds no invalid entry (:meth:`~segindicators.sources.http.RawCache.verify`) and no staging folder,
  old output or commit journal is left behind.

The faults themselves are :mod:`segindicators.testing.fault_kinds`, the comparisons of outputs and raw
cache :mod:`segindicators.testing.outputs` (both re-exported here); this module is the lab that runs them.
``benchmarks/fault_matrix.py`` prints the matrix; ``tests/test_refresh_faults.py`` asserts every cell.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from segindicators.catalogue.builder import plan_requests
from segindicators.catalogue.definitions import load_catalogue
from segindicators.demo.environment import demo_environment
from segindicators.pipeline.refresh import RefreshError, RefreshOptions, run_refresh
from segindicators.sources.http import RawCache, RetryPolicy
from segindicators.testing.fault_kinds import FAST_RETRY, FAULTS, NETWORK_STAGES, Fault, Injected
from segindicators.testing.outputs import (
    KOLADA_OUTPUTS,
    RAW_DIRS,
    digests,
    leftovers,
    outputs_match,
    raw_problems,
)

__all__ = [
    "FAST_RETRY",
    "FAULTS",
    "NETWORK_STAGES",
    "Cell",
    "Fault",
    "FaultLab",
    "Injected",
    "digests",
    "fault_lab",
    "format_matrix",
    "leftovers",
    "outputs_match",
    "raw_problems",
]


@dataclass
class Cell:
    """The result of one stage × fault run."""

    stage: str
    fault: str
    injected: bool
    outcome: str  # "completed", "completed with warning", "failed", "crashed"
    message: str
    named: bool
    outputs_intact: bool
    raw_valid: bool
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """The fault fired and the run either survived or failed cleanly, leaving everything intact."""
        return (
            self.injected
            and self.outcome != "crashed"
            and self.named
            and self.outputs_intact
            and self.raw_valid
        )

    @property
    def verdict(self) -> str:
        """``survived``, ``survived (warning)``, ``failed cleanly`` or ``NOT CLEAN``."""
        if not self.clean:
            return "NOT CLEAN"
        return {"completed": "survived", "completed with warning": "survived (warning)"}.get(
            self.outcome, "failed cleanly"
        )


# ----------------------------------------------------------------------------------------------- the lab


@dataclass
class FaultLab:
    """The demo's three fake servers, a fault-free baseline project folder and a runner for the cells.

    Use as a context manager; :meth:`run_cell` runs one stage × fault, :meth:`run_matrix` all of them.

    Parameters
    ----------
    workdir
        Folder for the baseline and one project folder per cell.
    years
        Reference years of the runs (one or two years keep the matrix quick).
    retry
        Retry policy of the runs (default :data:`FAST_RETRY`).
    bootstrap_draws
        Bootstrap draws of the indices stage (0: no intervals; the matrix is about faults).
    """

    workdir: Path
    years: tuple[int, ...] = (2024,)
    retry: RetryPolicy = FAST_RETRY
    bootstrap_draws: int = 0
    kommun: str = "9999"
    pxweb: Any = None
    wfs: Any = None
    kolada: Any = None
    env: Any = None
    baseline: Path | None = None
    _stack: ExitStack | None = None
    _catalogue_code: tuple[str, str, str] | None = None

    def __enter__(self) -> FaultLab:
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._stack = ExitStack()
        self.env = self._stack.enter_context(
            demo_environment(
                self.workdir, years=self.years, charts=False, retry=self.retry,
                bootstrap_draws=self.bootstrap_draws, notebooks=self.workdir / "no-notebooks",
            )
        )  # fmt: skip
        self.pxweb, self.wfs, self.kolada = self.env.pxweb, self.env.wfs, self.env.kolada
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()

    # -- runs -----------------------------------------------------------------------------------------------
    def options(self, home: Path, **kw: Any) -> RefreshOptions:
        """RefreshOptions of a demo run into ``home`` against the fakes (charts off, no notebooks)."""
        kw.setdefault("notebooks", home / "no-notebooks")
        return replace(self.env.options, home=home, **kw)

    def make_baseline(self) -> Path:
        """Two fault-free runs (online, then offline) into ``workdir/baseline``: the "previous run"."""
        home = self.workdir / "baseline"
        run_refresh(self.options(home))
        run_refresh(self.options(home, offline=True))
        self.baseline = home
        return home

    @property
    def report_year(self) -> str:
        """The report folder's name."""
        return str(max(self.years))

    def fresh_home(self, name: str, *, drop_raw: Sequence[str] = ()) -> Path:
        """A copy of the baseline project folder without the given ``data/raw`` sub-folders."""
        assert self.baseline is not None, "make_baseline() first"
        home = self.workdir / name
        if home.exists():
            shutil.rmtree(home)
        shutil.copytree(self.baseline, home)
        for sub in drop_raw:
            shutil.rmtree(home / "data" / "raw" / sub, ignore_errors=True)
        return home

    # -- what the faults need, taken at run time ---------------------------------------------------------
    def catalogue_code(self) -> tuple[str, str, str]:
        """A (table, variable, value code) the catalogue selects from a table the fake serves, for these years.

        The first data request of the build (:func:`~segindicators.catalogue.builder.plan_requests`, one per
        table) on a table the fake has, and in it the first pinned value code (not Region or time) the fake's
        metadata lists.
        """
        if self._catalogue_code is None:
            for req in plan_requests(load_catalogue(), self.kommun, self.years):
                table = self.pxweb.tables.get(req.table)
                if table is None:
                    continue
                for var in sorted(req.selection):
                    fv = table.variable(var)
                    if var in ("Region", table.time_variable) or fv is None or len(fv.codes) < 2:
                        continue
                    codes = [c for c in req.selection[var] if "*" not in c and c in fv.codes]
                    if codes:
                        self._catalogue_code = (req.table, var, sorted(codes)[0])
                        break
                if self._catalogue_code is not None:
                    break
            if self._catalogue_code is None:
                raise LookupError("no catalogue value code found on the fake's tables for these years")
        return self._catalogue_code

    def largest_selection(self) -> int:
        """Cells of the largest data selection the baseline asked for (from the SCB client's manifests)."""
        assert self.baseline is not None
        cells = [1]
        cache = RawCache(self.baseline / "data" / "raw" / "scb")
        for folder in sorted(p for p in cache.root.glob("*/*") if p.is_dir()):
            for entry in cache.entries(folder.name):
                if entry.provenance.get("what") == "manifest":
                    cells.append(int(json.loads(entry.read_bytes()).get("cells", 1)))
        return max(cells)

    def what_fails(self, stage: str) -> tuple[str, ...]:
        """Words a failure message of ``stage`` must hold: the stage's object (SCB: 'selection')."""
        return {"geometry": ("stat:", self.kommun), "fetch": ("table", "selection"), "kolada": ("kolada",)}[
            stage
        ]

    # -- one cell -------------------------------------------------------------------------------------------
    def run_cell(self, stage: str, fault: Fault) -> Cell:
        """Run the refresh with ``fault`` injected on ``stage``; check outcome, outputs and raw cache."""
        assert self.baseline is not None, "make_baseline() first"
        home = self.fresh_home(f"{stage}-{fault.id}", drop_raw=[RAW_DIRS[stage]])
        before_processed = self.baseline / "data" / "processed"
        before_reports = self.baseline / "reports" / self.report_year
        t0 = time.perf_counter()
        injected = fault.inject(self, stage)
        message, named, problems = "", True, []
        try:
            result = run_refresh(self.options(home))
            mine = [w for w in result.warnings if w.startswith(f"{stage}:") or w.lower().startswith(stage)]
            outcome = "completed with warning" if mine else "completed"
            message = mine[0] if mine else ""
        except RefreshError as exc:
            outcome = "failed"
            message = "\n".join(exc.lines())
            wanted = (f"steget {exc.stage}", *injected.names)
            missing = [w for w in wanted if w.lower() not in message.lower()]
            if missing:
                named = False
                problems.append(f"message does not name {missing}")
        except Exception as exc:  # a crash outside the stages is a finding, not a test error
            outcome, named = "crashed", False
            message = f"{type(exc).__name__}: {exc}"
            problems.append(f"crashed: {message}")
        finally:
            fired = injected.fired()
            injected.undo()
        seconds = time.perf_counter() - t0
        if not fired:
            problems.append("the fault did not fire")
        after_processed = home / "data" / "processed"
        after_reports = home / "reports" / self.report_year
        if outcome == "failed":
            diffs = outputs_match(before_processed, after_processed, exact=True)
            diffs += outputs_match(before_reports, after_reports, exact=True)
        else:
            allowed = KOLADA_OUTPUTS if (stage == "kolada" and outcome == "completed with warning") else ()
            diffs = outputs_match(before_processed, after_processed, exact=True, ignore=allowed)
            diffs += outputs_match(before_reports, after_reports, exact=False, ignore=allowed)
        diffs += leftovers(home)
        raw = raw_problems(home)
        problems += diffs + raw
        return Cell(
            stage=stage, fault=fault.id, injected=fired, outcome=outcome, message=message, named=named,
            outputs_intact=not diffs, raw_valid=not raw, seconds=seconds, problems=problems,
        )  # fmt: skip

    def run_combined(self, fault: Fault, stages: Sequence[str] = tuple(NETWORK_STAGES)) -> list[Cell]:
        """Inject ``fault`` on every stage at once and run the refresh once; one cell per stage.

        For faults the refresh is expected to survive (retried or split answers): one run instead of one per
        stage. Every stage's fault must fire and the run must complete with the fault-free run's outputs; a
        run that fails instead gives cells that are not clean (run the stages one by one to see which).
        """
        assert self.baseline is not None, "make_baseline() first"
        home = self.fresh_home(f"all-{fault.id}", drop_raw=[RAW_DIRS[s] for s in stages])
        t0 = time.perf_counter()
        injected = {stage: fault.inject(self, stage) for stage in stages}
        problems: list[str] = []
        try:
            result = run_refresh(self.options(home))
            mine = [w for w in result.warnings if w.split(":", 1)[0] in stages]
            outcome, message = ("completed with warning", mine[0]) if mine else ("completed", "")
        except RefreshError as exc:
            outcome, message = "failed", "\n".join(exc.lines())
        except Exception as exc:
            outcome, message = "crashed", f"{type(exc).__name__}: {exc}"
        finally:
            fired = {stage: inj.fired() for stage, inj in injected.items()}
            for inj in injected.values():
                inj.undo()
        seconds = time.perf_counter() - t0
        if outcome != "completed":
            problems.append(f"expected the run to complete, it {outcome}: {message}")
        diffs = outputs_match(self.baseline / "data" / "processed", home / "data" / "processed", exact=True)
        year = self.report_year
        diffs += outputs_match(self.baseline / "reports" / year, home / "reports" / year, exact=False)
        diffs += leftovers(home)
        raw = raw_problems(home)
        return [
            Cell(
                stage=stage,
                fault=fault.id,
                injected=fired[stage],
                outcome=outcome,
                message=message,
                named=outcome != "crashed",
                outputs_intact=not diffs,
                raw_valid=not raw,
                seconds=seconds,
                problems=[*problems, *diffs, *raw, *([] if fired[stage] else ["the fault did not fire"])],
            )  # fmt: skip
            for stage in stages
        ]

    def run_matrix(
        self, stages: Sequence[str] = tuple(NETWORK_STAGES), faults: Sequence[Fault] = FAULTS
    ) -> Iterator[Cell]:
        """Every stage × fault (a baseline is made first when there is none)."""
        if self.baseline is None:
            self.make_baseline()
        for stage in stages:
            for fault in faults:
                yield self.run_cell(stage, fault)


@contextmanager
def fault_lab(workdir: Path, **kw: Any) -> Iterator[FaultLab]:
    """``with fault_lab(tmp) as lab: ...``: a started :class:`FaultLab` with its baseline made."""
    with FaultLab(Path(workdir), **kw) as lab:
        lab.make_baseline()
        yield lab


def format_matrix(cells: Sequence[Cell]) -> str:
    """The matrix as a Markdown table plus a summary line (faults injected, survived, failed cleanly, intact)."""
    faults = [f.id for f in FAULTS if any(c.fault == f.id for c in cells)]
    stages = [s for s in NETWORK_STAGES if any(c.stage == s for c in cells)]
    by = {(c.stage, c.fault): c for c in cells}
    lines = ["| fault | " + " | ".join(stages) + " |", "|---|" + "---|" * len(stages)]
    titles = {f.id: f.title for f in FAULTS}
    for f in faults:
        row = [by[(s, f)].verdict if (s, f) in by else "–" for s in stages]
        lines.append(f"| {titles[f]} | " + " | ".join(row) + " |")
    n = len(cells)
    injected = sum(c.injected for c in cells)
    survived = sum(c.clean and c.outcome.startswith("completed") for c in cells)
    failed = sum(c.clean and c.outcome == "failed" for c in cells)
    intact = sum(c.outputs_intact for c in cells)
    raw = sum(c.raw_valid for c in cells)
    lines.append("")
    lines.append(
        f"faults injected {injected}/{n}, survived {survived}, failed cleanly {failed} "
        f"(survived + failed cleanly = {survived + failed}/{n}), outputs intact {intact}/{n}, "
        f"data/raw valid {raw}/{n}"
    )
    return "\n".join(lines)
