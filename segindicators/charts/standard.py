"""Render the standard chart set of the yearly report from the processed outputs.

:func:`render_standard_charts` walks :func:`~segindicators.charts.specs.standard_chart_specs` and draws each
chart from the processed tables (``counts``, ``indices``, ``plan_status``, ``lookup``, geometry), exports it
(PNG/SVG/PDF + xlsx under its stable name) and writes ``index.md``. A chart whose input is absent is not
drawn; ``index.md`` lists it with the reason ("inte ritat"). Nothing is estimated or filled in to make a
chart appear: a single-municipality run has no peer indices, so the peer charts are skipped, not faked.

Provenance: the source line of each chart lists the SCB tables of the plotted rows with their ``updated``
stamps (``source_table``/``table_updated`` of the counts; combined sources such as ``"TAB6685+TAB6574"`` are
split); series breaks come from the catalogue (indicator ``breaks``) and from the ``break`` flag that the
index battery sets on the first year of a new geography version; only breaks inside the plotted years are
kept. The refresh's ``charts`` stage (:func:`segindicators.pipeline.stages.stage_charts`) calls
:func:`render_standard_charts`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segindicators.catalogue.definitions import load_catalogue
from segindicators.geography.profiles import load_profile
from segindicators.indices import ice
from segindicators.indices.battery import ICE_DEFINITIONS, group_wide
from segindicators.paths import is_synthetic
from segindicators.plan.measures import STATUSES, UNKNOWN, load_register, summary_by_year
from segindicators.tables import TABLES, read_table, table_exists
from segindicators.typology.affluence import AFFLUENCE_SV, affluence_measures

from .._io import atomic_write_text
from .bars import decomposition_chart, ice_chart, measures_status_chart, peer_rank_chart, ranked_bar_chart
from .export import ExportResult, export, write_index
from .maps import choropleth_map
from .plan import plan_status_chart
from .specs import ChartSpec, standard_chart_specs
from .style import ChartMeta, SeriesBreak, Source, chart_title, year_span
from .trends import index_trend_chart, peer_trend_chart, trend_chart

__all__ = [
    "ChartSet",
    "Skipped",
    "draw_standard_charts",
    "load_processed",
    "plan_rows",
    "plan_sources",
    "render_standard_charts",
    "sources_of",
]

INDEX_BREAK_SV = "index beräknade på den nya DeSO-indelningen (DeSO 2025); inte helt jämförbara med åren före"
AFFLUENT_LABEL = "Koncentrerat välstånd"


@dataclass(frozen=True)
class Skipped:
    """A chart of the standard set that was not drawn, and why (shown in ``index.md``)."""

    name: str
    title: str
    reason: str


class ChartSet(list):
    """The exported charts (:class:`~segindicators.charts.export.ExportResult`, report order), plus
    ``skipped`` (:class:`Skipped`), ``index`` (path of index.md), ``seconds`` (render + export time) and
    ``figures`` (name → Figure, only with ``keep_figures=True``)."""

    def __init__(self, items: Iterable[ExportResult] = (), skipped: Sequence[Skipped] = ()) -> None:
        super().__init__(items)
        self.skipped: list[Skipped] = list(skipped)
        self.index: Path | None = None
        self.seconds: float = 0.0
        self.figures: dict[str, Any] = {}


class _Skip(Exception):
    """Raised by a builder when its input is absent; the message is the reason shown in index.md."""


def sources_of(frame: pd.DataFrame) -> tuple[Source, ...]:
    """SCB source tables of processed rows, combined ids (``"TAB6685+TAB6574"``) split, latest stamp each.

    Examples
    --------
    >>> df = pd.DataFrame({"source_table": ["TAB6685+TAB6574", "TAB6574"],
    ...                    "table_updated": ["2025-02-21T08:00:00Z", "2025-03-01"]})
    >>> [(s.table, s.updated) for s in sources_of(df)]
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


def _breaks_in(breaks: Iterable[SeriesBreak], years: Iterable[int]) -> tuple[SeriesBreak, ...]:
    ys = [int(y) for y in years]
    if not ys:
        return ()
    lo, hi = min(ys), max(ys)
    seen: dict[int, SeriesBreak] = {}
    for b in breaks:
        if lo < b.year <= hi and b.year not in seen:
            seen[b.year] = b
    return tuple(sorted(seen.values(), key=lambda b: b.year))


def _flag_years(frame: pd.DataFrame, token: str = "break") -> set[int]:
    if "flags" not in frame.columns or frame.empty:
        return set()
    hit = frame["flags"].fillna("").astype(str).str.split(";").map(lambda t: token in t)
    return {int(y) for y in frame.loc[hit.to_numpy(dtype=bool), "year"]}


# ------------------------------------------------------------------------------------------------ inputs


def load_processed(processed_dir: str | Path) -> dict[str, Any]:
    """Read the processed tables the standard set needs (absent files are simply missing from the dict).

    Returns a mapping with ``counts``, ``indices``, ``plan_status``, ``lookup`` (DataFrames) and
    ``geometry`` (``{"deso": GeoDataFrame, "regso": GeoDataFrame}``), and ``synthetic`` (True when the
    folder carries ``SYNTETISKA_DATA.txt``).
    """
    d = Path(processed_dir)
    if not table_exists("counts", d):
        raise FileNotFoundError(
            f"processed_dir={str(d)!r}: no {TABLES['counts'].parquet} there; run `segindicators refresh` (or `demo`) first, "
            "or pass --processed-dir pointing at data/processed."
        )
    out: dict[str, Any] = {"synthetic": is_synthetic(d)}
    for name in ("counts", "indices", "plan_status", "lookup"):
        if table_exists(name, d):
            out[name] = read_table(name, d)  # checked against its contract; a broken file names itself
    geometry = {}
    for level in ("deso", "regso"):
        if table_exists(f"geometry_{level}", d):
            geometry[level] = read_table(f"geometry_{level}", d)
    out["geometry"] = geometry
    return out


