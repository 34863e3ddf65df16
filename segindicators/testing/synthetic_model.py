"""The synthetic numbers of a recorded SCB table: persons drawn per DeSO, summed to RegSO, kommun and riket.

**Syntetiska exempeldata – inte officiell statistik.** Each DeSO has a latent score ``z`` (its RegSO's score
plus DeSO noise) and a population that grows slowly; both come from the seed and the area code alone, so
every table of one seed describes the same areas (the population of TAB6574 and TAB6571 agree). For riket,
the served municipalities plus, optionally, one block for the rest of the country (``z = 0``, about 10.4
million persons) are summed.

Persons are split over the table's atoms (:mod:`segindicators.testing.synthetic_axes`; shares depending on
``z``, largest-remainder rounding with a little noise) per DeSO and year, and summed to RegSO, kommun and
riket **within the year's geography version**: DeSO sum to their RegSO (per the lookup), RegSO to the
kommun, kommuner (plus the rest of the country) to riket. Every draw is keyed by the seed, the table, the
year, the DeSO code and the cell (:mod:`segindicators.testing.synthetic_draws`), so a DeSO's cells do not
depend on which other municipalities are built, and the whole country is built without a loop over areas.
Contents follow their unit:

* counts (unit base with "number" or "persons"): integers; several count contents in one table are read by
  their labels (employed / unemployed / labour force = both / outside the labour force / total) or else
  subsets of the population; "Number of persons" is the table's population;
* percentages (unit base ``percent``): a hidden count over the same persons (quartile shares from one
  four-way split, so they sum to about 100), published as 100 × count / persons rounded to the unit's
  decimals, between 0 and 100;
* amounts (medians, means, SEK thousands): a positive level per DeSO weighted by persons when summed,
  rounded to the unit's decimals;
* ``index`` units: an area type 1–5 and a socio-economic index from the table's percentages.

Small cells are suppressed as SCB marks them (``null`` + status ``".."``, never 0): counts of 1–4 and
percentages and amounts over fewer than 50 persons, but never a cell at a total code or a population count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segindicators.sources.scb.metadata import TableSpec, table_spec
from segindicators.testing.pxweb_tables import FIRST_2025_YEAR
from segindicators.testing.region_codes import plain_codes, region_levels
from segindicators.testing.synthetic_axes import Axis, axis, content_kind, expit, percent_model
from segindicators.testing.synthetic_draws import allocate, binomial_like, code_keys, normal, uniform

__all__ = ["COUNTRY_POPULATION", "Areas", "leaves", "synthetic_cube"]

#: About Sweden's population in the 2020s (reference README: 10.5 million).
COUNTRY_POPULATION = 10_400_000
_SMALL = (1, 4)
_MIN_PERSONS = 50
_JITTER = 0.05  # log-scale noise on each atom's share
_REST = "rest-of-country"  # the key of the synthetic rest-of-country block


def _version(year: int) -> str:
    return "2018" if year < FIRST_2025_YEAR else "2025"


def leaves(lookup: pd.DataFrame, kommuner: Sequence[str], version: str, seed: int) -> pd.DataFrame:
    """The DeSO of ``version`` in ``kommuner`` with their key, latent score ``z`` and population parameters.

    A DeSO code new in 2025 is mostly half of a split 2018 DeSO: half a DeSO's population keeps the
    municipality's population continuous across the 2023 → 2024 version change.
    """
    sub = lookup[(lookup["geo_version"] == version) & lookup["kommun"].isin(list(kommuner))]
    sub = sub.drop_duplicates("deso").sort_values("deso").reset_index(drop=True)
    half = (version == "2025") & ~sub["deso"].isin(lookup.loc[lookup["geo_version"] == "2018", "deso"])
    dk = code_keys(sub["deso"].to_numpy(dtype=str))
    rk = code_keys(sub["regso"].to_numpy(dtype=str))
    z = 0.8 * normal(seed, "regso", rk) + 0.4 * normal(seed, "deso", dk)
    base = 700.0 + 2000.0 * uniform(seed, "base", dk)
    growth = 0.008 + 0.006 * normal(seed, "growth", dk)
    return sub.assign(key=dk, z=z, base=np.where(half.to_numpy(dtype=bool), 0.5, 1.0) * base, growth=growth)


def _noise(seed: int, table: str, year: int, keys: np.ndarray, n_atoms: int) -> Callable[..., np.ndarray]:
    """``noise(*tags)``: N(0, 1) of shape (leaves, atoms) keyed by seed, table, year, leaf, atom and tags."""
    k, atoms = keys[:, None], np.arange(n_atoms, dtype=np.uint64)[None, :]
    return lambda *tags: normal(seed, table, year, k, atoms, *tags)


def _draw(
    axes: Sequence[Axis],
    kinds: Mapping[str, str],
    contents: Any,
    pop: np.ndarray,
    z: np.ndarray,
    noise: Callable[..., np.ndarray],
    seed: int,
    year: int,
    n_atoms: int,
) -> dict[str, np.ndarray]:
    """Per leaf and atom (flattened): persons ``C``, hidden numerators ``num:<code>``, amount sums ``sum:<code>``.

    ``noise(*tags)`` gives N(0, 1) numbers of shape (leaves, atoms) keyed by the leaf, the atom and the tags.
    """
    p = np.ones((len(pop), 1))
    for ax in axes:
        share = ax.shares(z, seed)
        share = share / share.sum(axis=1, keepdims=True)
        p = (p[:, :, None] * share[:, None, :]).reshape(len(pop), -1)
    persons = allocate(pop, p, _JITTER * noise("persons")) if n_atoms > 1 else pop[:, None].astype(np.int64)
    persons = persons.astype(float)
    zz = np.broadcast_to(z[:, None], persons.shape)
    out: dict[str, np.ndarray] = {"C": persons}
    labels = {c: contents.labels.get(c, "").lower() for c in contents.codes}
    # several count contents: labour-market words, else subsets of the persons
    counts = [c for c in contents.codes if kinds[c] == "count"]
    if len(counts) > 1:
        employed = binomial_like(persons, expit(1.35 + 0.55 * zz), noise("employed"))
        rate = np.clip(0.25 - 0.08 * zz, 0.02, 0.6)
        unemployed = binomial_like(persons - employed, rate, noise("unemployed"))
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
                share = float(uniform(seed, "count", c)[0]) * 0.6 + 0.3
                v = binomial_like(persons, np.full_like(persons, share), noise("count", c))
            out[f"num:{c}"] = v
    quartiles = sorted(
        (int(m[1]), c)
        for c in contents.codes
        if kinds[c] == "percent" and (m := re.search(r"quartile\s*(\d)", labels[c]))
    )
    if len(quartiles) == 4:
        shift = 0.85 * zz
        cuts = np.stack([expit(k - shift) for k in (-1.0986, 0.0, 1.0986)] + [np.ones_like(shift)], axis=-1)
        four = np.stack([noise("quartile", q) for q in range(4)], axis=-1)
        q = allocate(persons, np.diff(cuts, axis=-1, prepend=0.0), _JITTER * four)
        for i, (_, c) in enumerate(quartiles):
            out[f"num:{c}"] = q[..., i].astype(float)
    for c in contents.codes:
        if kinds[c] in ("percent", "index", "area_type") and f"num:{c}" not in out:
            a, b = percent_model(labels[c], seed, c)
            out[f"num:{c}"] = binomial_like(persons, expit(a + b * zz), noise("num", c))
        elif kinds[c] == "amount":
            base = 285.0 if "mean" in labels[c] else 255.0
            level = base * 1.03 ** (year - 2015) * np.exp(0.25 * zz + 0.03 * noise("amount", c))
            out[f"sum:{c}"] = level * persons
    return out


def _aggregator(
    plain: np.ndarray, levels: np.ndarray, versions: np.ndarray, leaf: pd.DataFrame, version: str
) -> Callable[[np.ndarray], np.ndarray]:
    """X (leaves + rest, …) → (regions, …): each Region row sums its leaves in this year's geography version.

    DeSO rows take their DeSO, RegSO and kommun rows the sum of their DeSO (per the lookup), riket every
    leaf (the rest of the country included); rows of the other version, and län, stay 0.
    """
    rows = np.arange(len(plain))
    deso_rows = rows[(levels == "DeSO") & (versions == version)]
    deso_leaf = pd.Index(leaf["deso"]).get_indexer(pd.Index(plain[deso_rows], dtype="str"))
    deso_rows, deso_leaf = deso_rows[deso_leaf >= 0], deso_leaf[deso_leaf >= 0]
    sums = []
    for level, column in (("RegSO", "regso"), ("kommun", "kommun")):
        at = rows[(levels == level) & ((versions == version) if level == "RegSO" else True)]
        row_of_leaf = pd.Index(plain[at], dtype="str").get_indexer(pd.Index(leaf[column]))
        ok = row_of_leaf >= 0
        sums.append((at[row_of_leaf[ok]], np.flatnonzero(ok)))
    riket_rows = rows[levels == "riket"]

    def aggregate(x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(plain), *x.shape[1:]))
        out[deso_rows] = x[deso_leaf]
        for target, source in sums:
            np.add.at(out, target, x[source])
        if len(riket_rows):
            out[riket_rows] = x.sum(axis=0)
        return out

    return aggregate


def _contract(t: np.ndarray, member: np.ndarray, code_shape: tuple[int, ...]) -> np.ndarray:
    """(regions, atoms flat) → (regions, codes of axis 1, codes of axis 2, …), by one matrix product.

    ``member`` is the Kronecker product of the axes' (codes, atoms) membership matrices (:func:`_membership`).
    """
    return (t @ member.T).reshape((t.shape[0], *code_shape))


def _membership(axes: Sequence[Axis]) -> np.ndarray:
    """(codes flat, atoms flat) 0/1: which atoms each combination of codes covers (Kronecker product)."""
    member = np.ones((1, 1))
    for ax in axes:
        member = np.kron(member, ax.member)
    return member


def _view_factors(axes: Sequence[Axis]) -> np.ndarray:
    """Amount factor per code of each "view" axis (the first code 1, the next 0.85, 0.85², …), broadcastable."""
    factor = np.ones((1, *(len(a.codes) for a in axes)))
    for k, ax in enumerate(axes):
        if ax.kind == "view":
            shape = [1] * factor.ndim
            shape[k + 1] = len(ax.codes)
            factor = factor * (0.85 ** np.arange(len(ax.codes))).reshape(shape)
    return factor


def _publish_year(
    spec: TableSpec,
    axes: Sequence[Axis],
    kinds: Mapping[str, str],
    cube: Mapping[str, np.ndarray],
    member: np.ndarray,
    out: np.ndarray,
) -> None:
    """One year's (contents, regions, codes…) values, rounded and suppressed as published, into ``out``."""
    contents = spec.variable("ContentsCode")
    code_shape = tuple(len(a.codes) for a in axes)
    at_total = np.zeros(code_shape, dtype=bool)  # cells at a total code of some axis: never suppressed
    for k, ax in enumerate(axes):
        if ax.total is not None:
            idx: list[Any] = [slice(None)] * len(axes)
            idx[k] = ax.codes.index(ax.total)
            at_total[tuple(idx)] = True
    persons = _contract(cube["C"], member, code_shape)
    per_person = np.where(persons > 0, persons, np.nan)
    few = (persons < _MIN_PERSONS) & ~at_total[None, ...]
    pct_values = []
    for m, c in enumerate(contents.codes):
        dec = contents.decimals(c) or 0
        kind = kinds[c]
        if kind == "count":
            v = _contract(cube[f"num:{c}"], member, code_shape) if f"num:{c}" in cube else persons
            is_total = "total" in contents.labels.get(c, "").lower()
            suppress = (v >= _SMALL[0]) & (v <= _SMALL[1]) & ~at_total[None, ...] & (not is_total)
        elif kind in ("percent", "index", "area_type"):
            share = 100.0 * _contract(cube[f"num:{c}"], member, code_shape) / per_person
            if kind == "percent":
                pct_values.append(share)
            v, suppress = np.round(share, dec), few
        else:
            level = _contract(cube[f"sum:{c}"], member, code_shape) / per_person
            v, suppress = np.round(level * _view_factors(axes), dec), few
        out[m] = np.where(suppress, np.nan, v)
    for m, c in enumerate(contents.codes):
        if kinds[c] not in ("index", "area_type"):
            continue
        index = np.mean(pct_values, axis=0) if pct_values else out[m]
        if kinds[c] == "index":
            value = np.round(index, contents.decimals(c) or 0)
        else:  # synthetic thresholds: 1 = major socio-economic challenges … 5 = very good conditions
            value = np.select([index >= 25, index >= 17, index >= 9, index >= 5], [1, 2, 3, 4], 5).astype(
                float
            )
            value = np.where(np.isnan(index), np.nan, value)
        out[m] = np.where(few, np.nan, value)


