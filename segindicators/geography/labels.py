"""Parse SCB's "Kommun (RegSO-namn)" region labels and join them to RegSO codes.

Statistikdatabasen's web export names RegSO by a label, not a code: ``"Linköping (Skäggetorp-Tornby)"``.
To use such a file the label must be joined to the code in the kopplingstabell. SCB's labels have quirks
that break an exact join (seen in the 2020–2023 RegSO exports, 29 of 3,363 labels):

* a space before the closing parenthesis: ``"Eslöv (Eslöv centrum )"``;
* an en dash where the kopplingstabell has a hyphen, or the reverse (``"Kungshamn–Smögen-Hovenäset–Väjern"``);
* RegSO names are unique only within a kommun (``"Botkyrka (Tuna)"`` and ``"Luleå (Tuna)"``), so the key is
  (kommun name, RegSO name).

A RegSO name could itself contain parentheses; the parser takes the kommun name as everything before the
*first* ``(`` and the RegSO name as everything up to the *last* ``)``, so ``"A (B (C))"`` → ``A``, ``B (C)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LabelJoinError", "normalise_name", "parse_regso_label", "join_regso_labels", "regso_key_columns"]

_LABEL = r"^\s*(?P<kommun_name>[^()]+?)\s*\(\s*(?P<regso_name>.*?)\s*\)\s*$"
_DASHES = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"}


class LabelJoinError(ValueError):
    """Some region labels did not join to a RegSO code (or joined ambiguously)."""


def normalise_name(names: pd.Series) -> pd.Series:
    """Normalise names for matching: dashes → ``-``, no spaces inside parentheses, single spaces, casefolded.

    Examples
    --------
    >>> normalise_name(pd.Series(["Eslöv (Eslöv centrum )", "Kungshamn–Smögen", "  A   B "])).tolist()
    ['eslöv (eslöv centrum)', 'kungshamn-smögen', 'a b']
    """
    out = names.astype("str")
    for dash, hyphen in _DASHES.items():
        out = out.str.replace(dash, hyphen, regex=False)
    out = out.str.replace("\u00a0", " ", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()
    out = out.str.replace(r"\(\s+", "(", regex=True).str.replace(r"\s+\)", ")", regex=True)
    out = out.str.replace(r"\s*-\s*", "-", regex=True)
    return out.str.casefold()


def parse_regso_label(labels: pd.Series | list[str]) -> pd.DataFrame:
    """Split ``"Kommun (RegSO-namn)"`` labels into kommun name and RegSO name (vectorised).

    Surrounding spaces are stripped (``"Eslöv (Eslöv centrum )"`` → ``Eslöv centrum``); dashes are kept as
    written (normalisation for matching is :func:`normalise_name`'s job).

    Parameters
    ----------
    labels
        The labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``kommun_name``, ``regso_name``, one row per input, same order.

    Raises
    ------
    ValueError
        If a label does not have the form ``Kommun (Name)``; lists the first few.

    Examples
    --------
    >>> parse_regso_label(["Eslöv (Eslöv centrum )", "A-by (Norr (gamla))"])[["kommun_name", "regso_name"]].values.tolist()
    [['Eslöv', 'Eslöv centrum'], ['A-by', 'Norr (gamla)']]
    """
    series = pd.Series(labels, dtype="str").reset_index(drop=True)
    parts = series.str.extract(_LABEL)
    bad = series[parts["kommun_name"].isna() | (parts["regso_name"].fillna("") == "")]
    if len(bad):
        raise ValueError(
            f"labels: {len(bad)} label(s) not of the form 'Kommun (RegSO-namn)', e.g. {bad.head(5).tolist()}. "
            "Export the table with RegSO as region (not DeSO or kommun)."
        )
    return pd.DataFrame(
        {"label": series, "kommun_name": parts["kommun_name"], "regso_name": parts["regso_name"]}
    )


def join_regso_labels(
    labels: pd.Series | list[str], lookup: pd.DataFrame, geo_version: str = "2018"
) -> pd.DataFrame:
    """Join ``"Kommun (RegSO-namn)"`` labels to RegSO codes, one-to-one.

    Parameters
    ----------
    labels
        Region labels, e.g. the ``region`` column of :func:`segindicators.sources.scb.read_export_csv`. Duplicates are
        allowed (a long frame repeats each label per year); each distinct label must match exactly one RegSO.
    lookup
        A lookup frame (:mod:`segindicators.geography.lookups`).
    geo_version
        ``"2018"`` (RegSO 2020, exports of years ≤ 2023) or ``"2025"`` (RegSO 2025).

    Returns
    -------
    pandas.DataFrame
        One row per distinct label: ``label``, ``regso``, ``regso_name`` and ``kommun``, ``kommun_name`` as in
        the lookup.

    Raises
    ------
    LabelJoinError
        If a label matches no RegSO, two labels match the same RegSO, or the lookup's (kommun name,
        RegSO name) pairs are not unique; lists the first few with a hint.

    Examples
    --------
    >>> lk = pd.DataFrame({"geo_version": "2018", "deso": ["0580C1230", "1885C1010"],
    ...                    "regso": ["0580R018", "1885R001"], "regso_name": ["Skäggetorp-Tornby", "Lindesberg–Norr"],
    ...                    "kommun": ["0580", "1885"], "kommun_name": ["Linköping", "Lindesberg"]})
    >>> join_regso_labels(["Linköping (Skäggetorp-Tornby )", "Lindesberg (Lindesberg-Norr)"], lk)["regso"].tolist()
    ['0580R018', '1885R001']
    """
    parsed = parse_regso_label(pd.Series(labels, dtype="str").drop_duplicates())
    regso = lookup.loc[lookup["geo_version"] == geo_version, ["regso", "regso_name", "kommun", "kommun_name"]]
    regso = regso.drop_duplicates("regso")
    if regso.empty:
        raise LabelJoinError(
            f"lookup: no rows for geo_version={geo_version!r}; load the matching kopplingstabell."
        )
    regso = regso.assign(
        _key=normalise_name(regso["kommun_name"]) + "\x1f" + normalise_name(regso["regso_name"])
    )
    dup_keys = regso[regso["_key"].duplicated(keep=False)]
    if len(dup_keys):
        raise LabelJoinError(
            f"lookup (geo_version {geo_version}): (kommun, RegSO name) not unique for {dup_keys['regso'].head(5).tolist()}; "
            "labels cannot identify these RegSO."
        )
    parsed["_key"] = (
        normalise_name(parsed["kommun_name"]) + "\x1f" + normalise_name(parsed["regso_name"])
    ).to_numpy()
    joined = parsed[["label", "_key"]].merge(regso, on="_key", how="left", validate="many_to_one")
    unmatched = joined.loc[joined["regso"].isna(), "label"]
    if len(unmatched):
        raise LabelJoinError(
            f"labels: {len(unmatched)} of {len(joined)} label(s) match no RegSO (geo_version {geo_version}), e.g. "
            f"{unmatched.head(5).tolist()}. Hint: check that the export's region version matches geo_version "
            "('2018' = RegSO 2020 for years ≤ 2023, '2025' = RegSO 2025), and compare spelling with the lookup's "
            "kommun_name/regso_name (spaces inside parentheses and –/- are already normalised)."
        )
    twice = joined[joined["regso"].duplicated(keep=False)]
    if len(twice):
        raise LabelJoinError(
            f"labels: several labels match the same RegSO: {twice[['label', 'regso']].head(5).values.tolist()}."
        )
    return joined.drop(columns="_key").reset_index(drop=True)


def regso_key_columns(
    labels: pd.Series, lookup: pd.DataFrame, geo_version: str = "2018"
) -> dict[str, np.ndarray | str]:
    """The processed-counts key columns (``kommun, level, geo_version, area, area_name``) of web-export rows
    labelled ``"Kommun (RegSO-namn)"``, one entry per label in ``labels`` (in its order).

    The joins are :func:`join_regso_labels` (one-to-one, or an error naming the label); this is the one place the
    two web-export readers (official area types, population by birth region) turn labels into keys.

    Examples
    --------
    >>> lk = pd.DataFrame({"geo_version": "2018", "deso": ["0580A0010"], "regso": ["0580R001"],
    ...                    "regso_name": ["Berga"], "kommun": ["0580"], "kommun_name": ["Linköping"]})
    >>> cols = regso_key_columns(pd.Series(["Linköping (Berga)", "Linköping (Berga)"]), lk)
    >>> list(cols["area"]), cols["level"]
    (['0580R001', '0580R001'], 'RegSO')
    """
    joined = join_regso_labels(labels, lookup, geo_version=geo_version).set_index("label")
    key = labels.astype("str")
    return {
        "kommun": joined["kommun"].reindex(key).to_numpy(),
        "level": "RegSO",
        "geo_version": geo_version,
        "area": joined["regso"].reindex(key).to_numpy(),
        "area_name": joined["regso_name"].reindex(key).to_numpy(),
    }

