"""Builders of the peer charts: the municipality's index against its peer municipalities (trend and ranking).

A run for one municipality has no peer indices: the charts are then not drawn (said in index.md), never
estimated.
"""

from __future__ import annotations

import pandas as pd

from segindicators.tables import TABLES

from ..bars import peer_rank_chart
from ..inputs import ChartInputs, MissingInput
from ..meta import ChartMeta, year_span
from ..specs import ChartSpec
from ..trends import peer_trend_chart
from ._common import Built, group_sources

__all__ = ["build_peer_rank", "build_peer_trend", "peer_frame"]


def peer_frame(inp: ChartInputs, spec: ChartSpec) -> tuple[pd.DataFrame, str]:
    """``municipality``, ``year``, ``value`` of the index ``options["index"]`` (default D) of the group
    ``spec.indicator`` for the municipality and its peers, at the level most of them have; and that level."""
    if inp.indices is None:
        raise MissingInput(f"segregationsindex ({TABLES['indices'].parquet}) saknas")
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
        raise MissingInput(
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


def peer_meta(inp: ChartInputs, spec: ChartSpec, frame: pd.DataFrame, level: str) -> ChartMeta:
    """The metadata of both peer charts."""
    n = frame["municipality"].nunique() - 1
    src = group_sources(inp, spec.indicator, level, set(frame["year"]))
    return inp.meta(
        spec,
        subtitle=f"{inp.kommun_name} och {n} jämförelsekommuner, {level}, {year_span(frame['year'])}",
        unit="index",
        sources=src or spec.options.get("sources", ()),
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| över kommunens områden (Duncan & Duncan 1955).",
    )


def build_peer_trend(inp: ChartInputs, spec: ChartSpec) -> Built:
    """The municipality's index against each peer over the years (:func:`~segindicators.charts.trends.peer_trend_chart`)."""
    frame, level = peer_frame(inp, spec)
    meta = peer_meta(inp, spec, frame, level)
    return [(spec.name, peer_trend_chart(frame, meta, focus=inp.kommun_name), None)]


def build_peer_rank(inp: ChartInputs, spec: ChartSpec) -> Built:
    """The municipalities ranked by the latest index, change since the first year (:func:`~segindicators.charts.bars.peer_rank_chart`)."""
    frame, level = peer_frame(inp, spec)
    meta = peer_meta(inp, spec, frame, level)
    return [(spec.name, peer_rank_chart(frame, meta, focus=inp.kommun_name), None)]
