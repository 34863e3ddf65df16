"""All-or-nothing output folders for a refresh run.

A run writes everything into a fresh staging folder next to the target. Only when every stage has
succeeded is the staging folder swapped in: the previous output is renamed aside, the staging folder
renamed into place, and the old one removed. A run that fails or is killed midway leaves the previous
output untouched (at worst a stale ``.staging-*`` folder remains, which the next run removes).

Hand-written because the job is a few renames; no library does "atomic directory replace" portably.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["staged_directory"]


def _clean_stale(parent: Path, name: str) -> None:
    for stale in parent.glob(f".{name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in parent.glob(f".{name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def staged_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging folder that replaces ``target`` only if the block finishes without error.

    Parameters
    ----------
    target
        The folder the run produces (for example ``data/processed`` or ``reports/2025``).

    Yields
    ------
    Path
        An empty folder beside ``target``; write the complete new output into it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_directory(root / "out") as d:
    ...     _ = (d / "a.txt").write_text("ny")
    >>> (root / "out" / "a.txt").read_text()
    'ny'
    >>> try:
    ...     with staged_directory(root / "out") as d:
    ...         _ = (d / "a.txt").write_text("halv")
    ...         raise RuntimeError("stage failed")
    ... except RuntimeError:
    ...     pass
    >>> (root / "out" / "a.txt").read_text()
    'ny'
    """
    target = Path(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(parent, target.name)
    token = uuid.uuid4().hex[:12]
    staging = parent / f".{target.name}.staging-{token}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = parent / f".{target.name}.old-{token}"
    had_old = target.exists()
    if had_old:
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if had_old:
            os.replace(old, target)
        raise
    if had_old:
        shutil.rmtree(old, ignore_errors=True)
