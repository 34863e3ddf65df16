"""What a Kolada request asks for: KPI, municipality and year ids, Kolada's 25-id lists, the request's name.

Pure helpers of :class:`~segindicators.sources.kolada.KoladaClient` (and of ``segindicators kolada``): ids
normalised and checked for their form (Kolada itself says whether it knows them), years from ranges such as
``"2018-2024"``, lists split into Kolada's at most 25 ids per path segment, the ``/data`` path of one group,
the text naming a request in messages, and the hint for an unknown KPI (:data:`RETIRED_KPIS`: a KPI gone from
v3 and its nearest successor).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "MAX_IDS",
    "RETIRED_KPIS",
    "chunks",
    "data_path",
    "describe",
    "normalise_ids",
    "normalise_years",
    "unknown_kpi_hint",
]

#: Longest id list Kolada accepts in one path segment.
MAX_IDS = 25
#: KPIs recorded as absent from v3 → what they were and their nearest successor. Source:
#: shared/reference/kolada/README.md and rkolada_v3_kpi_records.json (N00914 = null in the 6,099-KPI
#: catalogue); Region Dalarna's sysselsatta_ny.R ("data fram till 2021 när Rams försvinner").
RETIRED_KPIS: dict[str, dict[str, str]] = {
    "N00914": {
        "title": "Förvärvsarbetande invånare 20-64 år (RAMS, ended 2021)",
        "successor": "N02243",
        "successor_title": "Sysselsatta invånare 20-65 år, andel (%)",
    },
}


def unknown_kpi_hint(kpis: Iterable[str]) -> str:
    """What to do about unknown KPI ids: the successor of a retired one, else check the id.

    >>> print(unknown_kpi_hint(["N00914"]))  # doctest: +ELLIPSIS
    N00914 (Förvärvsarbetande invånare 20-64 år (RAMS, ended 2021)) is gone from Kolada v3; its nearest successor is N02243 ...
    """
    parts, others = [], []
    for k in kpis:
        if k in RETIRED_KPIS:
            r = RETIRED_KPIS[k]
            parts.append(
                f"{k} ({r['title']}) is gone from Kolada v3; its nearest successor is {r['successor']} "
                f'"{r["successor_title"]}" (not the same definition: follow it as a new series).'
            )
        else:
            others.append(k)
    if others:
        parts.append(f"Check {', '.join(others)} on kolada.se; ids change when KPIs are revised.")
    return " ".join(parts)


def chunks(items: Sequence[str], size: int = MAX_IDS) -> list[list[str]]:
    """Split ``items`` into lists of at most ``size`` (Kolada's id-list limit).

    >>> chunks(["a", "b", "c"], 2)
    [['a', 'b'], ['c']]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def normalise_ids(values: str | Iterable[str | int], what: str) -> list[str]:
    """Deduplicated, sorted ids as strings; a single string may be comma separated.

    >>> normalise_ids("N15428, N05401", "kpis")
    ['N05401', 'N15428']
    >>> normalise_ids([2024, "2023", 2024], "years")
    ['2023', '2024']
    """
    if isinstance(values, str):
        items = values.split(",")
    else:
        items = [str(v) for v in values]
    out = sorted({i.strip() for i in items if i.strip()})
    if not out:
        raise ValueError(f"{what}: expected at least one id, got {values!r}.")
    bad = [i for i in out if "," in i or "/" in i or "?" in i]
    if bad:
        raise ValueError(f"{what}: ids must not contain ',', '/' or '?'; got {bad}.")
    return out


def normalise_years(years: int | str | Iterable[int | str]) -> list[str]:
    """Years as sorted unique strings; accepts ints, ``"2018-2024"`` ranges and comma lists.

    >>> normalise_years("2018-2020,2024")
    ['2018', '2019', '2020', '2024']
    >>> normalise_years(2022)
    ['2022']
    """
    if isinstance(years, int):
        items: list[str] = [str(years)]
    elif isinstance(years, str):
        items = [p.strip() for p in years.split(",")]
    else:
        items = [str(y).strip() for y in years]
    out: set[int] = set()
    for item in items:
        if not item:
            continue
        first, sep, last = item.partition("-")
        try:
            lo = int(first)
            hi = int(last) if sep else lo
        except ValueError:
            raise ValueError(
                f"years: {item!r} is not a year or a range such as 2018-2024; give four-digit years."
            ) from None
        if hi < lo or not (1900 <= lo <= 2200 and 1900 <= hi <= 2200):
            raise ValueError(
                f"years: {item!r} is not a valid year or increasing range between 1900 and 2200."
            )
        out.update(range(lo, hi + 1))
    if not out:
        raise ValueError(f"years: expected at least one year, got {years!r}.")
    return [str(y) for y in sorted(out)]


def data_path(kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[str]) -> str:
    """The ``/data`` path of one request group (each list at most :data:`MAX_IDS` long).

    >>> data_path(["N15428"], ["0580", "0000"], ["2023", "2024"])
    'data/kpi/N15428/municipality/0580,0000/year/2023,2024'
    """
    return f"data/kpi/{','.join(kpis)}/municipality/{','.join(municipalities)}/year/{','.join(years)}"


def describe(kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[str]) -> str:
    """How messages name a data request.

    >>> describe(["N31807"], ["0581"], ["2024"])
    'KPI N31807 for municipality 0581 and year(s) 2024'
    """
    return f"KPI {','.join(kpis)} for municipality {','.join(municipalities)} and year(s) {','.join(years)}"
