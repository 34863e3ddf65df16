"""``refresh --national`` usage errors: one message, exit code 2, before any cache or network access."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from segindicators.cli import app

CASES = [
    ("refresh --national --kommun 0580", ["--national", "--kommun", "both"]),
    ("refresh --years 2024", ["--kommun", "--national", "neither"]),
    ("refresh --national --charts-for 0580,123", ["--charts-for", "'123'", "four-digit"]),
    ("refresh --national --charts-for 0580,1234", ["--charts-for", "'1234'", "290"]),
    ("refresh --national --charts-for ,", ["--charts-for", "commas"]),
    ("refresh --kommun 0580 --charts-for 0580", ["--charts-for", "only with --national"]),
    ("refresh --national --plan linkoping_2023", ["--plan", "only with --kommun"]),
    ("refresh --national --no-national-peers", ["--national-peers", "only with --kommun"]),
    ("refresh --kommun 0580 --lookups .", ["--lookups", "only with --national"]),
    ("refresh --national --national-draws -1", ["--national-draws", "'-1'"]),
    ("refresh --national --years 1990", ["--years", "1990"]),
]


@pytest.mark.parametrize(("line", "names"), CASES, ids=[c[0] for c in CASES])
def test_usage_error_is_one_message_with_exit_code_2(line, names, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be created or read here
    result = CliRunner().invoke(app, line.split())
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert out.count("error:") == 1 and "Traceback" not in result.output
    for name in names:
        assert name in out, (name, out)
    assert list(tmp_path.iterdir()) == []
