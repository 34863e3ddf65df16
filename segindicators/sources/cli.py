"""What the service commands share (``segindicators scb …``, ``segindicators kolada …``).

Their ``--base-url``, ``--cache-dir`` and ``--offline`` options, and the check of the first two before any
cache or server is asked anything. A command module of the ``apps`` layer, like every ``cli.py``: it uses
:mod:`segindicators.checks`, which the clients below it may not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from segindicators import checks

__all__ = ["Offline", "base_url_option", "cache_dir_option", "check_service_options"]

#: ``--offline``: answer only from the raw cache.
Offline = Annotated[bool, typer.Option("--offline", help="Answer only from the cache (no HTTP).")]


def base_url_option(api: str) -> Any:
    """The ``--base-url`` option of a service command, ``api`` naming the root (``"Kolada API v3"``)."""
    return Annotated[str, typer.Option("--base-url", help=f"{api} root.")]


def cache_dir_option(folder: str) -> Any:
    """The ``--cache-dir`` option of a service command, defaulting to ``data/raw/<folder>``."""
    return Annotated[
        Path | None, typer.Option("--cache-dir", help=f"Raw cache folder (default data/raw/{folder}).")
    ]


def check_service_options(base_url: str, cache_dir: Path | None) -> None:
    """Check ``--base-url`` and ``--cache-dir`` (without one, the project folder the cache goes under).

    Raises
    ------
    segindicators.errors.UsageError
        Naming the option, what was expected and what was given.
    """
    checks.check_url(base_url, "--base-url")
    checks.check_folder(cache_dir, "--cache-dir")
    if cache_dir is None:
        checks.check_home(None)
