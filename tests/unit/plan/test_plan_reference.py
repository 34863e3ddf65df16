"""Plan status end to end on real SCB data (RegSO 2020 export of population by birth region)."""

from __future__ import annotations

import pandas as pd
import pytest

from segindicators.plan.definition import plan_from_dict
from segindicators.plan.status import plan_status, series_from_counts

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def foreign_born_counts(born_in_sweden, reference_dir):
    """Processed-counts contract built from the real export: foreign_born_share per Linköping RegSO, the
    kommun (sum of its 32 RegSO) and Sweden (sum of all 3,363)."""
    d = born_in_sweden
    wide = d.pivot_table(index=["region", "year"], columns="födelseregion", values="value").reset_index()
    wide["foreign"] = wide["totalt"] - wide["Sverige"]
    look = pd.read_csv(
        reference_dir / "lookups" / "koppling-deso2018-regso2020.csv", dtype=str, encoding="utf-8-sig"
    )
    look = look.drop_duplicates("RegSOkod_2020")
    look["region"] = look["Kommunnamn"] + " (" + look["RegSO_2020"] + ")"
    lkp = wide[wide.region.str.startswith("Linköping (")].copy()
    lkp["name"] = lkp.region.str.slice(len("Linköping ("), -1).str.strip()
    lkp = lkp.merge(
        look[look.Kommun == "0580"][["RegSO_2020", "RegSOkod_2020"]],
        left_on="name",
        right_on="RegSO_2020",
        how="left",
    )
    assert lkp.RegSOkod_2020.notna().all() and lkp.RegSOkod_2020.nunique() == 32
    regso = pd.DataFrame(
        {
            "level": "RegSO",
            "area": lkp.RegSOkod_2020,
            "area_name": lkp.name,
            "year": lkp.year,
            "numerator": lkp.foreign,
            "denominator": lkp.totalt,
        }
    )
    kommun = lkp.groupby("year", as_index=False)[["foreign", "totalt"]].sum()
    riket = wide.groupby("year", as_index=False)[["foreign", "totalt"]].sum()
    parts = [regso]
    for level, area, frame in (("kommun", "0580", kommun), ("riket", "00", riket)):
        parts.append(
            pd.DataFrame(
                {
                    "level": level,
                    "area": area,
                    "area_name": pd.NA,
                    "year": frame.year,
                    "numerator": frame.foreign,
                    "denominator": frame.totalt,
                }
            )
        )
    c = pd.concat(parts, ignore_index=True)
    c["kommun"], c["geo_version"], c["indicator"], c["unit"], c["flags"] = (
        "0580",
        "2018",
        "foreign_born_share",
        "share",
        "",
    )
    c["year"] = c["year"].astype("int64")
    c["value"] = c["numerator"] / c["denominator"]
    return c


def test_plan_status_on_real_regso_data(foreign_born_counts):
    c = foreign_born_counts
    assert c.loc[(c.level == "riket") & (c.year == 2020), "denominator"].item() == 10_379_295
    # a mechanics-only plan: the direction is arbitrary here, not a policy aim
    plan = plan_from_dict(
        {
            "plan": {
                "municipality": "0580",
                "year": 2023,
                "focus_areas": {"0580R001": "Berga", "0580R017": "Ryd", "0580R018": "Skäggetorp-Tornby"},
            },
            "development_areas": [
                {
                    "id": 1,
                    "title": "test",
                    "indicators": [
                        {
                            "id": "foreign_born_share",
                            "geography": "focus_areas",
                            "baseline_year": 2020,
                            "direction": "decrease",
                        }
                    ],
                }
            ],
        }
    )
    out = plan_status(plan, series_from_counts(c))
    assert set(out.area) == {"0580R001", "0580R017", "0580R018"} and set(out.year) == {2020, 2021, 2022, 2023}
    berga = out[(out.area == "0580R001") & (out.year == 2020)].iloc[0]
    assert berga.value == pytest.approx((7079 - 4377) / 7079)
    k = c[(c.level == "kommun") & (c.year == 2020)].iloc[0]
    r = c[(c.level == "riket") & (c.year == 2020)].iloc[0]
    assert berga.gap_to_municipality == pytest.approx(berga.value - k.value)
    assert berga.gap_to_sweden == pytest.approx(berga.value - r.value)
    assert berga.gap_to_municipality > 0.15  # Berga's foreign-born share is well above Linköping's
    later = out[out.year > 2020]
    assert set(later.status) <= {"on track", "off track", "no significant change"}
    assert (later.noise_basis == "wilson").all()
    assert ((later.hi - later.lo) < 0.05).all()  # thousands of residents: intervals of a few points
