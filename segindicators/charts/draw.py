"""Draw charts of the standard set from the inputs, one spec at a time; a chart whose input is absent is
:class:`Skipped` with the reason, never estimated or filled in to make it appear."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .inputs import ChartInputs, MissingInput
from .meta import chart_title
from .registry import builder_for
from .specs import ChartSpec

__all__ = ["Drawn", "Skipped", "draw_specs"]


@dataclass(frozen=True)
class Skipped:
    """A chart of the standard set that was not drawn, and why (shown in ``index.md``)."""

    name: str
    title: str
    reason: str


@dataclass(frozen=True)
class Drawn:
    """A drawn figure: its export file stem, the Figure, a caption (None: the chart's own) and its spec."""

    name: str
    figure: Any
    caption: str | None
    spec: ChartSpec


def draw_specs(inputs: ChartInputs, specs: Iterable[ChartSpec]) -> Iterator[Drawn | Skipped]:
    """Draw each spec with its builder (:func:`~segindicators.charts.registry.builder_for`), in order.

    Yields one :class:`Drawn` per figure (a plan spec gives one per development area) or one
    :class:`Skipped` per spec whose input is absent. Lazy: a caller that exports each figure as it comes
    holds one figure at a time.
    """
    for spec in specs:
        builder = builder_for(spec)
        try:
            built = builder(inputs, spec)
        except MissingInput as why:
            yield Skipped(spec.name, chart_title(spec.measure, spec.population, spec.unit_label), str(why))
            continue
        for name, fig, caption in built:
            yield Drawn(name, fig, caption, spec)
