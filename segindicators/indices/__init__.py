"""Segregation indices: citywide, local (incl. ICE), nested decomposition, inference and change over time.

All functions take a long counts frame (one row per areal unit × ``by`` keys) and compute every segment
(e.g. kommun × year) in one vectorised numpy pass; the kernels are plain functions in
:mod:`segindicators.indices.kernels`, registered by name in ``TWO_GROUP`` and ``MULTIGROUP``.

The Mutual Information Index M (``mutual_information``; Theil 1971; Mora & Ruiz-Castillo 2011) sits next to
Theil's H (M = H · E): :func:`nested_mutual_information` splits it into between- and within-RegSO parts and
:func:`mutual_local` into per-area and per-group scores, each an exact identity. Small units bias D, H and M
upwards: :func:`bootstrap_indices` reports every index raw (``value``) and bootstrap bias-corrected
(``value_bias_corrected`` = 2 · value − mean of the draws, as Elbers's R package ``segregation`` does), with
the bias, both intervals and the value expected under random allocation; :func:`bootstrap_nested` does the
same for the decomposition. :func:`bootstrap_draws` returns the replicates themselves (:class:`IndexDraws`,
the same random numbers as ``bootstrap_indices``) for statistics over many segments per draw, e.g. ranks.
"""

from segindicators.indices.change import change_decomposition, ipf
from segindicators.indices.citywide import segregation_indices
from segindicators.indices.decomposition import (
    mutual_within,
    nested_decomposition,
    nested_mutual_information,
    nested_theil,
)
from segindicators.indices.draws import IndexDraws, bootstrap_draws, concat_draws
from segindicators.indices.inference import bootstrap_indices, bootstrap_nested
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP
from segindicators.indices.local import ice, ice_summary, local_indices, mutual_local

__all__ = [
    "MULTIGROUP",
    "TWO_GROUP",
    "IndexDraws",
    "bootstrap_draws",
    "bootstrap_indices",
    "bootstrap_nested",
    "change_decomposition",
    "concat_draws",
    "ice",
    "ice_summary",
    "ipf",
    "local_indices",
    "mutual_local",
    "mutual_within",
    "nested_decomposition",
    "nested_mutual_information",
    "nested_theil",
    "segregation_indices",
]
