"""The one registry of the standard chart set: chart id → :class:`Chart` (spec, topic, builder).

The specs (:func:`~segindicators.charts.specs.standard_chart_specs`) say what each chart is; the builder is
chosen by the spec's chart function (:data:`BUILDERS`, one per chart function, grouped by family under
:mod:`segindicators.charts.builders`). Charts are selected by topic (:data:`~segindicators.charts.specs.TOPICS`)
with :func:`select`, never by the number in their file name.

Examples
--------
>>> [c.id for c in select("maps")]
['16_map_area_type', '17_map_low_economic_standard_0_19']
>>> CHARTS["14_plan_status"].topic, CHARTS["14_plan_status"].builder.__name__
('plan', 'build_plan')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .builders import districts, indices, maps, peers, plan, trends
from .builders._common import Builder
from .specs import TOPICS, ChartSpec, standard_chart_specs

__all__ = ["BUILDERS", "CHARTS", "Chart", "builder_for", "check_topics", "select"]

BUILDERS: Mapping[str, Builder] = {
    "trend_chart": trends.build_trend,
    "ranked_bar_chart": districts.build_ranked,
    "ice_chart": districts.build_ice,
    "index_trend_chart": indices.build_index_trend,
    "decomposition_chart": indices.build_decomposition,
    "peer_trend_chart": peers.build_peer_trend,
    "peer_rank_chart": peers.build_peer_rank,
    "plan_status_chart": plan.build_plan,
    "measures_status_chart": plan.build_measures,
    "choropleth_map": maps.build_map,
}
"""Chart function name (``ChartSpec.function``) → the builder that draws it from the processed inputs."""


@dataclass(frozen=True)
class Chart:
    """One chart of the standard set: its spec, and the builder that draws it."""

    spec: ChartSpec
    builder: Builder

    @property
    def id(self) -> str:
        """The stable export file stem (``reports/<year>/<id>.png``); a plan chart adds ``_<area>``."""
        return self.spec.name

    @property
    def topic(self) -> str:
        """The key of :data:`~segindicators.charts.specs.TOPICS` the chart belongs to."""
        return self.spec.topic


def builder_for(spec: ChartSpec) -> Builder:
    """The builder of a spec (also of a spec not in the standard set, e.g. a variant made with ``replace``).

    Raises
    ------
    ValueError
        The spec names a chart function no builder draws.
    """
    try:
        return BUILDERS[spec.function]
    except KeyError:
        raise ValueError(
            f"spec {spec.name!r}: unknown chart function {spec.function!r}; known: {sorted(BUILDERS)}."
        ) from None


def _registry() -> dict[str, Chart]:
    out: dict[str, Chart] = {}
    for spec in standard_chart_specs():
        if spec.topic not in TOPICS:
            raise ValueError(f"spec {spec.name!r}: topic {spec.topic!r} is not one of {list(TOPICS)}.")
        out[spec.name] = Chart(spec, builder_for(spec))
    return out


CHARTS: Mapping[str, Chart] = _registry()
"""Every chart of the standard set by id, in report order."""


def check_topics(topic: str | Sequence[str]) -> list[str]:
    """The topic(s) as a list, each checked against :data:`~segindicators.charts.specs.TOPICS`.

    Raises
    ------
    ValueError
        An unknown topic: the message names it and lists the valid ones.

    Examples
    --------
    >>> check_topics("plan")
    ['plan']
    >>> check_topics("kartor")
    Traceback (most recent call last):
    ...
    ValueError: topic='kartor': not a chart topic; expected one of 'trends', 'affluence', 'indices', 'peers', 'plan', 'maps' (or a list of them).
    """
    wanted = [topic] if isinstance(topic, str) else list(topic)
    valid = ", ".join(repr(t) for t in TOPICS)
    if not wanted:
        raise ValueError(f"topic={topic!r}: expected a chart topic, one of {valid} (or a list of them).")
    for t in wanted:
        if t not in TOPICS:
            raise ValueError(f"topic={t!r}: not a chart topic; expected one of {valid} (or a list of them).")
    return wanted


def select(topic: str | Sequence[str]) -> list[Chart]:
    """The charts of one topic or several, in report order (see :func:`check_topics` for the errors)."""
    wanted = set(check_topics(topic))
    return [c for c in CHARTS.values() if c.topic in wanted]
