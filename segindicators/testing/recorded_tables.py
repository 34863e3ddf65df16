"""Recorded SCB tables on real Region codes, filled with synthetic values: the fake PxWeb's test material.

**Syntetiska exempeldata – inte officiell statistik.** The helpers build on
:meth:`~segindicators.testing.fake_pxweb.FakePxWeb.add_recorded_table`:

* :func:`table_regions` — a table's Region list (codes as SCB spells them, with SCB's label patterns) for
  chosen municipalities, from a DeSO↔RegSO lookup frame (:func:`segindicators.geography.read_reference_lookups`
  on SCB's kopplingstabeller, or the demo's ``SyntheticMunicipality.lookup``), keeping only the levels and
  geography versions the table's metadata has (:attr:`TableSpec.levels`, :attr:`TableSpec.geo_versions`);
* :func:`synthetic_values` — every cell of any recorded table for such a list, consistent from the metadata
  alone (the model: :mod:`segindicators.testing.synthetic_model`); :func:`add_synthetic_table` does both and
  registers the table, :func:`synthetic_server` registers every recorded table for chosen municipalities (a
  Linköping build on real codes);
* :func:`national_synthetic_server` — the same for **every municipality** on the real lookups' codes (every
  DeSO and RegSO of both versions, all 290 kommun codes, riket), for the national path end to end offline;
  :func:`serve_national` is its pytest-friendly form (started, its tables built once per process).

What is recorded and what is assumed
------------------------------------
Recorded (``shared/reference/scb-api-v2/metadata`` and its README): the variables, codes, labels, units with
their decimals and elimination flags (read from the document, nothing hard-coded here); the Region code
spellings and label patterns — DeSO labels are the bare code, RegSO 2020 ``"Kommun (Namn)"``, RegSO 2025
``"CODE Kommun (Namn)"``; a reference year is published in DeSO 2018 / RegSO 2020 up to 2023 and in
DeSO 2025 / RegSO 2025 from 2024.

Assumed (synthetic by design): every number. Län are left out (verify: SCB's TAB6574 has 19,182 Region
codes, ours 19,161 nationally: the 21 län, whose labels the reference does not hold); the kommun label is the
municipality's name and riket's is ``"Sweden"`` as in the English recordings (``vs_ARegionRiket`` label;
TAB6471 labels kommuner by name).

Examples
--------
>>> from segindicators.sources.scb.metadata import recorded_metadata, table_spec
>>> lookup = pd.DataFrame({"geo_version": ["2018", "2025"], "deso": ["0580C1010", "0580C1010"],
...     "regso": ["0580R001", "0580R001"], "regso_name": ["Berga", "Berga"], "kommun": ["0580", "0580"],
...     "kommun_name": ["Linköping", "Linköping"]})
>>> regions = table_regions(table_spec(recorded_metadata()["TAB6586"]), lookup, ["0580"])
>>> regions
{'0580R001': 'Linköping (Berga)', '0580R001_RegSO2025': '0580R001 Linköping (Berga)'}
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segindicators.geography import read_reference_lookups
from segindicators.sources.scb.metadata import TableSpec, recorded_metadata, table_spec
from segindicators.testing.fake_pxweb import SYNTHETIC_SOURCE, FakePxWeb, FakeTable
from segindicators.testing.region_codes import DESO_SUFFIX, REGSO_SUFFIX
from segindicators.testing.synthetic_model import Areas, synthetic_cube

__all__ = [
    "RIKET_LABEL",
    "SYNTHETIC_SOURCE",
    "add_synthetic_table",
    "national_synthetic_server",
    "serve_national",
    "synthetic_server",
    "synthetic_values",
    "table_regions",
]

#: Label of Region ``00`` in the English recordings (``vs_ARegionRiket`` is labelled "Sweden").
RIKET_LABEL = "Sweden"


def _spec(spec_or_doc: TableSpec | Mapping[str, Any]) -> TableSpec:
    return spec_or_doc if isinstance(spec_or_doc, TableSpec) else table_spec(spec_or_doc)


def table_regions(
    spec: TableSpec | Mapping[str, Any],
    lookup: pd.DataFrame,
    kommuner: Sequence[str],
    *,
    kommun_names: Mapping[str, str] | None = None,
    riket_label: str = RIKET_LABEL,
) -> dict[str, str]:
    """A table's Region codes and labels for ``kommuner``: only the levels and versions its metadata has.

    Parameters
    ----------
    spec
        The table's :class:`~segindicators.sources.scb.metadata.TableSpec` (or its metadata document).
    lookup
        A lookup frame (:data:`segindicators.geography.lookups.LOOKUP_COLUMNS`) holding both geography
        versions, e.g. ``read_reference_lookups(reference_dir / "lookups")`` or the demo's lookup.
    kommuner
        Municipality codes (``"0580"``); all 290 for a national table.
    kommun_names
        Names to use instead of the lookup's ``kommun_name`` (in kommun and RegSO labels).
    riket_label
        Label of ``00``.

    Returns
    -------
    dict
        Code → label in SCB's order: ``00``, then per kommun the kommun, its DeSO, its RegSO (the two
        versions of a code next to each other, 2018 first). 2025 codes carry ``_DeSO2025`` / ``_RegSO2025``.

    Raises
    ------
    ValueError
        A kommun missing from the lookup, or a lookup without a version the table needs.
    """
    spec = _spec(spec)
    wanted = sorted({str(k) for k in kommuner})
    missing = sorted(set(wanted) - set(lookup["kommun"]))
    if missing:
        raise ValueError(
            f"kommuner {missing}: not in the lookup (it has {sorted(set(lookup['kommun']))[:5]} …); read SCB's "
            "kopplingstabeller with segindicators.geography.read_reference_lookups or pass the demo's lookup."
        )
    versions = sorted(spec.geo_versions & {"2018", "2025"})
    have = set(lookup["geo_version"])
    if {"DeSO", "RegSO"} & spec.levels and not set(versions) <= have:
        raise ValueError(
            f"lookup: {spec.id} has geography versions {versions} but the lookup only {sorted(have)}; read both "
            "kopplingstabeller (koppling-deso2018-regso2020.csv and koppling-deso2025-regso2025.csv)."
        )
    names = lookup.drop_duplicates("kommun").set_index("kommun")["kommun_name"].astype(str).reindex(wanted)
    given = pd.Series(dict(kommun_names or {}), dtype=object).reindex(wanted)
    names = given.where(given.notna() & (given.astype(str) != ""), names).astype(str)
    sub = lookup[lookup["kommun"].isin(wanted) & lookup["geo_version"].isin(versions)]
    blocks = []
    if "kommun" in spec.levels:
        blocks.append(pd.DataFrame({"kommun": wanted, "block": 0, "a": "", "b": "", "code": wanted,
                                    "label": names.to_numpy()}))  # fmt: skip
    if "DeSO" in spec.levels:
        d = sub[["geo_version", "deso", "kommun"]].drop_duplicates(["geo_version", "deso"])
        code = d["deso"] + d["geo_version"].map(DESO_SUFFIX)
        blocks.append(d.assign(block=1, a=d["deso"], b=d["geo_version"], code=code, label=d["deso"]))
    if "RegSO" in spec.levels:
        r = sub[["geo_version", "regso", "regso_name", "kommun"]].drop_duplicates(["geo_version", "regso"])
        label = r["kommun"].map(names) + " (" + r["regso_name"].astype(str) + ")"
        label = label.where(r["geo_version"] == "2018", r["regso"] + " " + label)
        code = r["regso"] + r["geo_version"].map(REGSO_SUFFIX)
        blocks.append(r.assign(block=2, a=r["regso"], b=r["geo_version"], code=code, label=label))
    out: dict[str, str] = {"00": riket_label} if "riket" in spec.levels else {}
    if blocks:
        rows = pd.concat(
            [b[["kommun", "block", "a", "b", "code", "label"]] for b in blocks], ignore_index=True
        )
        rows = rows.sort_values(["kommun", "block", "a", "b"], kind="stable")
        codes = rows["code"].to_numpy(dtype=object).tolist()
        out.update(zip(codes, rows["label"].to_numpy(dtype=object).tolist(), strict=True))
    return out


def synthetic_values(
    doc: Mapping[str, Any],
    regions: Mapping[str, str],
    lookup: pd.DataFrame,
    *,
    seed: int = 0,
    rest_of_country: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill every cell of a recorded table for ``regions`` with synthetic values.

    The model is :mod:`segindicators.testing.synthetic_model`: persons per DeSO and year, summed to RegSO,
    kommun and riket within the year's geography version; every draw keyed by the seed, the table, the year
    and the area code, so a DeSO's cells are the same in a one-municipality and a national build.

    Parameters
    ----------
    doc
        The table's recorded metadata document (:func:`segindicators.sources.scb.metadata.recorded_metadata`).
    regions
        Region code → label, as from :func:`table_regions`.
    lookup
        The lookup frame the regions were built from (both versions); RegSO are sums of their DeSO per it.
    seed
        The numbers are a deterministic function of the seed, the table id and the area codes.
    rest_of_country
        Riket = served kommuner + a synthetic rest of the country (about 10.4 million persons). ``False``:
        riket is exactly the sum of the served kommuner.

    Returns
    -------
    values, status
        Arrays of the table's shape in the document's ``id`` order (Region as ``regions``): float values (NaN
        where missing) and object statuses (``".."`` where suppressed or not published; a code of the other
        geography version than the year's is left NaN ``".."``, and the fake serves SCB's 0 trap there).

    Raises
    ------
    ValueError
        A region code the lookup does not cover.
    """
    values = synthetic_cube(doc, list(regions), lookup, seed=seed, rest_of_country=rest_of_country)
    status = np.full(values.shape, None, dtype=object)
    status[np.isnan(values)] = ".."
    return values, status


