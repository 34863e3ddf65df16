"""The package's own import graph: layers, no upward import, no cycle, no hidden function-local imports.

Every module of ``segindicators`` is parsed with :mod:`ast`; every ``import``/``from … import`` of a
``segindicators`` module counts, at module level, under ``if TYPE_CHECKING:`` and inside functions alike
(a function-local import still couples the two modules; it only hides the coupling until the call).

Layers, lowest first (a module may import its own layer's other units and the layers below, never above)::

    base      segindicators (root), _io, errors, paths, labels
    sources   sources (http, scb, kolada, wfs), scb         clients of the services, their parsers, one error base;
              (``segindicators.scb`` re-exports ``sources.scb`` for the DESIGN contracts)
    areas     geography, catalogue, checks                areas, indicator definitions, table checks
    indices   indices
    analysis  typology, plan
    charts    charts
    report    report
    pipeline  pipeline                                    the refresh: STAGES, run context, stage adapters
    fakes     testing                                     fake services built from recorded answers
    demo      demo                                        the synthetic municipality and the demo servers
    apps      cli, __main__, workspace, every */cli.py, testing.faults, testing.kill

Where the command-line modules belong. Each ``<package>/cli.py`` sits next to the domain code it drives,
so a newcomer finds ``segindicators charts`` in ``charts/cli.py``; but a command composes several layers
(``charts`` draws the charts *and* writes the report, ``kolada`` reads the plan, ``refresh`` reads the
demo's years), so it cannot live in its domain's layer. They are the ``apps`` layer wherever they sit:
nothing below ``apps`` may import a ``cli`` module. Moving them into one ``cli/`` folder would say the same
with more churn and lose the "next to its domain" rule. The same holds for the two harness modules of
``testing`` (``faults``: faults injected into a whole refresh; ``kill``: a refresh killed mid-run), which
drive the pipeline and the demo; the rest of ``testing`` (the fake servers) sits below the demo that uses
it.

Cycles are checked between units (the names in the table; ``sources.<service>`` and the ``apps`` modules
are their own units): within a layer two units may import each other's modules only one way.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segindicators

ROOT = Path(segindicators.__file__).parent

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("base", frozenset({"<root>", "_io", "errors", "paths", "labels", "tables"})),
    ("sources", frozenset({"sources", "scb", "sources.http", "sources.scb", "sources.kolada", "sources.wfs"})),
    ("areas", frozenset({"geography", "catalogue", "checks"})),
    ("indices", frozenset({"indices"})),
    ("analysis", frozenset({"typology", "plan"})),
    ("charts", frozenset({"charts"})),
    ("report", frozenset({"report"})),
    ("pipeline", frozenset({"pipeline"})),
    ("fakes", frozenset({"testing"})),
    ("demo", frozenset({"demo"})),
    ("apps", frozenset({"cli", "__main__", "workspace"})),
)
#: The service clients under ``sources/``: each its own unit (``sources.errors`` is the shared base, unit ``sources``).
SERVICES = frozenset({"http", "scb", "kolada", "wfs"})
RANK = {unit: i for i, (_, units) in enumerate(LAYERS) for unit in units}
#: Modules of a domain folder that are application code (see the module docstring).
HARNESS = frozenset({"segindicators.testing.faults", "segindicators.testing.kill"})


@dataclass(frozen=True)
class Edge:
    """One import statement of a segindicators module by a segindicators module."""

    source: str
    target: str
    lineno: int
    local: bool  # inside a function
    comment: str  # the comments on the statement's lines and the line above, if any

    def __str__(self) -> str:
        where = "function-local " if self.local else ""
        return f"{self.source}:{self.lineno} {where}imports {self.target}"


def unit(module: str) -> str:
    """The unit of a module (a key of :data:`RANK`).

    >>> unit("segindicators.charts.cli"), unit("segindicators.sources.wfs"), unit("segindicators")
    ('cli', 'sources.wfs', '<root>')
    """
    parts = module.split(".")[1:]
    if not parts:
        return "<root>"
    if parts[-1] == "cli" or module in HARNESS:
        return "cli"
    if parts[0] == "sources" and len(parts) > 1 and parts[1] in SERVICES:
        return "sources." + parts[1]
    return parts[0]


def _module_name(path: Path) -> tuple[str, str]:
    """Module name and the package relative imports start from."""
    parts = ("segindicators", *path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        name = ".".join(parts[:-1])
        return name, name
    return ".".join(parts), ".".join(parts[:-1])


def _comments(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string
    return out


@cache
def edges() -> tuple[Edge, ...]:
    """Every import of a segindicators module in the package."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        module, package = _module_name(path)
        tree = ast.parse(source)
        comments = _comments(source)
        local_nodes: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                local_nodes.update(id(n) for n in ast.walk(node) if n is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    if node.module:
                        targets = [f"{base}.{node.module}"]
                    else:
                        targets = [f"{base}.{a.name}" for a in node.names]
                else:
                    targets = [node.module or ""]
            else:
                continue
            lines = range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)  # and the line above
            comment = " ".join(comments[i] for i in lines if i in comments)
            for target in targets:
                if target == "segindicators" or target.startswith("segindicators."):
                    out.append(Edge(module, target, node.lineno, id(node) in local_nodes, comment))
    return tuple(out)


def test_every_unit_has_a_layer():
    units = {unit(e.source) for e in edges()} | {unit(e.target) for e in edges()}
    assert units <= set(RANK), f"units without a layer: {sorted(units - set(RANK))}"


def test_no_upward_import():
    upward = [
        f"{e} ({unit(e.source)} is layer {LAYERS[RANK[unit(e.source)]][0]}, {unit(e.target)} is layer "
        f"{LAYERS[RANK[unit(e.target)]][0]})"
        for e in edges()
        if RANK[unit(e.target)] > RANK[unit(e.source)]
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_cycle_between_units():
    graph: dict[str, set[str]] = {}
    for e in edges():
        a, b = unit(e.source), unit(e.target)
        if a != b:
            graph.setdefault(a, set()).add(b)
    cycles = []
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles between units:\n" + "\n".join(cycles)


def test_function_local_imports_say_why():
    """A function-local import of a segindicators module must say, in a comment, why it is deferred.

    The only accepted reason is a heavy optional dependency the imported module pulls in (matplotlib,
    geopandas, papermill, python-docx, …): the import waits until the function that needs it runs.
    """
    silent = [str(e) for e in edges() if e.local and "heavy" not in e.comment]
    assert not silent, "function-local imports without a comment naming the heavy dependency:\n" + "\n".join(
        silent
    )


def test_the_pipeline_is_imported_by_applications_only():
    users = sorted(
        {e.source for e in edges() if unit(e.target) == "pipeline" and unit(e.source) != "pipeline"}
    )
    assert all(RANK[unit(u)] > RANK["pipeline"] for u in users), users
