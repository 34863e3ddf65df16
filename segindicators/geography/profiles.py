"""Municipality profiles: focus areas (named sets of RegSO/DeSO) and peer municipalities.

A profile is package data in ``segindicators/geography/profiles/<kommun>.yaml``, readable and editable by an
analyst::

    kommun: "0580"
    name: Linköping
    focus_areas:
      - id: skaggetorp            # stable id used in data (a-z, 0-9, _)
        name: Skäggetorp-Tornby   # shown in charts
        level: RegSO              # RegSO or DeSO
        areas: ["0580R018"]       # codes of that level, all in the kommun
    peers: {"0581": Norrköping}   # kommun code → name, for comparisons

Any municipality without a file gets a *generic* profile: no focus areas, no peers. :func:`load_profile`
checks the file's structure; :func:`validate_profile` checks its codes against a lookup.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators._io import read_yaml

__all__ = ["FocusArea", "Profile", "ProfileError", "load_profile", "validate_profile", "focus_mapping"]

_KOMMUN = re.compile(r"^\d{4}$")
_ID = re.compile(r"^[a-z0-9_]+$")
_CODE = {"RegSO": re.compile(r"^\d{4}R\d{3}$"), "DeSO": re.compile(r"^\d{4}[ABC]\d{4}$")}


class ProfileError(ValueError):
    """A municipality profile is malformed or names codes that do not exist."""


@dataclass(frozen=True)
class FocusArea:
    """A named set of areas of one level (RegSO or DeSO) within a municipality."""

    id: str
    name: str
    level: str
    areas: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Profile:
    """A municipality's focus areas and peer municipalities."""

    kommun: str
    name: str | None = None
    focus_areas: tuple[FocusArea, ...] = ()
    peers: dict[str, str] = field(default_factory=dict)
    source: str = "generic"

    def focus(self, focus_id: str) -> FocusArea:
        """Return the focus area with this id; raise KeyError listing the available ids."""
        for fa in self.focus_areas:
            if fa.id == focus_id:
                return fa
        raise KeyError(
            f"focus_id: kommun {self.kommun} has no focus area {focus_id!r}; available: {[f.id for f in self.focus_areas]}."
        )


def _fail(source: str, msg: str) -> ProfileError:
    return ProfileError(f"{source}: {msg}")


def _parse(data: Any, kommun: str, source: str) -> Profile:
    if not isinstance(data, dict):
        raise _fail(
            source,
            f"expected a mapping with keys kommun, name, focus_areas, peers; got {type(data).__name__}.",
        )
    unknown = set(data) - {"kommun", "name", "focus_areas", "peers"}
    if unknown:
        raise _fail(source, f"unknown key(s) {sorted(unknown)}; allowed: kommun, name, focus_areas, peers.")
    file_kommun = str(data.get("kommun", ""))
    if file_kommun != kommun:
        raise _fail(
            source, f"'kommun' is {file_kommun!r} but the file is for {kommun!r}; quote the code (\"0580\")."
        )
    focus: list[FocusArea] = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("focus_areas") or []):
        where = f"focus_areas[{i}]"
        if not isinstance(item, dict) or not {"id", "name", "level", "areas"} <= set(item):
            raise _fail(source, f"{where}: needs id, name, level and areas; got {item!r}.")
        fid, level, areas = str(item["id"]), str(item["level"]), item["areas"]
        if not _ID.match(fid) or fid in seen:
            raise _fail(source, f"{where}: id {fid!r} must be unique and use only a-z, 0-9 and _.")
        seen.add(fid)
        if level not in _CODE:
            raise _fail(source, f"{where} ({fid}): level must be 'RegSO' or 'DeSO', got {level!r}.")
        if not isinstance(areas, list) or not areas:
            raise _fail(
                source, f"{where} ({fid}): areas must be a non-empty list of {level} codes, got {areas!r}."
            )
        codes = tuple(str(a) for a in areas)
        bad = [c for c in codes if not _CODE[level].match(c) or c[:4] != kommun]
        if bad:
            raise _fail(
                source,
                f"{where} ({fid}): {bad} are not {level} codes of kommun {kommun} (e.g. '{kommun}R001').",
            )
        if len(set(codes)) != len(codes):
            raise _fail(source, f"{where} ({fid}): duplicate codes in {list(codes)}.")
        focus.append(FocusArea(fid, str(item["name"]), level, codes, item.get("note")))
    peers_raw = data.get("peers") or {}
    if not isinstance(peers_raw, dict):
        raise _fail(source, f"peers must map kommun code → name, got {peers_raw!r}.")
    peers = {str(k): str(v) for k, v in peers_raw.items()}
    bad_peers = [k for k in peers if not _KOMMUN.match(k) or k == kommun]
    if bad_peers:
        raise _fail(
            source, f'peers: {bad_peers} are not 4-digit codes of other municipalities; quote them ("0581").'
        )
    return Profile(kommun, data.get("name"), tuple(focus), peers, source)


