"""Plan definitions: development areas, their indicators, baselines, directions and sub-goals.

A plan is one readable YAML file per municipality and plan year (shipped ones live in
``segindicators/plan/plans/``). :func:`load_plan` reads it and validates every item; an error names the
development area and indicator it is about, what was expected, what was found, and what to do.

Indicator ids come in three kinds:

* catalogue ids (``employment_rate_20_64`` …) — checked against the ``known_ids`` passed in (default:
  :data:`CATALOGUE_IDS`, the ids fixed in the project brief);
* Kolada KPIs ``kolada:N15428`` — checked by form only (``kolada:`` + N/U + 5 digits); their values are
  supplied later as a frame by the Kolada client, and the KPI id must be verified against Kolada's
  ``/kpi/{id}`` when fetched;
* citywide segregation indices ``index:<index>:<group>`` (``index:dissimilarity:background``,
  ``index:theil_h:income_quartiles``, ``index:ice:income``) — checked against :data:`INDEX_NAMES` and
  :data:`GROUP_IDS`; their values come from ``data/processed/indices.parquet``.

Geography followed: ``focus_areas`` = the plan's RegSO focus areas (and a ``focus`` aggregate row when the
processed counts have one); ``all_districts`` = every RegSO of the municipality; ``municipality`` = the
kommun as a whole (the only choice for Kolada KPIs and citywide indices). Directions: ``increase`` or
``decrease``. A sub-goal's year must be after the indicator's baseline year; sub-goals with
``adopted: false`` are proposals, not decided targets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from segindicators.geography.profiles import load_profile
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP
from segindicators.plan.files import read_plan_yaml, shipped_names

CATALOGUE_IDS: frozenset[str] = frozenset(
    {
        "population",
        "foreign_background_share",
        "foreign_born_share",
        "employment_rate_20_64",
        "employment_rate_20_64_rams",
        "low_economic_standard_share",
        "low_economic_standard_0_19",
        "low_economic_standard_20_64",
        "low_economic_standard_65plus",
        "high_economic_standard_share",
        "median_economic_standard_tkr",
        "median_income_tkr",
        "income_q1_share",
        "income_q4_share",
        "education_compulsory_share",
        "education_post_secondary_3plus_share",
        "rental_dwellings_share",
        "rental_persons_share",
        "area_type_official",
    }
)
"""Catalogue indicator ids fixed in the project brief (the default ``known_ids``)."""

INDEX_NAMES: frozenset[str] = frozenset(TWO_GROUP) | frozenset(MULTIGROUP) | {"ice"}
"""Citywide index names accepted in ``index:<index>:<group>`` ids: those the index battery computes (every
kernel of :data:`segindicators.indices.TWO_GROUP` and :data:`~segindicators.indices.MULTIGROUP`, and
``ice``)."""

GROUP_IDS: frozenset[str] = frozenset(
    {
        "background",
        "birth_region",
        "income_quartiles",
        "economic_standard_low_high",
        "education_levels",
        "tenure",
        "employment_status",
        "income",  # ICE for income: top vs bottom income quartile (Massey's Index of Concentration at Extremes)
    }
)
"""Segregation group ids accepted in ``index:<index>:<group>`` ids."""

DIRECTIONS: frozenset[str] = frozenset({"increase", "decrease"})
GEOGRAPHIES: frozenset[str] = frozenset({"focus_areas", "all_districts", "municipality"})
DATA_LEVELS: frozenset[str] = frozenset({"district", "municipality", "mixed"})

_KOLADA_RE = re.compile(r"^kolada:[NU]\d{5}$")
_INDEX_RE = re.compile(r"^index:(?P<index>[a-z_0-9.]+):(?P<group>[a-z_0-9]+)$")


class PlanError(ValueError):
    """A plan file that does not validate; the message names the item at fault."""


@dataclass(frozen=True)
class SubGoal:
    """A proposed or adopted sub-goal (delmål).

    ``kind="value"``: reach ``target`` by ``year``. ``kind="gap"``: shrink the gap to ``reference``
    (``"municipality"`` or ``"sweden"``) by the fraction ``reduce_gap_by`` (0.5 = halve it) by ``year``.
    ``adopted`` is False for proposals the municipality has not decided.
    """

    kind: str
    year: int
    target: float | None = None
    reference: str | None = None
    reduce_gap_by: float | None = None
    adopted: bool = False
    note: str | None = None


@dataclass(frozen=True)
class PlanIndicator:
    """One indicator followed under a development area."""

    id: str
    label: str
    geography: str
    baseline_year: int
    direction: str
    subgoals: tuple[SubGoal, ...] = ()
    note: str | None = None

    @property
    def kind(self) -> str:
        """``"catalogue"``, ``"kolada"`` or ``"index"``, from the id's form."""
        if self.id.startswith("kolada:"):
            return "kolada"
        if self.id.startswith("index:"):
            return "index"
        return "catalogue"


