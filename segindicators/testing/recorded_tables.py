"""Recorded SCB tables on real Region codes, filled with synthetic values: the fake PxWeb's test material.

**Syntetiska exempeldata – inte officiell statistik.** Two helpers build on
:meth:`~segindicators.testing.fake_pxweb.FakePxWeb.add_recorded_table`:

* :func:`table_regions` — a table's Region list (codes as SCB spells them, with SCB's label patterns) for
  chosen municipalities, from a DeSO↔RegSO lookup frame (:func:`segindicators.geography.read_reference_lookups`
  on SCB's kopplingstabeller, or the demo's ``SyntheticMunicipality.lookup``), keeping only the levels and
  geography versions the table's metadata has (:attr:`TableSpec.levels`, :attr:`TableSpec.geo_versions`);
* :func:`synthetic_values` — every cell of any recorded table for such a list, consistent from the metadata
  alone; :func:`add_synthetic_table` does both and registers the table, :func:`synthetic_server` registers
  every recorded table for chosen municipalities (a Linköping build on real codes).

What is recorded and what is assumed
------------------------------------
Recorded (``shared/reference/scb-api-v2/metadata`` and its README): the variables, codes, labels, units with
their decimals and elimination flags (read from the document, nothing hard-coded here); the Region code
spellings and label patterns — DeSO labels are the bare code, RegSO 2020 ``"Kommun (Namn)"``, RegSO 2025
``"CODE Kommun (Namn)"``; a reference year is published in DeSO 2018 / RegSO 2020 up to 2023 and in
DeSO 2025 / RegSO 2025 from 2024.

Assumed (synthetic by design): every number. Län are left out (a län would need all its municipalities);
the kommun label is the municipality's name and riket's is ``"Sweden"`` as in the English recordings
(``vs_ARegionRiket`` label; TAB6471 labels kommuner by name).

The synthetic model
-------------------
Each DeSO has a latent score ``z`` (its RegSO's score plus DeSO noise) and a population that grows slowly;
both are drawn from the seed and the area code alone, so every table of one seed describes the same areas
(the population of TAB6574 and TAB6571 agree). For riket, the served municipalities plus one block for the
rest of the country (``z = 0``, about 10.4 million persons) are summed.

A table's cells are built from *atoms*, per classifying variable (every variable but Region, ContentsCode and
Tid), read from the metadata:

* an age variable (codes such as ``-4``, ``5-9``, ``80-``, ``20-64``, ``65+``): the elementary age intervals
  of its codes, so overlapping bands (``20-64`` and ``20-65``) and the total stay consistent;
* an eliminable variable, or a non-eliminable one with a "total"/"totalt" code and at least two other codes:
  a partition — its non-total codes are atoms, the total is their sum;
* a non-eliminable variable with a total and one other code (``Sysselsattning`` ``FÖRV``/``total``): the
  code is a subset of the total;
* a non-eliminable variable without a total (``InkomstTyp``): views of the same persons.

Persons are drawn over the atoms (multinomial, shares depending on ``z``), per DeSO and year, and summed to
RegSO, kommun and riket **within the year's geography version**: DeSO sum to their RegSO (per the lookup),
RegSO to the kommun, kommuner (plus the rest of the country) to riket. Contents follow their unit:

* counts (unit base with "number" or "persons"): integers; several count contents in one table are read by
  their labels (employed / unemployed / labour force = both / outside the labour force / total) or else
  nested subsets of the population; "Number of persons" is the table's population;
* percentages (unit base ``percent``): a hidden count over the same persons (quartile shares from one
  four-way draw, so they sum to about 100), published as 100 × count / persons rounded to the unit's
  decimals, between 0 and 100;
* amounts (medians, means, SEK thousands): a positive level per DeSO weighted by persons when summed,
  rounded to the unit's decimals;
* ``index`` units: an area type 1–5 and a socio-economic index from the table's percentages.

Small cells are suppressed as SCB marks them (``null`` + status ``".."``, never 0): counts of 1–4 and
percentages and amounts over fewer than 50 persons, but never a cell at a total code or a population count.
The numbers are deterministic for a seed.

Examples
--------
>>> from segindicators.sources.scb.metadata import recorded_metadata, table_spec
>>> import pandas as pd
>>> lookup = pd.DataFrame({"geo_version": ["2018", "2025"], "deso": ["0580C1010", "0580C1010"],
...     "regso": ["0580R001", "0580R001"], "regso_name": ["Berga", "Berga"], "kommun": ["0580", "0580"],
...     "kommun_name": ["Linköping", "Linköping"]})
>>> regions = table_regions(table_spec(recorded_metadata()["TAB6586"]), lookup, ["0580"])
>>> regions
{'0580R001': 'Linköping (Berga)', '0580R001_RegSO2025': '0580R001 Linköping (Berga)'}
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segindicators.sources.scb.metadata import TableSpec, level_of_code, recorded_metadata, table_spec
from segindicators.testing.fake_pxweb import (
    FIRST_2025_YEAR,
    SYNTHETIC_SOURCE,
    FakePxWeb,
    FakeTable,
    total_code,
)

__all__ = [
    "RIKET_LABEL",
    "SYNTHETIC_SOURCE",
    "add_synthetic_table",
    "synthetic_server",
    "synthetic_values",
    "table_regions",
]

#: Label of Region ``00`` in the English recordings (``vs_ARegionRiket`` is labelled "Sweden").
RIKET_LABEL = "Sweden"
_SUFFIX = {"2018": "", "2025": "_DeSO2025"}
_RSUFFIX = {"2018": "", "2025": "_RegSO2025"}
_COUNTRY_POPULATION = 10_400_000  # about Sweden's population in the 2020s (reference README: 10.5 million)
_SMALL = (1, 4)
_MIN_PERSONS = 50


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
        Municipality codes (``"0580"``).
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
    names = dict(kommun_names or {})
    wanted = [str(k) for k in kommuner]
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
    out: dict[str, str] = {}
    if "riket" in spec.levels:
        out["00"] = riket_label
    for kommun in sorted(dict.fromkeys(wanted)):
        sub = lookup[(lookup["kommun"] == kommun) & lookup["geo_version"].isin(versions)]
        name = names.get(kommun) or str(lookup.loc[lookup["kommun"] == kommun, "kommun_name"].iloc[0])
        if "kommun" in spec.levels:
            out[kommun] = name
        if "DeSO" in spec.levels:
            deso = sub[["geo_version", "deso"]].drop_duplicates().sort_values(["deso", "geo_version"])
            for version, code in deso.itertuples(index=False):
                out[code + _SUFFIX[version]] = code
        if "RegSO" in spec.levels:
            regso = sub[["geo_version", "regso", "regso_name"]].drop_duplicates(["geo_version", "regso"])
            for version, code, rname in regso.sort_values(["regso", "geo_version"]).itertuples(index=False):
                label = f"{name} ({rname})"
                out[code + _RSUFFIX[version]] = label if version == "2018" else f"{code} {label}"
    return out


# ------------------------------------------------------------------------------------------- the model


def _hash(*parts: Any) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode("utf-8"))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


_AGE = re.compile(r"^(?P<lo>\d+)?-(?P<hi>\d+)?$|^(?P<plus>\d+)\+$")
_MAX_AGE = 111  # exclusive upper bound of the last age atom


def _age_interval(code: str) -> tuple[int, int] | None:
    """``"-4"`` → (0, 5), ``"80-"`` → (80, 111), ``"65+"`` → (65, 111), ``"20-64"`` → (20, 65); else None."""
    m = _AGE.match(str(code))
    if not m:
        return None
    if m["plus"]:
        return int(m["plus"]), _MAX_AGE
    if m["lo"] is None and m["hi"] is None:
        return None
    lo = int(m["lo"]) if m["lo"] else 0
    hi = int(m["hi"]) + 1 if m["hi"] else _MAX_AGE
    return lo, hi


@dataclass
class _Axis:
    """A classifying variable: its atoms, which atoms each code covers, and the atoms' shares."""

    var: str
    codes: list[str]
    member: np.ndarray  # (codes, atoms) 0/1
    kind: str  # "age", "partition", "subset", "view"
    total: str | None
    atom_ages: list[tuple[int, int]] | None = None

    @property
    def atoms(self) -> int:
        return int(self.member.shape[1])

    def shares(self, z: np.ndarray, seed: int) -> np.ndarray:
        """(units, atoms) probabilities for latent scores ``z``."""
        n = self.atoms
        if self.kind == "age":
            ages = np.arange(_MAX_AGE, dtype=float)
            base = np.where(ages < 65, 1.0, np.exp(-(ages - 65) / 11.0))
            tilt = np.exp(-0.006 * z[:, None] * (ages[None, :] - 40.0))  # younger where z is low
            w = base[None, :] * tilt
            return np.stack([w[:, lo:hi].sum(axis=1) for lo, hi in self.atom_ages or []], axis=1)
        if self.kind == "subset":
            p = _expit(1.2 + 0.5 * z)
            return np.stack([p, 1.0 - p], axis=1)
        if self.kind == "view":
            return np.ones((len(z), 1))
        atom_codes = [c for c in self.codes if c != self.total]
        rng = np.random.default_rng([seed, _hash(self.var)])
        a = rng.normal(0.0, 0.35, n)
        b = np.linspace(-0.5, 0.5, n) if n > 1 else np.zeros(1)
        if self.var == "Kon":
            a, b = np.zeros(n), np.zeros(n)
        for i, code in enumerate(atom_codes):
            if code.upper() in ("US", "ÖVRIGT") or code.lower().startswith("ovr"):
                a[i], b[i] = -3.5, -0.3  # "no information" / "data missing": a small share
        return np.exp(a[None, :] + b[None, :] * z[:, None])