@dataclass
class _Inputs:
    kommun: str
    year: int
    kommun_name: str
    focus: list[Any]  # FocusArea items
    peers: dict[str, str]
    counts: pd.DataFrame | None
    indices: pd.DataFrame | None
    plan_status: pd.DataFrame | None
    lookup: pd.DataFrame | None
    geometry: Mapping[str, Any]
    synthetic: bool
    catalogue: Any
    retrieved: str | None
    measures: Any
    _affluent: dict[Any, Any] | None = None

    # -- helpers
    def meta(self, spec: ChartSpec, **kw: Any) -> ChartMeta:
        base = {
            "title": chart_title(spec.measure, spec.population, spec.unit_label),
            "synthetic": self.synthetic,
            "retrieved": self.retrieved,
        }
        base.update(kw)
        return ChartMeta(**base)

    def indicator(self, ind: str) -> Any:
        try:
            return self.catalogue.indicator(ind)
        except KeyError:
            return None

    def catalogue_breaks(self, ind: str) -> list[SeriesBreak]:
        spec = self.indicator(ind)
        if spec is None:
            return []
        return [SeriesBreak(b.year, b.reason_sv) for b in spec.breaks]

    def rows(self, indicator: str, levels: Sequence[str]) -> pd.DataFrame:
        if self.counts is None:
            raise _Skip(f"processade antal ({TABLES['counts'].parquet}) saknas")
        c = self.counts
        sub = c[c["indicator"].eq(indicator) & c["level"].isin(list(levels)) & c["year"].le(self.year)]
        own = sub["kommun"].astype(str).eq(self.kommun) | sub["level"].eq("riket")
        return sub[own.to_numpy(dtype=bool)]

    def affluent_areas(self, year: int) -> list[str] | None:
        """RegSO with concentrated affluence in ``year`` (segindicators.typology.affluence); None if not computable."""
        if self._affluent is None:
            c = self.counts
            c = c[c["kommun"].astype(str).eq(self.kommun) | c["level"].eq("riket")]
            try:
                m = affluence_measures(c, level="RegSO")
            except ValueError as exc:  # inputs of the typology absent: no highlight, said in a footnote
                self._affluent = {"error": str(exc)}
                return None
            m = m[m["kommun"].astype(str).eq(self.kommun) & m["concentration"].eq(AFFLUENCE_SV)]
            self._affluent = {int(y): sorted(set(g["area"].astype(str))) for y, g in m.groupby("year")}
        if "error" in self._affluent:
            return None
        return self._affluent.get(year, [])

    def focus_codes(self, level: str = "RegSO") -> list[str]:
        return [c for fa in self.focus if fa.level == level for c in fa.areas]