@dataclass(frozen=True)
class DevelopmentArea:
    """A development area (utvecklingsområde) in the plan's own words."""

    id: int
    title: str
    data_level: str
    indicators: tuple[PlanIndicator, ...]
    data_note: str | None = None


@dataclass(frozen=True)
class Plan:
    """A municipal plan against segregation with its development areas."""

    municipality: str
    name: str
    plan_year: int
    focus_areas: Mapping[str, str]
    areas: tuple[DevelopmentArea, ...]
    source: str | None = None
    subgoal_note: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def area_ids(self) -> frozenset[int]:
        """The development area ids (1–5 for Linköping)."""
        return frozenset(a.id for a in self.areas)

    def indicators(self) -> list[tuple[DevelopmentArea, PlanIndicator]]:
        """Every (development area, indicator) pair in file order."""
        return [(a, ind) for a in self.areas for ind in a.indicators]


def check_indicator_id(indicator_id: str, known_ids: Iterable[str], *, where: str) -> None:
    """Raise :class:`PlanError` unless ``indicator_id`` is a known catalogue, Kolada or index id.

    Examples
    --------
    >>> check_indicator_id("kolada:N15428", CATALOGUE_IDS, where="x")
    >>> check_indicator_id("index:ice:income", CATALOGUE_IDS, where="x")
    >>> check_indicator_id("employment_rate", CATALOGUE_IDS, where="area 2")
    Traceback (most recent call last):
    ...
    segindicators.plan.definition.PlanError: area 2: unknown indicator id 'employment_rate'; ...
    """
    if not isinstance(indicator_id, str) or not indicator_id:
        raise PlanError(f"{where}: indicator id must be a non-empty string, got {indicator_id!r}.")
    if indicator_id.startswith("kolada:"):
        if not _KOLADA_RE.match(indicator_id):
            raise PlanError(
                f"{where}: Kolada id {indicator_id!r} is malformed; expected 'kolada:' followed by N or U and "
                "five digits, e.g. 'kolada:N15428'."
            )
        return
    if indicator_id.startswith("index:"):
        m = _INDEX_RE.match(indicator_id)
        if not m or m["index"] not in INDEX_NAMES or m["group"] not in GROUP_IDS:
            raise PlanError(
                f"{where}: index id {indicator_id!r} is not of the form 'index:<index>:<group>' with index in "
                f"{sorted(INDEX_NAMES)} and group in {sorted(GROUP_IDS)}; fix the id."
            )
        return
    known = frozenset(known_ids)
    if indicator_id not in known:
        raise PlanError(
            f"{where}: unknown indicator id {indicator_id!r}; expected a catalogue id (one of "
            f"{sorted(known)}), 'kolada:N12345' or 'index:<index>:<group>'. Check the spelling or add the "
            "indicator to the catalogue first."
        )


def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise PlanError(f"{where}: expected a mapping of fields, got {type(mapping).__name__}.")
    if key not in mapping or mapping[key] is None:
        raise PlanError(f"{where}: required field {key!r} is missing; add it to the plan file.")
    return mapping[key]


