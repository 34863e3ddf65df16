"""Hand-built index inputs shared by the index tests (invented counts, not SCB data)."""

from __future__ import annotations

import pandas as pd


def deso_in_regso() -> pd.DataFrame:
    """Two kommuner, DeSO within RegSO: group ``x`` of total ``t`` in nine DeSO (for the nested decompositions)."""
    return pd.DataFrame(
        {
            "kommun": ["K1"] * 5 + ["K2"] * 4,
            "regso": ["R1", "R1", "R2", "R2", "R2", "S1", "S1", "S2", "S2"],
            "deso": [f"D{i}" for i in range(9)],
            "x": [90, 10, 50, 40, 5, 30, 30, 0, 0],
            "t": [100, 100, 100, 80, 60, 100, 100, 50, 50],
        }
    )
