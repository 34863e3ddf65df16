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
    # only the entries on TAB6679/TAB5880 (no recorded SCB metadata) are still marked
    assert (
        "median_income_tkr (verify)" in result.output
        and "employment_rate_20_64_rams (verify)" in result.output
    )
    assert "foreign_born_share" not in result.output
    assert "employment_rate_20_64 " not in result.output.replace("employment_rate_20_64_rams", "")


def test_build_rejects_a_bad_level():
    result = CliRunner().invoke(
        app, ["build", "--kommun", "0580", "--years", "2020-2024", "--level", "Kommun"]
    )
    assert result.exit_code != 0
    assert "--level must be DeSO or RegSO, got 'Kommun'" in result.output


def test_build_command_uses_the_scb_client_and_writes_counts(monkeypatch, tmp_path):
    import pandas as pd

    import segindicators.sources.scb
    from tests.support.catalogue_stubs import RecordingClient, stub_metadata

    made = {}

    def fake_client(**kwargs):  # the real ScbClient(base_url=..., cache_dir=..., offline=...)
        made.update(kwargs)
        made["client"] = RecordingClient(stub_metadata())
        return made["client"]

    monkeypatch.setattr(segindicators.sources.scb, "ScbClient", fake_client, raising=False)
    out = tmp_path / "counts.parquet"
    args = [
        "build",
        "--kommun",
        "0580",
        "--years",
        "2023-2024",
        "--level",
        "RegSO",
        "--offline",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert made["offline"] is True
    assert "-> " + str(out) in result.output
    frame = pd.read_parquet(out)
    assert set(frame["year"]) == {2023, 2024} and (frame["level"] == "RegSO").all()
    assert len(made["client"].data_calls) == len({t for t, _, _ in made["client"].data_calls})
