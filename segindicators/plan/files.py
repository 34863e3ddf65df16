"""The plan folder: plans and measures registers shipped with the package, by name, or any YAML file.

Shipped files live in ``segindicators/plan/plans/``: ``<name>.yaml`` is a plan, ``<name>_measures.yaml`` a
measures register. :func:`read_plan_yaml` reads either kind from a path or a shipped name (a bare name without
suffix or folder that is not an existing file), so :func:`~segindicators.plan.definition.load_plan` and
:func:`~segindicators.plan.measures.load_register` resolve names and report missing or malformed files the
same way.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from segindicators._io import read_yaml

__all__ = ["read_plan_yaml", "shipped_names"]

Kind = Literal["plan", "register"]


def _folder() -> Traversable:
    return resources.files("segindicators.plan") / "plans"


def shipped_names(kind: Kind) -> list[str]:
    """Names of the shipped plans (``kind="plan"``) or measures registers (``"register"``), sorted.

    Examples
    --------
    >>> "linkoping_2023" in shipped_names("plan"), "linkoping_2023_measures" in shipped_names("register")
    (True, True)
    """
    names = sorted(f.name[:-5] for f in _folder().iterdir() if f.name.endswith(".yaml"))
    return [n for n in names if ("measures" in n) == (kind == "register")]


def read_plan_yaml(path: str | os.PathLike[str], kind: Kind, error: type[Exception]) -> Any:
    """The parsed YAML of a plan or register file, or of the shipped one named ``path``.

    Raises
    ------
    error
        If ``path`` is neither an existing file nor a shipped name (the message lists the shipped ones), or
        the file is not valid YAML.
    """
    p = Path(path)
    if not p.exists() and p.suffix == "" and p.parent == Path("."):
        shipped = _folder() / f"{p.name}.yaml"
        if not shipped.is_file():
            raise error(
                f"{kind} {str(path)!r}: no such file and no shipped {kind} of that name; shipped {kind}s are "
                f"{shipped_names(kind)}."
            )
        return read_yaml(shipped, what=kind, error=error)
    return read_yaml(p, what=kind, error=error)