def _one_per_year(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per area and year: the harmonised series where it exists, else the native versions."""
    if frame.empty:
        return frame
    harm = frame["geo_version"].astype(str).eq("harmonised")
    has_h = harm.groupby(frame["area"]).transform("any").to_numpy(dtype=bool)
    keep = frame[(has_h & harm.to_numpy()) | (~has_h)]
    return keep.sort_values(["area", "year"]).drop_duplicates(["area", "year"], keep="first")


def _sum_notes(frame: pd.DataFrame, kommun_name: str) -> list[str]:
    """Footnotes for plotted figures that are the product's own sums, not SCB's published figures.

    ``pooled``: SCB's table has no kommun row, the kommun figure is summed from its DeSO; ``unvouched_sum``: the
    table's metadata says SCB does not vouch for sums of its cells (``aggregallowed: false``).

    Examples
    --------
    >>> f = pd.DataFrame({"flags": ["pooled;unvouched_sum", ""], "level": ["kommun", "focus"]})
    >>> [n[:40] for n in _sum_notes(f, "Linköping")]
    ['Linköping: SCB redovisar inget kommunvär', 'SCB ansvarar inte för summor av tabellen']
    """
    if frame.empty or "flags" not in frame.columns:
        return []
    tokens = frame["flags"].fillna("").astype(str)
    notes = []
    if tokens.str.contains("pooled").any():
        notes.append(
            f"{kommun_name}: SCB redovisar inget kommunvärde i tabellen; kommunens värde är summerat från dess DeSO."
        )
    if tokens.str.contains("unvouched_sum").any():
        notes.append(
            "SCB ansvarar inte för summor av tabellens celler (cellerna är skyddade mot röjande): summerade värden "
            "för kommunen och fokusområdena är egna beräkningar och kan avvika från SCB:s egna."
        )
    return notes


def _native_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the latest year, in that year's own geography version (harmonised only as fallback)."""
    if frame.empty:
        return frame
    y = int(frame["year"].max())
    sub = frame[frame["year"].eq(y)]
    native = sub[~sub["geo_version"].astype(str).eq("harmonised")]
    return native if len(native) else sub


# ---------------------------------------------------------------------------------------------- builders

Built = list[tuple[str, Any, str | None]]  # (name, figure, caption)


def _trend(inp: _Inputs, spec: ChartSpec) -> Built:
    rows = inp.rows(spec.indicator, ["focus", "kommun", "riket", "RegSO", "DeSO"])
    if rows.empty:
        raise _Skip(f"inga rader för indikatorn {spec.indicator} i processade data")
    parts = []
    focus_rows = rows[rows["level"].eq("focus")]
    ref = {"kommun": _one_per_year(rows[rows["level"].eq("kommun")]),
           "riket": _one_per_year(rows[rows["level"].eq("riket")])}  # fmt: skip
    n_ref = sum(1 for r in ref.values() if len(r))
    room = 5 - n_ref
    notes = []
    for fa in inp.focus:
        if room <= 0:
            notes.append(f"Fokusområdet {fa.name} visas inte: högst fem linjer per diagram.")
            continue
        sub = focus_rows[focus_rows["area"].astype(str).eq(fa.id)]
        if sub.empty and len(fa.areas) == 1:  # a one-district focus area: that district's own series
            sub = rows[rows["level"].eq(fa.level) & rows["area"].astype(str).eq(fa.areas[0])]
        sub = _one_per_year(sub)
        if sub.empty:
            continue
        parts.append(sub.assign(level="focus", area_name=fa.name))
        room -= 1
    if not parts:
        if not len(ref["kommun"]):
            raise _Skip(f"varken fokusområden eller kommunen har värden för {spec.indicator}")
        notes.append(
            "Inga fokusområden visas: kommunens profil saknar fokusområden med värden för indikatorn."
            if inp.focus
            else "Inga fokusområden visas: kommunens profil har inga fokusområden."
        )
    if len(ref["kommun"]):
        parts.append(ref["kommun"].assign(area_name=inp.kommun_name))
    if len(ref["riket"]):
        parts.append(ref["riket"].assign(area_name="Riket"))
    frame = pd.concat(parts, ignore_index=True)
    notes += _sum_notes(frame, inp.kommun_name)
    years = frame["year"].tolist()
    breaks = inp.catalogue_breaks(spec.indicator)
    for y in sorted(_flag_years(frame) - {b.year for b in breaks}):
        breaks.append(SeriesBreak(y, "seriebrott enligt SCB:s uppgifter"))
    who = "fokusområden, hela kommunen" if parts and parts[0]["level"].eq("focus").all() else "hela kommunen"
    who += " och riket" if len(ref["riket"]) else ""
    ind = inp.indicator(spec.indicator)
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}: {who}, {year_span(years)}",
        unit=ind.unit if ind is not None else "share",
        sources=sources_of(frame),
        breaks=_breaks_in(breaks, years),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=tuple(notes),
    )
    return [(spec.name, trend_chart(frame, meta), None)]


def _ranked(inp: _Inputs, spec: ChartSpec) -> Built:
    rows = _native_latest(inp.rows(spec.indicator, ["RegSO"]))
    rows = rows[rows["kommun"].astype(str).eq(inp.kommun)]
    if rows.empty:
        raise _Skip(f"inga RegSO-rader för indikatorn {spec.indicator}")
    yr = int(rows["year"].iloc[0])
    kom = inp.rows(spec.indicator, ["kommun"])
    kom = kom[kom["year"].eq(yr)]
    municipal = float(kom["value"].iloc[0]) if len(kom) and pd.notna(kom["value"].iloc[0]) else None
    affluent = inp.affluent_areas(yr)
    notes = []
    if affluent is None:
        affluent = []
        notes.append("Koncentrerat välstånd kunde inte bedömas: indata till typologin saknas.")
    elif affluent:
        notes.append(
            "Koncentrerat välstånd: områdets ICE ligger minst 0,2 över kommunens på minst två av tre "
            "dimensioner (inkomst, utbildning, bakgrund)."
        )
    if municipal is not None:
        notes += _sum_notes(kom, inp.kommun_name)
    ind = inp.indicator(spec.indicator)
    meta = inp.meta(
        spec,
        subtitle=f"Regionala statistikområden (RegSO) i {inp.kommun_name}, {yr}",
        unit=ind.unit if ind is not None else "share",
        sources=sources_of(pd.concat([rows, kom])),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=tuple(notes),
    )
    fig = ranked_bar_chart(
        rows[["area", "area_name", "year", "value"]],
        meta,
        focus=inp.focus_codes("RegSO"),
        affluent=affluent,
        affluent_label=AFFLUENT_LABEL,
        municipal_value=municipal,
        municipal_label=inp.kommun_name,
    )
    return [(spec.name, fig, None)]


def _index_rows(inp: _Inputs, group: str, names: Sequence[str], level: str = "DeSO") -> pd.DataFrame:
    if inp.indices is None:
        raise _Skip(f"segregationsindex ({TABLES['indices'].parquet}) saknas")
    i = inp.indices
    sub = i[
        i["kommun"].astype(str).eq(inp.kommun)
        & i["level"].eq(level)
        & i["group"].eq(group)
        & i["year"].le(inp.year)
    ]
    out = sub[sub["index"].isin(list(names))]
    if out.empty:
        multi = [f"multigroup_{n}" for n in names]
        out = sub[sub["index"].isin(multi)].assign(index=lambda d: d["index"].str.removeprefix("multigroup_"))
    if out.empty:
        raise _Skip(f"inga index {list(names)} för gruppen {group} på {level}-nivå")
    return out.sort_values(["year", "index"]).drop_duplicates(["year", "index"])


