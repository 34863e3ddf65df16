"""The standard chart set of the yearly follow-up report, as data (the pipeline renders it).

Each :class:`ChartSpec` says which chart function draws it, from which data, under which stable file
name it is exported and which topic it belongs to (:data:`TOPICS`: a notebook shows one topic's charts,
``segindicators.charts.show(ws, topic="plan")``). :mod:`segindicators.charts.registry` pairs each spec with
its builder; nothing here fetches, reads or draws data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TOPICS", "ChartSpec", "standard_chart_specs"]

TOPICS: dict[str, str] = {
    "trends": "the plan's indicators over the years: focus areas, the municipality and Sweden",
    "affluence": "every RegSO ranked, concentrated affluence marked; ICE of economic standard",
    "indices": "citywide segregation indices over the years and the Theil H decomposition",
    "peers": "the municipality against its peer municipalities",
    "plan": "the plan's development areas against their sub-goals, and the measures register",
    "maps": "maps of the area type and of child low economic standard",
}
"""The topics of the standard set (key → what its charts show), in report order."""


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the standard set.

    Attributes
    ----------
    name
        Stable export file stem (``reports/<year>/<name>.png`` …).
    function
        Name of the chart function in :mod:`segindicators.charts`.
    data
        What to pass: ``"counts"`` (processed counts filtered to ``indicator``), ``"indices"`` (citywide index
        results), ``"local"`` (local index results), ``"peers"``, ``"plan_status"``, ``"measures"``, ``"geo"``.
    indicator
        Catalogue indicator id or segregation group id, when the chart is about one.
    measure, population, unit_label
        Title parts (:func:`~segindicators.charts.style.chart_title`).
    options
        Keyword arguments for the chart function (e.g. ``{"index": "dissimilarity"}``).
    topic
        The key of :data:`TOPICS` the chart belongs to.
    """

    name: str
    function: str
    data: str
    indicator: str | None
    measure: str
    population: str
    unit_label: str
    options: dict = field(default_factory=dict)
    topic: str = ""


def standard_chart_specs() -> list[ChartSpec]:
    """The standard chart set, in report order.

    Examples
    --------
    >>> specs = standard_chart_specs()
    >>> len({s.name for s in specs}) == len(specs)
    True
    >>> specs[0].function, specs[0].topic
    ('trend_chart', 'trends')
    >>> {s.topic for s in specs} == set(TOPICS)
    True
    """
    share = "andel (%)"
    s = ChartSpec
    return [
        s(
            "01_trend_low_economic_standard_0_19",
            "trend_chart",
            "counts",
            "low_economic_standard_0_19",
            "Låg ekonomisk standard",
            "barn och unga 0–19 år",
            share,
            topic="trends",
        ),
        s(
            "02_trend_employment_rate_20_64",
            "trend_chart",
            "counts",
            "employment_rate_20_64",
            "Sysselsatta (BAS)",
            "invånare 20–64 år",
            share,
            topic="trends",
        ),
        s(
            "03_trend_foreign_born_share",
            "trend_chart",
            "counts",
            "foreign_born_share",
            "Utrikes födda",
            "samtliga invånare",
            share,
            topic="trends",
        ),
        s(
            "04_trend_education_post_secondary_3plus",
            "trend_chart",
            "counts",
            "education_post_secondary_3plus_share",
            "Eftergymnasial utbildning 3 år eller mer",
            "invånare 25–64 år",
            share,
            topic="trends",
        ),
        s(
            "05_ranked_low_economic_standard_0_19",
            "ranked_bar_chart",
            "counts",
            "low_economic_standard_0_19",
            "Låg ekonomisk standard",
            "barn och unga 0–19 år, per RegSO",
            share,
            topic="affluence",
        ),
        s(
            "06_ranked_employment_rate_20_64",
            "ranked_bar_chart",
            "counts",
            "employment_rate_20_64",
            "Sysselsatta (BAS)",
            "invånare 20–64 år, per RegSO",
            share,
            topic="affluence",
        ),
        s(
            "07_ranked_foreign_born_share",
            "ranked_bar_chart",
            "counts",
            "foreign_born_share",
            "Utrikes födda",
            "samtliga invånare, per RegSO",
            share,
            topic="affluence",
        ),
        s(
            "08_index_trend_economic_standard",
            "index_trend_chart",
            "indices",
            "economic_standard_low_high",
            "Segregationsindex",
            "låg respektive hög ekonomisk standard, DeSO",
            "index 0–1",
            {"indices": ["dissimilarity", "theil_h"]},
            topic="indices",
        ),
        s(
            "09_index_trend_background",
            "index_trend_chart",
            "indices",
            "background",
            "Segregationsindex",
            "utländsk respektive svensk bakgrund, DeSO",
            "index 0–1",
            {"indices": ["dissimilarity", "theil_h"]},
            topic="indices",
        ),
        s(
            "10_decomposition_theil_h_income",
            "decomposition_chart",
            "indices",
            "income_quartiles",
            "Theils H uppdelat mellan och inom RegSO",
            "inkomstkvartiler, DeSO i RegSO",
            "index 0–1",
            topic="indices",
        ),
        s(
            "11_ice_economic_standard",
            "ice_chart",
            "local",
            "economic_standard_low_high",
            "Koncentration vid ytterligheterna (ICE)",
            "hög minus låg ekonomisk standard, per RegSO",
            "index −1 till 1",
            topic="affluence",
        ),
        s(
            "12_peers_dissimilarity_background",
            "peer_trend_chart",
            "peers",
            "background",
            "Dissimilaritetsindex",
            "utländsk respektive svensk bakgrund",
            "index 0–1",
            topic="peers",
        ),
        s(
            "13_peers_rank_dissimilarity_background",
            "peer_rank_chart",
            "peers",
            "background",
            "Dissimilaritetsindex",
            "utländsk respektive svensk bakgrund",
            "index 0–1",
            topic="peers",
        ),
        s(
            "14_plan_status",
            "plan_status_chart",
            "plan_status",
            None,
            "Utvecklingsområden",
            "indikatorer mot delmål",
            "",
            topic="plan",
        ),
        s(
            "15_measures_status",
            "measures_status_chart",
            "measures",
            None,
            "Åtgärder",
            "status i åtgärdsregistret",
            "antal",
            topic="plan",
        ),
        s(
            "16_map_area_type",
            "choropleth_map",
            "geo",
            "area_type_official",
            "Områdestyp",
            "RegSO",
            "typ 1–5",
            {"categorical": True},
            topic="maps",
        ),
        s(
            "17_map_low_economic_standard_0_19",
            "choropleth_map",
            "geo",
            "low_economic_standard_0_19",
            "Låg ekonomisk standard",
            "barn och unga 0–19 år, per DeSO",
            share,
            topic="maps",
        ),
    ]
