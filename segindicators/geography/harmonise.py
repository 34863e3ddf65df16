"""Harmonise DeSO and RegSO series across the 2023/2024 geography break (DeSO 2018 → DeSO 2025).

SCB publishes reference years ≤ 2023 on DeSO 2018 / RegSO 2020 and years ≥ 2024 on DeSO 2025 / RegSO 2025.
A long series needs one set of units. Here the unit is the **DeSO 2018** area (and the RegSO where it did
not change), because a 2025 DeSO that was split from a 2018 DeSO can be summed back, while the reverse
would need microdata.

Crosswalk rule (:func:`deso_crosswalk`), applied to the two kopplingstabeller nationally:

1. **unchanged**: the code exists in both versions (1:1).
2. **split**: a 2018 code ``KKKKxNNN0`` that no longer exists, and 2025 codes ``KKKKxNNNd`` (``d`` = 1–9) that
   did not exist in 2018: SCB numbers the parts of a split DeSO by replacing the final 0 of the parent's
   code (``0580C1190`` → ``0580C1191``, ``0580C1192``). The parts are summed back to the parent. The rule
   assumes the parts together cover exactly the parent, which the code pattern indicates but only geometry
   could prove; :func:`deso_crosswalk` reports whether all parts sit in the parent's RegSO.
3. **recoded**: a vanished 2018 code and a new 2025 code with the same kommun and digits but another
   letter (A/B/C, the DeSO's settlement type), e.g. ``0586C2010`` → ``0586B2010``. Probably the same area,
   unproven: reported, not harmonised unless asked for.
4. **unmatched**: everything else (vanished or new codes with no partner): reported, not harmonised.
5. **possibly_changed**: a code kept in both versions, but in a RegSO that gained or lost an unmatched
   DeSO: the new DeSO was carved out of somewhere, most likely its neighbours in the RegSO
   (``0139B2070`` appeared in 0139R010 next to ``0139A0010``, which kept its code). Not harmonised.
   The lookups cannot tell where the area of a vanished unmatched DeSO went when its RegSO disappeared
   too (Kiruna ``2584C1050``, RegSO Bolaget, during the town's move); nearby kept codes are then not flagged.

On SCB's tables (reference/lookups) the rule finds, nationally: 140 split DeSO 2018 (111 into two, 22
into three, 7 into four; 318 DeSO 2025; every part in its parent's RegSO); 5 recoded (kommun 0586, C → B);
4 vanished and 4 new DeSO unmatched (kommuner 0139, 1496, 2523, 2584); of the 5,835 kept codes,
5,832 are unchanged and 3 possibly changed (0139A0010, 1496A0010, 1496A0030). In Linköping it finds exactly the four splits 0580C1190, C1230,
C1310, C1600, each into two, and no other change.

RegSO (:func:`regso_changes`): a RegSO series continues where the code exists in both versions and its
DeSO composition, expressed in DeSO 2018 units through the crosswalk, is the same. Name changes alone do
not break a series (they are reported). Nationally: 3,356 RegSO continuous (10 of them renamed, e.g.
``1984R005`` Nästkvarn-Studrestaden → Nästkvarn-Sturestaden), 6 changed (0139R010, 0586R002, 0586R007,
0586R010 — recoded DeSO only —, 1496R007, 2523R009), 1 new (2523R011), 1 discontinued (2584R001). All 32
Linköping RegSO are continuous.

Every harmonised row has ``geo_version == "harmonised"`` and the ``harmonised`` token in ``flags``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segindicators.geography.aggregate import AGGREGABLE_UNITS, aggregate_counts, rows_where
from segindicators.tables import add_flag  # re-exported: the one flag helper lives with the tables

__all__ = [
    "HARMONISED",
    "add_flag",
    "deso_crosswalk",
    "crosswalk_summary",
    "regso_changes",
    "harmonise_deso",
    "harmonise_regso",
]

HARMONISED = "harmonised"
_DEFAULT_KINDS = ("unchanged", "split")


def deso_crosswalk(lookup: pd.DataFrame) -> pd.DataFrame:
    """Crosswalk DeSO 2018 ↔ DeSO 2025 by the documented code rule (see module docstring).

    Parameters
    ----------
    lookup
        A lookup frame holding both geography versions.

    Returns
    -------
    pandas.DataFrame
        One row per (deso_2018, deso_2025) pair: ``kommun``, ``deso_2018`` (NA for a new unmatched code),
        ``deso_2025`` (NA for a vanished unmatched code), ``kind`` (``unchanged``, ``split``, ``recoded``,
        ``unmatched``, ``possibly_changed``), ``regso_2018``, ``regso_2025``, ``n_parts`` (2025 codes per 2018 code) and
        ``same_regso`` (the 2025 code is in the 2018 code's RegSO).

    Examples
    --------
    >>> lk = pd.DataFrame({"geo_version": ["2018", "2018", "2025", "2025", "2025"],
    ...     "deso": ["0580C1180", "0580C1190", "0580C1180", "0580C1191", "0580C1192"],
    ...     "regso": "0580R011", "regso_name": "Vasastaden", "kommun": "0580", "kommun_name": "Linköping"})
    >>> deso_crosswalk(lk)[["deso_2018", "deso_2025", "kind"]].values.tolist()
    [['0580C1180', '0580C1180', 'unchanged'], ['0580C1190', '0580C1191', 'split'], ['0580C1190', '0580C1192', 'split']]
    """
    versions = set(lookup["geo_version"])
    if not {"2018", "2025"} <= versions:
        raise ValueError(f"lookup: needs both geo_version '2018' and '2025', got {sorted(versions)}.")
    old = lookup.loc[
        (lookup["geo_version"] == "2018") & lookup["deso"].notna(), ["deso", "regso"]
    ].drop_duplicates("deso")
    new = lookup.loc[
        (lookup["geo_version"] == "2025") & lookup["deso"].notna(), ["deso", "regso"]
    ].drop_duplicates("deso")
    old = old.rename(columns={"deso": "deso_2018", "regso": "regso_2018"})
    new = new.rename(columns={"deso": "deso_2025", "regso": "regso_2025"})

    unchanged = old.merge(new, left_on="deso_2018", right_on="deso_2025", how="inner").assign(
        kind="unchanged"
    )
    gone = old[~old["deso_2018"].isin(new["deso_2025"])]
    added = new[~new["deso_2025"].isin(old["deso_2018"])]

    # Rule 2: parent KKKKxNNN0 vanished, children KKKKxNNNd (d = 1..9) new.
    children = added[added["deso_2025"].str[-1].isin(list("123456789"))]
    children = children.assign(_parent=children["deso_2025"].str[:-1] + "0")
    split = gone.merge(children, left_on="deso_2018", right_on="_parent", how="inner").drop(columns="_parent")
    split = split.assign(kind="split")
    gone = gone[~gone["deso_2018"].isin(split["deso_2018"])]
    added = added[~added["deso_2025"].isin(split["deso_2025"])]

    # Rule 3: same kommun and digits, other letter.
    g_key = gone["deso_2018"].str[:4] + gone["deso_2018"].str[5:]
    a_key = added["deso_2025"].str[:4] + added["deso_2025"].str[5:]
    recoded = gone.assign(_k=g_key.to_numpy()).merge(added.assign(_k=a_key.to_numpy()), on="_k", how="inner")
    recoded = recoded.drop(columns="_k").assign(kind="recoded")
    gone = gone[~gone["deso_2018"].isin(recoded["deso_2018"])].assign(kind="unmatched")
    added = added[~added["deso_2025"].isin(recoded["deso_2025"])].assign(kind="unmatched")

    # Rule 5: a kept code in a RegSO that gained (2025) or lost (2018) an unmatched DeSO probably gave up
    # area to it (e.g. 0139B2070, new in 0139R010, next to 0139A0010 which kept its code).
    touched = unchanged["regso_2025"].isin(added["regso_2025"]) | unchanged["regso_2018"].isin(
        gone["regso_2018"]
    )
    unchanged.loc[touched, "kind"] = "possibly_changed"

    out = pd.concat([unchanged, split, recoded, gone, added], ignore_index=True)
    out["kommun"] = out["deso_2018"].fillna(out["deso_2025"]).str[:4]
    out["n_parts"] = out.groupby("deso_2018", dropna=False)["deso_2025"].transform("count").astype("int64")
    out.loc[out["deso_2018"].isna(), "n_parts"] = 0
    out["same_regso"] = (out["regso_2018"] == out["regso_2025"]).fillna(False).astype(bool)
    cols = ["kommun", "deso_2018", "deso_2025", "kind", "regso_2018", "regso_2025", "n_parts", "same_regso"]
    for c in cols[:6]:
        out[c] = out[c].astype("str")
    return (
        out[cols].sort_values(["kommun", "deso_2018", "deso_2025"], na_position="last").reset_index(drop=True)
    )


def crosswalk_summary(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Count what the crosswalk rule found: 2018 units per kind and number of 2025 parts.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``n_parts``, ``n_deso_2018``, ``n_deso_2025``, ``kommuner`` (';'-joined codes,
        listed for the rarer kinds only: ``recoded`` and ``unmatched``).
    """
    cw = crosswalk
    base = cw.groupby(["kind", "n_parts"], dropna=False).agg(
        n_deso_2018=("deso_2018", "nunique"), n_deso_2025=("deso_2025", "nunique")
    )
    kommuner = cw.groupby(["kind", "n_parts"])["kommun"].agg(lambda s: ";".join(sorted(set(s))))
    out = base.join(kommuner.rename("kommuner")).reset_index()
    out.loc[out["kind"].isin(["unchanged", "split"]), "kommuner"] = ""
    return out


def regso_changes(lookup: pd.DataFrame, crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Classify each RegSO code across the break: continuous, changed, new or discontinued.

    The DeSO composition of a RegSO 2025 is rewritten in DeSO 2018 units (split parts → parent; unchanged
    → itself; recoded or unmatched codes stay as they are, so they never match) and compared with its RegSO
    2020 composition.

    Returns
    -------
    pandas.DataFrame
        ``regso``, ``kommun``, ``status``, ``name_2018``, ``name_2025``, ``name_changed``, ``n_deso_2018``,
        ``n_deso_2025``.
    """
    cw = deso_crosswalk(lookup) if crosswalk is None else crosswalk
    to_2018 = cw.loc[cw["kind"].isin(_DEFAULT_KINDS), ["deso_2025", "deso_2018"]]
    lk = lookup[lookup["deso"].notna()]
    old = lk[lk["geo_version"] == "2018"][["regso", "regso_name", "deso"]]
    new = lk[lk["geo_version"] == "2025"][["regso", "regso_name", "deso"]]
    new = new.merge(to_2018, left_on="deso", right_on="deso_2025", how="left")
    new["unit"] = new["deso_2018"].fillna("new:" + new["deso"])

    def composition(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
        f = frame.drop_duplicates(["regso", unit]).sort_values(["regso", unit])
        return f.groupby("regso").agg(
            units=(unit, ";".join), name=("regso_name", "first"), n_deso=("deso", "nunique")
        )

    a, b = composition(old, "deso"), composition(new, "unit")
    out = a.merge(
        b, left_index=True, right_index=True, how="outer", suffixes=("_2018", "_2025")
    ).reset_index()
    status = np.select(
        [out["units_2018"].isna(), out["units_2025"].isna(), out["units_2018"] == out["units_2025"]],
        ["new", "discontinued", "continuous"],
        default="changed",
    )
    out["status"] = status
    out["kommun"] = out["regso"].str[:4]
    out["name_changed"] = (out["name_2018"] != out["name_2025"]).fillna(False) & out["status"].isin(
        ["continuous", "changed"]
    )
    out["n_deso_2018"] = out["n_deso_2018"].fillna(0).astype("int64")
    out["n_deso_2025"] = out["n_deso_2025"].fillna(0).astype("int64")
    cols = [
        "regso",
        "kommun",
        "status",
        "name_2018",
        "name_2025",
        "name_changed",
        "n_deso_2018",
        "n_deso_2025",
    ]
    return out[cols].sort_values("regso").reset_index(drop=True)


def _mark(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        geo_version=HARMONISED,
        flags=add_flag(frame.get("flags", pd.Series("", index=frame.index)), HARMONISED),
    )


def harmonise_deso(
    counts: pd.DataFrame, crosswalk: pd.DataFrame, kinds: tuple[str, ...] = _DEFAULT_KINDS
) -> pd.DataFrame:
    """Put DeSO counts of both geography versions on DeSO 2018 units.

    2018 rows of harmonisable units are relabelled; 2025 rows of unchanged (and, if ``"recoded"`` is in
    ``kinds``, recoded) DeSO map 1:1 to their 2018 code; 2025 parts of a split DeSO are summed back to the
    parent with :func:`~segindicators.geography.aggregate.aggregate_counts` (numerators and denominators;
    a suppressed part makes the parent NaN). Level-type indicators (medians) of split units cannot be
    summed: those rows are left out and listed in ``.attrs["omitted"]``. Units of other kinds are left out
    too (``.attrs["excluded_units"]``).

    Parameters
    ----------
    counts
        Processed counts with ``level == "DeSO"`` rows of ``geo_version`` "2018" and/or "2025".
    crosswalk
        From :func:`deso_crosswalk`.
    kinds
        Crosswalk kinds to harmonise; default unchanged and split.

    Returns
    -------
    pandas.DataFrame
        The input's columns, ``geo_version == "harmonised"``, ``area`` a DeSO 2018 code, ``harmonised`` in
        ``flags``.
    """
    bad = set(kinds) - {"unchanged", "split", "recoded"}
    if bad:
        raise ValueError(f"kinds: expected a subset of ('unchanged', 'split', 'recoded'), got {sorted(bad)}.")
    deso = rows_where(counts, counts["level"] == "DeSO") if "level" in counts.columns else counts
    cw = crosswalk[crosswalk["kind"].isin(kinds)]
    one_to_one = cw[cw["kind"] != "split"]
    split = cw[cw["kind"] == "split"]

    old = deso[(deso["geo_version"] == "2018") & deso["area"].isin(cw["deso_2018"])]
    new = deso[deso["geo_version"] == "2025"]
    new_1 = new.merge(
        one_to_one[["deso_2025", "deso_2018"]], left_on="area", right_on="deso_2025", how="inner"
    )
    new_1 = new_1.assign(area=new_1["deso_2018"]).drop(columns=["deso_2025", "deso_2018"])

    new_split = new[new["area"].isin(split["deso_2025"])]
    aggregable = new_split["unit"].isin(AGGREGABLE_UNITS)
    omitted = new_split.loc[~aggregable, ["area", "indicator", "year"]]
    parts = []
    if aggregable.any():
        mapping = split[["deso_2025", "deso_2018"]].rename(
            columns={"deso_2025": "area", "deso_2018": "target"}
        )
        mapping = mapping.assign(target_name=pd.NA, kommun=mapping["target"].str[:4], geo_version="2025")
        summed = aggregate_counts(new_split[aggregable], mapping, level="DeSO")
        parts.append(summed)
    out = pd.concat([old, new_1, *parts], ignore_index=True)
    out = _mark(out)
    out["level"] = "DeSO"
    cols = [c for c in counts.columns if c in out.columns]
    out = out[cols].sort_values(["area", "indicator", "year"]).reset_index(drop=True)
    out.attrs["omitted"] = omitted.reset_index(drop=True)
    out.attrs["excluded_units"] = sorted(
        set(deso.loc[deso["geo_version"] == "2018", "area"]) - set(cw["deso_2018"].dropna())
        | set(new["area"]) - set(cw["deso_2025"].dropna())
    )
    return out


def harmonise_regso(counts: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Continue RegSO series across the break where the RegSO is ``continuous`` (same code, same DeSO).

    Rows of both geography versions for continuous RegSO are relabelled ``geo_version == "harmonised"``
    (flag ``harmonised``), with the 2025 name. Changed RegSO are left out (``.attrs["excluded_regso"]``);
    their long series can be built from harmonised DeSO with
    ``aggregate_up(harmonise_deso(...), lookup, "RegSO")``, which uses the 2020 composition.

    Parameters
    ----------
    counts
        Processed counts with ``level == "RegSO"`` rows.
    changes
        From :func:`regso_changes`.
    """
    regso = rows_where(counts, counts["level"] == "RegSO") if "level" in counts.columns else counts
    cont = changes[changes["status"] == "continuous"]
    keep = regso[regso["geo_version"].isin(["2018", "2025"]) & regso["area"].isin(cont["regso"])]
    out = _mark(keep)
    if "area_name" in out.columns:
        names = cont.set_index("regso")["name_2025"]
        out["area_name"] = out["area"].map(names).astype("str")
    out = out.sort_values(["area", "indicator", "year"]).reset_index(drop=True)
    out.attrs["excluded_regso"] = sorted(set(regso["area"]) - set(cont["regso"]))
    return out