def _group_sources(inp: _Inputs, group: str, level: str, years: Iterable[int]) -> tuple[Source, ...]:
    if inp.counts is None:
        return ()
    c = inp.counts
    # group rows are "<group>.<member>"; a plain prefix also finds an indicator standing in for a group
    # (e.g. peer indices computed from foreign_born_share)
    sub = c[c["indicator"].str.startswith(group) & c["level"].eq(level) & c["year"].isin(list(years))]
    return sources_of(sub[sub["kommun"].astype(str).eq(inp.kommun)])


def _index_breaks(frame: pd.DataFrame) -> tuple[SeriesBreak, ...]:
    years = frame["year"].tolist()
    return _breaks_in([SeriesBreak(y, INDEX_BREAK_SV) for y in _flag_years(frame)], years)


def _index_trend(inp: _Inputs, spec: ChartSpec) -> Built:
    names = spec.options.get("indices", ["dissimilarity", "theil_h"])
    rows = _index_rows(inp, spec.indicator, names)
    present = [n for n in names if rows["index"].eq(n).any()]
    years = rows["year"].tolist()
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, demografiska statistikområden (DeSO), {year_span(years)}",
        unit="index",
        sources=_group_sources(inp, spec.indicator, "DeSO", set(years)),
        breaks=_index_breaks(rows),
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| (Duncan & Duncan 1955); Theils H "
        "(Theil & Finizza 1971). Skuggat band: 95 % osäkerhetsintervall (bootstrap).",
    )
    return [(spec.name, index_trend_chart(rows, meta, indices=present), None)]


def _decomposition(inp: _Inputs, spec: ChartSpec) -> Built:
    rows = _index_rows(inp, spec.indicator, ["theil_h_between", "theil_h_within"])
    frame = pd.DataFrame(
        {
            "year": rows["year"].to_numpy(),
            "component": rows["index"].str.removeprefix("theil_h_").to_numpy(),
            "value": rows["value"].to_numpy(dtype=float),
        }
    )
    years = frame["year"].tolist()
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, {year_span(years)}",
        unit="index",
        sources=_group_sources(inp, spec.indicator, "DeSO", set(years)),
        breaks=_index_breaks(rows),
        definition="H = H_mellan + Σ (T_r E_r / T E) H_r (Theil & Finizza 1971): mellan RegSO och inom RegSO "
        "(mellan DeSO i samma RegSO).",
    )
    labels = {"between": "Mellan RegSO", "within": "Inom RegSO (mellan DeSO)"}
    return [(spec.name, decomposition_chart(frame, meta, labels=labels), None)]


def _ice(inp: _Inputs, spec: ChartSpec) -> Built:
    if inp.counts is None:
        raise _Skip(f"processade antal ({TABLES['counts'].parquet}) saknas")
    try:
        group = inp.catalogue.group(spec.indicator)
    except KeyError:
        raise _Skip(f"gruppen {spec.indicator} finns inte i katalogen") from None
    c = inp.counts
    sub = c[c["kommun"].astype(str).eq(inp.kommun) & c["level"].eq("RegSO") & c["year"].le(inp.year)]
    sub = sub[sub["indicator"].str.startswith(f"{group.id}.")]
    sub = _native_latest(sub)
    wide = group_wide(sub, group)
    members = list(group.members)
    high, low = ("high", "low") if {"high", "low"} <= set(members) else (members[-1], members[0])
    wide = wide.dropna(subset=[high, low, "total"])
    wide = wide[wide["total"] > 0]
    if wide.empty:
        raise _Skip(f"inga RegSO med {group.id} för senaste året")
    res = ice(wide, privileged=high, deprived=low, total="total", unit="area", by="year")
    names = sub.drop_duplicates("area").set_index("area")["area_name"]
    res["area_name"] = res["area"].map(names)
    yr = int(res["year"].iloc[0])
    meta = inp.meta(
        spec,
        subtitle=f"Regionala statistikområden (RegSO) i {inp.kommun_name}, {yr}",
        unit="index",
        sources=sources_of(sub),
        definition="ICE = (A − P) / T (Massey 2001): A personer med hög ekonomisk standard (> 200 % av "
        "medianen), P med låg (< 60 %), T alla.",
    )
    fig = ice_chart(res[["area", "area_name", "year", "value"]], meta, focus=inp.focus_codes("RegSO"))
    return [(spec.name, fig, None)]


def _peer_frame(inp: _Inputs, spec: ChartSpec) -> tuple[pd.DataFrame, str]:
    if inp.indices is None:
        raise _Skip(f"segregationsindex ({TABLES['indices'].parquet}) saknas")
    i = inp.indices
    sub = i[i["index"].eq(spec.options.get("index", "dissimilarity")) & i["year"].le(inp.year)]
    if "group" in sub.columns:
        sub = sub[sub["group"].eq(spec.indicator)]
    if inp.peers:
        sub = sub[sub["kommun"].astype(str).isin([inp.kommun, *inp.peers])]
    if (
        sub.empty
        or sub["kommun"].astype(str).nunique() < 2
        or not sub["kommun"].astype(str).eq(inp.kommun).any()
    ):
        raise _Skip(
            "inga index för jämförelsekommuner i indata – en körning för en enskild kommun beräknar bara "
            "kommunens egna index; beräkna indexen för jämförelsekommunerna (segindicators.typology.peers) "
            "för att få diagrammet"
        )
    counts = sub.groupby("level")["kommun"].nunique()
    level = max(counts.index, key=lambda lv: (counts[lv], lv == "DeSO"))
    sub = sub[sub["level"].eq(level)].drop_duplicates(["kommun", "year"])
    names = {inp.kommun: inp.kommun_name, **inp.peers}
    frame = pd.DataFrame(
        {
            "municipality": sub["kommun"].astype(str).map(lambda k: names.get(k, k)).to_numpy(),
            "year": sub["year"].astype(int).to_numpy(),
            "value": sub["value"].to_numpy(dtype=float),
        }
    )
    return frame, level