def add_synthetic_table(
    fake: FakePxWeb,
    doc: Mapping[str, Any],
    lookup: pd.DataFrame | Areas,
    kommuner: Sequence[str],
    *,
    seed: int = 0,
    rest_of_country: bool = True,
    kommun_names: Mapping[str, str] | None = None,
    years: Sequence[int] | None = None,
) -> FakeTable:
    """Register a recorded table on ``fake`` for ``kommuner`` with :func:`synthetic_values` (labelled synthetic).

    Parameters
    ----------
    fake
        The server to register on.
    doc
        The table's recorded metadata document.
    lookup
        Lookup frame with both geography versions (SCB's kopplingstabeller or the demo's lookup), or
        :class:`~segindicators.testing.synthetic_model.Areas` of it for ``kommuner`` (shared by several tables;
        it holds the seed).
    kommuner
        Municipality codes whose areas the table gets.
    seed, rest_of_country
        As :func:`synthetic_values`.
    kommun_names
        As :func:`table_regions`.
    years
        Reference years to fill with numbers (default: every year of the table). The table still lists every
        year its metadata lists; the others are served as not published (``null``, status ``".."``).

    Returns
    -------
    FakeTable

    Examples
    --------
    >>> from segindicators.sources.scb.metadata import recorded_metadata
    >>> from segindicators.testing import FakePxWeb
    >>> lookup = pd.DataFrame({"geo_version": ["2018", "2025"], "deso": ["0580C1010", "0580C1010"],
    ...     "regso": ["0580R001", "0580R001"], "regso_name": ["Berga", "Berga"], "kommun": ["0580", "0580"],
    ...     "kommun_name": ["Linköping", "Linköping"]})
    >>> t = add_synthetic_table(FakePxWeb(), recorded_metadata()["TAB6571"], lookup, ["0580"])
    >>> t.label.startswith(SYNTHETIC_SOURCE), t.variable("Region").codes[:3]
    (True, ['00', '0580', '0580C1010'])
    """
    frame = lookup.lookup if isinstance(lookup, Areas) else lookup
    regions = table_regions(doc, frame, kommuner, kommun_names=kommun_names)
    values = synthetic_cube(
        doc, list(regions), lookup, seed=seed, rest_of_country=rest_of_country, years=years
    )
    # status None: every NaN cell is served as null + ".." (what synthetic_values' statuses say)
    return fake.add_recorded_table(doc, regions, values, synthetic=True)


