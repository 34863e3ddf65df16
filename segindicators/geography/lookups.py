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

The lookup frame has the columns of :data:`LOOKUP_COLUMNS`, all strings: ``geo_version`` (``"2018"`` =
DeSO 2018 / RegSO 2020, used for years ≤ 2023; ``"2025"`` = DeSO 2025 / RegSO 2025, years ≥ 2024), ``deso``,
``regso``, ``regso_name``, ``kommun``, ``kommun_name``. Functions here are pure: fetching (HTTP, WFS) and
caching under ``data/raw`` belong to the SCB client, which hands the payload to these builders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators.geography.labels import parse_regso_label
from segindicators.sources.wfs import LAYERS

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

#: Columns of the normalised lookup frame, in order.
LOOKUP_COLUMNS: tuple[str, ...] = ("geo_version", "deso", "regso", "regso_name", "kommun", "kommun_name")

#: Geography versions: DeSO 2018 pairs with RegSO 2020, DeSO 2025 with RegSO 2025.
GEO_VERSIONS: dict[str, dict[str, str]] = {
    "2018": {"deso_codelist": "vs_DeSO2018", "regso_codelist": "vs_RegSO2020", "regso_suffix": "_RegSO2020"},
    "2025": {"deso_codelist": "vs_DeSO2025", "regso_codelist": "vs_RegSO2025", "regso_suffix": "_RegSO2025"},
}

# Column names of SCB's two kopplingstabeller → normalised names.
_KOPPLING_LAYOUTS: dict[str, dict[str, str]] = {
    "2018": {
        "DeSO_2018": "deso",
        "RegSOkod_2020": "regso",
        "RegSO_2020": "regso_name",
        "Kommun": "kommun",
        "Kommunnamn": "kommun_name",
    },
    "2025": {
        "DeSO_2025": "deso",
        "RegSOkod_2025": "regso",
        "RegSO_2025": "regso_name",
        "Kommun": "kommun",
        "Kommunnamn": "kommun_name",
    },
}

_DESO_CODE = re.compile(r"^\d{4}[ABC]\d{4}$")
_REGSO_CODE = re.compile(r"^\d{4}R\d{3}$")
_KOMMUN_CODE = re.compile(r"^\d{4}$")
_CODELIST_SUFFIX = re.compile(r"_(?P<kind>DeSO|RegSO)(?P<year>\d{4})$")
_CODE_LABEL = re.compile(r"^\s*(?P<code>\d{4}R\d{3})\s+(?P<rest>.+?)\s*$")


def geo_version_for_year(year: int) -> str:
    """Return the geography version SCB publishes a reference year in.

    DeSO 2018 / RegSO 2020 cover reference years up to 2023; DeSO 2025 / RegSO 2025 from 2024.

    Examples
    --------
    >>> geo_version_for_year(2023), geo_version_for_year(2024)
    ('2018', '2025')
    """
    return "2018" if int(year) <= 2023 else "2025"


def geo_version_from_region_version(region_version: pd.Series) -> pd.Series:
    """Map the SCB client's ``region_version`` (codelist suffix) to the lookup's ``geo_version``.

    ``DeSO2018``/``RegSO2020`` → ``"2018"``, ``DeSO2025``/``RegSO2025`` → ``"2025"``; a leading ``_`` or
    ``vs_`` is ignored. Anything else raises.

    Raises
    ------
    ValueError
        Listing the unknown values.

    Examples
    --------
    >>> geo_version_from_region_version(pd.Series(["DeSO2025", "_RegSO2020", "vs_DeSO2018"])).tolist()
    ['2025', '2018', '2018']
    """
    table = {"DeSO2018": "2018", "RegSO2020": "2018", "DeSO2025": "2025", "RegSO2025": "2025"}
    key = region_version.astype("str").str.replace(r"^(?:vs_|_)", "", regex=True)
    out = key.map(table)
    bad = region_version[out.isna()]
    if len(bad):
        raise ValueError(
            f"region_version: unknown value(s) {bad.drop_duplicates().head(5).tolist()}; expected one of {sorted(table)}."
        )
    return out.astype("str")