def _peer_meta(inp: _Inputs, spec: ChartSpec, frame: pd.DataFrame, level: str) -> ChartMeta:
    n = frame["municipality"].nunique() - 1
    src = _group_sources(inp, spec.indicator, level, set(frame["year"]))
    return inp.meta(
        spec,
        subtitle=f"{inp.kommun_name} och {n} jämförelsekommuner, {level}, {year_span(frame['year'])}",
        unit="index",
        sources=src or spec.options.get("sources", ()),
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| över kommunens områden (Duncan & Duncan 1955).",
    )


def _peer_trend(inp: _Inputs, spec: ChartSpec) -> Built:
    frame, level = _peer_frame(inp, spec)
    meta = _peer_meta(inp, spec, frame, level)
    return [(spec.name, peer_trend_chart(frame, meta, focus=inp.kommun_name), None)]


def _peer_rank(inp: _Inputs, spec: ChartSpec) -> Built:
    frame, level = _peer_frame(inp, spec)
    meta = _peer_meta(inp, spec, frame, level)
    return [(spec.name, peer_rank_chart(frame, meta, focus=inp.kommun_name), None)]


def plan_rows(plan_status: pd.DataFrame, focus: Sequence[Any]) -> pd.DataFrame:
    """The plan-status rows a report shows: the municipality, and each focus area once.

    A focus area appears both as its district (RegSO/DeSO row) and as the pooled focus row (level
    ``focus``); the pooled row is kept, the district row only for indicators without pooled rows (e.g. an
    indicator followed in all districts). Districts outside the focus areas are left out. Used by the plan
    chart and the report's status tables, so both show the same rows.

    Examples
    --------
    >>> from segindicators.geography.profiles import FocusArea
    >>> ps = pd.DataFrame({"indicator": ["a", "a", "a", "b", "b"], "level": ["focus", "RegSO", "kommun", "RegSO", "RegSO"],
    ...                    "area": ["n", "R1", "0580", "R1", "R9"]})
    >>> plan_rows(ps, [FocusArea("n", "Norr", "RegSO", ("R1",))])[["indicator", "level", "area"]].values.tolist()
    [['a', 'focus', 'n'], ['a', 'kommun', '0580'], ['b', 'RegSO', 'R1']]
    """
    ps = plan_status
    focus_ids = {fa.id for fa in focus}
    focus_codes = {c for fa in focus for c in fa.areas}
    has_focus_level = ps["level"].eq("focus").fillna(False)
    pooled = set(ps.loc[has_focus_level.to_numpy(dtype=bool), "indicator"])
    area = ps["area"].astype(str)
    keep = (
        ps["level"].eq("kommun").fillna(False)
        | (has_focus_level & area.isin(focus_ids))
        | (~ps["indicator"].isin(pooled) & area.isin(focus_codes))
    )
    return ps[keep.to_numpy(dtype=bool)]


def plan_sources(counts: pd.DataFrame | None, kommun: str, indicators: Iterable[str]) -> tuple[Source, ...]:
    """Sources of plan indicators: SCB tables (with ``updated``) of catalogue indicators and of the groups
    behind ``index:<index>:<group>`` indicators, then the Kolada KPIs of ``kolada:<KPI>`` indicators.

    Examples
    --------
    >>> c = pd.DataFrame({"indicator": ["x", "background.foreign", "y"], "kommun": "0580",
    ...                   "source_table": ["TAB1", "TAB6571", "TAB9"], "table_updated": "2025-01-01"})
    >>> [(s.publisher, s.table) for s in plan_sources(c, "0580", ["x", "index:dissimilarity:background", "kolada:N1"])]
    [('SCB', 'TAB1'), ('SCB', 'TAB6571'), ('Kolada', 'N1')]
    """
    ids = [str(i) for i in indicators]
    kolada = tuple(Source(i.split(":", 1)[1], None, "Kolada") for i in ids if i.startswith("kolada:"))
    if counts is None or counts.empty:
        return kolada
    names = [i for i in ids if not i.startswith(("kolada:", "index:"))]
    groups = []
    for i in ids:
        if i.startswith("index:") and i.count(":") >= 2:
            group = i.split(":", 2)[2]
            groups.append(ICE_DEFINITIONS[group][0] if group in ICE_DEFINITIONS else group)
    ind = counts["indicator"].astype(str)
    hit = ind.isin(names) | ind.str.split(".", n=1).str[0].isin(groups) & ind.str.contains(".", regex=False)
    own = counts["kommun"].astype(str).eq(str(kommun))
    return sources_of(counts[(hit & own).to_numpy(dtype=bool)]) + kolada


