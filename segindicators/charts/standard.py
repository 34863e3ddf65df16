"""Render the standard chart set of the yearly report: draw, export, index.

:func:`render_standard_charts` is the domain function of the refresh's ``charts`` stage
(:func:`segindicators.pipeline.stages.stage_charts`) and of ``segindicators charts``. It draws every spec
(:func:`~segindicators.charts.draw.draw_specs` over the builders of :mod:`segindicators.charts.registry`)
from the processed tables, exports each figure (PNG/SVG/PDF + xlsx under its stable name,
:func:`~segindicators.charts.export.export`) and writes ``index.md``
(:func:`~segindicators.charts.index.write_index`). A chart whose input is absent is not drawn; ``index.md``
lists it with the reason ("inte ritat"). A single-municipality run has no peer indices, so the peer charts
are skipped, not faked.

Provenance: the source line of each chart lists the SCB tables of the plotted rows with their ``updated``
stamps (:func:`~segindicators.charts.meta.sources_from_frame`); series breaks come from the catalogue
(indicator ``breaks``) and from the ``break`` flag that the index battery sets on the first year of a new
geography version; only breaks inside the plotted years are kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from segindicators.catalogue.definitions import Catalogue
from segindicators.geography.profiles import Profile
from segindicators.plan.measures import MeasuresRegister

from .draw import Skipped, draw_specs
from .export import ExportResult, export
from .index import write_index
from .inputs import ChartInputs, ProcessedTables
from .specs import ChartSpec, standard_chart_specs

__all__ = ["ChartSet", "Skipped", "render_standard_charts"]


class ChartSet(list):
    """The exported charts (:class:`~segindicators.charts.export.ExportResult`, report order), plus
    ``skipped`` (:class:`~segindicators.charts.draw.Skipped`), ``index`` (path of index.md), ``seconds``
    (render + export time) and ``figures`` (name → Figure, only with ``keep_figures=True``)."""

    def __init__(self, items: Iterable[ExportResult] = (), skipped: Sequence[Skipped] = ()) -> None:
        super().__init__(items)
        self.skipped: list[Skipped] = list(skipped)
        self.index: Path | None = None
        self.seconds: float = 0.0
        self.figures: dict[str, Any] = {}


def render_standard_charts(
    processed: ProcessedTables | Mapping[str, Any] | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    kommun: str,
    year: int,
    profile: Profile | None = None,
    synthetic: bool | None = None,
    specs: Sequence[ChartSpec] | None = None,
    measures: MeasuresRegister | str | None = "shipped",
    retrieved: str | None = None,
    catalogue: Catalogue | None = None,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    keep_figures: bool = False,
) -> ChartSet:
    """Render, export and index the standard chart set from processed outputs.

    Parameters
    ----------
    processed
        The processed tables: a workspace (:class:`~segindicators.charts.inputs.ProcessedTables`, e.g.
        ``segindicators.workspace.open_workspace(data_dir)``), a mapping of frames — ``counts`` (processed
        counts contract, may hold ``riket`` rows and other municipalities), ``indices`` (citywide battery;
        rows of several municipalities enable the peer charts), ``plan_status``, ``typology`` (the
        concentrated-affluence flags), ``lookup``, ``geometry`` (``{"deso": gdf, "regso": gdf}``) — or the
        ``data/processed`` folder. Missing tables skip the charts that need them.
    out_dir
        Report folder, ``reports/<year>`` (created).
    kommun, year
        Municipality code and report year (later years in the data are ignored).
    profile
        :class:`~segindicators.geography.profiles.Profile` (focus areas, peers, name); default the packaged
        profile of ``kommun``.
    synthetic
        Data are the synthetic sample (every chart gets the mark). Default: the workspace's ``synthetic``
        (True when the processed folder carries ``SYNTETISKA_DATA.txt`` or the mapping has ``synthetic=True``).
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
    inputs = ChartInputs.of(processed, kommun=kommun, year=year, profile=profile, synthetic=synthetic,
                            measures=measures, retrieved=retrieved, catalogue=catalogue)  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = ChartSet()
    for item in draw_specs(inputs, specs if specs is not None else standard_chart_specs()):
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        result.append(export(item.figure, item.name, out_dir=out, formats=formats, caption=item.caption))
        if keep_figures:
            result.figures[item.name] = item.figure
    heading = f"Diagram {inputs.year} – {inputs.kommun_name}"
    result.index = write_index(out, result, heading=heading, skipped=result.skipped)
    result.seconds = time.perf_counter() - t0
    return result
