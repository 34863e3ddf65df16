"""The processed tables' contract, declared once: file names, columns, dtypes, sort keys and flags.

Every table the refresh writes to ``data/processed/`` is a :class:`Table` in :data:`TABLES`. Writers call
:func:`write_table`, which puts the columns in the declared order, casts them to the declared dtypes, sorts
by the declared keys and writes every declared file atomically (:mod:`segindicators._io`); readers call
:func:`read_table`, which checks the stored columns and types against the declaration and names the file,
what was expected and what was found when they differ. No other module spells a processed file name or
re-types a processed column (``tests/unit/test_tables.py`` scans the package for such literals).

This module sits low in the layering: it imports only :mod:`segindicators._io` (which also holds the checked
parquet read, :func:`~segindicators._io.read_parquet_checked`) and :mod:`segindicators.labels`, so every
package may import it. It also holds the small vocabulary the tables
share: :data:`LEVEL_ORDER` (the order of area levels), :func:`add_flag` (the ``;``-joined ``flags``
column) and :data:`SYNTHETIC_LABEL` (the label of synthetic data).

Dtypes are pandas dtypes: ``"string"`` (text, missing is ``<NA>``), ``"int64"``, ``"Int64"`` (nullable
integer), ``"float64"``, ``"bool"``, ``"boolean"`` (nullable), ``"geometry"`` (GeoParquet, EPSG:3006). One
exception is recorded where it stands: ``indices.geo_version`` is ``"object"``; it is stored as parquet's
``string`` rather than ``large_string`` and is kept so to leave the files byte-identical.

The ``national_*`` tables are those of every municipality (``refresh --national`` writes them to
``data/national/``; a kommun refresh writes ``national_indices`` and its own ``national_ranks`` to
``data/processed/``): parquet only, since a csv of the whole country would not open in Excel.

Examples
--------
>>> TABLES["counts"].files
('counts.parquet', 'counts.csv')
>>> [t.name for t in TABLES.values() if t.geo]
['geometry_deso', 'geometry_regso']
>>> import pandas as pd
>>> add_flag(pd.Series(["", "suppressed", "harmonised"]), "harmonised").tolist()
['harmonised', 'suppressed;harmonised', 'harmonised']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segindicators._io import read_parquet_checked, write_frame, write_geoparquet
from segindicators.labels import SYNTHETIC_LABEL

if TYPE_CHECKING:  # pandas and numpy are imported where used: commands import this module before any table
    import numpy as np
    import pandas as pd

__all__ = [
    "COUNTS_FLAGS",
    "LEVEL_ORDER",
    "SYNTHETIC_LABEL",
    "TABLES",
    "Column",
    "Table",
    "COUNTS_LABELS",
    "add_flag",
    "labels_as_text",
    "normalise",
    "processed_file",
    "read_table",
    "sort_order",
    "sort_table",
    "table_exists",
    "write_table",
]

# SYNTHETIC_LABEL, the label every synthetic number carries, lives in segindicators.labels; re-exported here

#: Order of area levels in every processed table (finest first; unknown levels sort last).
LEVEL_ORDER: Mapping[str, int] = {"DeSO": 0, "RegSO": 1, "focus": 2, "kommun": 3, "riket": 4}

#: Tokens of the processed counts' ``flags`` column (``;``-joined, in the order they are added).
COUNTS_FLAGS = (
    "harmonised",  # split DeSO summed back to their 2018 unit / RegSO continued across the break
    "reconstructed",  # count = published percentage × the statistics' own persons
    "break",  # the first year of a new series (definition or table change)
    "suppressed",  # a summed part was suppressed at SCB (``..``)
    "small_area",  # fewer persons than the catalogue's small-area threshold
    "pooled",  # kommun figure summed from DeSO (SCB publishes no kommun row)
    "unvouched_sum",  # our sum of cells of a table SCB marks aggregallowed: false
)

#: Processed-counts columns that hold codes and labels (always text, never missing-as-None).
COUNTS_LABELS = (
    "kommun", "level", "geo_version", "area", "area_name", "indicator", "unit", "source_table", "flags",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One declared column: its name and pandas dtype (see the module docstring for the dtypes)."""

    name: str
    dtype: str


