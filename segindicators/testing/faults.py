"""A fault matrix for the refresh: each network stage × each fault, against the demo's fake servers.

For every cell, the real :func:`~segindicators.pipeline.refresh.run_refresh` runs for the synthetic kommun
over HTTP (the demo's wiring: :func:`~segindicators.demo.serve.demo_server`, the fake WFS and the fake
Kolada), in a project folder holding the outputs of a previous fault-free run, with one fault injected on
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

``benchmarks/fault_matrix.py`` prints the matrix; ``tests/test_refresh_faults.py`` asserts every cell.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from segindicators.catalogue.builder import plan_requests
from segindicators.catalogue.definitions import load_catalogue
from segindicators.demo.kolada import demo_kolada
from segindicators.demo.profile import demo_plan, demo_profile
from segindicators.demo.serve import demo_server
from segindicators.demo.synthetic import generate
from segindicators.geography.lookups import geo_version_for_year
from segindicators.sources.wfs import LAYERS
from segindicators.sources.http import RawCache, RetryPolicy
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.pipeline.refresh import RefreshError, RefreshOptions, run_refresh
from segindicators.tables import TABLES
from segindicators.testing.fake_wfs import FakeWfs

__all__ = [
    "FAST_RETRY",
    "FAULTS",
    "NETWORK_STAGES",
    "Cell",
    "Fault",
    "FaultLab",
    "digests",
    "format_matrix",
    "outputs_match",
]

#: The stages that talk to a server, with the fake that serves them and the route their faults target.
NETWORK_STAGES: dict[str, tuple[str, str]] = {
    "geometry": ("wfs", "/wfs"),
    "fetch": ("pxweb", "/data"),
    "kolada": ("kolada", "/data/"),
}
#: ``data/raw`` sub-folder each stage caches into (emptied before its cell, so the stage must ask again).
RAW_DIRS = {"geometry": "wfs", "fetch": "scb", "kolada": "kolada"}
#: Files of data/processed that hold Kolada values (they differ when Kolada fails, which is a warning).
KOLADA_OUTPUTS = (*TABLES["kolada"].files, *TABLES["plan_status"].files)

#: Quick retries for the matrix (same rules, short waits); ``read_timeout`` lets a delay exceed it quickly.
FAST_RETRY = RetryPolicy(
    max_tries=3, max_rate_limited=10, backoff_base=0.01, backoff_max=0.05, jitter=0.0, max_retry_after=0.05,
    read_timeout=1.0,
)  # fmt: skip


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
    inject: Callable[[FaultLab, str], Injected]


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


# ------------------------------------------------------------------------------------------- injections


def _server(lab: FaultLab, stage: str) -> tuple[Any, str]:
    which, route = NETWORK_STAGES[stage]
    return getattr(lab, which), route


def _pending_done(server: Any) -> Callable[[], bool]:
    return lambda: server.faults_pending == 0


def _status(times: Callable[[RetryPolicy], int], status: int, retry_after: str | None = None) -> Any:
    def inject(lab: FaultLab, stage: str) -> Injected:
        server, route = _server(lab, stage)
        server.fail_next(times=times(lab.retry), status=status, route=route, retry_after=retry_after)
        return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))

    return inject


def _delay(lab: FaultLab, stage: str) -> Injected:
    server, route = _server(lab, stage)
    timeout = lab.retry.read_timeout or 120.0
    server.delay_next(seconds=timeout * 2.5, times=1, route=route)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _truncate(lab: FaultLab, stage: str) -> Injected:
    server, route = _server(lab, stage)
    server.truncate_next(times=1, route=route, keep_header=True)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _invalid(lab: FaultLab, stage: str) -> Injected:
    server, route = _server(lab, stage)
    server.invalid_next(times=1, route=route)
    return Injected(_pending_done(server), server.clear_faults, lab.what_fails(stage))


def _logged_since(server: Any, test: Callable[[Any], bool]) -> Callable[[], bool]:
    start = len(server.requests)
    return lambda: any(test(r) for r in server.requests[start:])


def _vanish(lab: FaultLab, stage: str) -> Injected:
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


def _too_many_cells(lab: FaultLab, stage: str) -> Injected:
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


# ------------------------------------------------------------------------------------------- comparison


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path ({} when the folder is missing)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _xlsx_cells(path: Path) -> list[Any]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def _stable_manifest(path: Path, ignore_outputs: Sequence[str] = ()) -> dict[str, Any]:
    """What a manifest says about the outputs: parameters, versions, output hashes, report files.

    Left out: times, the run block, and the inputs with ``run_id`` (which hashes them): answers fetched
    again carry new retrieval times, and a selection the server made the client split arrives as more,
    smaller answers. The figures those inputs gave are compared through the output hashes.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    drop = ("run_started", "run_finished", "run", "run_id", "inputs")
    out = {k: v for k, v in doc.items() if k not in drop}
    out["outputs"] = {
        k: v for k, v in (doc.get("outputs") or {}).items() if k.rsplit("/", 1)[-1] not in ignore_outputs
    }
    return out


