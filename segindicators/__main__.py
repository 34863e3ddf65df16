from segindicators.cli import app

app(prog_name="segindicators")
