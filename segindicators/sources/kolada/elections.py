"""Election KPIs: values in non-election years carry the last election forward and are not new observations.

Kolada's turnout KPIs ("Valdeltagande i senaste kommunalvalet / regionvalet / riksdagsvalet, andel (%)",
N05401 / N05402 / N05403) are about the *latest* election. Kolada publishes them for every year, and in a
year without an election the value is the last election's, carried forward. Evidence:

- the KPI titles (real v3 records, ``shared/reference/kolada/rkolada_v3_kpi_records.json``, shipped in
  :mod:`segindicators.testing.kolada_records`): "… i senaste kommunalvalet …";
- practitioners' notes, ``Region-Dalarna/uppfoljning_dalastrategin@82bdff7d897690ac7e4b38c2bd1dff6d0112f22e:
  Skript/valdeltagande.R`` lines 8 and 24 (quoted in ``shared/reference/kolada/region_dalarna_notes.txt``):
  they fetch N05401, N05402, N05403 only for ``seq(1998, 2022, by = 4)`` "eftersom det även finns data för år
  när det inte är val";
- the reference README: N05401 "has values in non-election years too, carrying the last election forward —
  not new observations".

So a plan that followed every year would see a flat line between elections and count three repeats as
"no change" observations. :func:`mark_carried_forward` adds the column ``carried_forward`` to a Kolada frame:

* ``False``: a new observation (every value of other KPIs; an election KPI in an election year);
* ``True``: an election KPI in a non-election year whose value repeats the latest election's, checked
  against the data where the frame holds that election year (same KPI, municipality and gender), else by
  the KPI's definition ("i senaste …valet");
* ``<NA>``: an election KPI in a non-election year whose value *differs* from the latest election's in the
  frame. That contradicts the carry-forward reading (an extra election in one municipality, or a revision):
  it is not counted as an observation either, and :func:`carry_forward_conflicts` names it so it can be
  recorded as a warning.

Only ``False`` rows are observations (:func:`segindicators.plan.series.series_from_kolada` keeps only
those). Values are never changed or filled in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ELECTION_KPIS",
    "ELECTION_YEARS",
    "carry_forward_conflicts",
    "is_election_year",
    "latest_election",
    "mark_carried_forward",
]

#: Kolada KPIs about the latest general election (see the module notes for the evidence).
ELECTION_KPIS: frozenset[str] = frozenset({"N05401", "N05402", "N05403"})

#: Years of Swedish general elections (riksdag, region and kommun on the same day since 1970): every third
#: year 1970–1994, every fourth year since (Regeringsformen 3 kap. 3 §, ordinary elections in September):
#: …, 2010, 2014, 2018, 2022, 2026, 2030, …
ELECTION_YEARS: tuple[int, ...] = (1970, 1973, 1976, 1979, 1982, 1985, 1988, 1991, 1994) + tuple(
    range(1998, 2101, 4)
)
_ELECTIONS = np.asarray(ELECTION_YEARS, dtype=np.int64)


def is_election_year(year: int) -> bool:
    """True for a Swedish general election year.

    >>> [y for y in range(2017, 2024) if is_election_year(y)]
    [2018, 2022]
    """
    return int(year) in ELECTION_YEARS


def latest_election(years: np.ndarray | pd.Series | list[int]) -> np.ndarray:
    """The latest election year ``<= year`` for each year (``-1`` before 1970).

    >>> latest_election([2018, 2019, 2021, 2022, 2025]).tolist()
    [2018, 2018, 2018, 2022, 2022]
    """
    y = np.asarray(years, dtype=np.int64)
    idx = np.searchsorted(_ELECTIONS, y, side="right") - 1
    return np.where(idx >= 0, _ELECTIONS[np.clip(idx, 0, None)], -1)


def _key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    gender = frame["gender"].astype("string") if "gender" in frame.columns else "T"
    return pd.DataFrame(
        {
            "kpi": frame["kpi"].astype("string").str.removeprefix("kolada:").to_numpy(),
            "municipality": frame["municipality"].astype("string").to_numpy(),
            "gender": pd.Series(gender, index=frame.index, dtype="string").to_numpy(),
            "year": frame["year"].astype("int64").to_numpy(),
            "value": frame["value"].astype("float64").to_numpy(),
        }
    )


def _compare(frame: pd.DataFrame) -> pd.DataFrame:
    """Per row: is it an election KPI in a non-election year, and its latest election's value if present."""
    k = _key_frame(frame)
    k["_row"] = np.arange(len(k))
    k["election_kpi"] = k["kpi"].isin(ELECTION_KPIS).to_numpy(bool)
    k["election"] = latest_election(k["year"].to_numpy())
    k["non_election"] = k["election_kpi"] & (k["year"] != k["election"])
    ref = k.loc[k["election_kpi"] & ~k["non_election"], ["kpi", "municipality", "gender", "year", "value"]]
    ref = ref.drop_duplicates(["kpi", "municipality", "gender", "year"]).rename(
        columns={"year": "election", "value": "election_value"}
    )
    ref["election_present"] = True
    out = k.merge(ref, on=["kpi", "municipality", "gender", "election"], how="left").sort_values("_row")
    out["election_present"] = out["election_present"].astype("boolean").fillna(False).astype(bool)
    return out.reset_index(drop=True)


