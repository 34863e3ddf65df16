"""The lookup frame from SCB's WFS layers: DeSO attributes joined to the RegSO layer's names.

SCB's DeSO layers carry ``desokod``, ``regsokod`` and ``kommunkod`` but no RegSO name; names come from the
RegSO layer's ``regsonamn``, else from a kopplingstabell (:func:`regso_names`), and a RegSO named by neither is
a :class:`RegsoNameError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from segindicators.geography.lookups.frame import check_geo_version, finish_lookup
from segindicators.sources.wfs import LAYERS

__all__ = ["RegsoNameError", "lookup_from_wfs", "regso_names"]


class RegsoNameError(ValueError):
    """A RegSO code has a name neither in the RegSO layer nor in the fallback lookup (the message says which)."""


def _layer(level: str, geo_version: str) -> str:
    return LAYERS[(level, geo_version)]


def _names(values: pd.Series) -> pd.Series:
    """Names as stripped strings; NA and empty strings become NA (an empty name is no name)."""
    out = values.astype("str").str.strip()
    return out.where(out.ne(""))


def regso_names(
    regso_attributes: pd.DataFrame | Iterable[Mapping[str, Any]] | None,
    geo_version: str,
    *,
    codes: Iterable[str] = (),
    fallback: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The name of every RegSO code, from the RegSO layer's ``regsonamn``, else from a kopplingstabell.

    Parameters
    ----------
    regso_attributes
        The attribute table of ``stat:RegSO_2020`` or ``stat:RegSO_2025`` (GeoDataFrame, DataFrame or feature
        property dicts) with ``regsokod`` and, as recorded for SCB's RegSO layers, ``regsonamn`` (a missing
        attribute or an empty value counts as no name). None: no RegSO layer, names from ``fallback`` only.
        A frame from :meth:`segindicators.sources.wfs.WfsClient.layer` carries the attributes the layer had in
        ``attrs["wfs_attributes"]``; they are what the error message reports as received.
    geo_version
        ``"2018"`` (RegSO 2020) or ``"2025"``.
    codes
        Further RegSO codes that need a name, e.g. the ``regsokod`` of the DeSO layer.
    fallback
        A lookup frame (:data:`LOOKUP_COLUMNS`), e.g. :func:`read_reference_lookups` of SCB's kopplingstabeller;
        its rows of ``geo_version`` name the codes the layer leaves without a name.

    Returns
    -------
    pandas.DataFrame
        One row per RegSO code of the layer and of ``codes``: ``regso``, ``regso_name`` and ``source``
        (``"wfs"`` or ``"kopplingstabell"``), sorted by ``regso``.

    Raises
    ------
    RegsoNameError
        If a code has a name in neither source; the message names the layer, the attribute, what was expected,
        what was received and what to do.
    ValueError
        If ``geo_version`` is unknown or the RegSO attributes have no ``regsokod``.

    Examples
    --------
    >>> layer = [{"regsokod": "0580R018", "regsonamn": "Skäggetorp-Tornby"}, {"regsokod": "0580R001", "regsonamn": ""}]
    >>> koppling = pd.DataFrame({"geo_version": ["2025"], "deso": ["0580C1020"], "regso": ["0580R001"],
    ...                          "regso_name": ["Berga"], "kommun": ["0580"], "kommun_name": ["Linköping"]})
    >>> regso_names(layer, "2025", fallback=koppling).values.tolist()
    [['0580R001', 'Berga', 'kopplingstabell'], ['0580R018', 'Skäggetorp-Tornby', 'wfs']]
    """
    check_geo_version(geo_version)
    layer = _layer("RegSO", geo_version)
    frame = pd.DataFrame(regso_attributes if regso_attributes is not None else {"regsokod": []})
    if "regsokod" not in frame.columns:
        raise ValueError(
            f"regso_attributes: WFS layer {layer} has no attribute 'regsokod'; expected 'regsokod' and 'regsonamn', "
            f"received {[c for c in frame.columns if c != 'geometry']}. Compare with a DescribeFeatureType of {layer}."
        )
    attrs = list(getattr(regso_attributes, "attrs", {}).get("wfs_attributes", []))
    attrs = attrs or [c for c in frame.columns if c != "geometry"]
    has_attribute = "regsonamn" in frame.columns and "regsonamn" in attrs
    layer_names = pd.DataFrame(
        {
            "regso": frame["regsokod"].astype("str").str.strip(),
            "regso_name": _names(frame["regsonamn"])
            if has_attribute
            else pd.Series(pd.NA, index=frame.index, dtype="str"),
        }
    )
    conflicting = layer_names.dropna().groupby("regso")["regso_name"].nunique()
    if (conflicting > 1).any():
        raise ValueError(
            f"regso_attributes: WFS layer {layer} gives several names to RegSO {conflicting[conflicting > 1].index[:5].tolist()}; "
            "expected one name per regsokod."
        )
    asked = pd.Series(list(codes), dtype="str").str.strip()
    wanted = pd.Index(pd.concat([layer_names["regso"], asked], ignore_index=True).drop_duplicates())
    by_layer = layer_names.dropna().drop_duplicates("regso").set_index("regso")["regso_name"]
    out = pd.DataFrame({"regso": wanted.astype("str")})
    out["regso_name"] = out["regso"].map(by_layer).astype("str")
    out["source"] = pd.Series("wfs", index=out.index, dtype="str").where(out["regso_name"].notna())
    if fallback is not None and out["regso_name"].isna().any():
        rows = fallback.loc[fallback["geo_version"].astype("str") == geo_version, ["regso", "regso_name"]]
        by_koppling = rows.assign(regso_name=_names(rows["regso_name"])).dropna().drop_duplicates("regso")
        filled = out["regso"].map(by_koppling.set_index("regso")["regso_name"]).astype("str")
        take = out["regso_name"].isna() & filled.notna()
        out.loc[take, "regso_name"] = filled[take]
        out.loc[take, "source"] = "kopplingstabell"
    unnamed = out.loc[out["regso_name"].isna(), "regso"].tolist()
    if unnamed:
        if regso_attributes is None:
            received = "no RegSO layer attributes"
        elif not has_attribute:
            received = f"no attribute 'regsonamn' (attributes received: {attrs})"
        else:
            in_layer = set(layer_names["regso"])
            empty = [c for c in unnamed if c in in_layer]
            absent = [c for c in unnamed if c not in in_layer]
            received = " and ".join(
                [f"'regsonamn' empty for {empty[:10]}"] * bool(empty)
                + [f"no feature for {absent[:10]} (codes asked for, e.g. the DeSO layer's regsokod)"]
                * bool(absent)
            )
        where = (
            "no fallback lookup was given"
            if fallback is None
            else f"the fallback lookup has no name for them in geo_version {geo_version!r}"
        )
        raise RegsoNameError(
            f"RegSO name(s) missing for {len(unnamed)} code(s) {unnamed[:10]} (geo_version {geo_version!r}): WFS layer "
            f"{layer}, attribute 'regsonamn': expected a non-empty name per regsokod, received {received}; "
            f"{where}. Pass fallback=read_reference_lookups(DIR) with SCB's kopplingstabeller "
            "(koppling-deso2018-regso2020.csv, koppling-deso2025-regso2025.csv), or check the layer with a "
            f"DescribeFeatureType of {layer}."
        )
    return out.sort_values("regso", kind="mergesort").reset_index(drop=True)


