"""The processed tables' contract (``segindicators.tables``): declared once, written and read through it.

The frames here are synthetic ("Syntetiska exempeldata – inte officiell statistik").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segindicators
from segindicators.errors import Failure
from segindicators.paths import SYNTHETIC_MARKER
from segindicators.tables import (
    COUNTS_FLAGS,
    LEVEL_ORDER,
    TABLES,
    add_flag,
    normalise,
    processed_file,
    read_table,
    write_table,
)

PACKAGE = Path(segindicators.__file__).resolve().parent
#: Modules allowed to spell a processed file name, and why.
ALLOWED = {
    "tables.py": "the declaration itself",
    # the generator's own long-format source files share two names with processed tables but are not them
    "demo/synthetic.py": "writes the synthetic *source* files (lookup.parquet, counts.parquet of the generator)",
}


def _sample(table_name: str, rows: int = 3) -> pd.DataFrame:
    """A frame with every declared column of ``table_name`` (synthetic values, some missing)."""
    out = {}
    for col in TABLES[table_name].columns:
        if col.dtype in ("string", "object"):
            out[col.name] = (
                ["b", None, "a"][:rows] if col.name != "level" else ["RegSO", "DeSO", "kommun"][:rows]
            )
        elif col.dtype == "int64":
            out[col.name] = [2024, 2023, 2022][:rows]
        elif col.dtype == "Int64":
            out[col.name] = [2024, None, 2022][:rows]
        elif col.dtype == "float64":
            out[col.name] = [1.5, np.nan, 0.25][:rows]
        elif col.dtype == "bool":
            out[col.name] = [True, False, True][:rows]
        elif col.dtype == "boolean":
            out[col.name] = [True, None, False][:rows]
    return pd.DataFrame(out)


def test_every_processed_file_of_the_demo_refresh_is_declared(demo_refresh):
    declared = {f for t in TABLES.values() for f in t.files}
    written = {p.name for p in demo_refresh.processed.iterdir() if p.is_file()} - {SYNTHETIC_MARKER}
    assert written - declared == set(), "undeclared processed files: declare them in segindicators/tables.py"
    for table in TABLES.values():
        if set(table.files) <= written and table.files[0].endswith(".parquet"):
            frame = read_table(table.name, demo_refresh.processed, complete=True)  # every column, its type
            assert list(frame.columns[: len(table.columns)]) == table.column_names


def test_demo_counts_flags_are_in_the_vocabulary(demo_refresh):
    counts = read_table("counts", demo_refresh.processed)
    tokens = {t for f in counts["flags"].dropna() for t in f.split(";") if t}
    assert tokens <= set(COUNTS_FLAGS)


@pytest.mark.parametrize("name", [n for n, t in TABLES.items() if not t.geo])
def test_write_then_read_round_trips_with_declared_dtypes(tmp_path, name):
    table = TABLES[name]
    frame = _sample(name)
    written = write_table(name, frame.iloc[:, ::-1], tmp_path)  # column order is the declaration's
    assert [p.name for p in written] == list(table.files)
    expected = normalise(name, frame)
    assert list(expected.dtypes.astype(str)) == [c.dtype for c in table.columns]
    if table.files[0].endswith(".csv"):
        back = pd.read_csv(written[0])
        assert list(back.columns) == table.column_names
        return
    back = read_table(name, tmp_path)
    assert list(back.columns) == table.column_names
    # pandas reads a nullable integer with missing values as float64; cast back, the values are the same
    restored = normalise(name, back, sort=False)
    pd.testing.assert_frame_equal(restored, expected)


def test_write_table_sorts_by_the_declared_keys_with_levels_in_order(tmp_path):
    frame = _sample("counts")
    write_table("counts", frame, tmp_path)
    back = read_table("counts", tmp_path)
    assert list(back["level"]) == sorted(frame["level"], key=LEVEL_ORDER.__getitem__)
    assert list(back["flags"]) == ["", "", ""] or back["flags"].notna().all()  # missing flags are ""


def test_write_table_names_a_missing_column(tmp_path):
    with pytest.raises(ValueError, match=r"table 'kolada': expected columns .*missing \['carried_forward'\]"):
        write_table("kolada", _sample("kolada").drop(columns="carried_forward"), tmp_path)


def test_read_table_names_file_expected_and_found(tmp_path):
    write_table("lookup", _sample("lookup").drop(columns="kommun_name").assign(kommun_name="x"), tmp_path)
    path = processed_file("lookup", tmp_path)
    pd.DataFrame({"geo_version": ["2018"], "deso": ["0580A0010"]}).to_parquet(path)
    read_table("lookup", tmp_path)  # a subset of the columns, of the declared types, reads
    with pytest.raises(Failure) as info:
        read_table("lookup", tmp_path, complete=True)
    message = str(info.value)
    assert str(path) in message and "expected the 'lookup' columns" in message and "missing" in message
    pd.DataFrame({"geo_version": [2018]}).to_parquet(path)
    with pytest.raises(Failure, match=r"geo_version \(expected text, found integer\)"):
        read_table("lookup", tmp_path)
    with pytest.raises(Failure, match="expected a parquet file, found nothing"):
        read_table("counts", tmp_path)


def test_unknown_table_says_where_to_declare_it(tmp_path):
    with pytest.raises(KeyError, match="declare a new table in segindicators/tables.py"):
        write_table("nope", pd.DataFrame(), tmp_path)


def test_add_flag_once_and_only_where_asked():
    s = pd.Series(["", "suppressed", None])
    assert add_flag(add_flag(s, "pooled"), "pooled").tolist() == ["pooled", "suppressed;pooled", "pooled"]
    assert add_flag(s, "break", where=[False, True, False]).tolist() == ["", "suppressed;break", ""]


def _literals(tree: ast.AST):
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def test_no_module_outside_the_declaration_spells_a_processed_file_name():
    names = sorted({f for t in TABLES.values() for f in t.files}, key=len, reverse=True)
    spelled = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, names)) + r")\b")
    # f"{name}.parquet" / f"geometry_{level}.parquet": a processed file name built around a table's name
    built = re.compile(r"^(?:geometry_)?\{(?:n|name|table|level)\}\.(?:parquet|csv)$")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _literals(tree):
            if spelled.search(node.value):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                template = "".join(
                    v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                    for v in node.values
                )
                if built.match(template):
                    found.append(f"{rel}:{node.lineno}: {template!r}")
    assert found == [], "use segindicators.tables (processed_file, read_table, write_table):\n" + "\n".join(
        found
    )


def test_the_package_re_types_no_processed_table_on_its_own():
    """The old local contracts are gone: one TEXT_COLUMNS/LABEL_COLUMNS/LEVEL_ORDER/add_flag, in tables.py (the synthetic label in labels.py)."""
    pattern = re.compile(
        r"^(?:TEXT_COLUMNS|LABEL_COLUMNS|_?LEVEL_ORDER)\s*=|^def _?add_flag\(|^SYNTHETIC_\w+ = \"Syntetiska",
        re.M,
    )
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("tables.py", "labels.py") and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
