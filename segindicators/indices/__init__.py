"""Segregation indices: citywide, local (incl. ICE), nested decomposition, inference and change over time.

All functions take a long counts frame (one row per areal unit × ``by`` keys) and compute every segment
(e.g. kommun × year) in one vectorised numpy pass; the kernels are plain functions in
:mod:`segindicators.indices.kernels`, registered by name in ``TWO_GROUP`` and ``MULTIGROUP``.
"""

from segindicators.indices.citywide import segregation_indices
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP

__all__ = ["MULTIGROUP", "TWO_GROUP", "segregation_indices"]