@dataclass(frozen=True)
class Areas:
    """The served municipalities' DeSO of both versions with their synthetic parameters (:func:`leaves`).

    Built once per lookup, municipalities and seed (:meth:`of`) and shared by every table of a server.
    """

    lookup: pd.DataFrame
    kommuner: tuple[str, ...]
    seed: int
    of_version: Mapping[str, pd.DataFrame]

    @classmethod
    def of(cls, lookup: pd.DataFrame, kommuner: Sequence[str], seed: int) -> Areas:
        """The areas of ``kommuner`` in ``lookup`` for ``seed``."""
        wanted = tuple(sorted({str(k) for k in kommuner}))
        return cls(lookup, wanted, seed, {v: leaves(lookup, wanted, v, seed) for v in ("2018", "2025")})


def _kommuner_of(
    codes: Sequence[str], plain: np.ndarray, levels: np.ndarray, lookup: pd.DataFrame
) -> list[str]:
    """The municipalities of the area codes (riket left out); an error names codes the lookup does not cover."""
    area = levels != "riket"
    of_area = pd.Series(plain[area], dtype="str").str[:4]
    unknown = np.asarray(codes, dtype=object)[area][~of_area.isin(set(lookup["kommun"])).to_numpy(bool)]
    if len(unknown):
        raise ValueError(
            f"regions {unknown[:5].tolist()}: their kommun is not in the lookup; use the lookup they came from."
        )
    return sorted(set(of_area))


