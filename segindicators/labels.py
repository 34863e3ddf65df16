"""Labels shared by every layer (lowest layer: imports nothing from segindicators).

:data:`SYNTHETIC_LABEL` marks synthetic demo data wherever it is shown or written (charts, tables, Kolada
values of the fake server, the manifest); :mod:`segindicators.demo.synthetic` re-exports it.
"""

from __future__ import annotations

__all__ = ["SYNTHETIC_LABEL"]

#: The label every synthetic figure, table and file carries.
SYNTHETIC_LABEL = "Syntetiska exempeldata – inte officiell statistik"