@dataclass(frozen=True)
class Table:
    """A processed table's contract.

    Attributes
    ----------
    name
        Short name (``"counts"``); the parquet file is ``<name>.parquet``.
    columns
        The columns in file order.
    files
        The file names written (the parquet first, then a csv copy where one is written).
    sort_keys
        Row order: a stable sort by these columns (``level`` by :data:`LEVEL_ORDER`); empty means the row
        order is the computing function's own.
    flags
        Vocabulary of the ``flags`` column where it is closed (the counts); empty where other tables carry
        the tokens of their inputs and their own (``v3_proxy``, ``kommun_relative``, ``break``, ...).
    geo
        GeoParquet (written with geopandas, read as a GeoDataFrame).
    """

    name: str
    columns: tuple[Column, ...]
    files: tuple[str, ...]
    sort_keys: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    geo: bool = False
    doc: str = ""
    dtypes: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtypes", {c.name: c.dtype for c in self.columns})

    @property
    def column_names(self) -> list[str]:
        """The declared column names, in file order."""
        return [c.name for c in self.columns]

    @property
    def parquet(self) -> str:
        """The parquet file name (every table has one)."""
        return self.files[0]


def _cols(spec: str) -> tuple[Column, ...]:
    """``"a:string b:int64"`` → columns (keeps the declarations below one line per table part)."""
    return tuple(Column(*item.split(":")) for item in spec.split())


_AREA_KEYS = "kommun:string level:string geo_version:string"
_COUNTS = (
    f"{_AREA_KEYS} area:string area_name:string year:int64 indicator:string numerator:float64 "
    "denominator:float64 value:float64 unit:string status:string source_table:string "
    "table_updated:string flags:string rounding:float64"
)
_COUNTS_KEYS = ("level", "geo_version", "indicator", "area", "year")
_INDEX_VALUES = (
    "value:float64 value_bias_corrected:float64 bias:float64 ci_low:float64 ci_high:float64 "
    "ci_low_bias_corrected:float64 ci_high_bias_corrected:float64 expected_random:float64 "
    "units:int64 units_dropped:int64 flags:string"
)
_INDEX_KEYS = ("kommun", "level", "geo_version", "year", "group", "index")
_TYPOLOGY = (
    f"{_AREA_KEYS} year:int64 area:string area_name:string measure:string label_sv:string "
    "value:float64 value_eb:float64 n:float64 kommun_value:float64 national_value:float64 "
    "diff_kommun:float64 diff_national:float64 rank:float64 n_ranked:int64 concentration:string flags:string"
)