def _plan(inp: _Inputs, spec: ChartSpec) -> Built:
    ps = inp.plan_status
    if ps is None or ps.empty:
        raise _Skip(
            f"ingen planstatus ({TABLES['plan_status'].parquet} saknas: kommunen har ingen plan i paketet)"
        )
    ps = ps.dropna(subset=["year", "value"])
    ps = ps[ps["year"].le(inp.year)]
    ps = plan_rows(ps, inp.focus).copy()
    if ps.empty:
        raise _Skip("planstatus saknar värden för fokusområden och kommunen")
    ref = np.where(ps["subgoal_reference"].astype("string").eq("sweden").fillna(False),
                   ps["sweden_value"], ps["municipality_value"])  # fmt: skip
    gap = ps["subgoal_kind"].astype("string").eq("gap").fillna(False).to_numpy(dtype=bool)
    ps["target_path"] = np.where(gap, ref + ps["subgoal_path"].to_numpy(dtype=float), ps["subgoal_path"])
    ps["area_label"] = ps["area_name"].astype("string").fillna(inp.kommun_name)
    ps.loc[ps["level"].eq("kommun"), "area_label"] = inp.kommun_name
    # Kolada KPIs are shown as published (their own unit, e.g. per cent already ×100): plain numbers
    ps["unit"] = [
        "index" if str(i).startswith("index:")
        else "as_published" if str(i).startswith("kolada:")
        else getattr(inp.indicator(str(i)), "unit", "share")
        for i in ps["indicator"]
    ]  # fmt: skip
    out: Built = []
    for da, g in ps.groupby("development_area", sort=True):
        frame = pd.DataFrame(
            {
                "indicator": g["indicator"].astype(str).to_numpy(),
                "area": g["area_label"].astype(str).to_numpy(),
                "year": g["year"].astype(int).to_numpy(),
                "value": g["value"].to_numpy(dtype=float),
                "target_path": g["target_path"].to_numpy(dtype=float),
                # a status decided by the sign of a point change alone (no interval: Kolada, medians) says so
                "status": np.where(
                    g["significance_tested"].astype("boolean").fillna(True).to_numpy(dtype=bool),
                    g["status_sv"].astype("string").to_numpy(),
                    (g["status_sv"].astype("string") + " (ej prövad)").to_numpy(),
                ),
                "unit": g["unit"].to_numpy(),
            }
        )
        labels = dict(zip(g["indicator"].astype(str), g["label"].astype(str), strict=False))
        breaks: list[SeriesBreak] = []
        for ind in frame["indicator"].unique():
            breaks += inp.catalogue_breaks(ind)
        breaks += [SeriesBreak(y, INDEX_BREAK_SV) for y in _flag_years(g.assign(year=g["year"].astype(int)))]
        title = str(g["development_area_title"].iloc[0])
        sources = plan_sources(inp.counts, inp.kommun, frame["indicator"].unique())
        meta = inp.meta(
            replace(spec, measure=f"Utvecklingsområde {int(da)}: {title}"),
            subtitle=f"{inp.kommun_name}: utfall och delmål, {year_span(frame['year'])}",
            unit="share",
            sources=sources,
            breaks=_breaks_in(breaks, frame["year"]),
            definition="Status enligt uppföljningens regler (se metodavsnittet): i fas / inte i fas / ingen "
            "säkerställd förändring / otillräckliga data. Streckad linje: delmålets bana från basåret.",
        )
        ncols = 3 if frame[["indicator", "area"]].drop_duplicates().shape[0] > 4 else 2
        fig = plan_status_chart(frame, meta, ncols=ncols, indicator_labels=labels)
        out.append((f"{spec.name}_{int(da)}", fig, None))
    return out


def _measures(inp: _Inputs, spec: ChartSpec) -> Built:
    reg = inp.measures
    if reg is None:
        raise _Skip(f"inget åtgärdsregister för kommun {inp.kommun} i paketet")
    s = summary_by_year(reg)
    s = s[s["year"].le(inp.year)]
    long = s.melt(id_vars="year", value_vars=[*STATUSES, UNKNOWN], var_name="status", value_name="count")
    long = long.dropna(subset=["count"])
    long = long[long["count"].astype(int).gt(0) | long["status"].isin(STATUSES)]
    long["count"] = long["count"].astype(int)
    if long.empty or long["count"].sum() == 0:
        raise _Skip("åtgärdsregistret har inga åtgärder med år")
    notes = ()
    if long["status"].eq(UNKNOWN).any():
        notes = ("Status ej redovisad: uppföljningen anger bara antalet åtgärder det året.",)
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, {year_span(long['year'])}",
        unit="count",
        sources=(
            {
                "table": "kommunens åtgärdsregister (uppföljning av åtgärdsplanen)",
                "publisher": inp.kommun_name,
            },
        ),
        notes=notes,
    )
    return [(spec.name, measures_status_chart(long, meta), None)]


def _geometry(inp: _Inputs, level: str, geo_version: str) -> Any:
    g = inp.geometry.get(level.lower()) if inp.geometry else None
    if g is None or len(g) == 0:
        raise _Skip(f"geometri för {level} saknas ({TABLES['geometry_' + level.lower()].parquet})")
    code = "desokod" if level == "DeSO" else "regsokod"
    sub = g[g["geo_version"].astype(str).eq(geo_version)] if "geo_version" in g.columns else g
    if "kommunkod" in sub.columns:
        sub = sub[sub["kommunkod"].astype(str).eq(inp.kommun)]
    if sub.empty:
        raise _Skip(f"geometri för {level} {geo_version} saknas")
    return sub.rename(columns={code: "area"})


