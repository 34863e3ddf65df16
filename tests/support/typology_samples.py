"""Synthetic processed counts for the typology tests (Syntetiska exempeldata – inte officiell statistik).

Turns :func:`segindicators.demo.generate` output (variable/category counts) into rows of the processed-counts
contract for the indicators the typology reads. A test helper, not a builder: the real path is
``segindicators.catalogue.build_counts`` (over SCB or the demo server).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from segindicators.demo import KOMMUN, SYNTHETIC_LABEL, generate
from segindicators.tables import labels_as_text

# indicator id -> (variables, numerator category, denominator category or None for a level)
MAP = {
    "population": (("population_age",), "total", None),
    "foreign_background_share": (("background",), "foreign", "total"),
    "low_economic_standard_share": (("economic_standard_all",), "low", "total"),
    "high_economic_standard_share": (("economic_standard_all",), "high", "total"),
    "employment_rate_20_64": (("employment_20_64",), "employed", "total"),
    "employment_rate_20_64_rams": (("employment_20_64_rams",), "employed", "total"),
    "income_q1_share": (("income_quartile",), "q1", "total"),
    "income_q4_share": (("income_quartile",), "q4", "total"),
    "education_compulsory_share": (("education_25_64", "education_25_65"), "compulsory", "total"),
    "education_post_secondary_3plus_share": (("education_25_64", "education_25_65"), "post_secondary_3plus", "total"),
    "area_type_official": (("area_type_official",), "total", None),
}  # fmt: skip
COLUMNS = [
    "kommun", "level", "geo_version", "area", "area_name", "year", "indicator", "numerator", "denominator",
    "value", "unit", "status", "source_table", "table_updated", "flags",
]  # fmt: skip


@lru_cache(maxsize=2)
def synthetic_processed(seed: int = 20241231) -> pd.DataFrame:
    demo = generate(seed)
    c = demo.counts
    names = demo.lookup.drop_duplicates("regso").set_index("regso")["regso_name"]
    keys = ["geo_version", "level", "region", "year"]
    pieces = []
    for ind, (variables, num_cat, den_cat) in MAP.items():
        sub = c[c["variable"].isin(variables)]
        num = sub[sub["category"] == num_cat].set_index(keys)
        frame = num[["value", "status"]].rename(columns={"value": "numerator"})
        if den_cat is None:
            frame["value"] = frame["numerator"]
            frame["numerator"] = np.nan
            frame["denominator"] = np.nan
            unit = "class" if ind == "area_type_official" else "count"
        else:
            den = sub[sub["category"] == den_cat].set_index(keys)["value"]
            frame["denominator"] = den.reindex(frame.index)
            frame["value"] = frame["numerator"] / frame["denominator"]
            unit = "share"
        frame = frame.reset_index()
        frame["indicator"] = ind
        frame["unit"] = unit
        pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True)
    out = out.rename(columns={"region": "area"})
    out["kommun"] = KOMMUN
    out["area_name"] = out["area"].map(names)
    out["source_table"] = SYNTHETIC_LABEL
    out["table_updated"] = None
    supp = out["status"].eq("..").fillna(False).to_numpy()
    out["flags"] = np.where(supp, "suppressed", "")
    out["status"] = out["status"].where(supp, None)
    labels_as_text(out)
    out = out[COLUMNS].sort_values(["indicator", "geo_version", "level", "area", "year"], ignore_index=True)
    out.attrs["synthetic"] = True
    out.attrs["label"] = SYNTHETIC_LABEL
    return out
