"""File I/O shared by every module: atomic writes, byte-stable frames and workbooks, checked parquet reads, YAML.

A write goes to a temporary file in the target folder, is flushed and fsynced, then renamed over the
target with :func:`os.replace`, so a reader never sees half a file and a crash leaves the old file intact.
:func:`read_parquet_checked` reads a parquet file and compares its stored column types with the ones expected
(the processed tables' declarations in :mod:`segindicators.tables` call it), naming the file, what was expected
and what was found.

:func:`read_yaml` reads the declarative files (the indicator catalogue, municipality profiles, plans, measures
registers, the report's texts) from a path or from the package, and turns a missing file or a syntax error into
the caller's own error, naming the file.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from segindicators.errors import Failure

if TYPE_CHECKING:
    import pandas as pd

_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
"""Mode of written files: what ``open()`` would give under the process umask (``mkstemp`` alone gives 0600,
so a report folder on a file share could not be read by colleagues)."""


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path
        Target file; parent folders are created.
    data
        Bytes to write.
    overwrite
        When False, an existing file is an error (used for ``data/raw``, which is never rewritten).

    Returns
    -------
    Path
        The written path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.txt"
    >>> atomic_write_bytes(p, b"hej").read_bytes()
    b'hej'
    >>> oct(p.stat().st_mode & 0o777) == oct(FILE_MODE)
    True
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise FileExistsError(
            f"{target} exists and must not be rewritten (raw data is immutable); "
            "write the newer content under a new name instead."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not overwrite:
            # os.link fails if the target appeared meanwhile: no silent overwrite in a race.
            os.link(tmp, target)
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write UTF-8 ``text`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def read_yaml(
    source: str | os.PathLike[str] | Traversable, *, what: str, error: type[Exception] = ValueError
) -> Any:
    """Parse a YAML file: a path, or a packaged resource (``importlib.resources.files(...) / name``).

    Parameters
    ----------
    source
        The file.
    what
        What the file is, for messages (``"plan"``, ``"profile"``).
    error
        The exception raised (the caller's own error class, such as ``PlanError``).

    Raises
    ------
    error
        If the file does not exist, or is not valid YAML (the message names the file and the parser's line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
    >>> _ = p.write_text("a: [1, 2]", encoding="utf-8")
    >>> read_yaml(p, what="example")
    {'a': [1, 2]}
    >>> _ = p.write_text("a: [1, 2", encoding="utf-8")
    >>> read_yaml(p, what="example")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: example file '...x.yaml' is not valid YAML (...); fix the line named.
    """
    file = Path(source) if isinstance(source, str | os.PathLike) else source
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} file {str(source)!r} does not exist; pass an existing YAML file.") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(
            f"{what} file {str(source)!r} is not valid YAML ({' '.join(str(exc).split())}); fix the line named."
        ) from exc


#: Rows per parquet row group: pyarrow's default, so a frame written in order group by group (``order``
#: of :func:`write_frame`) gives the same bytes as the sorted frame written at once.
ROW_GROUP = 1024 * 1024


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str], *, order: Any = None) -> Path:
    """Write a DataFrame atomically as parquet or csv, chosen by the file suffix.

    Parquet is written without the pandas index and with a fixed writer configuration so the same frame
    gives byte-identical files run after run. CSV is UTF-8 with BOM (Excel opens it with å, ä, ö intact).

    Parameters
    ----------
    frame
        The rows to write.
    path
        The target file (``.parquet`` or ``.csv``).
    order
        Row positions giving the order to write the rows in (the file is that of ``frame.take(order)``), or
        None for the frame's own order. A parquet file of more than :data:`ROW_GROUP` rows is then put in
        order one row group at a time: no sorted copy of a large frame is held.

    Raises
    ------
    ValueError
        If the suffix is neither ``.parquet`` nor ``.csv``.
    """
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(path)
    suffix = target.suffix.lower()
    if order is not None and (suffix != ".parquet" or len(frame) <= ROW_GROUP):
        frame, order = frame.take(order), None
    if suffix == ".parquet":
        buf = io.BytesIO()
        if order is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            # Drop pandas metadata that embeds library versions, so files are byte-stable across runs.
            table = table.replace_schema_metadata(None)
            pq.write_table(table, buf, compression="zstd", write_statistics=True)
        else:
            schema = pa.Schema.from_pandas(frame, preserve_index=False).remove_metadata()
            with pq.ParquetWriter(buf, schema, compression="zstd", write_statistics=True) as writer:
                for start in range(0, len(order), ROW_GROUP):
                    part = frame.take(order[start : start + ROW_GROUP])
                    table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
                    writer.write_table(table.replace_schema_metadata(None), row_group_size=ROW_GROUP)
        data = buf.getvalue()
    elif suffix == ".csv":
        data = frame.to_csv(index=False).encode("utf-8-sig")
    else:
        raise ValueError(
            f"path={str(target)!r}: expected a file name ending in .parquet or .csv, got suffix {suffix!r}; "
            "choose one of those two formats."
        )
    return atomic_write_bytes(target, data)


#: Document time written into xlsx/docx files, so the same content always gives the same bytes.
FIXED_DOC_TIME = "2000-01-01T00:00:00Z"
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def stable_zip(data: bytes) -> bytes:
    """Re-pack a zip container (xlsx, docx) with fixed timestamps so the same content gives the same bytes.

    The zip entries get a fixed date, and the document's own created/modified times (``docProps/core.xml``,
    which openpyxl stamps with the time of saving) are set to :data:`FIXED_DOC_TIME`.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(rb"\g<1>" + FIXED_DOC_TIME.encode() + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An xlsx workbook of ``sheets`` (sheet name → frame, no index) whose bytes depend only on its content.

    Examples
    --------
    >>> import pandas as pd
    >>> a = xlsx_bytes({"Data": pd.DataFrame({"x": [1]})})
    >>> a == xlsx_bytes({"Data": pd.DataFrame({"x": [1]})}), a[:2]
    (True, b'PK')
    """
    import pandas as pd

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name[:31], index=False)
    return stable_zip(buf.getvalue())


def write_geoparquet(frame: Any, path: str | os.PathLike[str]) -> Path:
    """Write a GeoDataFrame atomically as GeoParquet (zstd, no index)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, compression="zstd")
    return atomic_write_bytes(path, buf.getvalue())


def column_kind(dtype: str) -> str:
    """The kind (text, integer, float, boolean, binary) a declared pandas dtype is stored as in parquet.

    >>> column_kind("Int64"), column_kind("string"), column_kind("geometry")
    ('integer', 'text', 'binary')
    """
    if dtype in ("string", "object"):
        return "text"
    if dtype in ("int64", "Int64"):
        return "integer"
    if dtype in ("bool", "boolean"):
        return "boolean"
    return {"float64": "float", "geometry": "binary"}.get(dtype, dtype)


def _stored_kind(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_null(arrow_type):
        return "text"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "binary"
    return str(arrow_type)


def read_parquet_checked(
    path: str | os.PathLike[str],
    *,
    hint: str,
    geo: bool = False,
    columns: Sequence[tuple[str, str]] | None = None,
    table: str = "",
    complete: bool = False,
) -> pd.DataFrame:
    """Read a parquet file; with ``columns``, check its stored column types against them.

    Parameters
    ----------
    path
        The parquet (or GeoParquet) file.
    hint
        What to do, the last sentence of every message.
    geo
        Read as GeoParquet (a GeoDataFrame).
    columns
        Expected ``(name, pandas dtype)`` pairs; None reads without a check.
    table
        The declared table's name, for the messages.
    complete
        Also require every expected column (default: only the expected columns present are checked).

    Raises
    ------
    Failure
        The file is missing or unreadable, lacks an expected column (``complete``) or holds a column of another
        kind than expected; the message names the file, what was expected and what was found.
    """
    p = Path(path)
    if not p.is_file():
        raise Failure(f"{str(p)!r}: expected a parquet file, found {'a folder' if p.exists() else 'nothing'}.",
                      hint=hint)  # fmt: skip
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(p)
        if geo:
            import geopandas as gpd

            frame = gpd.read_parquet(p)
        else:
            frame = pd.read_parquet(p)
    except Exception as exc:  # pyarrow.ArrowInvalid, OSError, ValueError: all mean "not a readable table"
        raise Failure(
            f"{str(p)!r}: expected a readable parquet file, got one that cannot be read "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}); it may be "
            "truncated.",
            hint=hint,
        ) from exc
    if columns is not None:
        stored = {f.name: f.type for f in schema}
        names = [name for name, _ in columns]
        missing = [c for c in names if c not in stored]
        if missing and complete:
            raise Failure(
                f"{str(p)!r}: expected the {table!r} columns {names}, found {list(stored)} (missing {missing}); "
                "it was written by another version of segindicators.",
                hint=hint,
            )
        wrong = [
            f"{name} (expected {column_kind(dtype)}, found {_stored_kind(stored[name])})"
            for name, dtype in columns
            if name in stored and column_kind(dtype) != _stored_kind(stored[name])
        ]
        if wrong:
            raise Failure(
                f"{str(p)!r}: columns of another type than the {table!r} contract: {', '.join(wrong)}.",
                hint=hint,
            )
    return frame
