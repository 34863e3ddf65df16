"""Plan definition: the shipped Linköping plan and the loader's validation."""

from __future__ import annotations

import copy

import pytest

from segindicators.plan import CATALOGUE_IDS, PlanError, load_plan, shipped_plans
from segindicators.plan.definition import plan_from_dict

TITLES = {
    1: "Ökad trygghet, gemenskap och delaktighet i samhället",
    2: "Fler i arbete eller meningsfull sysselsättning",
    3: "Utbildning för att barn och vuxna ska nå sin fulla potential",
    4: "Trivsamma livsmiljöer för ett sammanhållet Linköping",
    5: "En rikare fritid för alla",
}


def test_shipped_linkoping_plan_validates():
    assert "linkoping_2023" in shipped_plans()
    plan = load_plan("linkoping_2023", known_ids=CATALOGUE_IDS)
    assert plan.municipality == "0580" and plan.plan_year == 2023
    assert {a.id: a.title for a in plan.areas} == TITLES
    assert all(len(a.indicators) >= 2 for a in plan.areas)
    assert plan.focus_areas == {"0580R001": "Berga", "0580R017": "Ryd", "0580R018": "Skäggetorp-Tornby"}
    # areas with only municipality-level data say so
    levels = {a.id: a.data_level for a in plan.areas}
    assert levels[1] == "municipality" and levels[5] == "municipality"
    assert all(a.data_note for a in plan.areas if a.data_level == "municipality")
    # segregation itself is followed
    ids = {i.id for _, i in plan.indicators()}
    assert {"index:dissimilarity:background", "index:theil_h:income_quartiles", "index:ice:income"} <= ids
    assert any(i.startswith("kolada:") for i in ids)


def test_shipped_subgoals_are_marked_as_proposals():
    plan = load_plan("linkoping_2023")
    subs = [s for _, i in plan.indicators() for s in i.subgoals]
    assert subs, "the shipped plan illustrates sub-goals"
    assert not any(s.adopted for s in subs)
    assert all("FÖRSLAG" in (s.note or "") for s in subs)
    assert "inga numeriska delmål är beslutade" in plan.subgoal_note


RAW = {
    "plan": {"municipality": "0580", "year": 2023, "development_area_ids": [1, 2]},
    "development_areas": [
        {
            "id": 2,
            "title": "Fler i arbete",
            "indicators": [
                {
                    "id": "employment_rate_20_64",
                    "geography": "focus_areas",
                    "baseline_year": 2020,
                    "direction": "increase",
                    "subgoals": [{"kind": "value", "target": 0.6, "year": 2030}],
                }
            ],
        }
    ],
}


def mutate(path, value):
    raw = copy.deepcopy(RAW)
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


IND = ("development_areas", 0, "indicators", 0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (mutate(("development_areas", 0, "id"), 7), "development area 7: unknown development area"),
        (
            mutate((*IND, "id"), "employment"),
            "development area 2, indicator 'employment': unknown indicator id",
        ),
        (mutate((*IND, "direction"), "up"), "indicator 'employment_rate_20_64': bad direction 'up'"),
        (
            mutate((*IND, "subgoals"), [{"kind": "value", "target": 0.6, "year": 2019}]),
            "sub-goal #1: sub-goal year 2019 is not after the baseline year 2020",
        ),
        (mutate((*IND, "subgoals"), [{"kind": "gap", "reduce_gap_by": 1.5, "year": 2030}]), "reduce_gap_by"),
        (mutate((*IND, "subgoals"), [{"kind": "trend", "year": 2030}]), "kind must be 'value' or 'gap'"),
        (mutate((*IND, "geography"), "county"), "geography must be one of"),
        (mutate((*IND, "id"), "kolada:15428"), "Kolada id 'kolada:15428' is malformed"),
        (mutate((*IND, "id"), "index:dissimilarity:colour"), "index id 'index:dissimilarity:colour'"),
        (mutate((*IND, "id"), "kolada:N15428"), "exist only for the whole municipality"),
        (mutate((*IND, "baseline_year"), "2020"), "baseline_year must be an integer year"),
        (mutate(("plan", "municipality"), "580"), "four-digit kommun code"),
    ],
)
def test_validation_errors_name_the_item(raw, message):
    with pytest.raises(PlanError) as info:
        plan_from_dict(raw)
    assert message in str(info.value)


def test_known_ids_are_passed_in():
    raw = mutate((*IND, "id"), "my_local_indicator")
    with pytest.raises(PlanError, match="unknown indicator id 'my_local_indicator'"):
        plan_from_dict(raw)
    plan = plan_from_dict(raw, known_ids={"my_local_indicator"})
    assert plan.areas[0].indicators[0].id == "my_local_indicator"


def test_missing_file_error(tmp_path):
    with pytest.raises(PlanError, match="does not exist"):
        load_plan(tmp_path / "nope.yaml")
    with pytest.raises(PlanError, match="no shipped plan of that name"):
        load_plan("stockholm_2030")


def test_indicator_listed_twice_in_an_area():
    raw = copy.deepcopy(RAW)
    raw["development_areas"][0]["indicators"].append(
        copy.deepcopy(raw["development_areas"][0]["indicators"][0])
    )
    with pytest.raises(PlanError, match="indicator 'employment_rate_20_64': listed twice"):
        plan_from_dict(raw)