def synthetic_cube(
    doc: Mapping[str, Any],
    codes: Sequence[str],
    lookup: pd.DataFrame | Areas,
    *,
    seed: int = 0,
    rest_of_country: bool = True,
    years: Sequence[int] | None = None,
) -> np.ndarray:
    """Every cell of a recorded table for the Region ``codes``, in the document's ``id`` order (NaN = missing).

    Parameters
    ----------
    doc
        The table's recorded metadata document.
    codes
        Region codes as the table spells them (:func:`segindicators.testing.recorded_tables.table_regions`).
    lookup
        The lookup frame the codes were built from (both versions), or :class:`Areas` built from it for the
        codes' municipalities (to share the areas between tables).
    seed
        The numbers are a deterministic function of the seed, the table id, the year and the area codes
        (ignored when ``lookup`` is :class:`Areas`, which holds its seed).
    rest_of_country
        Riket = served kommuner + a synthetic rest of the country. ``False``: the sum of the served kommuner.
    years
        Reference years to fill (default every year of the table); the others stay NaN.

    Returns
    -------
    numpy.ndarray
        Float values of the table's shape (Region as ``codes``); NaN where suppressed, not published or of the
        other geography version than the year's.

    Raises
    ------
    ValueError
        A region code whose kommun the lookup does not cover.
    """
    spec = table_spec(doc)
    order = list(spec.dimension_order)
    codes = list(codes)
    levels, versions = region_levels(codes)
    plain = plain_codes(codes)
    frame = lookup.lookup if isinstance(lookup, Areas) else lookup
    kommuner = _kommuner_of(codes, plain, levels, frame)
    if not isinstance(lookup, Areas) or list(lookup.kommuner) != kommuner:
        lookup = Areas.of(frame, kommuner, lookup.seed if isinstance(lookup, Areas) else seed)
    seed = lookup.seed
    axes = [
        axis(v, spec.variable(v).codes, spec.variable(v).labels, spec.variable(v).elimination)
        for v in order
        if v not in ("Region", "Tid", "ContentsCode")
    ]
    contents = spec.variable("ContentsCode")
    kinds = {
        c: content_kind(contents.units.get(c, ("", 0))[0], contents.labels.get(c, "")) for c in contents.codes
    }
    all_years = [int(y) for y in spec.variable("Tid").codes]
    wanted = set(all_years if years is None else (int(y) for y in years))
    member = _membership(axes)
    n_atoms = member.shape[1]
    # year-major, then contents: each year's block is contiguous while it is filled
    values = np.full((len(all_years), len(contents.codes), len(codes), *(len(a.codes) for a in axes)), np.nan)
    aggregators = {v: _aggregator(plain, levels, versions, lookup.of_version[v], v) for v in ("2018", "2025")}
    rest_key = code_keys([_REST])
    for j, year in enumerate(all_years):
        if year not in wanted:
            continue
        version = _version(year)
        leaf = lookup.of_version[version]
        pop = np.rint(leaf["base"] * (1 + leaf["growth"]) ** (year - 2015)).to_numpy(np.int64)
        z, keys = leaf["z"].to_numpy(float), leaf["key"].to_numpy(np.uint64)
        if rest_of_country and (levels == "riket").any():
            rest = int(COUNTRY_POPULATION * 1.008 ** (year - 2020)) - int(pop.sum())
            pop, z, keys = np.append(pop, max(rest, 0)), np.append(z, 0.0), np.append(keys, rest_key)
        noise = _noise(seed, spec.id, year, keys, n_atoms)
        cube = _draw(axes, kinds, contents, pop, z, noise, seed, year, n_atoms)
        aggregate = aggregators[version]
        _publish_year(spec, axes, kinds, {k: aggregate(v) for k, v in cube.items()}, member, values[j])
        other = (versions != None) & (versions != version)  # noqa: E711 (elementwise on an object array)
        values[j][:, other] = np.nan
    have = ["Tid", "ContentsCode", "Region", *(a.var for a in axes)]
    return np.transpose(values, [have.index(v) for v in order])