def _as_int(value: Any, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{where}: {key} must be an integer year, got {value!r}.")
    return value


def _parse_subgoal(raw: Mapping[str, Any], baseline_year: int, where: str) -> SubGoal:
    kind = _require(raw, "kind", where)
    year = _as_int(_require(raw, "year", where), where, "sub-goal year")
    if year <= baseline_year:
        raise PlanError(
            f"{where}: sub-goal year {year} is not after the baseline year {baseline_year}; a sub-goal must lie "
            "in the future of its baseline."
        )
    adopted = raw.get("adopted", False)
    if not isinstance(adopted, bool):
        raise PlanError(f"{where}: 'adopted' must be true or false, got {adopted!r}.")
    if kind == "value":
        target = _require(raw, "target", where)
        if isinstance(target, bool) or not isinstance(target, int | float):
            raise PlanError(f"{where}: sub-goal target must be a number, got {target!r}.")
        return SubGoal("value", year, target=float(target), adopted=adopted, note=raw.get("note"))
    if kind == "gap":
        reference = raw.get("reference", "municipality")
        if reference not in ("municipality", "sweden"):
            raise PlanError(f"{where}: gap reference must be 'municipality' or 'sweden', got {reference!r}.")
        frac = _require(raw, "reduce_gap_by", where)
        if isinstance(frac, bool) or not isinstance(frac, int | float) or not 0 < frac <= 1:
            raise PlanError(
                f"{where}: reduce_gap_by must be a fraction in (0, 1] (0.5 = halve the gap), got {frac!r}."
            )
        return SubGoal(
            "gap", year, reference=reference, reduce_gap_by=float(frac), adopted=adopted, note=raw.get("note")
        )
    raise PlanError(f"{where}: sub-goal kind must be 'value' or 'gap', got {kind!r}.")


def _profile_focus_areas(municipality: str) -> dict[str, str]:
    """Focus areas of the municipality's geography profile (one source of truth for area codes)."""
    profile = load_profile(municipality)
    return {code: fa.name for fa in profile.focus_areas for code in fa.areas}


def plan_from_dict(raw: Mapping[str, Any], known_ids: Iterable[str] | None = None) -> Plan:
    """Build and validate a :class:`Plan` from the parsed YAML mapping.

    Parameters
    ----------
    raw
        The mapping with keys ``plan`` and ``development_areas`` (see the shipped Linköping file).
    known_ids
        Catalogue indicator ids accepted; defaults to :data:`CATALOGUE_IDS`.

    Raises
    ------
    PlanError
        On any invalid item; the message names the development area and indicator.
    """
    known = frozenset(CATALOGUE_IDS if known_ids is None else known_ids)
    head = _require(raw, "plan", "plan file")
    municipality = str(_require(head, "municipality", "plan"))
    if not re.fullmatch(r"\d{4}", municipality):
        raise PlanError(
            f"plan: municipality must be a four-digit kommun code such as '0580', got {municipality!r}."
        )
    plan_year = _as_int(_require(head, "year", "plan"), "plan", "year")
    focus = head.get("focus_areas")
    if focus is None:
        focus = _profile_focus_areas(municipality)
    elif not isinstance(focus, Mapping):
        raise PlanError("plan: focus_areas must map RegSO codes to names, e.g. {0580R001: Berga}.")
    areas_raw = _require(raw, "development_areas", "plan file")
    if not isinstance(areas_raw, list) or not areas_raw:
        raise PlanError("plan file: development_areas must be a non-empty list.")
    declared = head.get("development_area_ids")
    areas: list[DevelopmentArea] = []
    seen: set[int] = set()
    for i, a in enumerate(areas_raw):
        where = f"development area #{i + 1}"
        aid = _as_int(_require(a, "id", where), where, "id")
        where = f"development area {aid}"
        if declared is not None and aid not in declared:
            raise PlanError(
                f"{where}: unknown development area; the plan declares development_area_ids {declared}."
            )
        if aid in seen:
            raise PlanError(f"{where}: the id appears twice; each development area must have its own id.")
        seen.add(aid)
        title = str(_require(a, "title", where))
        data_level = a.get("data_level", "district")
        if data_level not in DATA_LEVELS:
            raise PlanError(f"{where}: data_level must be one of {sorted(DATA_LEVELS)}, got {data_level!r}.")
        inds: list[PlanIndicator] = []
        for j, ind in enumerate(_require(a, "indicators", where)):
            iwhere = f"{where}, indicator #{j + 1}"
            iid = _require(ind, "id", iwhere)
            iwhere = f"{where}, indicator {iid!r}"
            check_indicator_id(iid, known, where=iwhere)
            if any(prev.id == iid for prev in inds):
                raise PlanError(
                    f"{iwhere}: listed twice in this development area; keep one entry per indicator."
                )
            geography = ind.get("geography", "focus_areas")
            if geography not in GEOGRAPHIES:
                raise PlanError(
                    f"{iwhere}: geography must be one of {sorted(GEOGRAPHIES)}, got {geography!r}."
                )
            if (iid.startswith(("kolada:", "index:"))) and geography != "municipality":
                raise PlanError(
                    f"{iwhere}: Kolada KPIs and citywide indices exist only for the whole municipality; "
                    f"set geography: municipality (got {geography!r})."
                )
            direction = _require(ind, "direction", iwhere)
            if direction not in DIRECTIONS:
                raise PlanError(
                    f"{iwhere}: bad direction {direction!r}; expected 'increase' or 'decrease' (the direction "
                    "in which the indicator should move)."
                )
            baseline = _as_int(_require(ind, "baseline_year", iwhere), iwhere, "baseline_year")
            subs = tuple(
                _parse_subgoal(s, baseline, f"{iwhere}, sub-goal #{k + 1}")
                for k, s in enumerate(ind.get("subgoals") or [])
            )
            for s in subs:
                if s.kind == "gap" and geography == "municipality" and s.reference == "municipality":
                    raise PlanError(
                        f"{iwhere}: a gap-to-municipality sub-goal needs district geography; the indicator "
                        "is followed for the municipality itself."
                    )
            inds.append(
                PlanIndicator(
                    id=iid,
                    label=str(ind.get("label", iid)),
                    geography=geography,
                    baseline_year=baseline,
                    direction=direction,
                    subgoals=subs,
                    note=ind.get("note"),
                )
            )
        areas.append(DevelopmentArea(aid, title, data_level, tuple(inds), a.get("data_note")))
    return Plan(
        municipality=municipality,
        name=str(head.get("name", "")),
        plan_year=plan_year,
        focus_areas={str(k): str(v) for k, v in focus.items()},
        areas=tuple(areas),
        source=head.get("source"),
        subgoal_note=head.get("subgoal_note"),
    )


def load_plan(path: str | os.PathLike[str], known_ids: Iterable[str] | None = None) -> Plan:
    """Read and validate a plan YAML file.

    Parameters
    ----------
    path
        A YAML file, or the name of a shipped plan such as ``"linkoping_2023"``.
    known_ids
        Catalogue indicator ids accepted; defaults to :data:`CATALOGUE_IDS`.

    Examples
    --------
    >>> plan = load_plan("linkoping_2023")
    >>> [a.id for a in plan.areas]
    [1, 2, 3, 4, 5]
    """
    raw = read_plan_yaml(path, "plan", PlanError)
    try:
        return plan_from_dict(raw, known_ids)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from None


def shipped_plans() -> list[str]:
    """Names of the plans shipped with the package (``load_plan`` accepts them)."""
    return shipped_names("plan")


def resolve_plan(plan: Plan | str | os.PathLike[str] | None, kommun: str) -> Plan | None:
    """The plan a run follows: ``plan`` itself, the file or shipped plan it names, else the kommun's shipped plan.

    Parameters
    ----------
    plan
        A :class:`Plan`, a plan file or shipped plan name, or None.
    kommun
        Four-digit municipality code; with ``plan=None`` the first shipped plan of this municipality is used.

    Returns
    -------
    Plan or None
        None when no plan is given and none is shipped for ``kommun``.

    Examples
    --------
    >>> resolve_plan(None, "0580").municipality
    '0580'
    >>> resolve_plan(None, "9998") is None
    True
    """
    if isinstance(plan, Plan):
        return plan
    if plan is not None:
        return load_plan(plan)
    for name in shipped_plans():
        candidate = load_plan(name)
        if candidate.municipality == kommun:
            return candidate
    return None
