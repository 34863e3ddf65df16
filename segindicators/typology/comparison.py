r"""The open-data reproduction against SCB's *published* socio-economic index and area type (TAB6586).

SCB publishes per RegSO and year (TAB6586, 2011–2024; RegSO 2020 codes to 2023, RegSO 2025 from 2024) the
index ``000008IT``, the area type 1–5 ``000008IU`` and the index's components V1 ``000008IW``, V2
``000008IV`` and V3 ``000008IX`` (catalogue ``socioeconomic_index_official``, ``area_type_official`` and
:data:`COMPONENT_PAIRS`). :func:`compare_with_published` measures, over any municipalities and years, each
``comparison``:

* ``area_type`` — the reproduced type against SCB's: the 5×5 confusion matrix, share agreeing, Cohen's κ
  (Cohen 1960, "A coefficient of agreement for nominal scales", Educ. Psychol. Meas. 20(1), 37–46), weighted
  κ with linear and quadratic disagreement weights (Cohen 1968, "Weighted kappa", Psychol. Bull. 70(4),
  213–220; the linear one is the figure to quote for the ordered bands, see
  :func:`~segindicators.typology.socioeconomic.agreement_from_values`), share within one class and the
  share agreeing per published type;
* ``band_rule`` — SCB's *published* index banded with the same :class:`BandRule` (μ, σ over all compared
  areas of each geography version and year, :math:`z = (I - \mu)/\sigma`) against SCB's type: the rule's
  error alone, free of the proxy's. SCB rounds the index to one decimal, so an area whose index lies within
  half a decimal of a band edge may fall on either side (``rounding_ambiguous_share``);
  ``share_agreeing_unambiguous`` is the agreement over the other areas;
* ``index`` and the components (the reproduction's names: ``v1_low_economic_standard``,
  ``v2_compulsory_education``, ``v3_not_employed_20_64_proxy``) — reproduced against published, in percent:
  mean difference :math:`\bar d` with :math:`d_i = r_i - p_i`, mean and median of :math:`|d_i|`, and
  Pearson's correlation. V3 sets the proxy (share *not employed* 20–64) against SCB's share with financial
  assistance and/or long-term unemployment: different quantities, so the level differs by construction and
  the correlation is what says how well the proxy orders the areas;
* ``published`` — the number of areas per published type (``areas``), for context.

Read together: component error (the proxy's) → index error → type error, and ``band_rule`` for the rule's.

Scopes: ``national`` when the published types cover every municipality
(:data:`~segindicators.typology.socioeconomic.NATIONAL_KOMMUNER`), otherwise ``pooled`` (all compared areas,
not the country); ``kommun`` rows for the municipalities asked for. ``year`` NA = all years pooled. Pairs
are matched on geography version, area and year at RegSO level (native versions ``2018`` and ``2025``); a
missing value on either side leaves the pair out, never counts it as 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segindicators.typology._wide import wide_indicators
from segindicators.typology.official import INDICATOR as PUBLISHED_TYPE
from segindicators.typology.official import official_area_types
from segindicators.typology.socioeconomic import (
    CLASSES,
    COMPONENTS,
    INDEX_NAME,
    NATIONAL_KOMMUNER,
    V3_NOTE,
    Agreement,
    BandRule,
    Reference,
    agreement_from_values,
    area_types,
    band_types,
    socioeconomic_index,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "COMPARISON_SORT_KEYS",
    "COMPONENT_PAIRS",
    "PUBLISHED_INDEX",
    "PUBLISHED_TYPE",
    "PublishedComparison",
    "compare_counts",
    "compare_with_published",
]

PUBLISHED_INDEX = "socioeconomic_index_official"
#: SCB's published component (catalogue id, TAB6586) → the reproduction's component (``index`` value).
COMPONENT_PAIRS: dict[str, str] = {
    "socioeconomic_v1_low_economic_standard_official": COMPONENTS[0],  # 000008IW
    "socioeconomic_v2_pre_upper_secondary_official": COMPONENTS[1],  # 000008IV
    "socioeconomic_v3_assistance_or_unemployed_official": COMPONENTS[2],  # 000008IX
}
#: Columns and dtypes of the ``area_type_comparison`` long frame.
COMPARISON_COLUMNS: dict[str, str] = {
    "scope": "string", "kommun": "string", "year": "Int64", "comparison": "string", "measure": "string",
    "type": "Int64", "type_compared": "Int64", "value": "float64", "n": "int64", "rule": "string",
    "flags": "string",
}  # fmt: skip
COMPARISON_SORT_KEYS = ("scope", "kommun", "year", "comparison", "measure", "type", "type_compared")
NATIVE = ("2018", "2025")
DEFAULT_RULE = BandRule()  # SD edges (-1, 0, 1, 2), as in area_types()
REPRODUCED_TYPES = ("area_type_reproduced", "area_type_kommun_relative")
_KEY = ["geo_version", "year", "area"]
_KAPPAS = ("share_agreeing", "kappa", "kappa_linear", "kappa_quadratic", "within_one")
_VALUES = {"index": INDEX_NAME, **{c: c for c in COMPONENTS}}  # comparison → reproduced column stem


@dataclass(frozen=True)
class PublishedComparison:
    """What :func:`compare_with_published` measured.

    Attributes
    ----------
    table
        The ``area_type_comparison`` long frame (:data:`COMPARISON_COLUMNS`, sorted by
        :data:`COMPARISON_SORT_KEYS`).
    pairs
        One row per RegSO × year: ``kommun, geo_version, year, area``, ``pub_type``, ``rep_type``,
        ``band_type`` (published index banded by the rule), ``rounding_ambiguous``, ``pub_<c>`` and
        ``rep_<c>`` for ``c`` in ``index`` and the three components (percent; NaN where missing).
    area_type, band_rule
        :class:`~segindicators.typology.socioeconomic.Agreement` over every compared area and year (None
        when nothing could be paired).
    scope
        ``"national"`` or ``"pooled"`` (see the module notes).
    rule
        The band rule.
    notes
        Plain-text notes for a reader (proxy, rule, coverage, rounding, sources of κ).
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    area_type: Agreement | None
    band_rule: Agreement | None
    scope: str
    rule: BandRule
    notes: tuple[str, ...] = field(default=())