def _documents(tables: Sequence[str] | None) -> dict[str, Mapping[str, Any]]:
    docs = recorded_metadata()
    unknown = sorted(set(tables or ()) - set(docs))
    if unknown:
        raise ValueError(f"tables {unknown}: no recorded metadata; recorded tables are {sorted(docs)}.")
    return {t: docs[t] for t in (tables or sorted(docs))}


def synthetic_server(
    lookup: pd.DataFrame,
    kommuner: Sequence[str],
    *,
    tables: Sequence[str] | None = None,
    seed: int = 0,
    rest_of_country: bool = True,
    years: Sequence[int] | None = None,
    **server: Any,
) -> FakePxWeb:
    """A (not yet started) fake PxWeb serving recorded tables with synthetic values for real municipalities.

    For a build on SCB's real codes, e.g. Linköping:
    ``synthetic_server(read_reference_lookups(reference / "lookups"), ["0580"])`` serves every shipped recorded
    table (94 DeSO 2018 / 98 DeSO 2025, 32 RegSO of each version, kommun 0580 and riket where the table has
    them). Every number is synthetic.

    Parameters
    ----------
    lookup, kommuner, seed, rest_of_country, years
        As :func:`add_synthetic_table`.
    tables
        Table ids to serve (default: every document of :func:`segindicators.sources.scb.metadata.recorded_metadata`).
    **server
        Passed to :class:`~segindicators.testing.fake_pxweb.FakePxWeb` (``max_calls``, ``max_cells``, …).

    Returns
    -------
    FakePxWeb
    """
    docs = _documents(tables)
    fake = FakePxWeb(**server)
    areas = Areas.of(lookup, kommuner, seed)  # the same areas in every table
    for doc in docs.values():
        add_synthetic_table(fake, doc, areas, kommuner, rest_of_country=rest_of_country, years=years)
    return fake