def _map(inp: _Inputs, spec: ChartSpec) -> Built:
    categorical = bool(spec.options.get("categorical"))
    level = "RegSO" if categorical or "RegSO" in spec.population else "DeSO"
    rows = _native_latest(inp.rows(spec.indicator, [level]))
    rows = rows[rows["kommun"].astype(str).eq(inp.kommun)]
    if rows.empty:
        raise _Skip(f"inga {level}-rader för {spec.indicator}")
    yr = int(rows["year"].iloc[0])
    gv = str(rows["geo_version"].iloc[0])
    geo = _geometry(inp, level, gv)
    vals = rows.drop_duplicates("area").set_index("area")
    gdf = geo[["area", "geometry", *(["regsokod"] if "regsokod" in geo.columns else [])]].copy()
    gdf["value"] = gdf["area"].map(vals["value"])
    names = vals["area_name"] if "area_name" in vals.columns else pd.Series(dtype="string")
    if level == "RegSO" and "regsonamn" in geo.columns:
        gdf["area_name"] = geo["regsonamn"].to_numpy()
    elif len(names):
        gdf["area_name"] = gdf["area"].map(names)
    ind = inp.indicator(spec.indicator)
    unit = "" if categorical else (ind.unit if ind is not None else "share")
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, {yr}",
        unit=unit,
        sources=sources_of(rows),
        definition=ind.name_sv if ind is not None else spec.indicator,
        notes=("Klassindelning: kvantiler (mapclassify).",) if not categorical else (),
    )
    kw: dict[str, Any] = {"categorical": categorical}
    if level == "DeSO" and "regsokod" in gdf.columns:
        kw.update(focus=inp.focus_codes("RegSO"), focus_by="regsokod",
                  focus_names={c: fa.name for fa in inp.focus for c in fa.areas})  # fmt: skip
    else:
        kw["focus"] = inp.focus_codes(level)
    return [(spec.name, choropleth_map(gdf, meta, **kw), None)]


BUILDERS: dict[str, Callable[[_Inputs, ChartSpec], Built]] = {
    "trend_chart": _trend,
    "ranked_bar_chart": _ranked,
    "index_trend_chart": _index_trend,
    "decomposition_chart": _decomposition,
    "ice_chart": _ice,
    "peer_trend_chart": _peer_trend,
    "peer_rank_chart": _peer_rank,
    "plan_status_chart": _plan,
    "measures_status_chart": _measures,
    "choropleth_map": _map,
}


# ----------------------------------------------------------------------------------------------- render


def _kommun_name(kommun: str, profile: Any, frames: Mapping[str, Any]) -> str:
    if profile is not None and getattr(profile, "name", None):
        return str(profile.name)
    lk = frames.get("lookup")
    if lk is not None and "kommun_name" in lk.columns:
        hit = lk.loc[lk["kommun"].astype(str).eq(kommun), "kommun_name"].dropna()
        if len(hit):
            return str(hit.iloc[0])
    return f"kommun {kommun}"


def shipped_register(kommun: str) -> Any:
    """The measures register shipped in the package for ``kommun`` (``*_measures.yaml``), or None."""
    from importlib import resources

    folder = resources.files("segindicators.plan") / "plans"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith("_measures.yaml"):
            reg = load_register(entry.name.removesuffix(".yaml"))
            if reg.municipality == kommun:
                return reg
    return None


def _inputs(
    processed: str | Path | Mapping[str, Any],
    *,
    kommun: str,
    year: int,
    profile: Any,
    synthetic: bool | None,
    measures: Any,
    retrieved: str | None,
    catalogue: Any,
) -> _Inputs:
    """Read the processed tables (or take the given frames) and resolve profile, register and catalogue."""
    frames: Mapping[str, Any] = load_processed(processed) if isinstance(processed, str | Path) else processed
    if profile is None:
        profile = load_profile(kommun)
    if synthetic is None:
        synthetic = bool(frames.get("synthetic", False))
    if isinstance(measures, str) and measures == "shipped":
        measures = shipped_register(kommun)
    geometry = frames.get("geometry") or {
        k: frames[f"geometry_{k}"] for k in ("deso", "regso") if frames.get(f"geometry_{k}") is not None
    }
    return _Inputs(
        kommun=str(kommun),
        year=int(year),
        kommun_name=_kommun_name(str(kommun), profile, frames),
        focus=list(getattr(profile, "focus_areas", ()) or ()),
        peers=dict(getattr(profile, "peers", {}) or {}),
        counts=frames.get("counts"),
        indices=frames.get("indices"),
        plan_status=frames.get("plan_status"),
        lookup=frames.get("lookup"),
        geometry=geometry,
        synthetic=bool(synthetic),
        catalogue=catalogue or load_catalogue(),
        retrieved=retrieved,
        measures=measures,
    )


def _build(inp: _Inputs, spec: ChartSpec) -> Built:
    builder = BUILDERS.get(spec.function)
    if builder is None:
        raise ValueError(
            f"spec {spec.name!r}: unknown chart function {spec.function!r}; known: {sorted(BUILDERS)}."
        )
    return builder(inp, spec)


