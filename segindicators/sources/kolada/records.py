"""Kolada v3 answers read: KPI metadata records, data records into a tidy frame, the pages' counts checked.

The record shapes, from the real material in ``shared/reference/kolada`` (see
:mod:`segindicators.sources.kolada.client`):

- ``/kpi`` records ``{"id", "title", "description", "is_divided_by_gender", "municipality_type", "auspice",
  "operating_area", "perspective", "prel_publication_date", "publication_date", "publ_period",
  "has_ou_data"}`` → :class:`KpiInfo`;
- ``/data`` records ``{"kpi", "municipality", "period", "values": [{"gender", "count", "status", "value",
  "isdeleted"}]}`` → :func:`parse_data_records`. ``isdeleted`` is new in v3: a value with ``isdeleted: true``
  is not a value, and is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segindicators.sources.kolada.errors import KoladaError

__all__ = ["DATA_COLUMNS", "GENDERS", "KpiInfo", "check_counts", "parse_data_records"]

#: Columns of :meth:`KoladaClient.data <segindicators.sources.kolada.KoladaClient.data>`.
DATA_COLUMNS = ["kpi", "municipality", "year", "gender", "value", "status", "count"]
#: Kolada's gender codes: total, women, men (the frame's order within a year).
GENDERS = ("T", "K", "M")


@dataclass(frozen=True)
class KpiInfo:
    """Metadata of one Kolada KPI (``raw`` keeps every field the server sent)."""

    id: str
    title: str
    description: str
    operating_area: str
    municipality_type: str
    has_ou_data: bool
    is_divided_by_gender: bool
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KpiInfo:
        """Build from a ``/kpi`` record; booleans may arrive as ``0``/``1``.

        >>> KpiInfo.from_record({"id": "N00001", "title": "T", "is_divided_by_gender": 1}).is_divided_by_gender
        True
        """
        return cls(
            id=str(record["id"]),
            title=str(record.get("title") or ""),
            description=str(record.get("description") or ""),
            operating_area=str(record.get("operating_area") or ""),
            municipality_type=str(record.get("municipality_type") or ""),
            has_ou_data=bool(record.get("has_ou_data")),
            is_divided_by_gender=bool(record.get("is_divided_by_gender")),
            raw=dict(record),
        )


def _is_deleted(entry: Mapping[str, Any], rec: Mapping[str, Any]) -> bool:
    """A value entry's ``isdeleted`` as a bool (absent or null: not deleted); anything else is an error."""
    flag = entry.get("isdeleted")
    if flag is None or isinstance(flag, bool):
        return bool(flag)
    raise KoladaError(
        f"Kolada data record (KPI {rec.get('kpi')}, municipality {rec.get('municipality')}, period "
        f"{rec.get('period')}, gender {entry.get('gender')}): 'isdeleted' is {flag!r}; expected true, false or "
        "null. The answer format may have changed; inspect the raw response in the cache."
    )


def parse_data_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Kolada data records → tidy frame ``kpi, municipality, year, gender, value, status, count``.

    One row per record × gender entry; ``value`` is float (NaN where Kolada has null), ``status`` the
    server's status text (NA when empty), ``count`` float (NaN when absent). An entry with ``isdeleted:
    true`` is not a value and gives no row (v3; its number is never read); ``frame.attrs["deleted"]`` counts
    them. Rows are sorted by kpi, municipality, year and gender (T, K, M).

    Examples
    --------
    >>> recs = [{"kpi": "N00001", "municipality": "0580", "period": 2023,
    ...          "values": [{"gender": "K", "count": 1, "status": "", "value": 2.5, "isdeleted": False},
    ...                     {"gender": "M", "count": 1, "status": "", "value": 9.9, "isdeleted": True},
    ...                     {"gender": "T", "count": 1, "status": "", "value": None, "isdeleted": False}]}]
    >>> out = parse_data_records(recs)  # synthetic numbers
    >>> out[["year", "gender", "value"]].to_dict("list"), out.attrs["deleted"]
    ({'year': [2023, 2023], 'gender': ['T', 'K'], 'value': [nan, 2.5]}, 1)
    """
    rows: dict[str, list[Any]] = {c: [] for c in DATA_COLUMNS}
    deleted = 0
    for rec in records:
        entries = rec.get("values") or []
        for entry in entries:
            if _is_deleted(entry, rec):
                deleted += 1
                continue
            rows["kpi"].append(rec.get("kpi"))
            rows["municipality"].append(rec.get("municipality"))
            rows["year"].append(rec.get("period"))
            rows["gender"].append(entry.get("gender"))
            rows["value"].append(entry.get("value"))
            status = entry.get("status")
            rows["status"].append(status if status not in ("", None) else None)
            rows["count"].append(entry.get("count"))
    frame = pd.DataFrame(rows)
    for col in ("kpi", "municipality", "gender", "status"):
        frame[col] = frame[col].astype("string")
    try:
        frame["year"] = pd.to_numeric(frame["year"], errors="raise").astype("int64")
        frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
        frame["count"] = pd.to_numeric(frame["count"], errors="raise").astype("float64")
    except (ValueError, TypeError) as exc:
        raise KoladaError(
            f"Kolada data records hold a non-numeric period, value or count ({exc}); the answer format may "
            "have changed. Inspect the raw response in the cache."
        ) from exc
    bad_gender = sorted(set(frame["gender"].dropna()) - set(GENDERS)) + (
        ["<missing>"] if frame["gender"].isna().any() else []
    )
    if bad_gender:
        raise KoladaError(
            f"Kolada data records hold unexpected gender codes {bad_gender}; expected T, K or M."
        )
    order = frame["gender"].map({g: i for i, g in enumerate(GENDERS)}).astype("int64")
    frame = (
        frame.assign(_g=order)
        .sort_values(["kpi", "municipality", "year", "_g"], kind="stable")
        .drop(columns="_g")
        .reset_index(drop=True)
    )
    frame.attrs["deleted"] = deleted
    return frame


def check_counts(pages: Sequence[Mapping[str, Any]], what: str) -> None:
    """Raise if the pages' ``count`` fields contradict the records received.

    Descriptions of ``count`` differ (records in the whole result, or on the page), so either reading is
    accepted; only a count that fits neither means pages were lost or the data changed while paging.

    >>> check_counts([{"count": 3, "values": [1, 2]}, {"count": 3, "values": [3]}], "x")
    >>> check_counts([{"count": 2, "values": [1, 2]}, {"count": 1, "values": [3]}], "x")
    >>> check_counts([{"count": 5, "values": [1, 2]}], "x")
    Traceback (most recent call last):
    ...
    segindicators.sources.kolada.errors.KoladaError: x: Kolada reported count 5 but 2 records arrived in 1 page(s); ...
    """
    counts = [p.get("count") for p in pages]
    if any(not isinstance(c, int) or isinstance(c, bool) for c in counts):
        return  # no usable count: nothing to check
    sizes = [len(p["values"]) for p in pages]
    total = sum(sizes)
    if all(c == total for c in counts) or counts == sizes:
        return
    raise KoladaError(
        f"{what}: Kolada reported count {counts[0]} but {total} records arrived in {len(pages)} page(s); "
        "pages were lost or the data changed while paging. Fetch again; nothing was assembled."
    )