def lookup_from_wfs(
    attributes: pd.DataFrame | Iterable[Mapping[str, Any]],
    geo_version: str,
    kommun_names: Mapping[str, str] | None = None,
    *,
    regso_attributes: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    fallback: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the lookup frame from SCB's DeSO WFS layer, with RegSO names from the RegSO layer.

    SCB's DeSO layers carry ``desokod``, ``regsokod`` and ``kommunkod`` but no RegSO name (recorded
    DescribeFeatureType, see :data:`segindicators.sources.wfs.DESO_ATTRIBUTES`); names come from the RegSO layer,
    joined on ``regsokod``, else from ``fallback`` (see :func:`regso_names`).

    Parameters
    ----------
    attributes
        The attribute table of ``stat:DeSO_2018`` or ``stat:DeSO_2025`` (a GeoDataFrame, DataFrame or list of
        feature property dicts) with ``desokod``, ``regsokod``, ``kommunkod``. Other attributes and the geometry
        are ignored (a ``regsonamn`` here too: SCB's DeSO layers have none).
    geo_version
        ``"2018"`` or ``"2025"``: which layers the attributes came from.
    kommun_names
        Optional kommun code → name; where it has no name, the fallback lookup's ``kommun_name`` is used.
    regso_attributes
        The attribute table of the matching RegSO layer (``stat:RegSO_2020`` / ``stat:RegSO_2025``): ``regsokod``
        and ``regsonamn``.
    fallback
        A lookup frame, e.g. :func:`read_reference_lookups` of SCB's kopplingstabeller, for RegSO names the
        RegSO layer lacks.

    Returns
    -------
    pandas.DataFrame
        The lookup frame, every ``regso_name`` set; ``kommun_name`` is NA where neither source gives it.

    Raises
    ------
    ValueError
        If ``geo_version`` is unknown or a required DeSO attribute is missing (naming the layer and the
        attributes received).
    RegsoNameError
        If a RegSO has a name in neither the RegSO layer nor ``fallback``.

    Examples
    --------
    >>> deso = [{"desokod": "0580C1230", "regsokod": "0580R018", "kommunkod": "0580"}]
    >>> regso = [{"regsokod": "0580R018", "regsonamn": "Skäggetorp-Tornby"}]
    >>> out = lookup_from_wfs(deso, "2018", {"0580": "Linköping"}, regso_attributes=regso)
    >>> out[["deso", "regso", "regso_name", "kommun_name"]].values.tolist()
    [['0580C1230', '0580R018', 'Skäggetorp-Tornby', 'Linköping']]
    """
    check_geo_version(geo_version)
    frame = pd.DataFrame(attributes)
    required = ["desokod", "regsokod", "kommunkod"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"attributes: WFS layer {_layer('DeSO', geo_version)} lacks attribute(s) {missing}; expected {required}, "
            f"received {[c for c in frame.columns if c != 'geometry']}. SCB may have changed the layer: compare "
            "with its DescribeFeatureType."
        )
    out = pd.DataFrame(
        {
            "geo_version": geo_version,
            "deso": frame["desokod"].astype("str").str.strip(),
            "regso": frame["regsokod"].astype("str").str.strip(),
            "kommun": frame["kommunkod"].astype("str").str.strip(),
        }
    )
    names = regso_names(regso_attributes, geo_version, codes=out["regso"], fallback=fallback)
    out["regso_name"] = out["regso"].map(names.set_index("regso")["regso_name"])
    kommun_name = out["kommun"].map(dict(kommun_names or {})).astype("str")
    if fallback is not None and kommun_name.isna().any():
        known = (
            fallback.dropna(subset=["kommun_name"])
            .drop_duplicates("kommun")
            .set_index("kommun")["kommun_name"]
        )
        kommun_name = kommun_name.fillna(out["kommun"].map(known).astype("str"))
    out["kommun_name"] = kommun_name
    return finish_lookup(out, source=f"WFS {_layer('DeSO', geo_version)} + {_layer('RegSO', geo_version)}")
