"""Smoke test of the national benchmark scripts on a tiny input (they are scripts, not timed tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import indices_profile, national, output_hashes
from benchmarks.national_synthetic import national_lookup, synthetic_national_counts
from segindicators.indices import bootstrap_draws

pytestmark = [pytest.mark.reference, pytest.mark.slow]


def test_national_benchmark_runs_every_step_on_two_municipalities(reference_dir, capsys):
    national.main(["--lookups", str(reference_dir / "lookups"), "--kommuns", "0580,0581", "--draws", "5",
                   "--pysal-segments", "2"])  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("Syntetiska exempeldata – inte officiell statistik")
    assert "DeSO per version {'2018': 173, '2025': 177}" in out  # Linköping 94 + 98, Norrköping 79 + 79
    for step in ("battery, DeSO, no bootstrap", "battery, DeSO, 5 draws (units)", "bootstrap_indices",
                 "bootstrap_draws, D + H + M, table", "DeSO: ours 11 indices × 20 segments", "RegSO: ours"):  # fmt: skip
        assert step in out, step
    assert out.count("MiB peak") == 7 and "× CPU" in out


def test_indices_profile_splits_the_battery_and_the_bootstrap(reference_dir, capsys):
    indices_profile.main(["--lookups", str(reference_dir / "lookups"), "--kommuns", "0580", "--repeat", "1",
                          "--draws", "3"])  # fmt: skip
    out = capsys.readouterr().out
    for step in ("segment codes", "rest of prepare", "kernel gini", "kernel atkinson_0.9", "result frame",
                 "bootstrap_indices, 3 draws", "binomial draws", "kernels (kernels.evaluate)", "summary"):  # fmt: skip
        assert step in out, step
    assert out.count(" ms (marginal)") == 11 and "load average" in out


def test_measured_reports_a_failing_step():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        national.measured(lambda: 1 / 0)


def test_synthetic_counts_cover_the_lookup_and_keep_suppressed_cells_missing(reference_dir):
    lookup = national_lookup(reference_dir / "lookups")
    counts = synthetic_national_counts(lookup, kommuns=["0580"], years={"2025": (2024,)}, suppressed=0.05)
    deso = counts[counts["level"] == "DeSO"]
    assert set(deso["area"]) == set(
        lookup.loc[(lookup["kommun"] == "0580") & (lookup["geo_version"] == "2025"), "deso"]
    )
    hole = deso["flags"].str.contains("suppressed")
    assert (
        hole.any() and deso.loc[hole, "numerator"].isna().all() and deso.loc[~hole, "numerator"].notna().all()
    )
    assert counts.attrs["label"].startswith("Syntetiska")


def test_digest_sees_one_ulp_and_a_changed_draw():
    df = pd.DataFrame({"k": ["A", "A", "B"], "x": [3.0, 1.0, 1.0], "t": [4.0, 4.0, 2.0]})
    base = output_hashes.digest(df)
    moved = df.assign(x=[np.nextafter(3.0, 4.0), 1.0, 1.0])
    assert output_hashes.digest(moved) != base and output_hashes.digest(df.copy()) == base
    d = bootstrap_draws(df, group="x", total="t", by="k", indices="dissimilarity", draws=3, rng=0)
    d.draws[1, 0] = np.nextafter(d.draws[1, 0], 2.0)
    assert output_hashes.digest(d) != output_hashes.digest(
        bootstrap_draws(df, group="x", total="t", by="k", indices="dissimilarity", draws=3, rng=0)
    )
