"""The citywide battery over processed counts: same numbers as the engine, policies for gaps and breaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segindicators.indices import nested_theil, segregation_indices
from segindicators.indices.battery import citywide_battery

# Synthetic counts (not official statistics): two municipalities, four DeSO in two RegSO, two years.
AREAS = {"A1": ("R1", 90, 10), "A2": ("R1", 70, 30), "A3": ("R2", 20, 80), "A4": ("R2", 10, 90)}


def _counts(missing_area: str | None = None) -> pd.DataFrame:
    rows = []
    for kommun, scale in [("9998", 1), ("9999", 3)]:
        for year, version in [(2023, "2018"), (2024, "2025")]:
            for area, (_, foreign, swedish) in AREAS.items():
                for member, v in [("foreign", foreign * scale + year - 2023), ("swedish", swedish * scale)]:
                    num = np.nan if (area == missing_area and member == "foreign") else float(v)
                    rows.append(
                        dict(kommun=kommun, level="DeSO", geo_version=version, area=area, year=year,
                             indicator=f"background.{member}", numerator=num,
                             denominator=float(foreign * scale + year - 2023 + swedish * scale), flags="")
                    )  # fmt: skip
    return pd.DataFrame(rows)


def _lookup() -> pd.DataFrame:
    return pd.DataFrame(
        [dict(geo_version=v, deso=a, regso=r) for v in ("2018", "2025") for a, (r, _, _) in AREAS.items()]
    )


def test_battery_equals_engine_on_the_pivot():
    counts = _counts()
    res = citywide_battery(counts, draws=0)
    wide = counts.pivot_table(
        index=["kommun", "year", "area"], columns="indicator", values="numerator"
    ).reset_index()
    wide["total"] = wide["background.foreign"] + wide["background.swedish"]
    ref = segregation_indices(wide, group="background.foreign", total="total", by=["kommun", "year"])
    got = res[res["group"] == "background"].merge(ref, on=["kommun", "year", "index"], suffixes=("", "_ref"))
    assert len(got) == len(ref) > 0
    np.testing.assert_allclose(got["value"], got["value_ref"], rtol=0, atol=1e-12)


def test_ice_and_bootstrap_columns():
    res = citywide_battery(_counts(), draws=99, rng=1)
    ice = res[(res["group"] == "background") & res["index"].str.startswith("ice")]
    assert set(ice["index"]) == {"ice", "ice_share_high", "ice_share_low"}
    # ICE background = (swedish − foreign) / total over the municipality: by hand for 9998, 2023
    t = sum(f + s for _, f, s in AREAS.values())
    expected = (sum(s for _, _, s in AREAS.values()) - sum(f for _, f, _ in AREAS.values())) / t
    got = ice[(ice["kommun"] == "9998") & (ice["year"] == 2023) & (ice["index"] == "ice")]["value"].item()
    assert got == pytest.approx(expected, abs=1e-12)
    d = res[(res["group"] == "background") & (res["index"] == "dissimilarity")]
    assert (d["ci_low"] <= d["value"]).all() and (d["value"] <= d["ci_high"]).all()
    assert d["expected_random"].notna().all()


def test_suppressed_units_are_dropped_and_counted_never_zero():
    res = citywide_battery(_counts(missing_area="A2"), draws=0)
    d = res[(res["group"] == "background") & (res["index"] == "dissimilarity")]
    assert (d["units"] == 3).all() and (d["units_dropped"] == 1).all()
    # equals D on the three complete units (not D with A2's foreign count set to 0)
    three = {k: v for k, v in AREAS.items() if k != "A2"}
    x = np.array([f for _, f, _ in three.values()], float)
    y = np.array([s for _, _, s in three.values()], float)
    expected = 0.5 * np.abs(x / x.sum() - y / y.sum()).sum()
    got = d[(d["kommun"] == "9998") & (d["year"] == 2023)]["value"].item()
    assert got == pytest.approx(expected, abs=1e-12)


def test_nested_parts_and_break_flag():
    res = citywide_battery(_counts(), draws=0, lookup=_lookup())
    b = res[(res["group"] == "background")]
    one = b[(b["kommun"] == "9999") & (b["year"] == 2024)].set_index("index")["value"]
    assert one["theil_h"] == pytest.approx(one["theil_h_between"] + one["theil_h_within"], abs=1e-12)
    assert not b.duplicated(["kommun", "level", "year", "index"]).any()
    # the first year on DeSO 2025 carries the break flag, the year before does not
    assert b.loc[b["year"] == 2024, "flags"].str.contains("break").all()
    assert not b.loc[b["year"] == 2023, "flags"].str.contains("break").any()
    ref = nested_theil(
        pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [90, 70, 20, 10], "t": [100.0] * 4}),
        group="x", total="t", parent="regso",
    )  # fmt: skip
    between = ref.set_index("index")["value"]["theil_h_between"]
    got = b[(b["kommun"] == "9998") & (b["year"] == 2023) & (b["index"] == "theil_h_between")]["value"].item()
    assert got == pytest.approx(between, abs=1e-12)


def test_no_group_rows_is_a_clear_error():
    counts = _counts().assign(indicator="population")
    with pytest.raises(ValueError, match="no rows of any catalogue group"):
        citywide_battery(counts, draws=0)


def test_multigroup_bootstrap_default_expected_random():
    """The default expected-random indices (D, H) map to their multigroup versions for a list of groups."""
    from segindicators.indices import bootstrap_indices

    df = pd.DataFrame({"k": ["A"] * 3, "a": [50, 10, 5], "b": [30, 60, 5], "c": [20, 30, 90]})
    df["t"] = df[["a", "b", "c"]].sum(axis=1)
    r = bootstrap_indices(df, group=["a", "b", "c"], total="t", by="k", draws=50, rng=3)
    er = r.set_index("index")["expected_random"]
    assert np.isfinite(er["multigroup_dissimilarity"]) and np.isfinite(er["multigroup_theil_h"])
    assert er["multigroup_dissimilarity"] < r.set_index("index")["value"]["multigroup_dissimilarity"]


def test_change_between_uses_the_harmonised_series_across_the_break():
    from segindicators.indices.battery import change_between

    counts = _counts()
    harmonised = counts.assign(geo_version="harmonised")
    both = pd.concat([counts, harmonised], ignore_index=True)
    res = change_between(both, "background", from_year=2023, to_year=2024)
    assert set(res["geo_version"]) == {"harmonised"}
    parts = res[res["component"] != "total"].groupby("kommun")["value"].sum()
    total = res[res["component"] == "total"].set_index("kommun")["value"]
    np.testing.assert_allclose(parts.sort_index(), total.sort_index(), atol=1e-12)
    with pytest.raises(ValueError, match="not a catalogue group"):
        change_between(both, "nope", from_year=2023, to_year=2024)
