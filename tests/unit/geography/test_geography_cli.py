"""``segindicators geography`` sub-commands."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from segindicators.cli import app


@pytest.mark.reference
def test_crosswalk_report_linkoping(reference_dir):
    result = CliRunner().invoke(
        app, ["geography", "crosswalk", "--lookups", str(reference_dir / "lookups"), "--kommun", "0580"]
    )
    assert result.exit_code == 0, result.output
    assert "continuous    32" in result.output
    for code in ("0580C1191", "0580C1232", "0580C1312", "0580C1602"):
        assert code in result.output


@pytest.mark.reference
def test_profile_command_validates(reference_dir):
    result = CliRunner().invoke(
        app, ["geography", "profile", "0580", "--lookups", str(reference_dir / "lookups")]
    )
    assert result.exit_code == 0, result.output
    assert "focus skaggetorp: Skäggetorp-Tornby — RegSO 0580R018" in result.output
    assert "codes and names match the lookups" in result.output


def test_profile_command_generic():
    result = CliRunner().invoke(app, ["geography", "profile", "1280"])
    assert result.exit_code == 0 and "(generic)" in result.output