def _unique(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    dup = frame.duplicated(_KEY, keep=False)
    if dup.any():
        raise ValueError(
            f"{what}: {int(dup.sum())} rows share (geo_version, year, area), e.g. "
            f"{frame.loc[dup, _KEY].head(3).to_dict('records')}; expected one row per RegSO and year."
        )
    return frame


def _reproduced(types: pd.DataFrame | None, rule: BandRule) -> tuple[pd.DataFrame, set[str]]:
    """RegSO reproduced types (``rep_type``) at native versions and the flags they bring."""
    if types is None:
        return pd.DataFrame(columns=[*_KEY, "kommun", "rep_type"]), {"v3_proxy"}
    t = types.loc[types["index"].isin(REPRODUCED_TYPES)] if "index" in types.columns else types
    variants = sorted(set(t["index"])) if "index" in t.columns else []
    if len(variants) > 1:
        raise ValueError(
            f"types: both {variants} present; pass one variant (the output of one area_types() call)."
        )
    rules = sorted(set(t["rule"].dropna())) if "rule" in t.columns else []
    if rules and rules != [rule.name]:
        raise ValueError(
            f"types: banded with rule {rules}, but rule={rule.name!r}; pass the BandRule the types were made "
            "with, so the band_rule comparison tests the same rule."
        )
    t = t.loc[(t["level"] == "RegSO") & t["geo_version"].isin(NATIVE)]
    flags = {"v3_proxy"}
    if variants == ["area_type_kommun_relative"]:
        flags.add("kommun_relative")
    if "flags" in t.columns and t["flags"].astype("string").str.contains("pooled_reference").any():
        flags.add("pooled_reference")
    return _unique(t[[*_KEY, "kommun", "value"]].rename(columns={"value": "rep_type"}), "types"), flags


def _pairs(
    index: pd.DataFrame | None, types: pd.DataFrame | None, published: pd.DataFrame, rule: BandRule,
    decimals: int,
) -> tuple[pd.DataFrame, set[str]]:  # fmt: skip
    off = official_area_types(published)  # validates the classes; says how to get the rows when none
    off = off.loc[(off["level"] == "RegSO") & off["geo_version"].isin(NATIVE), [*_KEY, "kommun", "value"]]
    parts = [_unique(off.rename(columns={"value": "pub_type"}), "published (area_type_official)")]
    pub_ids = {"index": PUBLISHED_INDEX, **{c: pid for pid, c in COMPONENT_PAIRS.items()}}
    pub = wide_indicators(published, pub_ids, levels=["RegSO"], fields=["value"])
    pub = pub.loc[pub["geo_version"].isin(NATIVE)].rename(columns={f"{a}_value": f"pub_{a}" for a in pub_ids})
    for a in pub_ids:
        v = pub[f"pub_{a}"].to_numpy(float)
        bad = np.isfinite(v) & ((v < 0) | (v > 100))
        if bad.any():
            raise ValueError(
                f"published: {pub_ids[a]} must be a percentage 0–100 as SCB publishes it, got "
                f"{pub.loc[bad, 'area'].head(3).tolist()} = {v[bad][:3].tolist()}; check the catalogue's unit."
            )
    parts.append(pub[[*_KEY, "kommun", *[f"pub_{a}" for a in pub_ids]]])
    rep_types, flags = _reproduced(types, rule)
    if types is not None:
        parts.append(rep_types)
    if index is not None:
        rows = index.loc[(index["level"] == "RegSO") & index["geo_version"].isin(NATIVE)]
        rows = rows.loc[rows["index"].isin(list(_VALUES.values()))]
        for name, g in rows.groupby("index"):
            _unique(g, f"index ({name})")
        wide = rows.pivot(index=[*_KEY, "kommun"], columns="index", values="value")
        wide = wide.reindex(columns=list(_VALUES.values()))
        wide.columns = [f"rep_{c}" for c in _VALUES]
        parts.append(wide.reset_index())
    parts = [p.astype({"geo_version": "string", "year": "int64", "area": "string", "kommun": "string"})
             for p in parts]  # fmt: skip
    w = parts[0]
    for part in parts[1:]:
        w = w.merge(part, on=_KEY, how="outer", suffixes=("", "_other"), validate="one_to_one")
        w["kommun"] = w["kommun"].fillna(w.pop("kommun_other"))
    for c in ["rep_type", *[f"rep_{a}" for a in _VALUES]]:
        if c not in w.columns:
            w[c] = np.nan
    g = w.groupby(["geo_version", "year"])["pub_index"]
    mu = g.transform("mean").to_numpy(float)
    sigma = g.transform("std", ddof=rule.ddof).to_numpy(float)
    v = w["pub_index"].to_numpy(float)
    w["band_type"] = band_types(v, mu, sigma, rule.edges)
    half = 0.5 * 10.0 ** (-decimals)
    lo, hi = band_types(v - half, mu, sigma, rule.edges), band_types(v + half, mu, sigma, rule.edges)
    w["rounding_ambiguous"] = pd.array(np.where(np.isnan(lo), None, lo != hi), dtype="boolean")
    w["kommun"] = w["kommun"].astype("string")
    return w.sort_values(["kommun", *_KEY], kind="mergesort").reset_index(drop=True), flags


def _type_rows(off: np.ndarray, cmp: np.ndarray) -> tuple[Agreement | None, list[dict]]:
    if not (np.isfinite(off) & np.isfinite(cmp)).any():
        return None, []
    a = agreement_from_values(off, cmp)
    rows = [{"measure": m, "value": float(getattr(a, m)), "n": a.n} for m in _KAPPAS]
    per = a.per_type().to_numpy(dtype=float)  # columns n, share_agreeing; rows types 1–5
    rows += [{"measure": "agreement_in_type", "type": k, "value": float(per[k - 1, 1]), "n": int(per[k - 1, 0])}
             for k in CLASSES]  # fmt: skip
    conf = a.confusion.to_numpy()
    rows += [{"measure": "confusion", "type": i, "type_compared": j, "value": float(conf[i - 1, j - 1]),
              "n": a.n} for i in CLASSES for j in CLASSES]  # fmt: skip
    return a, rows


def _difference_rows(rep: np.ndarray, pub: np.ndarray) -> list[dict]:
    """Mean difference, mean/median absolute difference and Pearson r of the finite pairs."""
    keep = np.isfinite(rep) & np.isfinite(pub)
    n = int(keep.sum())
    if n == 0:
        return []
    r, p = rep[keep], pub[keep]
    d = r - p
    corr = float("nan")
    if n >= 2 and np.std(r) > 0 and np.std(p) > 0:
        corr = float(np.mean((r - r.mean()) * (p - p.mean())) / (np.std(r) * np.std(p)))
    values = {"mean_difference": float(d.mean()), "mean_abs_difference": float(np.abs(d).mean()),
              "median_abs_difference": float(np.median(np.abs(d))), "correlation": corr}  # fmt: skip
    return [{"measure": m, "value": v, "n": n} for m, v in values.items()]


def _arrays(w: pd.DataFrame) -> dict[str, np.ndarray]:
    cols = ["pub_type", "rep_type", "band_type", *[f"{s}_{c}" for c in _VALUES for s in ("rep", "pub")]]
    out = {c: w[c].to_numpy(dtype=float) for c in cols}
    out["ambiguous"] = w["rounding_ambiguous"].to_numpy(dtype=bool, na_value=False)
    return out


def _measure(cols: dict[str, np.ndarray], sel: np.ndarray, rule: BandRule, flags: dict[str, str]) -> tuple[
    list[dict], dict[str, Agreement | None]
]:  # fmt: skip
    """Every figure of one subset of pairs (``sel``: row positions of one scope and year)."""
    out: list[dict] = []
    agreements: dict[str, Agreement | None] = {}
    rule_name = rule.name
    pub_type = cols["pub_type"][sel]
    valid = np.isfinite(pub_type)
    counts = np.bincount(pub_type[valid].astype(int), minlength=6)
    out += [{"comparison": "published", "measure": "areas", "type": k, "value": float(counts[k]),
             "n": int(valid.sum())} for k in CLASSES]  # fmt: skip
    for comparison, col in (("area_type", "rep_type"), ("band_rule", "band_type")):
        compared = cols[col][sel]
        a, rows = _type_rows(pub_type, compared)
        agreements[comparison] = a
        if comparison == "band_rule" and a is not None:
            paired = valid & np.isfinite(compared)
            amb = cols["ambiguous"][sel] & paired
            clear = paired & ~amb
            same = (pub_type == compared) & clear
            rows.append({"measure": "rounding_ambiguous_share", "value": float(amb.sum() / paired.sum()),
                         "n": int(paired.sum())})  # fmt: skip
            rows.append({"measure": "share_agreeing_unambiguous",
                         "value": float(same.sum() / clear.sum()) if clear.any() else float("nan"),
                         "n": int(clear.sum())})  # fmt: skip
        out += [{"comparison": comparison, "rule": rule_name, **r} for r in rows]
    for comparison in _VALUES:
        rows = _difference_rows(cols[f"rep_{comparison}"][sel], cols[f"pub_{comparison}"][sel])
        out += [{"comparison": comparison, **r} for r in rows]
    for r in out:
        r["flags"] = flags.get(r["comparison"], "")
    return out, agreements


def _subsets(
    w: pd.DataFrame, scope: str, kommuner: Sequence[str]
) -> Iterator[tuple[str, object, np.ndarray]]:
    codes = w["kommun"].to_numpy(dtype=object, na_value=None)
    present = set(codes.tolist()) - {None}
    missing = [k for k in kommuner if k not in present]
    if missing:
        raise ValueError(
            f"kommuner: {missing} have no RegSO in the compared data (it holds {len(present)} municipalities, "
            f"e.g. {sorted(present)[:3]}); pass four-digit codes present in the published rows."
        )
    yield scope, pd.NA, np.arange(len(w))
    for k in kommuner:
        yield "kommun", k, np.flatnonzero(codes == k)


def _table(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(COMPARISON_COLUMNS))
    for col, dtype in COMPARISON_COLUMNS.items():
        frame[col] = frame[col].astype(dtype)
    frame["flags"] = frame["flags"].fillna("")
    return frame.sort_values(list(COMPARISON_SORT_KEYS), kind="mergesort", na_position="last").reset_index(
        drop=True
    )


def compare_with_published(
    index: pd.DataFrame | None,
    types: pd.DataFrame | None,
    published: pd.DataFrame,
    *,
    rule: BandRule = DEFAULT_RULE,
    kommuner: Sequence[str] = (),
    index_decimals: int = 1,
) -> PublishedComparison:
    """Measure the reproduction against SCB's published index, components and area type (pure).

    Parameters
    ----------
    index
        :func:`~segindicators.typology.socioeconomic.socioeconomic_index` output (or None: no index or
        component comparison).
    types
        :func:`~segindicators.typology.socioeconomic.area_types` output (or the ``area_types`` table; its
        reproduced rows are used), or None.
    published
        Processed counts holding ``area_type_official`` rows and, where fetched, ``socioeconomic_index_official``
        and the :data:`COMPONENT_PAIRS` rows (percent, as SCB publishes them) — e.g. a national build's counts,
        or :func:`~segindicators.typology.official.read_official_area_types` output.
    rule
        The band rule the types were made with; also bands SCB's published index (``band_rule``).
    kommuner
        Municipalities that get their own ``kommun`` rows (e.g. ``["0580"]``; every code of the input for all).
    index_decimals
        Decimals SCB publishes the index with (TAB6586 metadata: 1); sets ``rounding_ambiguous``.

    Returns
    -------
    PublishedComparison
        ``table`` is the ``area_type_comparison`` long frame: ``scope, kommun, year, comparison, measure,
        type, type_compared, value, n, rule, flags`` (:data:`COMPARISON_COLUMNS`).

    Raises
    ------
    ValueError
        If ``published`` holds no official types, a type is not 1–5, a published percentage is outside 0–100,
        or ``types`` were banded with another rule.

    Examples
    --------
    >>> pub = pd.DataFrame({"kommun": "9999", "level": "RegSO", "geo_version": "2018", "year": 2022,
    ...     "area": ["R1", "R2", "R3", "R4"], "area_name": pd.NA, "indicator": "area_type_official",
    ...     "value": [1.0, 2.0, 3.0, 3.0]})  # synthetic
    >>> rep = pub.assign(index="area_type_reproduced", value=[1.0, 3.0, 3.0, 3.0], rule=BandRule().name)
    >>> c = compare_with_published(None, rep, pub)
    >>> c.scope, c.area_type.n, c.area_type.share_agreeing, round(c.area_type.kappa, 4)
    ('pooled', 4, 0.75, 0.5556)
    >>> t = c.table
    >>> t.loc[(t["comparison"] == "area_type") & (t["measure"] == "agreement_in_type"), "value"].tolist()[:3]
    [1.0, 0.0, 1.0]
    """
    if index_decimals < 0:
        raise ValueError(f"index_decimals: expected the published decimals (>= 0), got {index_decimals}")
    w, type_flags = _pairs(index, types, published, rule, int(index_decimals))
    n_kommun = int(w.loc[w["pub_type"].notna(), "kommun"].nunique())
    scope = "national" if n_kommun >= NATIONAL_KOMMUNER else "pooled"
    band_flags = "pooled_reference" if scope == "pooled" else ""
    flags = {"area_type": ";".join(sorted(type_flags)), "band_rule": band_flags, "index": "v3_proxy",
             COMPONENTS[2]: "v3_proxy"}  # fmt: skip
    records: list[dict] = []
    overall: dict[str, Agreement | None] = {"area_type": None, "band_rule": None}
    cols, year_of = _arrays(w), w["year"].to_numpy(dtype="int64")
    years = sorted(set(year_of.tolist()))
    for sc, kommun, sub in _subsets(w, scope, kommuner):
        for year in [pd.NA, *years]:
            part = sub if year is pd.NA else sub[year_of[sub] == year]
            rows, agreements = _measure(cols, part, rule, flags)
            if sc == scope and year is pd.NA:
                overall = agreements
            records += [{"scope": sc, "kommun": kommun, "year": year, **r} for r in rows]
    notes = (
        V3_NOTE,
        f"Bandregel {rule.name} (standardavvikelser från medelvärdet, ddof {rule.ddof}); jämförelsen "
        "band_rule delar in SCB:s publicerade index med samma regel och visar regelns fel utan ersättningens.",
        f"Omfattning {scope}: SCB:s områdestyper för {n_kommun} kommuner"
        + (
            "."
            if scope == "national"
            else f", färre än {NATIONAL_KOMMUNER}: inte hela riket, och banden "
            "för SCB:s index bygger då inte på rikets fördelning (flagga pooled_reference)."
        ),
        f"SCB publicerar indexet med {index_decimals} decimal(er): rounding_ambiguous markerar områden vars "
        "index ligger inom en halv decimal från en bandgräns.",
        "Cohens kappa: Cohen (1960); viktad kappa med linjära och kvadratiska vikter: Cohen (1968). Par där "
        "ett värde saknas räknas inte.",
    )
    return PublishedComparison(
        table=_table(records), pairs=w, area_type=overall["area_type"], band_rule=overall["band_rule"],
        scope=scope, rule=rule, notes=notes,
    )  # fmt: skip


def compare_counts(
    counts: pd.DataFrame,
    *,
    rule: BandRule = DEFAULT_RULE,
    relative_to: Reference = "national",
    kommuner: Sequence[str] = (),
) -> PublishedComparison:
    """Reproduce index and types from processed counts and compare them with SCB's rows in the same counts.

    The one call for a national build: ``compare_counts(national_counts, kommuner=["0580"])``. With fewer
    than :data:`~segindicators.typology.socioeconomic.NATIONAL_KOMMUNER` municipalities the national bands are
    pooled (flag ``pooled_reference``) and the scope is ``pooled``.

    Parameters
    ----------
    counts
        Processed counts with the reproduction's inputs and the published TAB6586 rows.
    rule, relative_to, kommuner
        As in :func:`~segindicators.typology.socioeconomic.area_types` and :func:`compare_with_published`.
    """
    index = socioeconomic_index(counts, levels=("RegSO",))
    types = area_types(index, rule=rule, relative_to=relative_to)
    return compare_with_published(index, types, counts, rule=rule, kommuner=kommuner)
