"""The lookup frame from a PxWebApi v2 RegSO codelist (``GET /codelists/{id}``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from segindicators.geography.labels import parse_regso_label
from segindicators.geography.lookups.frame import GEO_VERSIONS, check_geo_version, finish_lookup

__all__ = ["lookup_from_codelist"]

_CODELIST_SUFFIX = re.compile(r"_(?P<kind>DeSO|RegSO)(?P<year>\d{4})$")
_CODE_LABEL = re.compile(r"^\s*(?P<code>\d{4}R\d{3})\s+(?P<rest>.+?)\s*$")


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
    check_geo_version(geo_version)
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
    return finish_lookup(out, source=f"codelist {payload.get('id')!r}")
