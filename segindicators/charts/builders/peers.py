"""Builders of the peer charts: the municipality's index against its peer municipalities (trend and ranking).

The peers' values come from ``national_indices`` (every municipality's citywide indices, written by the
refresh's ``peers`` stage) when that table is there: then both charts show the bias-corrected values, the
ones the national ranks are computed on, and the rank chart's note gives the municipality's rank among all
municipalities with its rank interval (from ``national_ranks``, read, never recomputed). Without it the peers
must be in ``indices``; a run for one municipality without the ``peers`` stage has none, and the charts are
then not drawn (said in index.md), never estimated.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from segindicators.tables import TABLES

from ..bars import peer_rank_chart
from ..format import format_number, format_rank
from ..inputs import ChartInputs, MissingInput
from ..meta import ChartMeta, year_span
from ..specs import ChartSpec
from ..trends import peer_trend_chart
from ._common import Built, group_sources, index_breaks

__all__ = ["BIAS_CORRECTED_SV", "build_peer_rank", "build_peer_trend", "peer_frame", "rank_note"]

#: How the charts and the report say what the national ranking is computed on.
BIAS_CORRECTED_SV = "rangordnat på biaskorrigerade värden"

_NO_PEERS = (
    "inga index för jämförelsekommuner i indata – en körning för en enskild kommun utan steget peers "
    "beräknar bara kommunens egna index; kör refresh med jämförelsen (national_peers) eller beräkna indexen "
    "för jämförelsekommunerna (segindicators.typology.peers) för att få diagrammet"
)


def _national(inp: ChartInputs, index: str, group: str) -> pd.DataFrame | None:
    """The national rows of the index and group for the municipality and its peers, one geography version
    per year (the newest SCB publishes the year in); None without a usable ``national_indices``."""
    n = inp.national_indices
    if n is None or n.empty:
        return None
    sub = n[n["index"].eq(index) & n["group"].eq(group) & n["year"].le(inp.year)]
    if inp.peers:
        sub = sub[sub["kommun"].astype(str).isin([inp.kommun, *inp.peers])]
    if not sub["kommun"].astype(str).eq(inp.kommun).any():
        return None
    sub = sub.sort_values(["level", "kommun", "year", "geo_version"], kind="stable")
    sub = sub.drop_duplicates(["level", "kommun", "year"], keep="last")
    return sub.assign(value=sub["value_bias_corrected"].to_numpy(dtype=float))


def peer_frame(inp: ChartInputs, spec: ChartSpec) -> tuple[pd.DataFrame, str]:
    """``municipality``, ``year``, ``value`` of the index ``options["index"]`` (default D) of the group
    ``spec.indicator`` for the municipality and its peers, at the level most of them have; and that level.

    From ``national_indices`` (bias-corrected values, ``frame.attrs["national"]`` True) when present, else
    from ``indices`` (raw values)."""
    index = spec.options.get("index", "dissimilarity")
    national = _national(inp, index, spec.indicator)
    if national is not None:
        sub = national
    elif inp.indices is None:
        raise MissingInput(f"segregationsindex ({TABLES['indices'].parquet}) saknas")
    else:
        i = inp.indices
        sub = i[i["index"].eq(index) & i["year"].le(inp.year)]
        if "group" in sub.columns:
            sub = sub[sub["group"].eq(spec.indicator)]
        if inp.peers:
            sub = sub[sub["kommun"].astype(str).isin([inp.kommun, *inp.peers])]
    if (
        sub.empty
        or sub["kommun"].astype(str).nunique() < 2
        or not sub["kommun"].astype(str).eq(inp.kommun).any()
    ):
        raise MissingInput(_NO_PEERS)
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
    frame.attrs["national"] = national is not None
    frame.attrs["breaks"] = (
        index_breaks(sub[sub["kommun"].astype(str).eq(inp.kommun)]) if "flags" in sub else ()
    )
    return frame, level


def rank_note(inp: ChartInputs, spec: ChartSpec, level: str) -> str | None:
    """The municipality's rank among all municipalities and among its peers in the latest year of
    ``national_ranks`` at ``level`` (bias-corrected ranking), e.g. ``"Linköping 2024, RegSO: 21:a av 290
    (19–27) bland landets kommuner, … rangordnat på biaskorrigerade värden …"``; None without the table."""
    r = inp.national_ranks
    if r is None or r.empty:
        return None
    own = r[r["kommun"].astype(str).eq(inp.kommun) & r["level"].eq(level) & r["group"].eq(spec.indicator)
            & r["index"].eq(spec.options.get("index", "dissimilarity")) & r["ranked_on"].eq("bias_corrected")
            & r["year"].le(inp.year)]  # fmt: skip
    if own.empty:
        return None
    row = own.sort_values(["year", "geo_version"], kind="stable").iloc[-1]
    text = (
        f"{inp.kommun_name} {int(row['year'])}, {level}: plats "
        f"{format_rank(row['rank'], row['n'], row['rank_low'], row['rank_high'])} bland landets kommuner "
        f"(percentil {format_number(row['percentile'], 1)})"
    )
    if pd.notna(row["peer_rank"]):
        peer = format_rank(row["peer_rank"], row["peer_n"], row["peer_rank_low"], row["peer_rank_high"])
        text += f", plats {peer} i jämförelsegruppen (kommunen och dess jämförelsekommuner)"
    return (
        f"{text}; 1 = mest segregerad, {BIAS_CORRECTED_SV}. Inom parentes 95 % rangintervall: de platser "
        "kommunen kan ha med hänsyn till slumpvariationen i indexen."
    )


def peer_meta(inp: ChartInputs, spec: ChartSpec, frame: pd.DataFrame, level: str) -> ChartMeta:
    """The metadata of both peer charts."""
    n = frame["municipality"].nunique() - 1
    src = group_sources(inp, spec.indicator, level, set(frame["year"]))
    notes: list[str] = []
    if frame.attrs.get("national"):
        notes.append(
            "Biaskorrigerade värden (2 × värdet − medelvärdet av bootstrapdragningarna), samma beräkning för "
            "alla kommuner."
        )
    return inp.meta(
        spec,
        subtitle=f"{inp.kommun_name} och {n} jämförelsekommuner, {level}, {year_span(frame['year'])}",
        unit="index",
        sources=src or spec.options.get("sources", ()),
        breaks=tuple(frame.attrs.get("breaks", ())),
        notes=tuple(notes),
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| över kommunens områden (Duncan & Duncan 1955).",
    )


def build_peer_trend(inp: ChartInputs, spec: ChartSpec) -> Built:
    """The municipality's index against each peer over the years (:func:`~segindicators.charts.trends.peer_trend_chart`)."""
    frame, level = peer_frame(inp, spec)
    meta = peer_meta(inp, spec, frame, level)
    return [(spec.name, peer_trend_chart(frame, meta, focus=inp.kommun_name), None)]


def build_peer_rank(inp: ChartInputs, spec: ChartSpec) -> Built:
    """The municipalities ranked by the latest index, change since the first year
    (:func:`~segindicators.charts.bars.peer_rank_chart`); the note gives the national rank when known."""
    frame, level = peer_frame(inp, spec)
    meta = peer_meta(inp, spec, frame, level)
    note = rank_note(inp, spec, level)
    if note is not None:
        meta = replace(meta, notes=(*meta.notes, note))
    return [(spec.name, peer_rank_chart(frame, meta, focus=inp.kommun_name), None)]
