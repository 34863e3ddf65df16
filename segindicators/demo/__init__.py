"""The offline demo: a synthetic, clearly labelled fictional municipality.

:mod:`segindicators.demo.synthetic` generates it (from :mod:`~segindicators.demo.areas`,
:mod:`~segindicators.demo.model`, :mod:`~segindicators.demo.panel` and :mod:`~segindicators.demo.geometry`);
:mod:`~segindicators.demo.serve` and :mod:`~segindicators.demo.kolada` serve it as SCB and Kolada would;
:func:`segindicators.demo.environment.demo_environment` starts those servers and aims a refresh at them.
All data here are "Syntetiska exempeldata – inte officiell statistik".
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
