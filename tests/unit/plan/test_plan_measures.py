"""Measures register: loading, validation, round trip, summaries."""

from __future__ import annotations

import pytest
import yaml

from segindicators.plan import load_plan
from segindicators.plan.measures import (
    MeasuresRegister,
    RegisterError,
    YearTotals,
    load_register,
    register_from_dict,
    save_register,
    summarise,
    summary_by_year,
)


def base(**extra):
    raw = {"municipality": "0580", "development_area_ids": [1, 2, 3, 4, 5]}
    raw.update(extra)
    return raw


def test_shipped_register_has_2022_and_2023_counts():
    r = load_register("linkoping_2023_measures", areas=load_plan("linkoping_2023").area_ids)
    t22, t23 = r.totals
    assert (t22.year, t22.total, t22.genomford, t22.pagar, t22.ej_genomford) == (2022, 60, 15, 39, 6)
    assert t22.genomford + t22.pagar + t22.ej_genomford == 60
    assert (t23.year, t23.total, t23.genomford, t23.pagar, t23.ej_genomford) == (2023, 50, None, None, None)
    assert {m.id for m in r.measures} == {"3.1", "5.4"}


def test_2022_round_trip(tmp_path):
    r = load_register("linkoping_2023_measures")
    path = save_register(r, tmp_path / "measures.yaml")
    again = load_register(path)
    assert again == r
    assert again.totals[0] == YearTotals(2022, 60, 15, 39, 6, r.totals[0].source)
    # and the saved text is readable Swedish
    text = path.read_text(encoding="utf-8")
    assert "genomförd: 15" in text and "pågår: 39" in text and "ej genomförd: 6" in text


def test_itemised_measures_and_summaries(tmp_path):
    raw = base(
        measures=[
            {
                "id": "2.1",
                "development_area": 2,
                "title": "A",
                "year": 2024,
                "status": "genomförd",
                "responsible": "Arbetsmarknadsnämnden",
                "indicators": ["employment_rate_20_64"],
            },
            {"id": "2.2", "development_area": 2, "title": "B", "year": 2024, "status": "pågår"},
            {"id": "3.1", "development_area": 3, "title": "C", "year": 2024, "status": "pågår"},
            {"id": "4.1", "development_area": 4, "title": "D", "year": 2024},
        ]
    )  # synthetic
    r = register_from_dict(raw)
    assert r.measures[0].indicators == ("employment_rate_20_64",)
    s = summarise(r)
    got = {
        (int(a), st): int(n) for a, st, n in s[["development_area", "status", "n"]].itertuples(index=False)
    }
    assert got == {(2, "genomförd"): 1, (2, "pågår"): 1, (3, "pågår"): 1, (4, "okänd"): 1}
    y = summary_by_year(r).iloc[0]
    assert (y["total"], y["genomförd"], y["pågår"], y["okänd"]) == (4, 1, 2, 1)
    save_register(r, tmp_path / "m.yaml")
    assert load_register(tmp_path / "m.yaml") == r


def test_total_computed_from_statuses():
    r = register_from_dict(base(totals=[{"year": 2022, "genomförd": 15, "pågår": 39, "ej genomförd": 6}]))
    assert r.totals[0].total == 60


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            base(measures=[{"id": "6.1", "development_area": 6, "title": "x", "year": 2023}]),
            "measure '6.1': unknown development area 6",
        ),
        (
            base(
                measures=[{"id": "1.1", "development_area": 1, "title": "x", "year": 2023, "status": "klar"}]
            ),
            "measure '1.1': unknown status 'klar'",
        ),
        (
            base(totals=[{"year": 2022, "total": 60, "genomförd": 15, "pågår": 39, "ej genomförd": 7}]),
            "totals 2022: the statuses add up to 61",
        ),
        (base(totals=[{"year": 2022, "total": 10, "genomförd": 15}]), "more than total 10"),
        (base(totals=[{"year": 2022, "total": 60, "klar": 15}]), "unknown status or field ['klar']"),
        (base(totals=[{"year": 2022, "pågår": 3}]), "give 'total' or all of"),
        (base(totals=[{"year": 2022, "total": -1}]), "non-negative integer"),
        (
            base(measures=[{"id": "1.1", "development_area": 1, "title": "x", "year": 2023}] * 2),
            "listed twice",
        ),
        (base(measures=[{"id": "1.1", "development_area": 1, "year": 2023}]), "required field 'title'"),
        (
            base(
                measures=[
                    {"id": "1.1", "development_area": 1, "title": "x", "year": 2022, "status": "pågår"}
                ],
                totals=[{"year": 2022, "total": 5, "pågår": 0}],
            ),
            "1 itemised measures have status 'pågår' but the total says 0",
        ),
    ],
)
def test_register_errors_name_the_item(raw, message):
    with pytest.raises(RegisterError) as info:
        register_from_dict(raw)
    assert message in str(info.value)


def test_areas_from_the_plan_override_the_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        yaml.safe_dump(base(measures=[{"id": "5.1", "development_area": 5, "title": "x", "year": 2023}])),
        encoding="utf-8",
    )
    with pytest.raises(RegisterError, match=r"m.yaml: measure '5.1': unknown development area 5"):
        load_register(path, areas=[1, 2, 3, 4])


def test_empty_register_summary():
    s = summarise(MeasuresRegister("0580", (1,)))
    assert list(s.columns) == ["year", "development_area", "status", "n", "source"] and len(s) == 0


def test_indicator_links_checked_against_the_plan():
    plan = load_plan("linkoping_2023")
    ids = [i.id for _, i in plan.indicators()]
    r = load_register("linkoping_2023_measures", areas=plan.area_ids, indicators=ids)
    assert r.measures[1].indicators == ("low_economic_standard_0_19",)
    raw = base(
        measures=[{"id": "2.1", "development_area": 2, "title": "x", "year": 2023, "indicators": ["nope"]}]
    )
    with pytest.raises(RegisterError, match=r"measure '2.1': links to indicators \['nope'\]"):
        register_from_dict(raw, indicators=ids)
