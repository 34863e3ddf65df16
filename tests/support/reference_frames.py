"""Frames built from the real reference material (``../shared/reference``) shared by several test files."""

from __future__ import annotations

import pandas as pd


def national_frame(born_in_sweden: pd.DataFrame) -> pd.DataFrame:
    """RegSO × year rows with foreign-born = totalt − Sverige and kommun = label part before the first ' ('."""
    w = born_in_sweden.pivot_table(
        index=["region", "year"], columns="födelseregion", values="value", aggfunc="first"
    ).reset_index()
    w.columns.name = None
    w["foreign"] = w["totalt"] - w["Sverige"]
    w["kommun"] = w["region"].str.split(" (", n=1, regex=False).str[0]
    return w