def _axis(var: str, codes: Sequence[str], labels: Mapping[str, str], eliminable: bool) -> _Axis:
    codes = list(codes)
    total = total_code(codes, labels)
    rest = [c for c in codes if c != total]
    if not rest:  # only a total (TAB5880's Kon "1+2"): one atom
        return _Axis(var, codes, np.ones((len(codes), 1)), "view", total)
    ages = {c: _age_interval(c) for c in rest}
    if rest and all(ages.values()):
        cuts = sorted({0, _MAX_AGE, *(b for iv in ages.values() for b in iv)})  # type: ignore[union-attr]
        atoms = list(zip(cuts[:-1], cuts[1:], strict=True))
        member = np.zeros((len(codes), len(atoms)))
        for i, c in enumerate(codes):
            lo, hi = ages.get(c) or (0, _MAX_AGE)
            member[i] = [lo <= a and b <= hi for a, b in atoms]
        return _Axis(var, codes, member, "age", total, atoms)
    if eliminable or (total is not None and len(rest) >= 2):
        member = np.zeros((len(codes), len(rest)))
        for i, c in enumerate(codes):
            member[i] = 1.0 if c == total else [c == r for r in rest]
        return _Axis(var, codes, member, "partition", total)
    if total is not None:
        member = np.array([[1.0, 1.0] if c == total else [1.0, 0.0] for c in codes])
        return _Axis(var, codes, member, "subset", total)
    return _Axis(var, codes, np.ones((len(codes), 1)), "view", None)


