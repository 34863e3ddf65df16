"""The chart registry, topic selection, ``charts.show`` and the chart inputs (synthetic frames only:
"Syntetiska exempeldata – inte officiell statistik")."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from segindicators import charts
from segindicators.charts import CHARTS, TOPICS, ProcessedFrames, plotted_data, select, standard_chart_specs
from segindicators.charts.draw import Skipped, draw_specs
from segindicators.charts.inputs import ChartInputs
from segindicators.charts.registry import BUILDERS, builder_for
from segindicators.charts.style import figure_meta
from segindicators.geography.profiles import FocusArea, Profile
from segindicators.typology.affluence import AFFLUENCE_SV

# --- the registry ------------------------------------------------------------------------------------------


def test_every_registered_chart_has_a_topic_and_a_builder():
    assert list(CHARTS) == [s.name for s in standard_chart_specs()]  # one entry per spec, report order
    for chart_id, chart in CHARTS.items():
        assert chart.id == chart_id == chart.spec.name
        assert chart.topic in TOPICS, chart_id
        assert callable(chart.builder) and chart.builder is BUILDERS[chart.spec.function], chart_id
    assert set(TOPICS) == {c.topic for c in CHARTS.values()}  # no topic without charts


@pytest.mark.parametrize(
    ("topic", "ids"),
    [
        ("trends", ["01_trend_low_economic_standard_0_19", "02_trend_employment_rate_20_64",
                    "03_trend_foreign_born_share", "04_trend_education_post_secondary_3plus"]),
        ("affluence", ["05_ranked_low_economic_standard_0_19", "06_ranked_employment_rate_20_64",
                       "07_ranked_foreign_born_share", "11_ice_economic_standard"]),
        ("indices", ["08_index_trend_economic_standard", "09_index_trend_background",
                     "10_decomposition_theil_h_income"]),
        ("peers", ["12_peers_dissimilarity_background", "13_peers_rank_dissimilarity_background"]),
        ("plan", ["14_plan_status", "15_measures_status"]),
        ("maps", ["16_map_area_type", "17_map_low_economic_standard_0_19"]),
        (["indices", "peers"], ["08_index_trend_economic_standard", "09_index_trend_background",
                                "10_decomposition_theil_h_income", "12_peers_dissimilarity_background",
                                "13_peers_rank_dissimilarity_background"]),
        (("plan", "trends"), ["01_trend_low_economic_standard_0_19", "02_trend_employment_rate_20_64",
                              "03_trend_foreign_born_share", "04_trend_education_post_secondary_3plus",
                              "14_plan_status", "15_measures_status"]),
    ],
)  # fmt: skip
def test_topic_selection_picks_the_right_ids(topic, ids):
    assert [c.id for c in select(topic)] == ids  # report order, whatever the order asked


def test_the_topics_cover_the_set_once():
    picked = [c.id for t in TOPICS for c in select(t)]
    assert sorted(picked) == sorted(CHARTS) and len(picked) == len(set(picked))


@pytest.mark.parametrize("topic", ["kartor", ["plan", "08"], []])
def test_show_with_an_unknown_topic_names_it_and_lists_the_valid_ones(topic):
    with pytest.raises(ValueError, match="topic=") as err:
        charts.show(None, topic=topic)  # fails before the workspace is touched
    message = str(err.value)
    bad = topic if isinstance(topic, str) else "08" if topic else None
    if bad:
        assert repr(bad) in message
    for valid in TOPICS:
        assert repr(valid) in message


def test_a_spec_with_an_unknown_chart_function_is_an_error():
    spec = replace(standard_chart_specs()[0], function="pie_chart")
    with pytest.raises(ValueError, match="pie_chart"):
        builder_for(spec)


# --- drawing from values -----------------------------------------------------------------------------------

KOMMUN = "9999"  # the demo's fictional municipality
AREAS = ["9999R001", "9999R002", "9999R003"]


def _counts() -> pd.DataFrame:
    """Synthetic foreign-born shares: three RegSO and the kommun, 2023–2024."""
    rows = []
    for year in (2023, 2024):
        for i, area in enumerate(AREAS):
            rows.append({"level": "RegSO", "area": area, "area_name": f"Område {i + 1}", "year": year,
                         "value": 0.1 * (i + 1)})  # fmt: skip
        rows.append(
            {"level": "kommun", "area": KOMMUN, "area_name": "Exempelstad", "year": year, "value": 0.2}
        )
    frame = pd.DataFrame(rows).assign(
        kommun=KOMMUN, geo_version="2018", indicator="foreign_born_share", numerator=1.0, denominator=10.0,
        unit="share", status=None, source_table="TAB6572", table_updated="2024-05-02", flags="",
    )  # fmt: skip
    return frame


def _typology(flagged: dict[int, list[str]]) -> pd.DataFrame:
    """A synthetic typology table: ``flagged`` year → RegSO with concentrated affluence (the rest none)."""
    rows = [
        {"kommun": KOMMUN, "level": "RegSO", "geo_version": "2018", "year": y, "area": a, "measure": "ice_income",
         "concentration": AFFLUENCE_SV if a in flagged.get(y, []) else pd.NA}
        for y in (2023, 2024) for a in AREAS
    ]  # fmt: skip
    return pd.DataFrame(rows).astype({"concentration": "string"})


PROFILE = Profile(
    kommun=KOMMUN, name="Exempelstad", focus_areas=(FocusArea("f", "Fokus", "RegSO", ("9999R001",)),)
)


def _inputs(**frames) -> ChartInputs:
    ws = ProcessedFrames(counts=_counts(), synthetic=True, **frames)
    return ChartInputs.from_workspace(ws, kommun=KOMMUN, year=2024, profile=PROFILE, measures=None)


def test_affluent_areas_are_read_from_the_typology_table():
    assert _inputs().affluent_areas(2024) is None  # no typology table: not assessed
    inp = _inputs(typology=_typology({2024: ["9999R003", "9999R002"], 2023: ["9999R003"]}))
    assert inp.affluent_areas(2024) == ["9999R002", "9999R003"]
    assert inp.affluent_areas(2023) == ["9999R003"]
    assert inp.affluent_areas(2022) == []  # assessed, none that year
    other = _typology({2024: ["9999R002"]}).assign(kommun="0580")
    assert _inputs(typology=other).affluent_areas(2024) is None  # another municipality's table


def test_ranked_bars_highlight_what_the_typology_table_says():
    """Counts alone could not flag anything (no ICE inputs): the highlight is the typology table's."""
    spec = CHARTS["07_ranked_foreign_born_share"].spec
    drawn = list(draw_specs(_inputs(typology=_typology({2024: ["9999R002"]})), [spec]))
    data = plotted_data(drawn[0].figure).set_index("area")
    assert data.loc["9999R002", "highlight"] == "affluent"
    assert data.loc["9999R001", "highlight"] == "focus" and data.loc["9999R003", "highlight"] == ""
    [note] = [n for n in figure_meta(drawn[0].figure).notes if "Koncentrerat" in n]
    assert "minst 0,2 över kommunens" in note
    (nothing,) = draw_specs(_inputs(), [spec])
    notes = figure_meta(nothing.figure).notes
    assert any("typologin saknas" in n for n in notes)  # said, not guessed


def test_show_draws_the_topic_inline_and_prints_what_is_not_drawn(capsys):
    shown = []
    ws = ProcessedFrames(counts=_counts(), synthetic=True)
    figures = charts.show(ws, topic="affluence", profile=PROFILE, measures=None, display=shown.append)
    assert list(figures) == ["07_ranked_foreign_born_share"]  # kommun and year default from the counts
    assert shown == [figures["07_ranked_foreign_born_share"]]
    assert [s.name for s in figures.skipped] == [
        "05_ranked_low_economic_standard_0_19",
        "06_ranked_employment_rate_20_64",
        "11_ice_economic_standard",
    ]  # no rows of those indicators in the counts
    assert all(isinstance(s, Skipped) for s in figures.skipped)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"Inte ritat: {s.name} – {s.reason}" for s in figures.skipped]


def test_draw_asks_for_kommun_when_the_workspace_holds_several():
    two = pd.concat([_counts(), _counts().assign(kommun="0580")])
    with pytest.raises(ValueError, match=r"\['0580', '9999'\].*kommun="):
        charts.draw(ProcessedFrames(counts=two), "trends")


def test_reading_a_folder_without_counts_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="counts.parquet"):
        ProcessedFrames.read(tmp_path)
