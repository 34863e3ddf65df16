"""Every command, tried as a new user would with plainly wrong input: one short message, exit 2 or 1.

Each case runs the real ``segindicators`` command line (typer's CliRunner on the root app) and checks the
error policy of :mod:`segindicators.errors`: exit code 2 for a wrong command line, 1 for a failure; no
traceback; the message names the argument or file it is about. Classes covered: malformed and unknown
municipality codes, years no table covers, files where folders are expected (and the reverse), missing
input folders, truncated parquet files, malformed YAML (plan, measures register, profile), a missing
lookups folder, empty caches offline, and arguments checked before the cache (Kolada's municipality).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from segindicators._io import write_frame
from segindicators.cli import app
from tests.support.typology_samples import synthetic_processed


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    afile = root / "afile.txt"
    afile.write_text("not a folder")
    (root / "empty").mkdir()
    broken = root / "broken"
    write_frame(pd.DataFrame({"kommun": ["9999"] * 50, "year": range(50)}), broken / "counts.parquet")
    data = (broken / "counts.parquet").read_bytes()
    (broken / "counts.parquet").write_bytes(data[: len(data) // 2])  # a truncated parquet file
    good = root / "good"
    counts = synthetic_processed()
    write_frame(counts[counts["year"].isin([2021, 2022])].reset_index(drop=True), good / "counts.parquet")
    (root / "bad_register.yaml").write_text("register:\n  - year: 2022\n    totals: [unclosed\n")
    (root / "bad_plan.yaml").write_text("plan: {municipality: '0580'\ndevelopment_areas: [\n")
    (root / "bad_profile.yaml").write_text('kommun: "9999"\nfocus_areas:\n  - {id: x, name: "unclosed}\n')
    datafile_home = root / "datafile_home"
    datafile_home.mkdir()
    (datafile_home / "data").write_text("a file where the data folder belongs")
    return {
        "file": str(afile), "empty": str(root / "empty"), "missing": str(root / "missing"), "broken": str(broken),
        "good": str(good), "tmp": str(root), "bad_register": str(root / "bad_register.yaml"),
        "bad_plan": str(root / "bad_plan.yaml"), "bad_profile": str(root / "bad_profile.yaml"),
        "datafile_home": str(datafile_home),
    }  # fmt: skip


# (id, arguments, exit code, words the message must hold); {name} is replaced by the fixture's paths.
CASES = [
    # refresh
    ("refresh-kommun-malformed", "refresh --kommun abc", 2, ["--kommun", "'abc'", "four-digit"]),
    ("refresh-kommun-unknown", "refresh --kommun 1234 --offline", 2, ["--kommun", "'1234'", "290"]),
    ("refresh-years-uncovered", "refresh --kommun 0580 --years 1990-1995 --offline", 2, ["--years", "1990–1995"]),
    ("refresh-years-malformed", "refresh --kommun 0580 --years 2015-20x4", 2, ["--years", "2015-20x4"]),
    ("refresh-years-demo", "refresh --kommun 9999 --years 2014", 2, ["--years", "2015–2024"]),
    ("refresh-home-file", "refresh --kommun 0580 --home {file}", 2, ["--home", "{file}", "a file"]),
    ("refresh-home-under-file", "refresh --kommun 0580 --home {file}/sub", 2, ["--home", "{file}"]),
    ("refresh-home-data-file", "refresh --kommun 0580 --home {datafile_home}", 2, ["--home", "data/"]),
    ("refresh-plan-unknown", "refresh --kommun 0580 --plan nope", 2, ["--plan", "'nope'", "linkoping_2023"]),
    ("refresh-notebooks-missing", "refresh --kommun 0580 --notebooks {missing}", 2, ["--notebooks", "{missing}"]),
    ("refresh-url", "refresh --kommun 0580 --base-url ftp://x", 2, ["--base-url", "http"]),
    ("refresh-report-year", "refresh --kommun 0580 --report-year 24", 2, ["--report-year", "'24'"]),
    ("refresh-offline-empty-cache", "refresh --kommun 0580 --years 2024 --offline --home {empty}", 1,
     ["steget geometry", "stat:DeSO_2025", "0580", "not in the cache"]),
    # demo
    ("demo-out-file", "demo --out {file}", 2, ["--out", "{file}"]),
    ("demo-years", "demo --years 2010-2012", 2, ["--years", "2015–2024"]),
    ("demo-notebooks-missing", "demo --notebooks {missing}", 2, ["--notebooks"]),
    # build
    ("build-kommun-malformed", "build --kommun abc --years 2024", 2, ["--kommun", "'abc'"]),
    ("build-kommun-demo", "build --kommun 9999 --years 2024", 2, ["--kommun", "9999", "demo"]),
    ("build-years-uncovered", "build --kommun 0580 --years 1900", 2, ["--years", "1900"]),
    ("build-out-under-file", "build --kommun 0580 --years 2024 --out {file}/x.parquet", 2, ["--out", "{file}"]),
    ("build-out-suffix", "build --kommun 0580 --years 2024 --out x.txt", 2, ["--out", ".parquet"]),
    ("build-offline-empty-cache", "build --kommun 0580 --years 2024 --offline", 1, ["not in the cache", "table TAB"]),
    # catalogue
    ("catalogue-bad-option", "catalogue --bogus", 2, ["--bogus"]),
    # affluence
    ("affluence-kommun", "affluence --kommun 05800", 2, ["--kommun", "'05800'"]),
    ("affluence-processed-missing", "affluence --kommun 9999 --processed-dir {missing}", 2,
     ["--processed-dir", "{missing}", "counts.parquet"]),
    ("affluence-processed-file", "affluence --kommun 9999 --processed-dir {file}", 2, ["--processed-dir", "{file}"]),
    ("affluence-counts-truncated", "affluence --kommun 9999 --processed-dir {broken}", 1,
     ["{broken}/counts.parquet", "truncated"]),
    ("affluence-profile-yaml", "affluence --kommun 9999 --processed-dir {good} --out-dir {tmp}/r --profile {bad_profile}",
     1, ["{bad_profile}", "YAML"]),
    ("affluence-profile-missing", "affluence --kommun 9999 --processed-dir {good} --profile {missing}", 2,
     ["--profile", "{missing}"]),
    ("affluence-lookups-missing", "affluence --kommun 9999 --processed-dir {good} --lookups {missing}", 2,
     ["--lookups", "{missing}"]),
    ("affluence-level", "affluence --kommun 9999 --processed-dir {good} --level Kommun", 2, ["--level", "Kommun"]),
    # plan
    ("plan-unknown", "plan status --plan nope", 2, ["--plan", "'nope'"]),
    ("plan-counts-truncated", "plan status --processed-dir {broken}", 1, ["{broken}/counts.parquet"]),
    ("plan-processed-missing", "plan status --processed-dir {missing}", 2, ["--processed-dir", "{missing}"]),
    ("plan-yaml", "plan status --plan {bad_plan} --processed-dir {good}", 1, ["{bad_plan}", "YAML"]),
    ("plan-year", "plan status --year 20", 2, ["--year", "'20'"]),
    ("measures-yaml", "plan measures --register {bad_register}", 1, ["{bad_register}", "YAML"]),
    ("measures-unknown", "plan measures --register nope", 2, ["--register", "'nope'"]),
    # kolada: the municipality and years are checked before the cache
    ("kolada-municipality-malformed", "kolada fetch -y 2024 -k N15428 -m abc --offline --cache-dir {empty}", 2,
     ["--municipality", "'abc'"]),
    ("kolada-municipality-unknown", "kolada fetch -y 2024 -k N15428 -m 1234 --offline --cache-dir {empty}", 2,
     ["--municipality", "'1234'"]),
    ("kolada-years", "kolada fetch -y 20x4 -k N15428 -m 0580 --offline --cache-dir {empty}", 2, ["--years", "20x4"]),
    ("kolada-offline-empty-cache", "kolada fetch -y 2024 -k N15428 -m 0580 --offline --cache-dir {empty}", 1,
     ["N15428", "not in the cache"]),
    ("kolada-cache-dir-file", "kolada fetch -y 2024 -k N15428 -m 0580 --cache-dir {file}", 2, ["--cache-dir"]),
    ("kolada-plan-unknown", "kolada fetch -y 2024 --plan nope", 2, ["--plan", "'nope'"]),
    ("kolada-merge-truncated", "kolada fetch -y 2024 -k N15428 -m 0580 --offline --cache-dir {empty} -o {broken}/counts.parquet",
     1, ["{broken}/counts.parquet", "--replace"]),
    ("kolada-kpi-ids", "kolada kpi N1/5 --offline --cache-dir {empty}", 2, ["KPI_IDS", "N1/5"]),
    ("kolada-kpi-offline", "kolada kpi N15428 --offline --cache-dir {empty}", 1, ["N15428", "not in the cache"]),
    # scb
    ("scb-search-cache-dir-file", "scb search folkmängd --cache-dir {file}", 2, ["--cache-dir", "{file}"]),
    ("scb-search-url", "scb search folkmängd --base-url nope", 2, ["--base-url", "'nope'"]),
    ("scb-search-offline", "scb search folkmängd --offline --cache-dir {empty}", 1, ["not in the cache"]),
    ("scb-fetch-codelist", "scb fetch TAB1 --select Tid=2024 --codelist Region=vs_DeSO2025 -o {tmp}/x.csv", 2,
     ["--codelist", "Region"]),
    ("scb-fetch-output", "scb fetch TAB1 --select Tid=2024 -o {file}/x.csv", 2, ["--output", "{file}"]),
    ("scb-fetch-offline", "scb fetch TAB1 --select Tid=2024 -o {tmp}/x.csv --offline --cache-dir {empty}", 1,
     ["TAB1", "not in the cache"]),
    # geography
    ("crosswalk-lookups-missing", "geography crosswalk --lookups {missing}", 2, ["--lookups", "{missing}", "koppling"]),
    ("crosswalk-lookups-empty", "geography crosswalk --lookups {empty}", 1, ["--lookups", "{empty}", "koppling"]),
    ("crosswalk-kommun", "geography crosswalk --lookups {empty} --kommun 12", 2, ["--kommun", "'12'"]),
    ("profile-kommun-malformed", "geography profile abc", 2, ["KOMMUN", "'abc'"]),
    ("profile-kommun-unknown", "geography profile 1234", 2, ["KOMMUN", "'1234'"]),
    # charts
    ("charts-kommun", "charts --kommun abc --year 2024", 2, ["--kommun", "'abc'"]),
    ("charts-counts-truncated", "charts --kommun 9999 --year 2024 --processed-dir {broken} --out {tmp}/c", 1,
     ["{broken}/counts.parquet"]),
    ("charts-processed-missing", "charts --kommun 9999 --year 2024 --processed-dir {missing}", 2, ["--processed-dir"]),
    ("charts-out-file", "charts --kommun 9999 --year 2024 --out {file}", 2, ["--out", "{file}"]),
    ("charts-year", "charts --kommun 9999 --year 99", 2, ["--year", "'99'"]),
]  # fmt: skip


def _invoke(args: list[str], **kw):
    return CliRunner().invoke(app, args, **kw)


@pytest.mark.parametrize(("args", "code", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_one_message_and_the_right_exit_code(paths, monkeypatch, args, code, names):
    monkeypatch.delenv("SEGINDICATORS_DEBUG", raising=False)
    monkeypatch.setenv("SEGINDICATORS_HOME", paths["empty"])  # defaults (data/processed …) point at nothing
    result = _invoke([a.format(**paths) for a in args.split()])
    out = " ".join(result.output.split())
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "unexpected error" not in result.output
    assert "error:" in out or "Invalid value" in out or "No such option" in out, out
    for name in names:
        assert name.format(**paths) in out, (name, out)


def test_every_command_is_tried(paths):
    tried = {" ".join(c[1].split()[:2]) if c[1].split()[0] in ("plan", "kolada", "scb", "geography") else
             c[1].split()[0] for c in CASES}  # fmt: skip
    commands = {"refresh", "demo", "build", "catalogue", "affluence", "charts", "plan status", "plan measures",
                "kolada fetch", "kolada kpi", "scb search", "scb fetch", "geography crosswalk",
                "geography profile"}  # fmt: skip
    assert commands <= tried, commands - tried


def test_debug_shows_the_traceback_with_the_same_message_and_code(paths, monkeypatch):
    monkeypatch.delenv("SEGINDICATORS_DEBUG", raising=False)
    for args in (["--debug", "refresh", "--kommun", "abc"], ["refresh", "--kommun", "abc", "--debug"]):
        result = _invoke(args)
        assert (
            result.exit_code == 2
            and "Traceback" in result.output
            and "error: --kommun 'abc'" in result.output
        )
    monkeypatch.setenv("SEGINDICATORS_DEBUG", "1")
    result = _invoke(["plan", "status", "--processed-dir", paths["broken"]])
    assert result.exit_code == 1 and "Traceback" in result.output and "counts.parquet" in result.output
    monkeypatch.delenv("SEGINDICATORS_DEBUG")
    result = _invoke(["refresh", "--kommun", "abc"])  # the flag does not stick to the next invocation
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_an_unexpected_error_is_one_line_pointing_at_debug(monkeypatch):
    monkeypatch.delenv("SEGINDICATORS_DEBUG", raising=False)

    def broken(*a, **k):
        raise KeyError("area_name")

    monkeypatch.setattr("segindicators.catalogue.cli.catalogue_table", broken)
    result = _invoke(["catalogue"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unexpected error (KeyError: 'area_name')" in result.output and "--debug" in result.output


def test_changed_cache_file_offline_is_named_and_online_fetched_again(tmp_path):
    from segindicators.testing import FakePxWeb

    fake = FakePxWeb(max_calls=100, time_window=1.0)
    fake.add_table("TAB1", "Folkmängd (syntetiska data)", {"Region": ["0580", "0581"], "Tid": ["2024"]},
                   values=[100, 200])  # fmt: skip
    cache, out = tmp_path / "cache", tmp_path / "x.csv"
    args = ["scb", "fetch", "TAB1", "--select", "Region=*", "--select", "Tid=2024", "-o", str(out),
            "--cache-dir", str(cache)]  # fmt: skip
    with fake:
        assert _invoke([*args, "--base-url", fake.url]).exit_code == 0
        bodies = []
        for prov in cache.rglob("*.json"):
            if json.loads(prov.read_text()).get("what") == "data":
                bodies.append(prov.with_suffix(".body"))
        (body,) = bodies
        body.chmod(0o644)
        body.write_bytes(body.read_bytes().replace(b"100", b"999"))
        result = _invoke([*args, "--offline"])
        assert result.exit_code == 1 and str(body) in " ".join(result.output.split())
        assert "sha256" in result.output and "Traceback" not in result.output
        with pytest.warns(Warning, match="fetched again"):
            result = _invoke([*args, "--base-url", fake.url])
        assert result.exit_code == 0, result.output
        assert b"999" in body.read_bytes() and len(list(body.parent.glob("*.body"))) == 2
    assert _invoke([*args, "--offline"]).exit_code == 0  # the valid newer entry is read from now on
    assert pd.read_csv(out)["value"].tolist() == [100.0, 200.0]