def _differs(c: pd.DataFrame) -> np.ndarray:
    v, e = c["value"].to_numpy(float), c["election_value"].to_numpy(float)
    same = (v == e) | (np.isnan(v) & np.isnan(e))
    return (c["non_election"] & c["election_present"]).to_numpy(bool) & ~same


def mark_carried_forward(frame: pd.DataFrame) -> pd.Series:
    """The ``carried_forward`` flag of each row of a Kolada frame (see the module notes).

    Parameters
    ----------
    frame
        Rows with ``kpi``, ``municipality``, ``year``, ``value`` and optionally ``gender`` (default ``T``).

    Returns
    -------
    pandas.Series
        Nullable boolean, aligned with ``frame``'s index: False = new observation, True = carries the latest
        election forward, NA = a non-election-year value that differs from the latest election's.

    Examples
    --------
    >>> f = pd.DataFrame({"kpi": "N05401", "municipality": "0580", "gender": "T",
    ...                   "year": [2018, 2019, 2020, 2021, 2022], "value": [80.0, 80.0, 80.0, 79.0, 82.0]})
    >>> mark_carried_forward(f).tolist()  # synthetic numbers
    [False, True, True, <NA>, False]
    """
    if frame.empty:
        return pd.Series(pd.array([], dtype="boolean"), index=frame.index, name="carried_forward")
    c = _compare(frame)
    flag = pd.array(c["non_election"].to_numpy(bool), dtype="boolean")
    flag[_differs(c)] = pd.NA
    return pd.Series(flag, index=frame.index, name="carried_forward")


def carry_forward_conflicts(frame: pd.DataFrame) -> list[str]:
    """Messages naming non-election-year values of election KPIs that differ from the latest election's.

    Such a value is not counted as an observation (its ``carried_forward`` is NA); the message says so and
    what to check, for the refresh's warnings.

    Examples
    --------
    >>> f = pd.DataFrame({"kpi": "N05401", "municipality": "0580", "gender": "T",
    ...                   "year": [2018, 2019], "value": [80.0, 79.0]})  # synthetic
    >>> print(carry_forward_conflicts(f)[0])  # doctest: +ELLIPSIS
    kolada: KPI N05401 (valdeltagande i senaste valet), municipality 0580, gender T, 2019: value 79.0 differs ...
    """
    if frame.empty:
        return []
    c = _compare(frame)
    bad = c[_differs(c)]
    return [
        f"kolada: KPI {r.kpi} (valdeltagande i senaste valet), municipality {r.municipality}, gender {r.gender}, "
        f"{r.year}: value {r.value} differs from the {r.election} election's {r.election_value}; expected a "
        "non-election year to carry the last election forward. Not counted as an observation; check the "
        "value on kolada.se (an extra election or a revision?)."
        for r in bad.itertuples()
    ]
