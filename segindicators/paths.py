"""Where the project's data folders are.

The data root is ``$SEGINDICATORS_HOME`` when set, else the current working directory; under it live
``data/raw`` (immutable SCB responses), ``data/processed`` (rebuilt tables) and ``reports/<year>``; the
national run (``refresh --national``) writes ``data/national`` and ``reports/national/<year>``, so it never
replaces a municipality's outputs.
No path is derived from the location of the package source, so an installed package works from any
project folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "SEGINDICATORS_HOME"


def project_home(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the project root that holds ``data/`` and ``reports/``.

    Parameters
    ----------
    home
        Explicit root; when None, ``$SEGINDICATORS_HOME`` or else the current directory.
    """
    if home is not None:
        return Path(home)
    env = os.environ.get(ENV_HOME)
    return Path(env) if env else Path.cwd()


def raw_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/data/raw``: responses exactly as received, never rewritten."""
    return project_home(home) / "data" / "raw"


def processed_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/data/processed``: tidy tables rebuilt from raw."""
    return project_home(home) / "data" / "processed"


def reports_dir(year: int, home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/reports/<year>``: exported charts, spreadsheets and executed notebooks."""
    return project_home(home) / "reports" / str(year)


def national_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/data/national``: the tables of every municipality (``refresh --national``)."""
    return project_home(home) / "data" / "national"


def national_reports_dir(year: int, home: str | os.PathLike[str] | None = None) -> Path:
    """``<home>/reports/national/<year>``: the national run's workbook, chart sets and manifest."""
    return project_home(home) / "reports" / "national" / str(year)


#: File that marks a data/processed (or reports/<year>) folder as holding the synthetic demo's data.
SYNTHETIC_MARKER = "SYNTETISKA_DATA.txt"


def is_synthetic(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` carries :data:`SYNTHETIC_MARKER` (the refresh writes it for synthetic runs)."""
    return (Path(folder) / SYNTHETIC_MARKER).is_file()
