"""``segindicators.scb``: the name the data contracts of ``../shared/DESIGN.md`` use for the SCB client.

The code lives in :mod:`segindicators.sources.scb` (every external service under :mod:`segindicators.sources`);
this module only re-exports its public names, so ``segindicators.scb.ScbClient(...)`` and
``segindicators.scb.read_export_csv(path)`` keep working. New code imports from ``segindicators.sources.scb``.

>>> import segindicators.scb, segindicators.sources.scb
>>> segindicators.scb.ScbClient is segindicators.sources.scb.ScbClient
True
"""

from segindicators.sources.scb import *  # noqa: F403  (the re-export is this module's whole job)
from segindicators.sources.scb import __all__  # noqa: F401
