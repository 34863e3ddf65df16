"""Pure helpers for PxWebApi v2 selections: expansion, cell counting and splitting under the cell limit.

A selection maps a variable code to value codes or expressions. PxWebApi v2 understands ``*`` and ``?``
wildcards (``"0580*"``), ``TOP(n)``, ``BOTTOM(n)``, ``FROM(code)``, ``TO(code)`` and ``RANGE(a,b)``; with a
codelist the server applies the codelist first and expands the expressions over the codelist's codes. These
helpers reproduce that expansion from the metadata and codelists so the client can count the cells of a
selection (the product of the expanded sizes) and split it before the server refuses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from segindicators.sources.scb.jsonstat import category_codes
from segindicators.sources.scb.metadata import valueset_codes

_FUNC = re.compile(r"^(TOP|BOTTOM|FROM|TO|RANGE)\((.*)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class VariableInfo:
    """What the metadata says about one variable."""

    code: str
    codes: tuple[str, ...]
    elimination: bool
    codelists: tuple[str, ...]


def metadata_variables(meta: Mapping[str, Any]) -> dict[str, VariableInfo]:
    """Variables of a ``/tables/{id}/metadata`` answer (JSON-stat2), in ``id`` order.

    >>> meta = {"id": ["Kon"], "dimension": {"Kon": {"category": {"index": {"1": 0, "2": 1}},
    ...         "extension": {"elimination": True, "codelists": [{"id": "vs_Kon"}]}}}}
    >>> metadata_variables(meta)["Kon"]
    VariableInfo(code='Kon', codes=('1', '2'), elimination=True, codelists=('vs_Kon',))
    """
    out = {}
    for var in meta["id"]:
        dim = meta["dimension"][var]
        ext = dim.get("extension") or {}
        out[var] = VariableInfo(
            code=var,
            codes=tuple(category_codes(dim)),
            elimination=bool(ext.get("elimination", False)),
            codelists=tuple(c["id"] for c in ext.get("codelists") or []),
        )
    return out


def codelist_codes(codelist: Mapping[str, Any]) -> list[str]:
    """Value codes of a ``/codelists/{id}`` answer, in order.

    >>> codelist_codes({"id": "vs_X", "values": [{"code": "a"}, {"code": "b"}]})
    ['a', 'b']
    """
    return [str(v["code"]) for v in codelist.get("values", [])]


def normalise_selection(selection: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    """Selection as ``{variable: [expressions]}`` (a single string becomes a one-item list; duplicates dropped).

    >>> normalise_selection({"Region": "0580*", "Tid": ["2024", "2024", "2025"]})
    {'Region': ['0580*'], 'Tid': ['2024', '2025']}
    """
    out: dict[str, list[str]] = {}
    for var, codes in selection.items():
        items = [codes] if isinstance(codes, str) else list(codes)
        if not items:
            raise ValueError(f"selection[{var!r}]: expected at least one value code or expression, got none.")
        out[str(var)] = list(dict.fromkeys(str(c) for c in items))
    return out


def _wildcard(expr: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(expr).replace(r"\*", ".*").replace(r"\?", ".") + "$")


def expand_expressions(expressions: Sequence[str], candidates: Sequence[str]) -> list[str]:
    """Codes of ``candidates`` (in candidate order) selected by PxWeb value expressions.

    Raises ValueError for a literal code that is not a candidate.

    >>> codes = ["0580A0010", "0580C1160", "0581A0010", "0580"]
    >>> expand_expressions(["0580*"], codes)
    ['0580A0010', '0580C1160', '0580']
    >>> expand_expressions(["TOP(2)"], ["2022", "2023", "2024"])
    ['2023', '2024']
    >>> expand_expressions(["RANGE(2022,2023)", "BOTTOM(1)"], ["2021", "2022", "2023", "2024"])
    ['2021', '2022', '2023']
    """
    position = {c: i for i, c in enumerate(candidates)}
    chosen: set[int] = set()
    for expr in expressions:
        m = _FUNC.match(expr)
        if m:
            name, arg = m[1].upper(), m[2]
            args = [a.strip() for a in arg.split(",")]
            if name in ("TOP", "BOTTOM"):
                k = int(args[0])
                # PxWeb: TOP(n) = the n latest (last) values, BOTTOM(n) = the n first.
                picked = (
                    range(max(0, len(candidates) - k), len(candidates))
                    if name == "TOP"
                    else range(min(k, len(candidates)))
                )
            else:
                lo = position.get(args[0], None) if name in ("FROM", "RANGE") else 0
                hi = position.get(args[-1], None) if name in ("TO", "RANGE") else len(candidates) - 1
                if lo is None or hi is None:
                    raise ValueError(f"expression {expr!r}: a bound is not among the variable's codes.")
                picked = range(lo, hi + 1)
            chosen.update(picked)
        elif "*" in expr or "?" in expr:
            pattern = _wildcard(expr)
            chosen.update(i for i, c in enumerate(candidates) if pattern.match(c))
        else:
            if expr not in position:
                raise ValueError(f"value code {expr!r} is not one of the variable's codes.")
            chosen.add(position[expr])
    return [candidates[i] for i in sorted(chosen)]


def expand_selection(
    variables: Mapping[str, VariableInfo],
    selection: Mapping[str, Sequence[str]],
    codelist_values: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """Expanded codes per variable as the server would select them.

    Variables with a codelist expand over the codelist's codes (``codelist_values[var]``). Variables missing
    from the selection count once when they can be eliminated and with all their codes otherwise. Variables
    unknown to the metadata are kept literally (the server will answer with its own error).

    >>> v = {"Region": VariableInfo("Region", ("0580", "0581"), False, ("vs_DeSO2025",)),
    ...      "Kon": VariableInfo("Kon", ("1", "2"), True, ())}
    >>> expand_selection(v, {"Region": ["0580*"]}, {"Region": ["0580A0010_DeSO2025", "0581A0010_DeSO2025"]})
    {'Region': ['0580A0010_DeSO2025']}
    """
    codelist_values = codelist_values or {}
    out: dict[str, list[str]] = {}
    for var, info in variables.items():
        if var in selection:
            candidates = list(codelist_values.get(var, info.codes))
            try:
                out[var] = expand_expressions(selection[var], candidates)
            except ValueError as exc:
                raise ValueError(f"selection[{var!r}]: {exc}") from None
        elif not info.elimination:
            out[var] = list(info.codes)
    for var, codes in selection.items():
        if var not in variables:
            out[var] = list(codes)
    return out


def count_cells(expanded: Mapping[str, Sequence[str]]) -> int:
    """Number of cells a selection returns: the product of the expanded sizes.

    >>> count_cells({"Region": ["a", "b", "c"], "Tid": ["1", "2"]})
    6
    """
    return math.prod(len(v) for v in expanded.values())


@dataclass(frozen=True)
class Chunk:
    """One request of a split selection: what is sent and what it expands to."""

    selection: dict[str, list[str]]
    expanded: dict[str, list[str]]

    @property
    def cells(self) -> int:
        """Cells this chunk returns."""
        return count_cells(self.expanded)


def plan_chunks(
    selection: Mapping[str, Sequence[str]], expanded: Mapping[str, Sequence[str]], max_cells: int
) -> list[Chunk]:
    """Split a selection so that every chunk has at most ``max_cells`` cells.

    The largest dimension is cut into contiguous blocks (in the server's code order) as large as the limit
    allows; if even one of its codes exceeds the limit, it is cut into single codes and the next-largest
    dimension is split inside each. Unsplit variables keep their original expressions (wildcards stay
    wildcards), so an unsplit selection is sent exactly as given.

    >>> sel = {"Region": ["0580*"], "Tid": ["2023", "2024"]}
    >>> exp = {"Region": ["a", "b", "c", "d", "e"], "Tid": ["2023", "2024"]}
    >>> [c.selection["Region"] for c in plan_chunks(sel, exp, 4)]
    [['a', 'b'], ['c', 'd'], ['e']]
    >>> plan_chunks(sel, exp, 10)[0].selection == sel
    True
    """
    if max_cells < 1:
        raise ValueError(f"max_cells={max_cells!r}: expected a positive cell limit.")
    sel = {k: list(v) for k, v in selection.items()}
    exp = {k: list(v) for k, v in expanded.items()}
    total = count_cells(exp)
    if total <= max_cells:
        return [Chunk(sel, exp)]
    var = max((v for v in exp if len(exp[v]) > 1), key=lambda v: len(exp[v]), default=None)
    if var is None:
        raise ValueError(f"a single cell cannot be split below max_cells={max_cells}.")
    codes = exp[var]
    rest = total // len(codes)
    block = max(1, max_cells // rest)
    out: list[Chunk] = []
    for start in range(0, len(codes), block):
        part = codes[start : start + block]
        sub_sel = {**sel, var: part}
        sub_exp = {**exp, var: part}
        out.extend(plan_chunks(sub_sel, sub_exp, max_cells))
    return out


def whole_chunk(
    variables: Mapping[str, VariableInfo],
    selection: Mapping[str, Sequence[str]],
    codelists: Mapping[str, str],
    max_cells: int,
) -> Chunk | None:
    """The selection as one call, counted without reading its codelists, when that count exists and fits.

    Every codelist must be a Region valueset of a known level: it is counted on the table's own Region codes
    of that level and version (:func:`~segindicators.sources.scb.metadata.valueset_codes`). None when a
    codelist is of another kind, a literal code is not among those codes, or the count exceeds ``max_cells``:
    the codelists must then be read (a split names the codelist's own codes).

    >>> v = {"Region": VariableInfo("Region", ("00", "0580", "0580C1010", "0580C1010_DeSO2025"), False, ()),
    ...      "Tid": VariableInfo("Tid", ("2023", "2024"), False, ())}
    >>> whole_chunk(v, {"Region": ["*"], "Tid": ["2024"]}, {"Region": "vs_DeSO2025"}, 10).expanded["Region"]
    ['0580C1010_DeSO2025']
    >>> whole_chunk(v, {"Region": ["*"], "Tid": ["*"]}, {"Region": "vs_CRegionKommun07"}, 1) is None  # 2 cells
    True
    """
    if not codelists:
        return None
    counted: dict[str, list[str]] = {}
    for var, codelist in codelists.items():
        info = variables.get(var) if var == "Region" else None
        codes = None if info is None else valueset_codes(codelist, info.codes)
        if codes is None:
            return None
        counted[var] = codes
    try:
        expanded = expand_selection(variables, selection, counted)
    except ValueError:
        return None
    if count_cells(expanded) > max_cells:
        return None
    return Chunk({k: list(v) for k, v in selection.items()}, expanded)
