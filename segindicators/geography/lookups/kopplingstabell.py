"""SCB's DeSO–RegSO kopplingstabeller (CSV, one per geography version) read into the lookup frame."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segindicators.geography.lookups.frame import finish_lookup

__all__ = ["read_kopplingstabell", "read_reference_lookups"]

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
            return finish_lookup(frame, source=str(file))
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
