"""The national run's ranks stage: 95 % rank intervals of D and H for background for every municipality (issue 13).

Synthetic counts (Syntetiska exempeldata – inte officiell statistik): municipality 0001 lives in ten areas each
wholly of one background, so D = 1 in every bootstrap draw and no draw can move it from first place; the others
live in mixed areas.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from segindicators.catalogue.definitions import load_catalogue
from segindicators.pipeline import national as nat
from segindicators.pipeline.workbook import national_workbook
from segindicators.tables import read_table
from segindicators.typology.national import INTERVAL_INDICES, national_indices

DRAWS = 49


def _counts() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for k in ["0001", "0002", "0003", "0004", "0005", "0006"]:
        for year in (2022, 2023):
            for i in range(10):
                total = 100.0
                if k == "0001":
                    foreign = total if i < 5 else 0.0  # wholly segregated
                else:
                    foreign = float(rng.integers(20, 60))
                for member, v in (("foreign", foreign), ("swedish", total - foreign)):
                    rows.append({"kommun": k, "level": "RegSO", "geo_version": "2018", "area": f"{k}R{i:03d}",
                                 "year": year, "indicator": f"background.{member}", "numerator": v,
                                 "denominator": total, "flags": ""})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    counts = _counts()
    cat = load_catalogue()
    options = SimpleNamespace(national_draws=DRAWS, seed=11)
    ctx = SimpleNamespace(
        options=options, counts=counts, catalogue=cat, processed=tmp_path_factory.mktemp("national"), summary={},
        indices=national_indices(counts, catalogue=cat, draws=DRAWS, rng=options.seed),
    )  # fmt: skip
    nat.stage_ranks(ctx)
    written = read_table("national_ranks", ctx.processed)
    return ctx, written


def test_every_municipality_gets_an_interval_that_holds_its_rank(ranks):
    ctx, written = ranks
    iv = written[(written["group"] == "background") & written["index"].isin(INTERVAL_INDICES)]
    assert len(iv) == 6 * 2 * 2 * 2  # municipalities × years × indices × rankings
    assert iv["rank_low"].notna().all() and iv["rank_high"].notna().all()
    assert (iv["rank_low"] <= iv["rank_high"]).all() and iv["rank_high"].le(iv["n"]).all()
    assert iv["rank"].between(iv["rank_low"], iv["rank_high"]).mean() > 0.9
    assert iv.loc[iv["kommun"] != "0001", "rank_high"].gt(iv.loc[iv["kommun"] != "0001", "rank_low"]).any()
    others = written[~((written["group"] == "background") & written["index"].isin(INTERVAL_INDICES))]
    assert len(others) and others["rank_low"].isna().all()  # draws are kept only for D and H of background
    assert f"({DRAWS} draws)" in ctx.summary["ranks"]


def test_no_draw_moves_a_wholly_segregated_municipality_from_first_place(ranks):
    _, written = ranks
    first = written[(written["kommun"] == "0001") & (written["group"] == "background")
                    & (written["index"] == "dissimilarity")]  # fmt: skip
    assert len(first) == 4
    assert (first["rank"] == 1).all() and (first["rank_low"] == 1).all() and (first["rank_high"] == 1).all()


def test_the_workbook_shows_the_intervals_under_swedish_headers(ranks):
    _, written = ranks
    book = national_workbook(written.assign(kommun_name=written["kommun"]), synthetic=True, draws=DRAWS)
    sheet = pd.read_excel(io.BytesIO(book), sheet_name="Rangordning", dtype={"Kommunkod": str})
    low, high = "Rangintervall 95 %, från (biaskorrigerat)", "Rangintervall 95 %, till (biaskorrigerat)"
    assert list(sheet.columns[9:13]) == ["Rang (biaskorrigerat)", "Percentil (biaskorrigerat)", low, high]
    d = sheet[(sheet["Kommunkod"] == "0001") & (sheet["Index"] == "Dissimilaritetsindex (D)")]
    assert len(d) == 2 and (d[low] == 1).all() and (d[high] == 1).all()
    assert sheet.loc[sheet["Index"] == "Dissimilaritetsindex (D)", low].notna().all()