def _lookup_frame(lookups: pd.DataFrame | str | os.PathLike[str]) -> pd.DataFrame:
    if isinstance(lookups, pd.DataFrame):
        return lookups
    return read_reference_lookups(Path(lookups))


def national_synthetic_server(
    lookups: pd.DataFrame | str | os.PathLike[str],
    *,
    seed: int = 0,
    years: Sequence[int] | None = None,
    tables: Sequence[str] | None = None,
    **server: Any,
) -> FakePxWeb:
    """A (not yet started) fake PxWeb serving every recorded table for **every municipality** (synthetic).

    Every DeSO and RegSO of both geography versions and every kommun of the lookup (SCB's kopplingstabeller:
    5,984 DeSO 2018, 6,160 DeSO 2025, 3,363 RegSO of each version, 290 kommuner) plus riket, where the table's
    metadata has the level and version; riket is the sum of the kommuner (no synthetic rest of the country).
    The Region valuesets the recorded metadata lists per table (``vs_DeSO2018``, ``vs_DeSoHE``,
    ``vs_RegSO2020``, ``vs_RegSo1``, ``vs_DeSO2025``, ``vs_RegSO2025``, ``vs_CRegionKommun07``,
    ``vs_ARegionRiket``; ``vs_BRegionLän07`` is served empty: no län) answer ``["*"]`` with every area of their
    level and version; the cell limit (400 "Too many cells selected") and the call limit (429 +
    ``Retry-After``) apply as for one municipality. Labels, source and notes say the values are synthetic
    (:data:`SYNTHETIC_SOURCE`). A DeSO's (and so a RegSO's and a kommun's) cells equal those of
    :func:`synthetic_server` for its municipality with the same seed; riket differs (there it holds a
    synthetic rest of the country).

    Parameters
    ----------
    lookups
        The lookup frame (:func:`segindicators.geography.read_reference_lookups`) or the folder holding SCB's
        kopplingstabeller (``shared/reference/lookups``).
    seed
        Seed of the synthetic numbers.
    years
        Reference years to fill with numbers (default: every year of each table); the tables still list every
        recorded year, the others are served as not published (``null``, status ``".."``).
    tables
        Table ids (default: every recorded table).
    **server
        Passed to :class:`~segindicators.testing.fake_pxweb.FakePxWeb` (``max_calls``, ``max_cells``, …).

    Returns
    -------
    FakePxWeb

    Notes
    -----
    verify (not recorded): which Region codelists the live service accepts with ``"*"`` for a table; the fake
    accepts exactly those the table's recorded metadata lists (any other: 400 "Non-existent codelist") and
    expands ``"*"`` over the valueset's codes the table has. SCB's TAB6574 lists 19,182 Region codes: ours
    (19,161) lack the 21 län, whose names the reference does not hold.

    Cost, every recorded table (``benchmarks/national_fake.py``): about 6 s CPU to build, 53.7 million cells
    held in 461 MiB (float values, one status byte a cell), about 0.7 GiB peak resident memory; a
    143,616-cell national answer is served in about 0.1–0.3 s.

    Examples
    --------
    Two municipalities stand in for the 290 of ``read_reference_lookups(reference / "lookups")``:

    >>> import httpx
    >>> lookup = pd.DataFrame({"geo_version": ["2018", "2025", "2018", "2025"],
    ...     "deso": ["0580C1010", "0580C1010", "0581C1010", "0581C1010"],
    ...     "regso": ["0580R001", "0580R001", "0581R001", "0581R001"], "regso_name": ["Berga"] * 2 + ["Ett"] * 2,
    ...     "kommun": ["0580", "0580", "0581", "0581"], "kommun_name": ["Linköping"] * 2 + ["Norrköping"] * 2})
    >>> with national_synthetic_server(lookup, tables=["TAB6586"]) as fake:
    ...     answer = httpx.post(fake.url + "/tables/TAB6586/data", json={"selection": [
    ...         {"variableCode": "Region", "codelist": "vs_RegSO2025", "valueCodes": ["*"]},
    ...         {"variableCode": "ContentsCode", "valueCodes": ["000008IU"]},
    ...         {"variableCode": "Tid", "valueCodes": ["2024"]}]}).json()
    >>> list(answer["dimension"]["Region"]["category"]["label"].values())
    ['0580R001 Linköping (Berga)', '0581R001 Norrköping (Ett)']
    >>> answer["label"].startswith(SYNTHETIC_SOURCE)
    True
    """
    lookup = _lookup_frame(lookups)
    kommuner = sorted(set(lookup["kommun"].astype(str)))
    return synthetic_server(
        lookup, kommuner, tables=tables, seed=seed, rest_of_country=False, years=years, **server
    )