def _content_kind(base: str, label: str) -> str:
    b, lab = base.lower(), label.lower()
    if b == "percent":
        return "percent"
    if b == "index":
        return "area_type" if "type" in lab else "index"
    if "number" in b or "persons" in b or "antal" in b:
        return "count"
    return "amount"


def _percent_model(label: str, seed: int, code: str) -> tuple[float, float]:
    """(intercept, slope on z) of a percentage's hidden share, by the label's words."""
    lab = label.lower()
    if "poverty" in lab or "low economic" in lab:
        return -1.8, -0.9
    if "high" in lab:
        return -2.6, 0.9
    if "pre-upper" in lab or "primary" in lab:
        return -2.0, -0.6
    if "assistance" in lab or "unemploy" in lab:
        return -2.8, -0.8
    rng = np.random.default_rng([seed, _hash("percent", code)])
    return float(rng.uniform(-2.0, 0.0)), -0.5


def _leaves(lookup: pd.DataFrame, kommuner: Sequence[str], version: str, seed: int) -> pd.DataFrame:
    """The DeSO of ``version`` in ``kommuner`` with their latent score and population parameters."""
    sub = lookup[(lookup["geo_version"] == version) & lookup["kommun"].isin(list(kommuner))]
    sub = sub.drop_duplicates("deso").sort_values("deso").reset_index(drop=True)
    # a DeSO code new in 2025 is mostly half of a split 2018 DeSO: half a DeSO's population keeps the
    # municipality's population continuous across the 2023 → 2024 version change
    old = set(lookup.loc[lookup["geo_version"] == "2018", "deso"])
    half = [version == "2025" and d not in old for d in sub["deso"]]
    z, base, growth = [], [], []
    for deso, regso in zip(sub["deso"], sub["regso"], strict=True):
        zr = np.random.default_rng([seed, _hash("regso", regso)]).normal(0.0, 0.8)
        rng = np.random.default_rng([seed, _hash("deso", deso)])
        z.append(zr + rng.normal(0.0, 0.4))
        base.append(rng.uniform(700, 2700))
        growth.append(rng.normal(0.008, 0.006))
    return sub.assign(z=z, base=np.where(half, 0.5, 1.0) * np.array(base), growth=growth)


