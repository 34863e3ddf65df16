"""The lookup frame: its columns, the two geography versions, and :func:`validate_lookup`.

Every builder (:mod:`~segindicators.geography.lookups.kopplingstabell`,
:mod:`~segindicators.geography.lookups.from_wfs`, :mod:`~segindicators.geography.lookups.from_codelist`)
ends with :func:`finish_lookup`, so each hands out the same columns, types, order and checks.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "GEO_VERSIONS",
    "LOOKUP_COLUMNS",
    "check_geo_version",
    "finish_lookup",
    "geo_version_for_year",
    "geo_version_from_region_version",
    "validate_lookup",
]

#: Columns of the normalised lookup frame, in order.
LOOKUP_COLUMNS: tuple[str, ...] = ("geo_version", "deso", "regso", "regso_name", "kommun", "kommun_name")

#: Geography versions: DeSO 2018 pairs with RegSO 2020, DeSO 2025 with RegSO 2025.
GEO_VERSIONS: dict[str, dict[str, str]] = {
    "2018": {"deso_codelist": "vs_DeSO2018", "regso_codelist": "vs_RegSO2020", "regso_suffix": "_RegSO2020"},
    "2025": {"deso_codelist": "vs_DeSO2025", "regso_codelist": "vs_RegSO2025", "regso_suffix": "_RegSO2025"},
}

_DESO_CODE = re.compile(r"^\d{4}[ABC]\d{4}$")
_REGSO_CODE = re.compile(r"^\d{4}R\d{3}$")
_KOMMUN_CODE = re.compile(r"^\d{4}$")


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


def finish_lookup(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The lookup frame from a builder's frame: the columns in order, stripped strings, sorted, validated."""
    out = frame.loc[:, list(LOOKUP_COLUMNS)].copy()
    for col in LOOKUP_COLUMNS:
        out[col] = out[col].astype("str").str.strip()
    out = out.sort_values(["geo_version", "deso"], na_position="last").reset_index(drop=True)
    validate_lookup(out, source=source)
    return out


def check_geo_version(geo_version: str) -> None:
    """Raise unless ``geo_version`` is ``"2018"`` or ``"2025"``."""
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
