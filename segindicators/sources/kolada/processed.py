"""Write Kolada values as the plan's input, ``data/processed/kolada.parquet``.

The file is what :func:`segindicators.plan.series.series_from_kolada` (and ``segindicators plan status``)
reads: one row per KPI × municipality × year × gender with columns

``kpi`` (str, e.g. ``"N15428"``), ``municipality`` (str, ``"0580"``; ``"0000"`` = Sweden), ``year`` (int64),
``gender`` (``"T"`` total, ``"K"`` women, ``"M"`` men), ``value`` (float, NaN when Kolada has no value),
``status`` (Kolada's status text or NA), ``carried_forward`` (nullable boolean: False for a new observation,
True for an election KPI's non-election-year value that carries the last election forward, NA for one that
contradicts that; see :mod:`segindicators.sources.kolada.elections`).

The plan uses only ``gender == "T"`` rows with ``carried_forward == False``; the others are kept for charts.
Values are never filled in. Values Kolada marks ``isdeleted`` never get here (the client drops them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segindicators._io import write_frame
from segindicators.paths import processed_dir
from segindicators.sources.kolada.elections import mark_carried_forward
from segindicators.tables import TABLES, normalise, processed_file, read_table

#: Columns of the ``kolada`` table, in order (declared in :data:`segindicators.tables.TABLES`).
PROCESSED_COLUMNS = TABLES["kolada"].column_names
_KEY = list(TABLES["kolada"].sort_keys)


def to_processed(frame: pd.DataFrame) -> pd.DataFrame:
    """Select and type the processed columns of a :meth:`~segindicators.sources.kolada.KoladaClient.data` frame.

    ``kpi`` loses a ``kolada:`` prefix if it has one; a frame without ``gender`` is taken as totals (``T``);
    ``status`` is optional. ``carried_forward`` is always recomputed from the rows
    (:func:`~segindicators.sources.kolada.elections.mark_carried_forward`), so a merge with older rows gets it too;
    values that contradict the carry-forward are named by
    :func:`~segindicators.sources.kolada.elections.carry_forward_conflicts` (the refresh and the CLI report them).

    Examples
    --------
    >>> f = pd.DataFrame({"kpi": ["kolada:N00001"], "municipality": ["0580"], "year": [2024],
    ...                   "value": [1.5]})  # synthetic
    >>> to_processed(f).to_dict("records")
    [{'kpi': 'N00001', 'municipality': '0580', 'year': 2024, 'gender': 'T', 'value': 1.5, 'status': None, 'carried_forward': False}]
    """
    missing = [c for c in ("kpi", "municipality", "year", "value") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"Kolada frame lacks columns {missing}; expected at least kpi, municipality, year, value "
            f"(got {list(frame.columns)}). Pass the frame KoladaClient.data returns."
        )
    out = pd.DataFrame(
        {
            "kpi": frame["kpi"].astype("string").str.removeprefix("kolada:"),
            "municipality": frame["municipality"].astype("string"),
            "year": frame["year"].astype("int64"),
            "gender": frame["gender"].astype("string") if "gender" in frame.columns else "T",
            "value": frame["value"].astype("float64"),
            "status": frame["status"].astype("string") if "status" in frame.columns else pd.NA,
        }
    )
    out["gender"] = out["gender"].astype("string")
    out["status"] = out["status"].astype("string")
    bad = sorted(set(out["gender"].dropna()) - {"T", "K", "M"})
    if bad or out["gender"].isna().any():
        raise ValueError(f"gender: expected T, K or M in every row, found {bad or ['<NA>']}.")
    ok = out["municipality"].str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    if not ok.all():
        found = sorted(set(out.loc[~ok, "municipality"].astype(str)))[:5]
        raise ValueError(
            f"municipality: expected four-digit codes such as '0580' (or '0000' for Sweden), found {found}."
        )
    if out.duplicated(_KEY).any():
        raise ValueError(
            "Kolada frame has duplicate kpi × municipality × year × gender rows; deduplicate first."
        )
    out = out.sort_values(_KEY, kind="stable").reset_index(drop=True)
    out["carried_forward"] = mark_carried_forward(out)
    return out


def write_processed(
    frame: pd.DataFrame, path: str | os.PathLike[str] | None = None, *, merge: bool = True
) -> Path:
    """Write Kolada values to ``path`` (default ``data/processed/kolada.parquet``), atomically.

    Parameters
    ----------
    frame
        A :meth:`~segindicators.sources.kolada.KoladaClient.data` frame (or any frame with kpi, municipality, year,
        value and optionally gender, status).
    path
        Target file (``.parquet`` or ``.csv``).
    merge
        Keep rows of an existing file that this frame does not replace (key: kpi × municipality × year ×
        gender; the new frame wins). With False the file is replaced.

    Returns
    -------
    Path
        The written file.
    """
    target = Path(path) if path is not None else processed_file("kolada", processed_dir())
    new = to_processed(frame)
    if merge and target.exists():
        old = read_table(target) if target.suffix.lower() == ".parquet" else _read_csv(target)
        old = to_processed(old)
        keep = old.merge(new[_KEY], on=_KEY, how="left", indicator=True)["_merge"].eq("left_only").to_numpy()
        new = to_processed(pd.concat([old.loc[keep], new], ignore_index=True))
    return write_frame(normalise("kolada", new), target)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"kpi": "string", "municipality": "string", "gender": "string"})