_BUILT: dict[tuple[Any, ...], FakePxWeb] = {}
_BUILT_LOCK = threading.Lock()
_KEEP = 2  # national builds kept per process (about 0.5 GiB each)


@contextmanager
def serve_national(
    lookups_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    years: Sequence[int] | None = None,
    tables: Sequence[str] | None = None,
    **server: Any,
) -> Iterator[FakePxWeb]:
    """``with serve_national(reference_dir / "lookups") as fake:`` a started :func:`national_synthetic_server`.

    The tables are built once per process for each (folder, seed, years, tables) — the last two builds are
    kept — and shared by the servers this yields (each has its own request log, limits and faults), so
    several test modules pay for one build.
    A test that changes a table (``fake.tables[...] = ...``) changes the server it holds only.

    Parameters
    ----------
    lookups_dir
        Folder of SCB's kopplingstabeller.
    seed, years, tables, **server
        As :func:`national_synthetic_server`.
    """
    key = (
        str(Path(lookups_dir).resolve()),
        seed,
        None if years is None else tuple(sorted(int(y) for y in years)),
        None if tables is None else tuple(sorted(tables)),
    )
    with _BUILT_LOCK:
        built = _BUILT.get(key)
        if built is None:
            built = national_synthetic_server(lookups_dir, seed=seed, years=years, tables=tables)
            while len(_BUILT) >= _KEEP:
                _BUILT.pop(next(iter(_BUILT)))  # the oldest build
            _BUILT[key] = built
    fake = FakePxWeb(**server)
    fake.tables.update(built.tables)
    fake.codelists.update({k: dict(v) for k, v in built.codelists.items()})  # merging replaces values
    with fake:
        yield fake
