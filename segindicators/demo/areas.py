"""The synthetic municipality's areas: codes, names, kinds and grid positions (no randomness).

**Syntetiska exempeldata – inte officiell statistik.** Twelve RegSO of the fictional kommun ``9999`` made of
40 DeSO coded like SCB's (kommun + ``A``/``B``/``C`` + four digits), four of which are split in two in 2025
the way SCB coded Linköping's splits (the last digit 0 becomes 1 and 2). :func:`area_table` lists the finest
units (DeSO 2025) with their DeSO 2018 parent; :func:`lookup_table` is the DeSO → RegSO → kommun lookup of
both geography versions. See :mod:`segindicators.demo.synthetic` for the whole generator.

Examples
--------
>>> areas = area_table()
>>> len(areas), areas["parent"].nunique(), FOCUS_AREAS
(44, 40, ('9999R001', '9999R002', '9999R003'))
>>> areas.loc[areas["part"] > 0, "unit"].head(2).tolist()
['9999C1081', '9999C1082']
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "AFFLUENT_AREAS",
    "DEFAULT_VERSION_YEARS",
    "FOCUS_AREAS",
    "KOMMUN",
    "KOMMUN_NAME",
    "REGSO_DESIGN",
    "RIKET",
    "SPLIT_DESO",
    "YEARS",
    "area_table",
    "lookup_table",
]

KOMMUN = "9999"
KOMMUN_NAME = "Exempelstad (syntetisk)"
RIKET = "00"
YEARS = tuple(range(2015, 2025))
#: Years each geography version is published for (as SCB: DeSO 2018 up to 2023, DeSO 2025 from 2024).
DEFAULT_VERSION_YEARS: dict[str, tuple[int, ...]] = {"2018": tuple(range(2015, 2024)), "2025": (2024,)}

# code, name, kind, DeSO letter, number of DeSO, mean latent score, grid position (column, row)
REGSO_DESIGN: tuple[tuple[str, str, str, str, int, float, tuple[int, int]], ...] = (
    ("R001", "Norrdalen", "focus", "C", 4, -2.2, (1, 2)),
    ("R002", "Västerby", "focus", "C", 4, -1.8, (0, 1)),
    ("R003", "Åsbacken", "focus", "C", 3, -1.6, (2, 2)),
    ("R004", "Stadskärnan", "centre", "C", 4, 0.3, (1, 1)),
    ("R005", "Ekhagen", "affluent", "C", 3, 1.5, (2, 0)),
    ("R006", "Sjövik", "affluent", "C", 3, 1.2, (1, 0)),
    ("R007", "Lindhöjden", "middle", "C", 4, -0.3, (2, 1)),
    ("R008", "Tallmon", "middle", "C", 4, 0.2, (3, 1)),
    ("R009", "Granbacka", "village", "B", 3, 0.1, (3, 2)),
    ("R010", "Kvarnby", "village", "B", 3, 0.3, (3, 0)),
    ("R011", "Ängsö omland", "rural", "A", 2, 0.2, (0, 2)),
    ("R012", "Fjällsta omland", "rural", "A", 3, 0.4, (0, 0)),
)
FOCUS_AREAS: tuple[str, ...] = tuple(KOMMUN + r[0] for r in REGSO_DESIGN if r[2] == "focus")
AFFLUENT_AREAS: tuple[str, ...] = tuple(KOMMUN + r[0] for r in REGSO_DESIGN if r[2] == "affluent")
# (RegSO suffix, index of the DeSO within it) of the DeSO split in two in 2025
SPLIT_DESO = (("R002", 3), ("R004", 1), ("R007", 0), ("R008", 2))


def area_table() -> pd.DataFrame:
    """Fine (DeSO 2025) units with their 2018 parent, RegSO, kind and grid position; no randomness."""
    counters = {"A": 0, "B": {}, "C": 0}
    rows = []
    split_set = set(SPLIT_DESO)
    for suffix, name, kind, letter, n, zmean, pos in REGSO_DESIGN:
        for k in range(n):
            if letter == "A":
                counters["A"] += 1
                code = f"{KOMMUN}A{counters['A'] * 10:04d}"
            elif letter == "B":
                loc = counters["B"].setdefault(suffix, len(counters["B"]) + 1)
                code = f"{KOMMUN}B{loc}{k + 1:02d}0"
            else:
                counters["C"] += 1
                code = f"{KOMMUN}C{1000 + counters['C'] * 10}"
            base = dict(
                parent=code,
                regso=KOMMUN + suffix,
                regso_name=name,
                kind=kind,
                letter=letter,
                zmean=zmean,
                col=pos[0],
                row=pos[1],
                slot=k,
                nslots=n,
            )
            if (suffix, k) in split_set:
                rows += [dict(base, unit=code[:-1] + "1", part=1), dict(base, unit=code[:-1] + "2", part=2)]
            else:
                rows.append(dict(base, unit=code, part=0))
    return pd.DataFrame(rows)


def lookup_table(areas: pd.DataFrame) -> pd.DataFrame:
    cols = ["deso", "regso", "regso_name"]
    v18 = areas.drop_duplicates("parent").rename(columns={"parent": "deso"})[cols].assign(geo_version="2018")
    v25 = areas.rename(columns={"unit": "deso"})[cols].assign(geo_version="2025")
    out = pd.concat([v18, v25], ignore_index=True).assign(kommun=KOMMUN, kommun_name=KOMMUN_NAME)
    out = out[["geo_version", "deso", "regso", "regso_name", "kommun", "kommun_name"]]
    return out.sort_values(["geo_version", "deso"], kind="mergesort").reset_index(drop=True)
