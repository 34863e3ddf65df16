"""DeSO → RegSO → kommun lookups, normalised to one frame for both geography versions.

SCB publishes the relation between its statistical areas in three shapes, all turned into the same
*lookup frame* here:

* the kopplingstabeller (CSV), one per version, whose column names differ between versions
  (``Kommun,Kommunnamn,DeSO_2018,RegSO_2020,RegSOkod_2020`` vs
  ``DeSO_2025,RegSOkod_2025,RegSO_2025,Kommun,Kommunnamn``) and which may start with a UTF-8 BOM
  (:func:`read_kopplingstabell`);
* the attributes of the WFS layers: ``desokod``, ``regsokod``, ``kommunkod`` of ``stat:DeSO_2018`` /
  ``stat:DeSO_2025`` (SCB's DeSO layers carry no RegSO name), joined on ``regsokod`` to ``regsonamn`` of
  ``stat:RegSO_2020`` / ``stat:RegSO_2025``, with a kopplingstabell as fallback for names the RegSO layer lacks
  (:func:`lookup_from_wfs`, :func:`regso_names`);
* a PxWebApi v2 codelist for RegSO (``/codelists/vs_RegSO2025`` or an aggregation codelist), whose codes carry
  a ``_RegSO2025`` suffix and whose labels read ``0580R001 Linköping (Berga)`` (:func:`lookup_from_codelist`).

One module per shape (:mod:`~segindicators.geography.lookups.kopplingstabell`,
:mod:`~segindicators.geography.lookups.from_wfs`, :mod:`~segindicators.geography.lookups.from_codelist`), all
ending in :mod:`~segindicators.geography.lookups.frame`; every name is importable from this package.

The lookup frame has the columns of :data:`LOOKUP_COLUMNS`, all strings: ``geo_version`` (``"2018"`` =
DeSO 2018 / RegSO 2020, used for years ≤ 2023; ``"2025"`` = DeSO 2025 / RegSO 2025, years ≥ 2024), ``deso``,
``regso``, ``regso_name``, ``kommun``, ``kommun_name``. Functions here are pure: fetching (HTTP, WFS) and
caching under ``data/raw`` belong to the SCB client, which hands the payload to these builders.
"""

from segindicators.geography.lookups.frame import (
    GEO_VERSIONS,
    LOOKUP_COLUMNS,
    geo_version_for_year,
    geo_version_from_region_version,
    validate_lookup,
)
from segindicators.geography.lookups.from_codelist import lookup_from_codelist
from segindicators.geography.lookups.from_wfs import RegsoNameError, lookup_from_wfs, regso_names
from segindicators.geography.lookups.kopplingstabell import read_kopplingstabell, read_reference_lookups

__all__ = [
    "LOOKUP_COLUMNS",
    "GEO_VERSIONS",
    "read_kopplingstabell",
    "read_reference_lookups",
    "lookup_from_wfs",
    "regso_names",
    "RegsoNameError",
    "lookup_from_codelist",
    "validate_lookup",
    "geo_version_for_year",
    "geo_version_from_region_version",
]