# fmt: off
TABLES: dict[str, Table] = {t.name: t for t in (
    Table("counts", _cols(_COUNTS), ("counts.parquet", "counts.csv"), sort_keys=_COUNTS_KEYS,
          flags=COUNTS_FLAGS,
          doc="Numerator, denominator and value per area, year and indicator (every level)."),
    Table("lookup", _cols("geo_version:string deso:string regso:string regso_name:string kommun:string "
                          "kommun_name:string"),
          ("lookup.parquet",), doc="DeSO → RegSO → kommun of each geography version."),
    Table("coverage", _cols("indicator:string level:string year:int64 areas:int64 areas_with_data:int64 "
                            "population:float64 population_with_data:float64 coverage:float64"),
          ("coverage.csv",),
          doc="Share of areas and population with data per indicator, level and year (csv only)."),
    Table("geometry_deso", _cols("desokod:string regsokod:string kommunkod:string geo_version:string "
                                 "geometry:geometry"),
          ("geometry_deso.parquet",), geo=True, doc="DeSO polygons (GeoParquet, EPSG:3006)."),
    Table("geometry_regso", _cols("regsokod:string regsonamn:string kommunkod:string geo_version:string "
                                  "geometry:geometry"),
          ("geometry_regso.parquet",), geo=True, doc="RegSO polygons (GeoParquet, EPSG:3006)."),
    Table("indices", _cols(f"kommun:string level:string geo_version:object year:int64 group:string "
                           f"index:string {_INDEX_VALUES}"),
          ("indices.parquet", "indices.csv"),
          doc="Citywide segregation indices with bootstrap intervals and bias correction."),
    Table("plan_status", _cols(
        "development_area:int64 development_area_title:string indicator:string label:string "
        "geography:string level:string area:string area_name:string year:Int64 value:float64 "
        "lo:float64 hi:float64 baseline_year:int64 baseline_value:float64 "
        "change_since_baseline:float64 change_since_baseline_lo:float64 "
        "change_since_baseline_hi:float64 change_since_baseline_significant:boolean "
        "previous_year:float64 change_since_previous:float64 change_since_previous_lo:float64 "
        "change_since_previous_hi:float64 change_since_previous_significant:boolean "
        "municipality_value:float64 gap_to_municipality:float64 gap_to_municipality_lo:float64 "
        "gap_to_municipality_hi:float64 sweden_value:float64 gap_to_sweden:float64 "
        "gap_closing_per_year:float64 parity_year:float64 direction:string subgoal_kind:string "
        "subgoal_year:Int64 subgoal_target:float64 subgoal_reference:string "
        "subgoal_reduce_gap_by:float64 subgoal_adopted:boolean subgoal_quantity:float64 "
        "subgoal_path:float64 status:string status_sv:string reason:string "
        "significance_tested:bool noise_basis:string flags:string"),
          ("plan_status.parquet", "plan_status.csv"),
          doc="The plan's indicators per area and year: change, gap, parity year and status."),
    Table("kolada", _cols("kpi:string municipality:string year:int64 gender:string value:float64 "
                          "status:string carried_forward:boolean"),
          ("kolada.parquet",), sort_keys=("kpi", "municipality", "year", "gender"),
          doc="Kolada KPI values (kommun and riket) for the plan."),
    Table("typology", _cols(_TYPOLOGY), ("typology.parquet", "typology.csv"),
          doc="Concentrated affluence and deprivation measures per RegSO and DeSO."),
    Table("area_types", _cols(f"{_AREA_KEYS} year:int64 area:string area_name:string index:string "
                              "value:float64 z:float64 mu:float64 sigma:float64 rule:string flags:string"),
          ("area_types.parquet",), sort_keys=("level", "geo_version", "index", "area", "year"),
          doc="Socio-economic index, reproduced and official area types per RegSO and DeSO."),
    Table("national_counts", _cols(_COUNTS), ("national_counts.parquet",),
          sort_keys=("kommun", *_COUNTS_KEYS), flags=COUNTS_FLAGS,
          doc="The processed counts of every municipality (refresh --national)."),
    Table("national_typology", _cols(_TYPOLOGY), ("national_typology.parquet",),
          sort_keys=("kommun", "level", "geo_version", "measure", "area", "year"),
          doc="Affluence and deprivation measures of every RegSO and DeSO of the country."),
    Table("national_indices", _cols(f"{_AREA_KEYS} year:int64 group:string index:string {_INDEX_VALUES}"),
          ("national_indices.parquet",), sort_keys=_INDEX_KEYS,
          doc="Citywide indices of every municipality (raw and bias-corrected): the peers' inputs."),
    Table("area_type_comparison", _cols(
        "scope:string kommun:string year:Int64 comparison:string measure:string type:Int64 "
        "type_compared:Int64 value:float64 n:int64 rule:string flags:string"),
          ("area_type_comparison.parquet", "area_type_comparison.csv"),
          sort_keys=("scope", "kommun", "year", "comparison", "measure", "type", "type_compared"),
          doc="The open-data reproduction of SCB's area types against SCB's published index, type and "
              "components (TAB6586): confusion matrix, agreement, κ, per type and year, component errors."),
    Table("national_ranks", _cols(
        f"{_AREA_KEYS} year:int64 group:string index:string kommun_name:string ranked_on:string "
        "value:float64 value_raw:float64 value_bias_corrected:float64 rank:float64 rank_low:float64 "
        "rank_high:float64 n:int64 percentile:float64 peer_rank:float64 peer_rank_low:float64 "
        "peer_rank_high:float64 peer_n:Int64 "
        "peer_median:float64 peer_min:float64 peer_max:float64 flags:string"),
          ("national_ranks.parquet",), sort_keys=(*_INDEX_KEYS, "ranked_on"),
          doc="Rank and percentile among all municipalities and among the profile's peers, per index cell."),
)}
# fmt: on

#: Every file name the declarations own, mapped to its table.
_FILES = {f: t for t in TABLES.values() for f in t.files}


def _table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(
            f"table {name!r}: expected one of the declared processed tables {sorted(TABLES)}; "
            "declare a new table in segindicators/tables.py first."
        ) from None


