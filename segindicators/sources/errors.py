"""The one error base of the external-service clients.

``SourceError`` is a :class:`segindicators.errors.Failure` (exit code 1, one message, no traceback without
``--debug``): the service, the network or the cache failed, not the command line. ``CacheMiss`` is the
offline case: the answer was asked for with ``offline=True`` (or ``--offline``) and is not in ``data/raw/``.

Each client keeps its own subclass (``HttpError``, ``ScbError``, ``KoladaError``, ``WfsError`` and their
``…CacheMiss``), so a message can still say which service failed, and a caller that only cares whether a
service failed catches ``SourceError``.

Examples
--------
>>> from segindicators.sources.scb import ScbCacheMiss, ScbError
>>> from segindicators.sources.kolada import KoladaError
>>> from segindicators.sources.wfs import WfsCacheMiss
>>> from segindicators.sources.http import HttpError
>>> all(issubclass(e, SourceError) for e in (ScbError, KoladaError, WfsCacheMiss, HttpError))
True
>>> issubclass(ScbCacheMiss, CacheMiss) and issubclass(WfsCacheMiss, CacheMiss)
True
"""

from __future__ import annotations

from segindicators.errors import Failure

__all__ = ["CacheMiss", "SourceError"]


class SourceError(Failure, RuntimeError):
    """An external service (SCB PxWebApi, SCB WFS, Kolada), the network or the response cache failed."""


class CacheMiss(SourceError):
    """An answer asked for offline is not in the cache; run once online (without ``--offline``) first."""
