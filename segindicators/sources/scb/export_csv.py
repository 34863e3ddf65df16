"""Read CSV files saved from Statistikdatabasen's web interface.

Analysts often have tables as the CSV that https://www.statistikdatabasen.scb.se lets them download. The
format is not plain CSV, so pandas alone reads it wrong:

* encoding is UTF-8 with a BOM or Windows-1252, depending on the export option;
* line ends can be ``\\r\\r\\n`` (seen in real exports), fields are quoted;
* the header has the stub variables first ("region", "födelseregion", "kön"), then one column per
  content × year, named ``"<contents> <year>"`` (``"Antal 2021"``, ``"Medelvärde för samtliga, tkr 2021"``)
  or just ``"2022"`` when the table has a single content;
* SCB's symbols stand in value cells: ``..`` (not published / suppressed), ``.`` (not applicable),
  ``-`` (nil: the magnitude is zero);
* after the data come free-text footer notes (definitions, corrections, "Källa:", "SCB", contact).

:func:`read_export_csv` returns the tidy long shape of the DESIGN contract. Category labels are kept as
SCB wrote them (including SCB's own trailing spaces, e.g. ``"löneinkomst "``): matching on labels is the
caller's job (see ``segindicators.geography`` for RegSO label quirks).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_export_csv", "SYMBOLS"]

#: SCB's cell symbols (teckenförklaring) and the numeric value each stands for.
SYMBOLS: dict[str, float] = {
    "..": np.nan,  # uppgift inte tillgänglig eller för osäker för att anges (suppressed)
    ".": np.nan,  # uppgift kan inte förekomma (not applicable)
    "-": 0.0,  # noll (nil): magnitude zero, so the value is 0
}

_YEAR_COLUMN = re.compile(r"^(?P<contents>.*?)\s*(?P<year>(?:19|20)\d{2})$")


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Statistikdatabasen's "Windows (ANSI)" export option.
        return raw.decode("cp1252")


def _parse_number(cell: str) -> float:
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # decimal comma in a semicolon-separated export
    return float(text)


def read_export_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Statistikdatabasen web-UI CSV export into a tidy long frame.

    Parameters
    ----------
    path
        The CSV file as downloaded.

    Returns
    -------
    pandas.DataFrame
        One column per stub variable (header name as is; an empty header cell, as in single-content
        exports whose header is ``,2022``, becomes ``stub0``, ``stub1``, ...), then ``contents`` (str; empty when the header
        names only the year), ``year`` (int), ``value`` (float; NaN for ``..`` and ``.``, 0 for ``-``) and
        ``status`` (the SCB symbol, or None for a published number). ``.attrs["notes"]`` holds the footer
        text, ``.attrs["source_file"]`` the path.

    Raises
    ------
    ValueError
        If no year column can be found in the header or a value cell is neither a number nor an SCB
        symbol; the message names the file, line and cell.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes('\\ufeff"region","Antal 2022","Antal 2023"\\r\\n"A",5,..\\r\\n,\\r\\nKälla: SCB\\r\\n'.encode())
    >>> df = read_export_csv(p)
    >>> df[["region", "contents", "year", "value", "status"]].to_dict("records")[1]
    {'region': 'A', 'contents': 'Antal', 'year': 2023, 'value': nan, 'status': '..'}
    >>> df.attrs["notes"]
    'Källa: SCB'
    """
    file = Path(path)
    text = _decode(file.read_bytes(), file)
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ValueError(f"{file}: the file is empty; expected a Statistikdatabasen CSV export.")
    header = rows[0]
    year_cols: list[tuple[int, str, int]] = []
    for i, name in enumerate(header):
        m = _YEAR_COLUMN.match(name.strip())
        if m:
            year_cols.append((i, m.group("contents").strip(), int(m.group("year"))))
    if not year_cols:
        raise ValueError(
            f"{file}: no year column in the header {header!r}; expected names such as 'Antal 2021' or "
            "'2022'. Export the table with the time variable in the heading (columns), not in the stub."
        )
    first_year_col = year_cols[0][0]
    stub_names = [h.strip() or f"stub{i}" for i, h in enumerate(header[:first_year_col])]

    data_rows: list[list[str]] = []
    line_no = 1
    for line_no, row in enumerate(rows[1:], start=2):  # noqa: B007 - line_no is used after the loop
        if len(row) != len(header) or not any(cell.strip() for cell in row[:first_year_col]):
            break
        data_rows.append(row)
    else:
        line_no = len(rows) + 1
    footer_rows = rows[line_no - 1 :] if len(data_rows) + 1 < len(rows) else []
    notes = "\n".join(
        ",".join(cell for cell in row if cell.strip()).strip()
        for row in footer_rows
        if any(c.strip() for c in row)
    )

    n = len(data_rows)
    out: dict[str, list] = {name: [] for name in stub_names}
    contents: list[str] = []
    years: list[int] = []
    values = np.empty(n * len(year_cols), dtype=float)
    statuses: list[str | None] = []
    k = 0
    for r, row in enumerate(data_rows):
        for col, cont, year in year_cols:
            for s, name in enumerate(stub_names):
                out[name].append(row[s])
            contents.append(cont)
            years.append(year)
            cell = row[col].strip()
            if cell in SYMBOLS:
                values[k] = SYMBOLS[cell]
                statuses.append(cell)
            else:
                try:
                    values[k] = _parse_number(cell)
                except ValueError:
                    raise ValueError(
                        f"{file}, line {r + 2}, column {header[col]!r}: expected a number or an SCB symbol "
                        f"(.. . -), got {cell!r}."
                    ) from None
                statuses.append(None)
            k += 1
    frame = pd.DataFrame(out)
    frame["contents"] = contents
    frame["year"] = np.asarray(years, dtype="int64")
    frame["value"] = values
    frame["status"] = pd.Series(statuses, dtype=object)
    frame.attrs["notes"] = notes
    frame.attrs["source_file"] = str(file)
    return frame
