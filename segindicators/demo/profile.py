"""The synthetic municipality's profile (focus areas) and follow-up plan, for the offline demo.

**Syntetiska exempeldata – inte officiell statistik.** The demo plan borrows the *structure* of the shipped
Linköping plan (development areas, indicators, baselines, proposed sub-goals) and points it at the fictional
kommun 9999 and its three synthetic focus areas; it is not any municipality's decision.

Examples
--------
>>> [f.id for f in demo_profile().focus_areas]
['norrdalen', 'vasterby', 'asbacken']
>>> plan = demo_plan()
>>> plan.municipality, sorted(plan.focus_areas)
('9999', ['9999R001', '9999R002', '9999R003'])
"""

from __future__ import annotations

import copy
from importlib import resources

import yaml

from segindicators.demo.synthetic import FOCUS_AREAS, KOMMUN, KOMMUN_NAME, SYNTHETIC_LABEL
from segindicators.geography.profiles import FocusArea, Profile, load_profile
from segindicators.plan.definition import Plan, plan_from_dict

__all__ = ["FOCUS_NAMES", "demo_plan", "demo_profile"]

#: Synthetic focus RegSO → (profile id, name), as in segindicators.demo.synthetic.
FOCUS_NAMES: dict[str, tuple[str, str]] = {
    FOCUS_AREAS[0]: ("norrdalen", "Norrdalen"),
    FOCUS_AREAS[1]: ("vasterby", "Västerby"),
    FOCUS_AREAS[2]: ("asbacken", "Åsbacken"),
}


def demo_profile() -> Profile:
    """Profile of kommun 9999: the three synthetic focus areas (RegSO), no peers.

    Shipped as ``segindicators/geography/profiles/9999.yaml`` so every command finds it by kommun code like
    any other municipality's; this function checks that the file agrees with the generator.
    """
    profile = load_profile(KOMMUN)
    expected = tuple(FocusArea(fid, name, "RegSO", (code,)) for code, (fid, name) in FOCUS_NAMES.items())
    if tuple(profile.focus_areas) != expected or profile.name != KOMMUN_NAME:
        raise ValueError(
            f"profiles/{KOMMUN}.yaml does not match segindicators.demo.synthetic (focus areas {FOCUS_NAMES}, name "
            f"{KOMMUN_NAME!r}); got {profile.focus_areas!r}, {profile.name!r}. Edit the two together."
        )
    return profile


def demo_plan() -> Plan:
    """The demo follow-up plan for kommun 9999 (structure of the shipped Linköping plan, synthetic labels)."""
    text = resources.files("segindicators.plan").joinpath("plans", "linkoping_2023.yaml").read_text("utf-8")
    raw = copy.deepcopy(yaml.safe_load(text))
    head = raw["plan"]
    head["municipality"] = KOMMUN
    head["name"] = f"Exempelplan mot segregation – {SYNTHETIC_LABEL}"
    head["source"] = (
        f"{SYNTHETIC_LABEL}. Strukturen (utvecklingsområden, indikatorer) är lånad från Linköpings "
        "åtgärdsplan 2023 (KS 2020-754); kommunen och siffrorna är påhittade."
    )
    head["focus_areas"] = {code: name for code, (_, name) in FOCUS_NAMES.items()}
    return plan_from_dict(raw)