def _finish(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    out = frame.loc[:, list(LOOKUP_COLUMNS)].copy()
    for col in LOOKUP_COLUMNS:
        out[col] = out[col].astype("str").str.strip()
    out = out.sort_values(["geo_version", "deso"], na_position="last").reset_index(drop=True)
    validate_lookup(out, source=source)
    return out


def read_kopplingstabell(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read one of SCB's DeSO–RegSO kopplingstabeller (CSV) into the normalised lookup frame.

    The version is recognised from the header: ``DeSO_2018`` / ``RegSOkod_2020`` → ``"2018"``,
    ``DeSO_2025`` / ``RegSOkod_2025`` → ``"2025"``. A UTF-8 BOM is removed; all codes are read as text
    (``"0114"`` keeps its leading zero).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        The lookup frame (:data:`LOOKUP_COLUMNS`), sorted by ``deso``.

    Raises
    ------
    ValueError
        If the header matches neither layout (the message lists the columns found and expected), or
        the content fails :func:`validate_lookup`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "k.csv"
    >>> _ = p.write_bytes("\\ufeffDeSO_2025,RegSOkod_2025,RegSO_2025,Kommun,Kommunnamn\\r\\n"
    ...                   "0580C1191,0580R011,Vasastaden,0580,Linköping\\r\\n".encode())
    >>> read_kopplingstabell(p).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'geo_version': '2025', 'deso': '0580C1191', 'regso': '0580R011', 'regso_name': 'Vasastaden',
     'kommun': '0580', 'kommun_name': 'Linköping'}
    """
    file = Path(path)
    raw = pd.read_csv(file, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    for version, layout in _KOPPLING_LAYOUTS.items():
        if set(layout) <= set(raw.columns):
            frame = raw.rename(columns=layout)
            frame["geo_version"] = version
            return _finish(frame, source=str(file))
    expected = " or ".join(",".join(layout) for layout in _KOPPLING_LAYOUTS.values())
    raise ValueError(
        f"{file}: unrecognised kopplingstabell header {list(raw.columns)!r}; expected the columns {expected}. "
        "Download the table from SCB's DeSO/RegSO page without renaming its columns."
    )


def read_reference_lookups(lookups_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Read every ``koppling-*.csv`` in a folder and stack them into one lookup frame (both versions).

    Parameters
    ----------
    lookups_dir
        Folder holding SCB kopplingstabeller, e.g. ``../shared/reference/lookups``.

    Raises
    ------
    FileNotFoundError
        If the folder holds no ``koppling-*.csv``.
    ValueError
        If two files carry the same geography version.
    """
    folder = Path(lookups_dir)
    files = sorted(folder.glob("koppling-*.csv"))
    if not files:
        raise FileNotFoundError(
            f"{folder}: no koppling-*.csv found; expected SCB's kopplingstabeller "
            "(koppling-deso2018-regso2020.csv, koppling-deso2025-regso2025.csv)."
        )
    frames = [read_kopplingstabell(f) for f in files]
    versions = [f["geo_version"].iloc[0] for f in frames]
    if len(set(versions)) != len(versions):
        raise ValueError(
            f"{folder}: several files for the same geography version: {dict(zip([f.name for f in files], versions, strict=True))}"
        )
    return pd.concat(frames, ignore_index=True)


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
    _check_version(geo_version)
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
    _check_version(geo_version)
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
    return _finish(out, source=f"WFS {_layer('DeSO', geo_version)} + {_layer('RegSO', geo_version)}")


def lookup_from_codelist(payload: Mapping[str, Any], geo_version: str | None = None) -> pd.DataFrame:
    """Build the lookup frame from a PxWebApi v2 RegSO codelist (``GET /codelists/{id}`` JSON).

    Each entry of ``payload["values"]`` has a ``code`` such as ``0580R001_RegSO2025`` and a ``label`` such as
    ``0580R001 Linköping (Berga)`` (the label's leading code is optional). If the entry has a ``valueMap``
    (aggregation codelists map a RegSO to its DeSO, shaped like ``agg_Ålder10årJ``), one row per DeSO is
    produced; otherwise ``deso`` is NA (a RegSO-only lookup).

    Parameters
    ----------
    payload
        The codelist JSON as parsed by the SCB client.
    geo_version
        ``"2018"`` or ``"2025"``; inferred from the ``_RegSO2020``/``_RegSO2025`` code suffix if omitted.

    Returns
    -------
    pandas.DataFrame
        The lookup frame.

    Raises
    ------
    ValueError
        If the version cannot be inferred or contradicts the suffix, or a code or label cannot be parsed.

    Examples
    --------
    >>> payload = {"id": "vs_RegSO2025", "values": [
    ...     {"code": "0580R001_RegSO2025", "label": "0580R001 Linköping (Berga)",
    ...      "valueMap": ["0580C1020_DeSO2025", "0580C1030_DeSO2025"]}]}
    >>> lookup_from_codelist(payload)[["geo_version", "deso", "regso", "regso_name", "kommun_name"]].values.tolist()
    [['2025', '0580C1020', '0580R001', 'Berga', 'Linköping'], ['2025', '0580C1030', '0580R001', 'Berga', 'Linköping']]
    """
    values = payload.get("values")
    if not isinstance(values, list) or not values:
        raise ValueError(
            f"payload: expected a codelist JSON with a non-empty 'values' list, got keys {list(payload)}."
        )
    entries = pd.DataFrame(values)
    if not {"code", "label"} <= set(entries.columns):
        raise ValueError(f"payload['values']: entries need 'code' and 'label', got {list(entries.columns)}.")
    codes = entries["code"].astype("str")
    suffix = codes.str.extract(_CODELIST_SUFFIX)
    years = set(suffix["year"].dropna())
    inferred = {"2020": "2018", "2025": "2025"}
    if geo_version is None:
        if len(years) != 1 or next(iter(years)) not in inferred:
            raise ValueError(
                f"payload {payload.get('id')!r}: cannot infer the geography version from code suffixes {sorted(years)}; "
                "pass geo_version='2018' or '2025'."
            )
        geo_version = inferred[next(iter(years))]
    _check_version(geo_version)
    if years and years != {GEO_VERSIONS[geo_version]["regso_suffix"][-4:]}:
        raise ValueError(
            f"payload {payload.get('id')!r}: codes carry suffix year(s) {sorted(years)}, which contradicts "
            f"geo_version={geo_version!r}."
        )
    regso = codes.str.replace(_CODELIST_SUFFIX, "", regex=True)
    labels = entries["label"].astype("str")
    code_label = labels.str.extract(_CODE_LABEL)
    rest = code_label["rest"].where(code_label["code"].notna(), labels)
    parsed = parse_regso_label(rest)
    out = pd.DataFrame(
        {
            "geo_version": geo_version,
            "regso": regso,
            "regso_name": parsed["regso_name"],
            "kommun": regso.str[:4],
            "kommun_name": parsed["kommun_name"],
        }
    )
    if "valueMap" in entries.columns:
        out["deso"] = entries["valueMap"].apply(lambda v: list(v) if isinstance(v, list) else [pd.NA])
        out = out.explode("deso", ignore_index=True)
        out["deso"] = out["deso"].astype("str").str.replace(_CODELIST_SUFFIX, "", regex=True)
    else:
        out["deso"] = pd.Series(pd.NA, index=out.index, dtype="str")
    return _finish(out, source=f"codelist {payload.get('id')!r}")


def _check_version(geo_version: str) -> None:
    if geo_version not in GEO_VERSIONS:
        raise ValueError(f"geo_version: expected one of {sorted(GEO_VERSIONS)}, got {geo_version!r}.")


def _first(values: pd.Series, n: int = 5) -> list:
    return values.drop_duplicates().head(n).tolist()


def validate_lookup(lookup: pd.DataFrame, *, source: str = "lookup") -> None:
    """Check a lookup frame: columns, code formats, one RegSO per DeSO, codes nested in their kommun.

    Parameters
    ----------
    lookup
        A frame with :data:`LOOKUP_COLUMNS`. ``deso`` may be NA throughout (a RegSO-only lookup).
    source
        Named in error messages.

    Raises
    ------
    ValueError
        Naming the first offending codes.

    Examples
    --------
    >>> bad = pd.DataFrame({"geo_version": ["2018"], "deso": ["0580C1230"], "regso": ["0581R018"],
    ...                     "regso_name": ["X"], "kommun": ["0580"], "kommun_name": ["Linköping"]})
    >>> validate_lookup(bad)
    Traceback (most recent call last):
    ValueError: lookup: RegSO code(s) not in their kommun (first 4 digits ≠ kommun): ['0581R018']...
    """
    missing = [c for c in LOOKUP_COLUMNS if c not in lookup.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}; expected {list(LOOKUP_COLUMNS)}.")
    bad_version = lookup.loc[~lookup["geo_version"].isin(list(GEO_VERSIONS)), "geo_version"]
    if len(bad_version):
        raise ValueError(f"{source}: geo_version must be '2018' or '2025', got {_first(bad_version)}.")
    checks = [
        ("kommun", _KOMMUN_CODE, "4 digits, e.g. '0580'"),
        ("regso", _REGSO_CODE, "KKKKRnnn, e.g. '0580R001'"),
    ]
    has_deso = lookup["deso"].notna()
    for col, pattern, what in checks:
        bad = lookup.loc[~lookup[col].fillna("").str.match(pattern), col]
        if len(bad):
            raise ValueError(f"{source}: malformed {col} code(s) {_first(bad)}; expected {what}.")
    bad_deso = lookup.loc[has_deso & ~lookup["deso"].fillna("").str.match(_DESO_CODE), "deso"]
    if len(bad_deso):
        raise ValueError(f"{source}: malformed DeSO code(s) {_first(bad_deso)}; expected e.g. '0580C1160'.")
    wrong_kommun = lookup.loc[lookup["regso"].str[:4] != lookup["kommun"], "regso"]
    if len(wrong_kommun):
        raise ValueError(
            f"{source}: RegSO code(s) not in their kommun (first 4 digits ≠ kommun): {_first(wrong_kommun)}. "
            "Check that the columns were not shifted."
        )
    wrong_deso = lookup.loc[has_deso & (lookup["deso"].str[:4] != lookup["kommun"]), "deso"]
    if len(wrong_deso):
        raise ValueError(f"{source}: DeSO code(s) not in their kommun: {_first(wrong_deso)}.")
    with_deso = lookup.loc[has_deso]
    n_regso = with_deso.groupby(["geo_version", "deso"])["regso"].nunique()
    multi = n_regso[n_regso > 1]
    if len(multi):
        raise ValueError(
            f"{source}: DeSO in more than one RegSO: {[d for _, d in multi.index[:5]]}; each DeSO belongs to "
            "exactly one RegSO per geography version."
        )
    n_names = lookup.groupby(["geo_version", "regso"])["regso_name"].nunique()
    multi_names = n_names[n_names > 1]
    if len(multi_names):
        raise ValueError(f"{source}: RegSO with several names: {[r for _, r in multi_names.index[:5]]}.")
