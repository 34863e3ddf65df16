"""Kolada v3 record structure and metadata recorded from the live service, shipped for the fake Kolada.

The authority on what Kolada v3 answers is the real material in ``shared/reference/kolada`` (its
``README.md`` and ``PROVENANCE.md`` say where each file comes from: the R client rKolada's cache of the live
v3 API, ``LCHansson/rKolada@d52938874f9a9e0b6f4dd44f36fa5edb8cd69fa3:R/sysdata.rda``). That folder is not
part of the repository, and the offline demo must run on a fresh clone, so a small derived copy ships as
``segindicators/testing/kolada_records.json``. It holds **metadata and record structure only, no
statistics**:

- ``kpi``: the recorded KPI metadata records verbatim (``rkolada_v3_kpi_records.json``: real titles,
  descriptions, ``is_divided_by_gender`` ...), the ids recorded as *absent* from the v3 catalogue (``null``
  there, e.g. ``N00914``), the catalogue's size and municipality-type counts;
- ``municipality``: the recorded ``/municipality`` records (``rkolada_v3_municipality_records.json``) and
  the catalogue counts (312 = 290 K + 22 L);
- ``data``: the shape of a v3 data record and of its ``values[]`` entries, read from the column layout of
  ``rkolada_v3_data_N00945_rows.csv`` (rKolada unnests ``values[]`` and renames ``period`` → ``year``,
  ``municipality`` → ``municipality_id``, as the file's provenance line says; the renames are undone here),
  plus ``isdeleted``, which rKolada's rows do not carry but the reference README names as new in v3. The
  N00945 numbers themselves are not copied.

:func:`build_records` derives the copy from the reference folder, :func:`load_records` reads the shipped
copy, and ``tests/unit/testing/test_kolada_records.py`` checks that the two are equal (a ``reference`` test: it fails
under ``CI=true`` when the reference folder is missing). To regenerate after the reference changes::

    python -m segindicators.testing.kolada_records ../shared/reference/kolada

Examples
--------
>>> rec = load_records()
>>> rec["kpi"]["records"]["N05401"]["title"]
'Valdeltagande i senaste kommunalvalet, andel (%)'
>>> rec["kpi"]["absent"], rec["data"]["value_fields"]
(['N00914'], ['gender', 'count', 'status', 'value', 'isdeleted'])
"""

from __future__ import annotations

import csv
import io
import json
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from segindicators._io import atomic_write_bytes

__all__ = ["RECORDS_FILE", "build_records", "load_records", "write_records"]

#: File name of the shipped copy (inside :mod:`segindicators.testing`).
RECORDS_FILE = "kolada_records.json"

_KPI_FILE = "rkolada_v3_kpi_records.json"
_MUNI_FILE = "rkolada_v3_municipality_records.json"
_ROWS_FILE = "rkolada_v3_data_N00945_rows.csv"
#: rKolada's renames of the data record's fields (the CSV's provenance line: "renames period->year,
#: municipality->municipality_id (+joins municipality title/type)"), undone to get v3's field names.
_RKOLADA_RENAMES = {"year": "period", "municipality_id": "municipality"}
#: Columns rKolada joins from the municipality table; not part of a v3 data record.
_RKOLADA_JOINED = ("municipality", "municipality_type")
#: Fields of a v3 data record (README.md: ``{kpi, municipality, period, values: [...]}``).
_RECORD_FIELDS = ["kpi", "municipality", "period", "values"]


def _rows_layout(text: str) -> tuple[str, list[str], list[dict[str, str]]]:
    """The provenance comment, the header and the rows of the rKolada data-rows CSV."""
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    rows = list(reader)
    return "\n".join(comments), list(reader.fieldnames or []), rows