def processed_file(name: str, folder: str | os.PathLike[str], *, csv: bool = False) -> Path:
    """The path of a declared table's parquet (or its csv copy) in ``folder``.

    Examples
    --------
    >>> processed_file("counts", "data/processed").as_posix()
    'data/processed/counts.parquet'
    >>> processed_file("coverage", "data/processed").name
    'coverage.csv'
    """
    table = _table(name)
    if csv:
        names = [f for f in table.files if f.endswith(".csv")]
        if not names:
            raise ValueError(f"table {name!r}: no csv copy is declared (files {list(table.files)}).")
        return Path(folder) / names[0]
    return Path(folder) / table.files[0]


def table_exists(name: str, folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds the table's first declared file."""
    return processed_file(name, folder).is_file()


def add_flag(flags: pd.Series, token: str, where: Any = None) -> pd.Series:
    """Add ``token`` to ``;``-joined flag strings (vectorised), keeping existing tokens and not repeating one.

    Parameters
    ----------
    flags
        The ``flags`` column (missing counts as no flags).
    token
        The flag to add.
    where
        Boolean mask of the rows to flag (default: every row).

    Returns
    -------
    pandas.Series
        Text flags, same index.

    Examples
    --------
    >>> import pandas as pd
    >>> add_flag(pd.Series(["", "a"]), "b", where=[True, False]).tolist()
    ['b', 'a']
    """
    import numpy as np

    f = flags.fillna("").astype("str")
    has = f.str.contains(rf"(?:^|;){token}(?:;|$)", regex=True)
    added = (f + ";" + token).str.strip(";")
    out = f.where(has, added)
    if where is None:
        return out
    return f.where(~np.asarray(where, dtype=bool), out)


def labels_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the processed-counts label columns (:data:`COUNTS_LABELS`) present in ``frame`` to text, in place.

    Rows built outside the builder (web exports, samples) then compare and concatenate with built rows.

    Examples
    --------
    >>> import pandas as pd
    >>> labels_as_text(pd.DataFrame({"kommun": [580], "value": [1.0]}))["kommun"].tolist()
    ['580']
    """
    for c in COUNTS_LABELS:
        if c in frame.columns:
            frame[c] = frame[c].astype("str")
    return frame


def sort_order(name: str, frame: pd.DataFrame) -> np.ndarray | None:
    """The row positions that sort ``frame`` by the table's declared keys (stable), or None if in order.

    The order of :func:`sort_table`, from the key columns alone (a large frame is not copied to sort it); keys
    without a missing value already in order (text or numeric) are recognised without sorting.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"level": ["kommun", "DeSO"], "geo_version": "2018", "indicator": "x",
    ...                   "area": ["0580", "0580C1010"], "year": 2024})
    >>> sort_order("counts", f).tolist(), sort_order("counts", f.iloc[::-1])
    ([1, 0], None)
    """
    keys = list(_table(name).sort_keys)
    work = frame[keys].reset_index(drop=True)
    rank = {k: f"__rank_{k}" for k in keys if k == "level"}
    for k, col in rank.items():
        work[col] = work[k].map(LEVEL_ORDER).fillna(len(LEVEL_ORDER)).astype("int64")
    by = [rank.get(k, k) for k in keys]
    if not keys or _in_order(work[by]):
        return None
    return work.sort_values(by, kind="mergesort").index.to_numpy()


def _in_order(keys: pd.DataFrame) -> bool:
    """The rows' text or numeric key tuples are non-decreasing, none missing (a stable sort keeps the order)."""
    import numpy as np
    import pandas as pd

    plain = all(isinstance(t, pd.StringDtype) or t.kind in "iuf" for t in keys.dtypes)  # no categorical
    if not plain or keys.isna().to_numpy().any():
        return False
    undecided = np.ones(max(len(keys) - 1, 0), dtype=bool)  # each pair's keys so far are equal
    for col in keys.columns:
        lo, hi = keys[col].iloc[:-1].reset_index(drop=True), keys[col].iloc[1:].reset_index(drop=True)
        if (undecided & (lo > hi).to_numpy(dtype=bool)).any():
            return False
        undecided &= ~(lo < hi).to_numpy(dtype=bool)
    return True