def load_profile(kommun: str, path: str | os.PathLike[str] | None = None) -> Profile:
    """Load the profile of a municipality (focus areas, peers).

    Parameters
    ----------
    kommun
        Four-digit kommun code as a string, e.g. ``"0580"``.
    path
        A YAML file to read instead of the packaged ``profiles/<kommun>.yaml``.

    Returns
    -------
    Profile
        The packaged or given profile; a generic one (no focus areas, no peers) when the package has none.

    Raises
    ------
    ProfileError
        If ``kommun`` is not a 4-digit string or the file is malformed (the message names the entry).

    Examples
    --------
    >>> p = load_profile("0580")
    >>> [(f.id, f.areas) for f in p.focus_areas]
    [('berga', ('0580R001',)), ('ryd', ('0580R017',)), ('skaggetorp', ('0580R018',))]
    >>> load_profile("0114").focus_areas
    ()
    """
    if not isinstance(kommun, str) or not _KOMMUN.match(kommun):
        raise ProfileError(f"kommun: expected a 4-digit string such as '0580', got {kommun!r}.")
    if path is not None:
        file = Path(path)
        return _parse(read_yaml(file, what="profile", error=ProfileError), kommun, str(file))
    resource = resources.files("segindicators.geography").joinpath("profiles", f"{kommun}.yaml")
    if not resource.is_file():
        return Profile(kommun)
    return _parse(read_yaml(resource, what="profile", error=ProfileError), kommun, f"profiles/{kommun}.yaml")


def validate_profile(
    profile: Profile, lookup: pd.DataFrame, geo_versions: tuple[str, ...] = ("2018", "2025")
) -> None:
    """Check a profile's codes and names against a lookup frame.

    Every focus-area code must exist in each of ``geo_versions``; the kommun and peer names must equal the
    lookup's ``kommun_name``.

    Raises
    ------
    ProfileError
        Listing the codes or names that do not match.
    """
    problems: list[str] = []
    kommuner = lookup.drop_duplicates("kommun").set_index("kommun")["kommun_name"]
    named = {profile.kommun: profile.name, **profile.peers} if profile.name else dict(profile.peers)
    for code, name in named.items():
        if code not in kommuner.index:
            problems.append(f"kommun {code} ({name}) not in the lookup")
        elif kommuner[code] != name:
            problems.append(f"kommun {code} is {kommuner[code]!r} in the lookup, profile says {name!r}")
    for version in geo_versions:
        lk = lookup[lookup["geo_version"] == version]
        known = {"RegSO": set(lk["regso"]), "DeSO": set(lk["deso"].dropna())}
        for fa in profile.focus_areas:
            missing = [c for c in fa.areas if c not in known[fa.level]]
            if missing:
                problems.append(f"focus area {fa.id}: {fa.level} {missing} not in geo_version {version}")
    if problems:
        raise ProfileError(
            f"profile {profile.source} (kommun {profile.kommun}): " + "; ".join(problems) + "."
        )


def focus_mapping(profile: Profile) -> pd.DataFrame:
    """Return the profile's focus areas as a part → group mapping for :func:`aggregate.aggregate_counts`.

    Returns
    -------
    pandas.DataFrame
        Columns ``part_level``, ``area`` (a RegSO/DeSO code), ``target`` (the focus id), ``target_name``,
        ``kommun``; empty for a generic profile.

    Examples
    --------
    >>> focus_mapping(load_profile("0580")).head(1).to_dict("records")
    [{'part_level': 'RegSO', 'area': '0580R001', 'target': 'berga', 'target_name': 'Berga', 'kommun': '0580'}]
    """
    rows = [
        (fa.level, code, fa.id, fa.name, profile.kommun) for fa in profile.focus_areas for code in fa.areas
    ]
    return pd.DataFrame(rows, columns=["part_level", "area", "target", "target_name", "kommun"]).astype("str")