def outputs_match(before: Path, after: Path, *, exact: bool, ignore: Sequence[str] = ()) -> list[str]:
    """Differences between two output folders (empty: they match).

    Parameters
    ----------
    before, after
        ``data/processed`` or ``reports/<year>`` folders.
    exact
        Byte for byte (the previous outputs after a failed run). Otherwise the same files with the same
        content: ``manifest.json`` may differ in its run block and its inputs (see :func:`_stable_manifest`;
        its output hashes must be equal), xlsx files in their creation time (their cells must be equal).
    ignore
        File names allowed to differ or to be missing on one side (also in the manifest's output hashes).
    """
    a, b = digests(before), digests(after)
    problems = []
    for name in sorted(set(a) | set(b)):
        if name.rsplit("/", 1)[-1] in ignore or a.get(name) == b.get(name):
            continue
        if name not in a or name not in b:
            problems.append(f"{after}/{name}: {'new' if name not in a else 'missing'}")
        elif exact:
            problems.append(f"{after}/{name}: changed")
        elif name.endswith("manifest.json"):
            if _stable_manifest(before / name, ignore) != _stable_manifest(after / name, ignore):
                problems.append(f"{after}/{name}: differs beyond its run block")
        elif name.endswith(".xlsx"):
            if _xlsx_cells(before / name) != _xlsx_cells(after / name):
                problems.append(f"{after}/{name}: cells differ")
        else:
            problems.append(f"{after}/{name}: changed")
    return problems


def leftovers(home: Path) -> list[str]:
    """Staging folders, outputs moved aside and commit journals under ``home`` (none after a finished run)."""
    found = []
    for folder in (home / "data", home / "reports"):
        if folder.is_dir():
            found += [str(p) for p in folder.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    found += [str(p) for p in (home / "data").glob(".refresh-commit.json*")]
    return found


def raw_problems(home: Path) -> list[str]:
    """Every invalid entry under ``home/data/raw`` (sha256, provenance, leftovers), plus bodies that do not
    parse as what they claim to be (JSON for SCB and Kolada, GeoPackage for the WFS)."""
    out = []
    raw = home / "data" / "raw"
    for sub in sorted(p for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []:
        cache = RawCache(sub)
        out += cache.verify()
        for folder in sorted(p for p in sub.glob("*/*") if p.is_dir()):
            for entry in cache.entries(folder.name):
                body = entry.body_path.read_bytes()
                if sub.name == "wfs":
                    ok = body.startswith(b"SQLite format 3\x00")
                else:
                    try:
                        json.loads(body)
                        ok = True
                    except ValueError:
                        ok = False
                if not ok:
                    out.append(f"{entry.body_path}: not a valid {sub.name} answer")
    return out


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
    baseline: Path | None = None
    _stack: ExitStack | None = None
    _catalogue_code: tuple[str, str, str] | None = None

    def __enter__(self) -> FaultLab:
        demo = generate()
        self._stack = ExitStack()
        self.pxweb = self._stack.enter_context(demo_server(demo=demo))
        self.wfs = self._stack.enter_context(FakeWfs.from_synthetic(demo))
        self.kolada = self._stack.enter_context(demo_kolada(plan_kpis(demo_plan()), self.years))
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()

    # -- runs -----------------------------------------------------------------------------------------------
    def options(self, home: Path, **kw: Any) -> Any:
        """RefreshOptions of a demo run into ``home`` against the fakes (charts off, no notebooks)."""
        base = dict(
            kommun=self.kommun, years=self.years, base_url=self.pxweb.url, wfs_url=self.wfs.url,
            kolada_url=self.kolada.url, home=home, profile=demo_profile(), plan=demo_plan(), synthetic=True,
            charts=False, retry=self.retry, bootstrap_draws=self.bootstrap_draws,
            notebooks=home / "no-notebooks",
        )  # fmt: skip
        base.update(kw)
        return RefreshOptions(**base)

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
