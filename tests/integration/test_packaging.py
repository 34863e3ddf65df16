"""environment.yml (analysts, conda-forge) and pyproject.toml (pip, CI) must list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# conda-forge package names that differ from the PyPI distribution names
CONDA_TO_PYPI: dict[str, str] = {}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> tuple[set[str], set[str]]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    optional = {_name(r) for key in ("test", "notebooks") for r in extras[key]}
    return runtime, optional


def _environment() -> set[str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            n = _name(dep)
            if n not in {"python", "pip"}:
                names.add(CONDA_TO_PYPI.get(n, n))
    return names


def test_environment_and_pyproject_list_the_same_dependencies():
    runtime, optional = _pyproject()
    conda = _environment()
    assert conda == runtime | optional, (
        f"only in environment.yml: {sorted(conda - runtime - optional)}; "
        f"only in pyproject.toml: {sorted((runtime | optional) - conda)}"
    )


def test_jupyterlab_is_part_of_the_analyst_setup():
    _, optional = _pyproject()
    assert "jupyterlab" in optional and "jupyterlab" in _environment()


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip_sections and "-e ." in pip_sections[0]
