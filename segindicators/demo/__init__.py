"""The offline demo: a synthetic, clearly labelled fictional municipality.

See :mod:`segindicators.demo.synthetic`. All data here are "Syntetiska exempeldata – inte officiell statistik".
"""

from segindicators.demo.synthetic import (
    AFFLUENT_AREAS,
    FOCUS_AREAS,
    KOMMUN,
    KOMMUN_NAME,
    SYNTHETIC_LABEL,
    SyntheticMunicipality,
    generate,
    write_demo_data,
)

__all__ = [
    "AFFLUENT_AREAS",
    "FOCUS_AREAS",
    "KOMMUN",
    "KOMMUN_NAME",
    "SYNTHETIC_LABEL",
    "SyntheticMunicipality",
    "generate",
    "write_demo_data",
]
