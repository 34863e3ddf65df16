"""Builders of the citywide segregation index charts: index trends with intervals, the Theil H decomposition."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from segindicators.tables import TABLES

from ..inputs import ChartInputs, MissingInput
from ..meta import year_span
from ..specs import ChartSpec
from ..stacked import decomposition_chart
from ..trends import index_trend_chart
from ._common import Built, group_sources, index_breaks

__all__ = ["build_decomposition", "build_index_trend", "index_rows"]


def index_rows(inp: ChartInputs, group: str, names: Sequence[str], level: str = "DeSO") -> pd.DataFrame:
    """The municipality's citywide ``names`` indices of ``group`` at ``level`` up to the report year, one row per
    year and index (the ``multigroup_`` variants when the two-group ones are absent)."""
    if inp.indices is None:
        raise MissingInput(f"segregationsindex ({TABLES['indices'].parquet}) saknas")
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
        raise MissingInput(f"inga index {list(names)} för gruppen {group} på {level}-nivå")
    return out.sort_values(["year", "index"]).drop_duplicates(["year", "index"])


def build_index_trend(inp: ChartInputs, spec: ChartSpec) -> Built:
    """Citywide indices (``options["indices"]``, default D and H) of the group ``spec.indicator`` over the
    years, with their bootstrap intervals (:func:`~segindicators.charts.trends.index_trend_chart`)."""
    names = spec.options.get("indices", ["dissimilarity", "theil_h"])
    rows = index_rows(inp, spec.indicator, names)
    present = [n for n in names if rows["index"].eq(n).any()]
    years = rows["year"].tolist()
    meta = inp.meta(
        spec,
        subtitle=f"{inp.kommun_name}, demografiska statistikområden (DeSO), {year_span(years)}",
        unit="index",
        sources=group_sources(inp, spec.indicator, "DeSO", set(years)),
        breaks=index_breaks(rows),
        definition="Dissimilaritetsindex D = ½ Σ |x_i/X − y_i/Y| (Duncan & Duncan 1955); Theils H "
        "(Theil & Finizza 1971). Skuggat band: 95 % osäkerhetsintervall (bootstrap).",
    )
    return [(spec.name, index_trend_chart(rows, meta, indices=present), None)]


def build_decomposition(inp: ChartInputs, spec: ChartSpec) -> Built:
    """Theil's H of the group ``spec.indicator`` split between and within RegSO per year
    (:func:`~segindicators.charts.stacked.decomposition_chart`)."""
    rows = index_rows(inp, spec.indicator, ["theil_h_between", "theil_h_within"])
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
        sources=group_sources(inp, spec.indicator, "DeSO", set(years)),
        breaks=index_breaks(rows),
        definition="H = H_mellan + Σ (T_r E_r / T E) H_r (Theil & Finizza 1971): mellan RegSO och inom RegSO "
        "(mellan DeSO i samma RegSO).",
    )
    labels = {"between": "Mellan RegSO", "within": "Inom RegSO (mellan DeSO)"}
    return [(spec.name, decomposition_chart(frame, meta, labels=labels), None)]