def build_records(reference_dir: str | Path) -> dict[str, Any]:
    """Derive the shipped records from the Kolada reference folder.

    Parameters
    ----------
    reference_dir
        The folder ``shared/reference/kolada`` (holding ``README.md``, ``rkolada_v3_kpi_records.json``,
        ``rkolada_v3_municipality_records.json`` and ``rkolada_v3_data_N00945_rows.csv``).

    Returns
    -------
    dict
        ``{"_about", "provenance", "kpi", "municipality", "data"}`` as described in the module notes.

    Raises
    ------
    FileNotFoundError
        A reference file is missing (the message names it).
    ValueError
        A reference file does not have the expected layout (the message says what was expected and found).
    """
    folder = Path(reference_dir)
    missing = [n for n in ("README.md", _KPI_FILE, _MUNI_FILE, _ROWS_FILE) if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"reference_dir={str(folder)!r}: missing {missing}; expected the Kolada reference folder "
            "(shared/reference/kolada) with the rKolada v3 records."
        )
    kpi_doc = json.loads((folder / _KPI_FILE).read_text(encoding="utf-8"))
    muni_doc = json.loads((folder / _MUNI_FILE).read_text(encoding="utf-8"))
    provenance, header, rows = _rows_layout((folder / _ROWS_FILE).read_text(encoding="utf-8"))
    readme = (folder / "README.md").read_text(encoding="utf-8")

    records = kpi_doc["records"]
    present = {k: v for k, v in records.items() if v is not None}
    absent = sorted(k for k, v in records.items() if v is None)

    if "kpi" not in header:
        raise ValueError(f"{_ROWS_FILE}: expected a 'kpi' column after the values[] fields, got {header}.")
    value_fields = header[: header.index("kpi")]
    record_cols = [c for c in header[header.index("kpi") :] if c not in _RKOLADA_JOINED]
    record_fields = [_RKOLADA_RENAMES.get(c, c) for c in record_cols]
    if sorted([*record_fields, "values"]) != sorted(_RECORD_FIELDS):
        raise ValueError(
            f"{_ROWS_FILE}: the record columns {record_cols} do not map onto v3's {_RECORD_FIELDS}; the "
            "file's layout changed. Update _RKOLADA_RENAMES."
        )
    if "isdeleted" not in readme:
        raise ValueError("README.md: expected it to name the v3 value field 'isdeleted'; it does not.")
    examples = {f: sorted({r[f] for r in rows}) for f in ("gender", "count", "status")}
    return {
        "_about": (
            "Derived by segindicators.testing.kolada_records.build_records from shared/reference/kolada "
            "(rKolada's cache of the live Kolada v3 API; see its PROVENANCE.md). Metadata and record "
            "structure only, no statistics. Regenerate with: python -m segindicators.testing.kolada_records "
            "<reference/kolada>."
        ),
        "provenance": {
            _KPI_FILE: kpi_doc.get("_provenance"),
            _MUNI_FILE: muni_doc.get("_provenance"),
            _ROWS_FILE: provenance.removeprefix("# provenance: "),
        },
        "kpi": {
            "catalogue_size": kpi_doc["catalogue_size"],
            "municipality_type_counts": kpi_doc["municipality_type_counts"],
            "fields": list(next(iter(present.values()))),
            "records": present,
            "absent": absent,
        },
        "municipality": {
            "count": muni_doc["count"],
            "type_counts": muni_doc["type_counts"],
            "fields": list(muni_doc["selected"][0]),
            "records": muni_doc["selected"],
        },
        "data": {
            "record_fields": _RECORD_FIELDS,
            # values[] fields as rKolada unnests them, then isdeleted (README: "isdeleted is new in v3").
            "value_fields": [*value_fields, "isdeleted"],
            "value_examples": {
                "gender": examples["gender"],
                "count": [int(c) for c in examples["count"]],
                "status": examples["status"],
            },  # fmt: skip
        },
    }


def write_records(reference_dir: str | Path, target: str | Path | None = None) -> Path:
    """Write :func:`build_records` of ``reference_dir`` to ``target`` (default: the shipped copy).

    Returns
    -------
    Path
        The written file.
    """
    path = Path(target) if target is not None else Path(__file__).with_name(RECORDS_FILE)
    text = json.dumps(build_records(reference_dir), ensure_ascii=False, indent=1) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"))


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return resources.files("segindicators.testing").joinpath(RECORDS_FILE).read_text(encoding="utf-8")


def load_records() -> dict[str, Any]:
    """The shipped copy of the recorded Kolada metadata and structure (a fresh copy each call).

    Returns
    -------
    dict
        See the module notes.
    """
    return json.loads(_shipped_text())


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    if len(sys.argv) != 2:
        sys.exit("usage: python -m segindicators.testing.kolada_records <shared/reference/kolada>")
    print(write_records(sys.argv[1]))
