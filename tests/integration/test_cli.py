from typer.testing import CliRunner

from segindicators import __version__
from segindicators.cli import app


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"segindicators {__version__}"
