"""open_workspace and notebook_context: the notebooks' entry point to processed outputs (synthetic data)."""

from __future__ import annotations

import pandas as pd
import pytest

from segindicators._io import write_frame
from segindicators.demo.profile import demo_plan
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.paths import ENV_HOME
from segindicators.sources.kolada.fetch import plan_kpis
from segindicators.workspace import NotebookContext, find_processed_dir, notebook_context, open_workspace


def _counts() -> pd.DataFrame:
    # synthetic rows (not official statistics)
    return pd.DataFrame(
        {
            "kommun": ["9999", "9999"], "level": ["RegSO", "kommun"], "geo_version": ["2025", "2025"],
            "area": ["9999R001", "9999"], "year": [2024, 2024], "indicator": ["population"] * 2,
            "numerator": [10.0, 20.0], "denominator": [float("nan")] * 2, "value": [10.0, 20.0],
        }
    )  # fmt: skip


def test_reads_a_processed_folder(tmp_path):
    processed = tmp_path / "data" / "processed"
    write_frame(_counts(), processed / "counts.parquet")
    (processed / "SYNTETISKA_DATA.txt").write_text("Syntetiska exempeldata")
    ws = open_workspace(processed)
    assert ws.kommuner == ["9999"] and ws.synthetic and ws.indices is None
    assert ws.label.startswith("Syntetiska exempeldata")
    assert find_processed_dir(tmp_path) == processed
    assert find_processed_dir(tmp_path / "notebooks") == processed  # notebooks run from notebooks/


def test_missing_counts_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="counts.parquet.*segindicators refresh"):
        open_workspace(tmp_path)


def test_a_workspace_opened_without_data_is_the_demo_with_kolada_values(tmp_path, monkeypatch):
    """No data/processed near the notebook and no $SEGINDICATORS_HOME: the offline demo, Kolada included."""
    monkeypatch.delenv(ENV_HOME, raising=False)
    monkeypatch.chdir(tmp_path)  # no data/processed here or in the parent
    ws = open_workspace()
    assert ws.synthetic and ws.label == SYNTHETIC_LABEL and ws.kommuner == ["9999"]
    assert ws.kolada is not None and len(ws.kolada) > 0
    assert set(ws.kolada["kpi"]) == set(plan_kpis(demo_plan()))
    assert set(ws.kolada["municipality"]) == {"9999", "0000"}
    assert ws.kolada["value"].notna().any() and (ws.kolada["status"] == SYNTHETIC_LABEL).all()
    kolada_status = ws.plan_status[ws.plan_status["indicator"].str.startswith("kolada:")]
    assert kolada_status["value"].notna().any()


def _processed(tmp_path, *, synthetic: bool):
    processed = tmp_path / "data" / "processed"
    write_frame(_counts(), processed / "counts.parquet")
    if synthetic:
        (processed / "SYNTETISKA_DATA.txt").write_text(SYNTHETIC_LABEL)
    return processed


def test_notebook_context_with_the_parameters_cell_defaults(tmp_path, capsys):
    processed = _processed(tmp_path, synthetic=True)
    ctx = notebook_context(kommun=None, years=None, report_year=None, data_dir=processed, reports_dir=None,
                           focus_areas=None, synthetic=None)  # fmt: skip
    assert isinstance(ctx, NotebookContext) and ctx.workspace.processed == processed
    assert (ctx.kommun, ctx.first_year, ctx.last_year, ctx.report_year) == ("9999", 2024, 2024, 2024)
    assert ctx.profile.kommun == "9999" and ctx.focus == ("9999R001", "9999R002", "9999R003")
    assert ctx.synthetic and ctx.reports_dir is None
    out = capsys.readouterr().out.splitlines()
    assert out == [
        SYNTHETIC_LABEL,  # outside IPython the label is plain text (bold markdown in a notebook)
        f"Kommun 9999, 2024–2024; fokusområden: 9999R001, 9999R002, 9999R003; data: {processed}",
    ]


def test_notebook_context_with_papermills_parameters(tmp_path, capsys):
    processed = _processed(tmp_path, synthetic=False)
    ctx = notebook_context(kommun="9999", years=[2015, 2024], report_year=2023, data_dir=str(processed),
                           reports_dir=str(tmp_path / "reports" / "2023"), focus_areas=["9999R002"],
                           synthetic=False)  # fmt: skip
    assert (ctx.first_year, ctx.last_year, ctx.report_year, ctx.focus) == (2015, 2024, 2023, ("9999R002",))
    assert ctx.reports_dir == tmp_path / "reports" / "2023" and not ctx.synthetic
    assert ctx.source_line == "Källa: SCB. Bearbetning: segindicators."
    assert capsys.readouterr().out.splitlines() == [
        "Källa: SCB. Bearbetning: segindicators.",
        f"Kommun 9999, 2015–2023; fokusområden: 9999R002; data: {processed}",
    ]


def test_notebook_context_labels_synthetic_data_whatever_the_parameter_says(tmp_path):
    processed = _processed(tmp_path, synthetic=True)
    with pytest.warns(UserWarning, match="synthetic=False, but the data .* are synthetic"):
        ctx = notebook_context(data_dir=processed, synthetic=False, show=False)
    assert ctx.synthetic and ctx.source_line == f"**{SYNTHETIC_LABEL}**"
    real = _processed(tmp_path / "real", synthetic=False)
    with pytest.warns(UserWarning, match="not marked synthetic"):
        assert notebook_context(data_dir=real, synthetic=True, show=False).synthetic


def test_notebook_context_names_a_kommun_the_data_do_not_have(tmp_path):
    processed = _processed(tmp_path, synthetic=True)
    with pytest.raises(ValueError, match=r"kommun='0580': expected a municipality .* which has 9999"):
        notebook_context(kommun="0580", data_dir=processed, show=False)