def sort_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort ``frame`` by the table's declared keys (stable; ``level`` by :data:`LEVEL_ORDER`).

    A frame already in that order is returned in the same order (not copied); the index is reset.
    """
    order = sort_order(name, frame)
    return (frame if order is None else frame.take(order)).reset_index(drop=True)


def normalise(name: str, frame: pd.DataFrame, *, sort: bool = True) -> pd.DataFrame:
    """The declared columns of ``frame`` in file order, cast to the declared dtypes (and sorted).

    Text columns named ``flags`` get ``""`` for missing. A missing column is an error naming the table,
    the columns expected and the columns received.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"kpi": ["N1"], "municipality": ["0580"], "year": [2024.0], "gender": "T",
    ...                   "value": [1.0], "status": [None], "carried_forward": [False]})  # synthetic
    >>> normalise("kolada", f).dtypes.astype(str).tolist()
    ['string', 'string', 'int64', 'string', 'float64', 'string', 'boolean']
    """
    table = _table(name)
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        raise ValueError(
            f"table {name!r}: expected columns {table.column_names}, got {list(frame.columns)} "
            f"(missing {missing}); build the frame with the function that computes {name!r}."
        )
    out = frame[table.column_names]  # copy-on-write: only the columns cast below are new
    for col in table.columns:
        if col.dtype == "geometry" or str(out[col.name].dtype) == col.dtype:
            continue
        out[col.name] = out[col.name].astype(col.dtype)
    if "flags" in table.dtypes and table.dtypes["flags"] == "string" and out["flags"].isna().any():
        out.loc[out["flags"].isna(), "flags"] = ""
    return sort_table(name, out) if sort else out


def write_table(name: str, frame: pd.DataFrame, folder: str | os.PathLike[str]) -> list[Path]:
    """Write a declared table into ``folder``: every declared file, atomically, normalised per the contract.

    Parameters
    ----------
    name
        A key of :data:`TABLES`.
    frame
        The table (extra columns are dropped; missing ones are an error).
    folder
        ``data/processed`` (or its staging folder).

    Returns
    -------
    list of Path
        The files written, in the declared order.
    """
    table = _table(name)
    target = Path(folder)
    if table.geo:
        missing = [c for c in table.column_names if c not in frame.columns]
        if missing:
            raise ValueError(
                f"table {name!r}: expected columns {table.column_names}, got {list(frame.columns)} "
                f"(missing {missing})."
            )
        return [write_geoparquet(frame, target / table.files[0])]
    data = normalise(name, frame, sort=False)
    order = sort_order(name, data)  # written in order: a large frame is not copied to sort it
    return [write_frame(data, target / f, order=order) for f in table.files]


_REBUILD = (
    "Rebuild it with `segindicators refresh` (or `segindicators demo`); the refresh writes files atomically, "
    "so a broken file was changed outside segindicators."
)


def read_table(
    name_or_path: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    *,
    geo: bool | None = None,
    hint: str | None = None,
    complete: bool = False,
) -> pd.DataFrame:
    """Read a processed table and check it against its declaration; a problem is a :class:`Failure` naming it.

    Parameters
    ----------
    name_or_path
        A declared table's name (then ``folder`` is required), or the path of a parquet file; a path whose
        file name is declared is checked against that declaration, any other path is only read.
    folder
        ``data/processed`` when a name is given.
    geo
        Read as GeoParquet; default: as declared (False for undeclared paths).
    hint
        What to do, for the message (default: rebuild with ``segindicators refresh``).
    complete
        Also require every declared column. By default only the declared columns present are checked (their
        types): frames written by hand (tests, older runs) with a subset of the columns still read.

    Returns
    -------
    pandas.DataFrame
        As stored (pandas' reading of the parquet: a nullable integer with missing values comes back as
        ``float64``); a GeoDataFrame for geometry tables.

    Raises
    ------
    Failure
        The file is missing, unreadable, lacks a declared column or holds a column of another type.
    """
    if folder is not None:
        table: Table | None = _table(str(name_or_path))
        p = Path(folder) / table.files[0]
    else:
        p = Path(name_or_path)
        table = _FILES.get(p.name)
    return read_parquet_checked(
        p, hint=hint or _REBUILD, geo=geo if geo is not None else bool(table and table.geo),
        columns=None if table is None else [(c.name, c.dtype) for c in table.columns],
        table="" if table is None else table.name, complete=complete,
    )  # fmt: skip
