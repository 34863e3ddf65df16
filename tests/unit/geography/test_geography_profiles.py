"""Municipality profiles: the packaged Linköping profile, the generic profile, validation errors."""

from __future__ import annotations

import pytest

from segindicators.geography import read_reference_lookups
from segindicators.geography.profiles import ProfileError, focus_mapping, load_profile, validate_profile

PEERS = {
    "0581": "Norrköping",
    "0380": "Uppsala",
    "1880": "Örebro",
    "1980": "Västerås",
    "0680": "Jönköping",
    "2480": "Umeå",
    "1281": "Lund",
    "1283": "Helsingborg",
}


def test_linkoping_profile():
    p = load_profile("0580")
    assert p.name == "Linköping"
    assert {f.name: f.areas for f in p.focus_areas} == {
        "Berga": ("0580R001",),
        "Ryd": ("0580R017",),
        "Skäggetorp-Tornby": ("0580R018",),
    }
    assert p.focus("skaggetorp").level == "RegSO"
    assert p.peers == PEERS
    with pytest.raises(KeyError, match="available: \\['berga', 'ryd', 'skaggetorp'\\]"):
        p.focus("lambohov")


@pytest.mark.reference
def test_linkoping_profile_matches_lookups(reference_dir):
    lookup = read_reference_lookups(reference_dir / "lookups")
    validate_profile(load_profile("0580"), lookup)  # codes exist in both versions, names match SCB's
    wrong = load_profile("0580")
    wrong = type(wrong)(wrong.kommun, wrong.name, wrong.focus_areas, {"0581": "Norrkoping"}, wrong.source)
    with pytest.raises(
        ProfileError, match="kommun 0581 is 'Norrköping' in the lookup, profile says 'Norrkoping'"
    ):
        validate_profile(wrong, lookup)


def test_generic_profile_and_bad_code():
    p = load_profile("2480")
    assert p.focus_areas == () and p.peers == {} and p.source == "generic"
    assert focus_mapping(p).empty
    with pytest.raises(ProfileError, match="4-digit string"):
        load_profile(580)  # type: ignore[arg-type]


def test_focus_mapping_rows():
    m = focus_mapping(load_profile("0580"))
    assert m[["area", "target"]].values.tolist() == [
        ["0580R001", "berga"],
        ["0580R017", "ryd"],
        ["0580R018", "skaggetorp"],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kommun: 580\n", "'kommun' is '580' but the file is for '0580'"),
        (
            'kommun: "0580"\nfocus_areas:\n  - {id: x, name: X, level: RegSO, areas: ["0581R001"]}\n',
            r"\['0581R001'\] are not RegSO codes of kommun 0580",
        ),
        (
            'kommun: "0580"\nfocus_areas:\n  - {id: x, name: X, level: Kvarter, areas: ["0580R001"]}\n',
            "level must be 'RegSO' or 'DeSO'",
        ),
        ('kommun: "0580"\nfocus_areas:\n  - {id: x, name: X, level: DeSO, areas: []}\n', "non-empty list"),
        ('kommun: "0580"\npeers: {581: Norrköping}\n', "quote them"),
        ('kommun: "0580"\nfokus: []\n', r"unknown key\(s\) \['fokus'\]"),
    ],
)
def test_malformed_profiles(tmp_path, text, message):
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile("0580", path=f)


def test_deso_focus_area_from_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        'kommun: "0580"\nfocus_areas:\n  - {id: c1190, name: Split DeSO, level: DeSO, areas: ["0580C1190"]}\n',
        encoding="utf-8",
    )
    p = load_profile("0580", path=f)
    assert p.focus_areas[0].areas == ("0580C1190",) and p.name is None
