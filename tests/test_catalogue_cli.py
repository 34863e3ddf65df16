from typer.testing import CliRunner

from segindicators.cli import app


def test_catalogue_command_lists_indicators_tables_and_breaks():
    result = CliRunner().invoke(app, ["catalogue"])
    assert result.exit_code == 0, result.output
    for text in ("employment_rate_20_64", "TAB6680 2020–2023", "TAB6638 2024–", "low_economic_standard_0_19",
                 "Segregationsgrupper: background (two_group)", "BAS"):  # fmt: skip
        assert text in result.output


def test_catalogue_verify_only_hides_confirmed_entries():
    result = CliRunner().invoke(app, ["catalogue", "--verify-only"])
    assert result.exit_code == 0
    assert "foreign_born_share (verify)" in result.output
    assert "employment_rate_20_64 " not in result.output.replace("employment_rate_20_64_rams", "")


def test_build_rejects_a_bad_level():
    result = CliRunner().invoke(
        app, ["build", "--kommun", "0580", "--years", "2020-2024", "--level", "Kommun"]
    )
    assert result.exit_code != 0
    assert "--level must be DeSO or RegSO, got 'Kommun'" in result.output