def synthetic_values(
    doc: Mapping[str, Any],
    regions: Mapping[str, str],
    lookup: pd.DataFrame,
    *,
    seed: int = 0,
    rest_of_country: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill every cell of a recorded table for ``regions`` with synthetic values (see the module docstring).

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
    spec = table_spec(doc)
    order = list(spec.dimension_order)
    codes = list(regions)
    kommuner = sorted({c[:4] for c in codes if c != "00" and len(c) >= 4})
    known = set(lookup["kommun"].astype(str))
    unknown = [c for c in codes if c != "00" and c[:4] not in known]
    if unknown:
        raise ValueError(
            f"regions {unknown[:5]}: their kommun is not in the lookup; use the lookup they came from."
        )
    axes = [
        _axis(v, spec.variable(v).codes, spec.variable(v).labels, spec.variable(v).elimination)
        for v in order
        if v not in ("Region", "Tid", "ContentsCode")
    ]
    contents = spec.variable("ContentsCode")
    kinds = {
        c: _content_kind(contents.units.get(c, ("", 0))[0], contents.labels.get(c, ""))
        for c in contents.codes
    }
    years = [int(y) for y in spec.variable("Tid").codes]
    rng = np.random.default_rng([seed, _hash("table", spec.id)])
    atom_shape = tuple(a.atoms for a in axes)
    n_atoms = int(np.prod(atom_shape)) if atom_shape else 1
    by_year: list[dict[str, np.ndarray]] = []
    leaves_of = {v: _leaves(lookup, kommuner, v, seed) for v in ("2018", "2025")}
    for year in years:
        version = "2018" if year < FIRST_2025_YEAR else "2025"
        leaves = leaves_of[version]
        pop = np.rint(leaves["base"] * (1 + leaves["growth"]) ** (year - 2015)).to_numpy(np.int64)
        z = leaves["z"].to_numpy(float)
        n_served = len(leaves)
        if rest_of_country and "00" in regions:
            rest = int(_COUNTRY_POPULATION * 1.008 ** (year - 2020)) - int(pop.sum())
            pop, z = np.append(pop, max(rest, 0)), np.append(z, 0.0)
        cube = _draw(axes, kinds, contents, pop, z, year, rng, seed, n_atoms)
        agg = _aggregation(codes, leaves, version, n_served, len(pop))
        by_year.append({k: agg @ v for k, v in cube.items()})
    values, status = _publish(spec, axes, kinds, codes, years, by_year, atom_shape)
    return _to_doc_order(spec, order, axes, values, status)


def _draw(
    axes: Sequence[_Axis],
    kinds: Mapping[str, str],
    contents: Any,
    pop: np.ndarray,
    z: np.ndarray,
    year: int,
    rng: np.random.Generator,
    seed: int,
    n_atoms: int,
) -> dict[str, np.ndarray]:
    """Per leaf and atom (flattened): persons ``C``, hidden numerators ``num:<code>``, amount sums ``sum:<code>``."""
    p = np.ones((len(pop), 1))
    for ax in axes:
        share = ax.shares(z, seed)
        share = share / share.sum(axis=1, keepdims=True)
        p = (p[:, :, None] * share[:, None, :]).reshape(len(pop), -1)
    persons = rng.multinomial(pop, p) if n_atoms > 1 else pop[:, None].astype(np.int64)
    zz = np.broadcast_to(z[:, None], persons.shape)
    out: dict[str, np.ndarray] = {"C": persons.astype(float)}
    labels = {c: contents.labels.get(c, "").lower() for c in contents.codes}
    # several count contents: labour-market words, else nested subsets of the persons
    counts = [c for c in contents.codes if kinds[c] == "count"]
    if len(counts) > 1:
        rate = _expit(1.35 + 0.55 * zz)
        employed = rng.binomial(persons, rate)
        unemployed = rng.binomial(persons - employed, np.clip(0.25 - 0.08 * zz, 0.02, 0.6))
        for c in counts:
            lab = labels[c]
            if "outside" in lab:
                v = persons - employed - unemployed
            elif "labour force" in lab:
                v = employed + unemployed
            elif re.search(r"\bunemployed\b", lab):
                v = unemployed
            elif re.search(r"\bemployed\b", lab):
                v = employed
            elif "total" in lab or "persons" in lab or "population" in lab:
                v = persons
            else:
                share = np.random.default_rng([seed, _hash("count", c)]).uniform(0.3, 0.9)
                v = rng.binomial(persons, share)
            out[f"num:{c}"] = v.astype(float)
    quartiles = sorted(
        (int(m[1]), c)
        for c in contents.codes
        if kinds[c] == "percent" and (m := re.search(r"quartile\s*(\d)", labels[c]))
    )
    if len(quartiles) == 4:
        shift = 0.85 * zz
        cuts = np.stack([_expit(k - shift) for k in (-1.0986, 0.0, 1.0986)] + [np.ones_like(shift)], axis=-1)
        q = rng.multinomial(persons, np.diff(cuts, axis=-1, prepend=0.0))
        for i, (_, c) in enumerate(quartiles):
            out[f"num:{c}"] = q[..., i].astype(float)
    for c in contents.codes:
        if kinds[c] in ("percent", "index", "area_type") and f"num:{c}" not in out:
            a, b = _percent_model(labels[c], seed, c)
            out[f"num:{c}"] = rng.binomial(persons, _expit(a + b * zz)).astype(float)
        elif kinds[c] == "amount":
            base = 285.0 if "mean" in labels[c] else 255.0
            noise = np.random.default_rng([seed, _hash("amount", c, year)]).normal(0.0, 0.03, zz.shape)
            level = base * 1.03 ** (year - 2015) * np.exp(0.25 * zz + noise)
            out[f"sum:{c}"] = level * persons
    return out


def _aggregation(
    codes: Sequence[str], leaves: pd.DataFrame, version: str, n_served: int, n_all: int
) -> np.ndarray:
    """(regions, leaves) 0/1: which leaves each Region code sums in this year's geography version."""
    g = np.zeros((len(codes), n_all))
    deso = leaves["deso"].to_numpy()
    regso = leaves["regso"].to_numpy()
    kommun = leaves["kommun"].to_numpy()
    for i, code in enumerate(codes):
        level, code_version = level_of_code(code)
        plain = code.split("_")[0]
        if level == "riket":
            g[i, :] = 1.0
        elif level == "kommun":
            g[i, :n_served] = kommun == plain
        elif level == "DeSO" and code_version == version:
            g[i, :n_served] = deso == plain
        elif level == "RegSO" and code_version == version:
            g[i, :n_served] = regso == plain
    return g


def _contract(t: np.ndarray, axes: Sequence[_Axis], atom_shape: tuple[int, ...]) -> np.ndarray:
    """(regions, atoms flat) → (regions, codes of axis 1, codes of axis 2, …)."""
    out = t.reshape((t.shape[0], *atom_shape))
    for k, ax in enumerate(axes):
        out = np.moveaxis(np.tensordot(out, ax.member, axes=([k + 1], [1])), -1, k + 1)
    return out


def _view_factors(axes: Sequence[_Axis]) -> np.ndarray:
    """Amount factor per code of each "view" axis (the first code 1, the next 0.85, 0.85², …), broadcastable."""
    factor = np.ones((1, *(len(a.codes) for a in axes)))
    for k, ax in enumerate(axes):
        if ax.kind == "view":
            shape = [1] * factor.ndim
            shape[k + 1] = len(ax.codes)
            factor = factor * (0.85 ** np.arange(len(ax.codes))).reshape(shape)
    return factor


def _publish(
    spec: TableSpec,
    axes: Sequence[_Axis],
    kinds: Mapping[str, str],
    region_codes: Sequence[str],
    years: Sequence[int],
    by_year: Sequence[Mapping[str, np.ndarray]],
    atom_shape: tuple[int, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """(regions, codes…, contents, years) values and statuses, rounded and suppressed as published."""
    contents = spec.variable("ContentsCode")
    code_shape = tuple(len(a.codes) for a in axes)
    shape = (len(region_codes), *code_shape, len(contents.codes), len(years))
    values = np.full(shape, np.nan)
    # cells at a total code of some axis are totals: never suppressed
    at_total = np.zeros(code_shape, dtype=bool)
    for k, ax in enumerate(axes):
        if ax.total is not None:
            idx = [slice(None)] * len(axes)
            idx[k] = ax.codes.index(ax.total)
            at_total[tuple(idx)] = True
    suppress = np.zeros(shape, dtype=bool)
    has_data = np.zeros((len(region_codes), len(years)), dtype=bool)
    for j, (year, cube) in enumerate(zip(years, by_year, strict=True)):
        version = "2018" if year < FIRST_2025_YEAR else "2025"
        for i, code in enumerate(region_codes):
            cv = level_of_code(code)[1]
            has_data[i, j] = cv is None or cv == version
        persons = _contract(cube["C"], axes, atom_shape)
        pct_values = []
        for m, c in enumerate(contents.codes):
            dec = contents.decimals(c) or 0
            kind = kinds[c]
            sl = (slice(None), *([slice(None)] * len(axes)), m, j)
            if kind == "count":
                v = _contract(cube[f"num:{c}"], axes, atom_shape) if f"num:{c}" in cube else persons
                is_total = "total" in contents.labels.get(c, "").lower()
                small = (v >= _SMALL[0]) & (v <= _SMALL[1]) & ~at_total[None, ...]
                suppress[sl] = small & (not is_total)
            elif kind in ("percent", "index", "area_type"):
                share = (
                    100.0
                    * _contract(cube[f"num:{c}"], axes, atom_shape)
                    / np.where(persons > 0, persons, np.nan)
                )
                if kind == "percent":
                    pct_values.append(share)
                v = np.round(share, dec)
                suppress[sl] = (persons < _MIN_PERSONS) & ~at_total[None, ...]
            else:
                level = _contract(cube[f"sum:{c}"], axes, atom_shape) / np.where(persons > 0, persons, np.nan)
                v = np.round(level * _view_factors(axes), dec)
                suppress[sl] = (persons < _MIN_PERSONS) & ~at_total[None, ...]
            values[sl] = v
        for m, c in enumerate(contents.codes):
            if kinds[c] not in ("index", "area_type"):
                continue
            sl = (slice(None), *([slice(None)] * len(axes)), m, j)
            index = np.mean(pct_values, axis=0) if pct_values else values[sl]
            if kinds[c] == "index":
                values[sl] = np.round(index, contents.decimals(c) or 0)
            else:  # synthetic thresholds: 1 = major socio-economic challenges … 5 = very good conditions
                values[sl] = np.select([index >= 25, index >= 17, index >= 9, index >= 5], [1, 2, 3, 4], 5)
                values[sl] = np.where(np.isnan(index), np.nan, values[sl])
    missing = ~has_data
    values[
        np.broadcast_to(missing.reshape(len(region_codes), *[1] * (len(code_shape) + 1), len(years)), shape)
    ] = np.nan
    values[suppress] = np.nan
    status = np.full(shape, None, dtype=object)
    status[np.isnan(values)] = ".."
    return values, status


def _to_doc_order(
    spec: TableSpec, order: Sequence[str], axes: Sequence[_Axis], values: np.ndarray, status: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    have = ["Region", *(a.var for a in axes), "ContentsCode", "Tid"]
    perm = [have.index(v) for v in order]
    return np.transpose(values, perm), np.transpose(status, perm)


def add_synthetic_table(
    fake: FakePxWeb,
    doc: Mapping[str, Any],
    lookup: pd.DataFrame,
    kommuner: Sequence[str],
    *,
    seed: int = 0,
    rest_of_country: bool = True,
    kommun_names: Mapping[str, str] | None = None,
) -> FakeTable:
    """Register a recorded table on ``fake`` for ``kommuner`` with :func:`synthetic_values` (labelled synthetic).

    Parameters
    ----------
    fake
        The server to register on.
    doc
        The table's recorded metadata document.
    lookup
        Lookup frame with both geography versions (SCB's kopplingstabeller or the demo's lookup).
    kommuner
        Municipality codes whose areas the table gets.
    seed, rest_of_country
        As :func:`synthetic_values`.
    kommun_names
        As :func:`table_regions`.

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
    regions = table_regions(doc, lookup, kommuner, kommun_names=kommun_names)
    values, status = synthetic_values(doc, regions, lookup, seed=seed, rest_of_country=rest_of_country)
    return fake.add_recorded_table(doc, regions, values, status=status, synthetic=True)


def synthetic_server(
    lookup: pd.DataFrame,
    kommuner: Sequence[str],
    *,
    tables: Sequence[str] | None = None,
    seed: int = 0,
    rest_of_country: bool = True,
    **server: Any,
) -> FakePxWeb:
    """A (not yet started) fake PxWeb serving recorded tables with synthetic values for real municipalities.

    For a build on SCB's real codes, e.g. Linköping:
    ``synthetic_server(read_reference_lookups(reference / "lookups"), ["0580"])`` serves every shipped recorded
    table (94 DeSO 2018 / 98 DeSO 2025, 32 RegSO of each version, kommun 0580 and riket where the table has
    them). Every number is synthetic.

    Parameters
    ----------
    lookup, kommuner, seed, rest_of_country
        As :func:`add_synthetic_table`.
    tables
        Table ids to serve (default: every document of :func:`segindicators.sources.scb.metadata.recorded_metadata`).
    **server
        Passed to :class:`~segindicators.testing.fake_pxweb.FakePxWeb` (``max_calls``, ``max_cells``, …).

    Returns
    -------
    FakePxWeb
    """
    docs = recorded_metadata()
    unknown = sorted(set(tables or ()) - set(docs))
    if unknown:
        raise ValueError(f"tables {unknown}: no recorded metadata; recorded tables are {sorted(docs)}.")
    fake = FakePxWeb(**server)
    for table in tables or sorted(docs):
        add_synthetic_table(fake, docs[table], lookup, kommuner, seed=seed, rest_of_country=rest_of_country)
    return fake