def draw_standard_charts(
    processed: str | Path | Mapping[str, Any],
    *,
    kommun: str,
    year: int,
    names: Sequence[str] | None = None,
    profile: Any = None,
    synthetic: bool | None = None,
    measures: Any = "shipped",
    catalogue: Any = None,
) -> dict[str, Any]:
    """Draw charts of the standard set without exporting them (for notebooks).

    Parameters
    ----------
    processed, kommun, year, profile, synthetic, measures, catalogue
        As in :func:`render_standard_charts`.
    names
        Spec names (see :func:`~segindicators.charts.specs.standard_chart_specs`) or prefixes of them such as
        ``"08"``; default all.

    Returns
    -------
    dict
        Chart file stem → Figure, in report order. Charts whose input is absent are not drawn; they are
        listed under the key ``"_skipped"`` as :class:`Skipped` items (an empty list when all were drawn).
    """
    inp = _inputs(processed, kommun=kommun, year=year, profile=profile, synthetic=synthetic, measures=measures,
                  retrieved=None, catalogue=catalogue)  # fmt: skip
    specs = standard_chart_specs()
    if names is not None:
        specs = [sp for sp in specs if any(sp.name == n or sp.name.startswith(n) for n in names)]
        if not specs:
            raise ValueError(
                f"names={list(names)!r}: no standard chart matches; names are "
                f"{[sp.name for sp in standard_chart_specs()]}."
            )
    out: dict[str, Any] = {}
    skipped: list[Skipped] = []
    for spec in specs:
        try:
            built = _build(inp, spec)
        except _Skip as why:
            skipped.append(
                Skipped(spec.name, chart_title(spec.measure, spec.population, spec.unit_label), str(why))
            )
            continue
        for name, fig, _caption in built:
            out[name] = fig
    out["_skipped"] = skipped
    return out


def render_standard_charts(
    processed: str | Path | Mapping[str, Any],
    out_dir: str | Path,
    *,
    kommun: str,
    year: int,
    profile: Any = None,
    synthetic: bool | None = None,
    specs: Sequence[ChartSpec] | None = None,
    measures: Any = "shipped",
    retrieved: str | None = None,
    catalogue: Any = None,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    keep_figures: bool = False,
) -> ChartSet:
    """Render, export and index the standard chart set from processed outputs.

    Parameters
    ----------
    processed
        The ``data/processed`` folder, or a mapping of frames: ``counts`` (processed counts contract, may
        hold ``riket`` rows and other municipalities), ``indices`` (citywide battery; rows of several
        municipalities enable the peer charts), ``plan_status``, ``lookup``, ``geometry``
        (``{"deso": gdf, "regso": gdf}``). Missing entries skip the charts that need them.
    out_dir
        Report folder, ``reports/<year>`` (created).
    kommun, year
        Municipality code and report year (later years in the data are ignored).
    profile
        :class:`~segindicators.geography.profiles.Profile` (focus areas, peers, name); default the packaged
        profile of ``kommun``.
    synthetic
        Data are the synthetic sample (every chart gets the mark). Default: True when the processed folder
        carries ``SYNTETISKA_DATA.txt`` or the mapping has ``synthetic=True``.
    specs
        Chart specs (default :func:`~segindicators.charts.specs.standard_chart_specs`).
    measures
        A :class:`~segindicators.plan.measures.MeasuresRegister`, None, or ``"shipped"`` (default: the
        package's register for ``kommun``, if any).
    retrieved
        Retrieval date (ISO) written to each xlsx metadata sheet.
    catalogue
        Catalogue for units, names and breaks (default the packaged one).
    formats
        Image formats to write (the xlsx is always written).
    keep_figures
        Keep the figures in ``ChartSet.figures`` (for checks; figures are otherwise dropped after export).

    Returns
    -------
    ChartSet
        The exported charts in report order; ``.skipped`` lists those not drawn, ``.index`` is index.md.
    """
    t0 = time.perf_counter()
    inp = _inputs(processed, kommun=kommun, year=year, profile=profile, synthetic=synthetic, measures=measures,
                  retrieved=retrieved, catalogue=catalogue)  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = ChartSet()
    index_entries: list[Any] = []
    for spec in specs if specs is not None else standard_chart_specs():
        title = chart_title(spec.measure, spec.population, spec.unit_label)
        try:
            built = _build(inp, spec)
        except _Skip as why:
            skip = Skipped(spec.name, title, str(why))
            result.skipped.append(skip)
            index_entries.append(skip)
            continue
        for name, fig, caption in built:
            res = export(fig, name, out_dir=out, formats=formats, caption=caption)
            result.append(res)
            index_entries.append(res)
            if keep_figures:
                result.figures[name] = fig
    result.index = _write_index(out, index_entries, inp, synthetic=bool(inp.synthetic))
    result.seconds = time.perf_counter() - t0
    return result


def _write_index(out: Path, entries: list[Any], inp: _Inputs, *, synthetic: bool) -> Path:
    drawn = [e for e in entries if isinstance(e, ExportResult)]
    skipped = [e for e in entries if isinstance(e, Skipped)]
    path = write_index(out, drawn, heading=f"Diagram {inp.year} – {inp.kommun_name}")
    if skipped:
        lines = ["## Diagram som inte ritats", ""]
        for s in skipped:
            lines.append(f"- `{s.name}` – {s.title}. Inte ritat (not drawn): {s.reason}.")
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"

        path = atomic_write_text(path, text)
    return path
