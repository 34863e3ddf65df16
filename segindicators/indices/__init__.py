"""Segregation indices: citywide, local (incl. ICE), nested decomposition, inference and change over time.

All functions take a long counts frame (one row per areal unit × ``by`` keys) and compute every segment
(e.g. kommun × year) in one vectorised numpy pass; the kernels are plain functions in
:mod:`segindicators.indices.kernels`, registered by name in ``TWO_GROUP`` and ``MULTIGROUP``.
"""

from segindicators.indices.change import change_decomposition, ipf
from segindicators.indices.citywide import segregation_indices
from segindicators.indices.decomposition import nested_theil
from segindicators.indices.inference import bootstrap_indices
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP
from segindicators.indices.local import ice, ice_summary, local_indices

__all__ = [
    "MULTIGROUP",
    "TWO_GROUP",
    "bootstrap_indices",
    "change_decomposition",
    "ice",
    "ice_summary",
    "ipf",
    "local_indices",
    "nested_theil",
    "segregation_indices",
]
