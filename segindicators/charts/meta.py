"""What a chart says about itself: title, source line, series breaks, synthetic flag (:class:`ChartMeta`).

Pure values and text: nothing here draws. The chart functions take a :class:`ChartMeta`; the style
(:mod:`segindicators.charts.style`) prints its lines on the figure and the export
(:mod:`segindicators.charts.export`) writes it to the xlsx metadata sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "KEY_WORDS",
    "ChartMeta",
    "SeriesBreak",
    "Source",
    "chart_title",
    "normalise_breaks",
    "source_line",
    "sources_from_frame",
    "year_span",
]


@dataclass(frozen=True)
class Source:
    """A source table behind a chart, as recorded in the provenance (``updated`` is SCB's stamp)."""

    table: str
    updated: str | None = None
    publisher: str = "SCB"


@dataclass(frozen=True)
class SeriesBreak:
    """A break in a series (from the catalogue): the first year measured the new way, and why."""

    year: int
    reason: str


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about itself: title lines, source line, breaks, synthetic flag, export metadata.

    Parameters
    ----------
    title
        Measure, population and unit, e.g. ``"Låg ekonomisk standard, barn 0–19 år, andel (%)"``
        (see :func:`chart_title`).
    subtitle
        Area and years, e.g. ``"Linköpings fokusområden, kommunen och riket, 2015–2023"``.
    unit
        Catalogue unit of the plotted values (``"share"``, ``"count"``, ``"tkr"``, ``"index"``); drives
        axis and label formatting.
    sources
        :class:`Source` items, or mappings with ``table``, ``updated`` (and ``publisher``).
    breaks
        :class:`SeriesBreak` items, ``(year, reason)`` tuples or mappings with ``year`` and ``reason``.
    synthetic
        True when the data is the synthetic sample: the chart then carries :data:`SYNTHETIC_MARK`.
    definition, notes, retrieved, caption
        Definition text (metadata sheet), extra footnotes, retrieval date (ISO), caption for the report
        index (default: title).
    """

    title: str
    subtitle: str = ""
    unit: str = ""
    sources: tuple[Any, ...] = ()
    breaks: tuple[Any, ...] = ()
    synthetic: bool = False
    definition: str = ""
    notes: tuple[str, ...] = ()
    retrieved: str | None = None
    caption: str = ""
    processing: str = "segindicators"
    extra: Mapping[str, str] = field(default_factory=dict)

    def source_items(self) -> list[Source]:
        """Sources normalised to :class:`Source` (order kept, duplicates dropped)."""
        out: list[Source] = []
        for s in self.sources:
            item = s if isinstance(s, Source) else Source(**dict(s))
            if item not in out:
                out.append(item)
        return out

    def break_items(self) -> list[SeriesBreak]:
        """Breaks normalised to :class:`SeriesBreak`, sorted by year."""
        return normalise_breaks(self.breaks)


def normalise_breaks(breaks: Iterable[Any]) -> list[SeriesBreak]:
    """Turn ``(year, reason)`` tuples, mappings or :class:`SeriesBreak` into sorted :class:`SeriesBreak`.

    Examples
    --------
    >>> normalise_breaks([{"year": 2020, "reason": "BAS ersätter RAMS"}, (2015, "ny DeSO")])[0].year
    2015
    """
    out = []
    for b in breaks:
        if isinstance(b, SeriesBreak):
            out.append(b)
        elif isinstance(b, Mapping):
            out.append(SeriesBreak(int(b["year"]), str(b["reason"])))
        else:
            year, reason = b
            out.append(SeriesBreak(int(year), str(reason)))
    return sorted(out, key=lambda b: b.year)


def chart_title(measure: str, population: str, unit: str) -> str:
    """Title in the order SCB uses: measure, population, unit.

    Examples
    --------
    >>> chart_title("Låg ekonomisk standard", "barn 0–19 år", "andel (%)")
    'Låg ekonomisk standard, barn 0–19 år, andel (%)'
    """
    return ", ".join(p for p in (measure, population, unit) if p)


def year_span(years: Iterable[int]) -> str:
    """``"2015–2023"`` (en dash) or a single year.

    Examples
    --------
    >>> year_span([2021, 2020, 2023])
    '2020–2023'
    >>> year_span([2023])
    '2023'
    """
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"


def sources_from_frame(frame: pd.DataFrame) -> tuple[Source, ...]:
    """SCB source tables of processed rows, from their ``source_table`` and ``table_updated`` columns.

    Combined ids (``"TAB6685+TAB6574"``: a share from one table over persons from another) are split; each
    table keeps its latest ``updated`` stamp; tables are sorted by id. Rows without a ``source_table``
    column (frames built by hand) have no sources: the source line then says "uppgift saknas".

    Examples
    --------
    >>> df = pd.DataFrame({"source_table": ["TAB6685", "TAB6685"], "table_updated": ["2025-02-21T08:00:00Z", None]})
    >>> sources_from_frame(df)
    (Source(table='TAB6685', updated='2025-02-21T08:00:00Z', publisher='SCB'),)
    >>> df = pd.DataFrame({"source_table": ["TAB6685+TAB6574", "TAB6574"],
    ...                    "table_updated": ["2025-02-21T08:00:00Z", "2025-03-01"]})
    >>> [(s.table, s.updated) for s in sources_from_frame(df)]
    [('TAB6574', '2025-03-01'), ('TAB6685', '2025-02-21T08:00:00Z')]
    """
    if frame.empty or "source_table" not in frame.columns:
        return ()
    upd = frame["table_updated"] if "table_updated" in frame.columns else pd.Series(pd.NA, index=frame.index)
    df = pd.DataFrame({"t": frame["source_table"].astype("string"), "u": upd.astype("string")}).dropna(
        subset="t"
    )
    df = df.assign(t=df["t"].str.split("+")).explode("t")
    df["t"] = df["t"].str.strip()
    out = []
    for table, grp in df.groupby("t", sort=True):
        u = grp["u"].dropna()
        out.append(Source(str(table), str(u.max()) if len(u) else None))
    return tuple(out)


KEY_WORDS: dict[str, tuple[str, str]] = {"Kolada": ("nyckeltal ", "nyckeltalen ")}
"""What a publisher's ids are called in the source line (default: SCB's "tabell"/"tabellerna")."""

_TABLE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*[0-9][A-Za-z0-9_]*$")


def source_line(meta: ChartMeta) -> str:
    """The source line printed bottom-left.

    Examples
    --------
    >>> source_line(ChartMeta("t", sources=(Source("TAB6685", "2025-02-21T08:00:00Z"),)))
    'Källa: SCB, tabell TAB6685 (uppdaterad 2025-02-21). Bearbetning: segindicators.'
    >>> source_line(ChartMeta("t", sources=({"table": "TAB6571"}, {"table": "TAB6572", "updated": "2024-05-02"})))
    'Källa: SCB, tabellerna TAB6571 och TAB6572 (uppdaterad 2024-05-02). Bearbetning: segindicators.'
    >>> source_line(ChartMeta("t", sources=({"table": "Befolkning efter födelseregion (webbexport)"},)))
    'Källa: SCB, Befolkning efter födelseregion (webbexport). Bearbetning: segindicators.'
    >>> source_line(ChartMeta("t", synthetic=True))
    'Källa: syntetiska exempeldata (fiktiv kommun). Bearbetning: segindicators.'
    >>> source_line(ChartMeta("t", sources=(Source("TAB6680", "2025-06-01"), Source("N31807", publisher="Kolada"))))
    'Källa: SCB, tabell TAB6680 (uppdaterad 2025-06-01); Kolada, nyckeltal N31807. Bearbetning: segindicators.'
    """
    items = meta.source_items()
    parts = []
    by_pub: dict[str, list[Source]] = {}
    for s in items:
        by_pub.setdefault(s.publisher, []).append(s)
    for pub, srcs in by_pub.items():
        names = [s.table + (f" (uppdaterad {s.updated[:10]})" if s.updated else "") for s in srcs]
        is_id = all(_TABLE_ID.match(s.table) for s in srcs)
        singular, plural = KEY_WORDS.get(pub, ("tabell ", "tabellerna "))
        word = (singular if len(names) == 1 else plural) if is_id else ""
        joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"
        parts.append(f"{pub}, {word}{joined}")
    if meta.synthetic:
        parts.insert(0, "syntetiska exempeldata (fiktiv kommun)")
    src = "; ".join(parts) if parts else "uppgift saknas"
    return f"Källa: {src}. Bearbetning: {meta.processing}."
