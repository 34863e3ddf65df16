"""``segindicators refresh --national`` end to end, over HTTP, against the national fake of every municipality.

The fake (:func:`segindicators.testing.recorded_tables.serve_national`) serves SCB's recorded tables for all 290
municipalities on SCB's real codes, with SCB's call limit (30 calls per 10 s) and cell limit; every number is
synthetic ("Syntetiska exempeldata – inte officiell statistik"). Two reference years, one on each geography
version, so the national run harmonises across the 2024 break.
"""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segindicators.cli import app
from segindicators.demo.cli import processed_digests
from segindicators.geography.lookups import read_reference_lookups
from segindicators.labels import SYNTHETIC_LABEL
from segindicators.pipeline import national as nat
from segindicators.pipeline.refresh import replace_stage
from segindicators.pipeline.runner import RefreshError
from segindicators.pipeline.workbook import workbook_name
from segindicators.tables import TABLES, read_table
from segindicators.testing.recorded_tables import serve_national
from tests.support.national_samples import wfs_for

pytestmark = [pytest.mark.reference, pytest.mark.slow]

YEARS = (2023, 2024)
CHARTS_FOR = ("0580",)
NATIONAL_TABLES = ("national_counts", "national_indices", "national_ranks", "national_typology", "area_types",
                   "lookup")  # fmt: skip


@pytest.fixture(scope="module")
def servers(reference_dir):
    lookups = reference_dir / "lookups"
    with (
        serve_national(lookups, years=YEARS) as fake,
        wfs_for(read_reference_lookups(lookups), CHARTS_FOR) as wfs,
    ):
        yield fake, wfs, lookups


def _args(servers, home: Path, *extra: str) -> list[str]:
    fake, wfs, lookups = servers
    return ["refresh", "--national", "--years", "2023-2024", "--home", str(home), "--base-url", fake.url,
            "--wfs-url", wfs.url, "--lookups", str(lookups), "--national-draws", "19", *extra]  # fmt: skip


@pytest.fixture(scope="module")
def first(servers, tmp_path_factory):
    fake = servers[0]
    home = tmp_path_factory.mktemp("national")
    before = len(fake.requests)
    result = CliRunner().invoke(app, _args(servers, home, "--charts-for", ",".join(CHARTS_FOR)))
    assert result.exit_code == 0, result.output
    return home, result, fake.requests[before:]


def test_the_stage_list_is_in_one_place():
    assert [s.name for s in nat.NATIONAL_STAGES] == ["lookup", "fetch", "validate", "harmonise", "write",
                                                   "indices", "ranks", "typology", "workbook", "charts",
                                                   "manifest"]  # fmt: skip


def test_national_run_stays_under_scbs_limits(first):
    _, result, requests = first
    assert len(requests) <= 100, len(requests)
    assert [r for r in requests if r.status == 429] == []
    assert all(r.matched for r in requests)
    assert "SCB: 13 tabeller" in " ".join(result.output.split())


def test_national_run_reads_a_codelist_only_to_split_and_never_asks_the_table(first):
    _, _, requests = first
    region = [next(i for i in r.body["selection"] if i["variableCode"] == "Region") for r in requests
              if r.method == "POST"]  # fmt: skip
    posts = Counter(zip([r.path.split("/")[-2] for r in requests if r.method == "POST"],
                        [i["codelist"] for i in region], strict=True))  # fmt: skip
    read = sorted(r.path.rsplit("/", 1)[-1] for r in requests if "/codelists/" in r.path)
    assert read == sorted({codelist for (_, codelist), n in posts.items() if n > 1})
    assert not [r for r in requests if r.method == "GET" and r.path.rstrip("/").split("/")[-2] == "tables"]
    metadata = [r for r in requests if r.path.endswith("/metadata")]
    assert len(metadata) == len({r.path for r in metadata}) == 13  # each table's metadata once (TAB5880: ≤ 2021)
    assert len(requests) == 1 + 13 + len(read) + sum(posts.values())


def test_every_municipality_has_rank_intervals_for_d_and_h_of_background(first):
    home = first[0]
    ranks = read_table("national_ranks", home / "data" / "national")
    iv = ranks[(ranks["group"] == "background") & ranks["index"].isin(["dissimilarity", "theil_h"])
               & ranks["rank"].notna()]  # fmt: skip
    assert iv["kommun"].nunique() == 290 and iv["rank_low"].notna().all() and iv["rank_high"].notna().all()
    assert (iv["rank_low"] <= iv["rank_high"]).all() and iv["rank_high"].le(iv["n"]).all()
    assert iv["rank"].between(iv["rank_low"], iv["rank_high"]).mean() > 0.9  # 19 draws: a few fall outside
    assert (iv["rank_high"] > iv["rank_low"]).any()  # the draws move ranks among 290 municipalities
    path = home / "reports" / "national" / "2024" / workbook_name(2024)
    table = pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name="Rangordning")
    d = table[(table["Index"] == "Dissimilaritetsindex (D)") & (table["Grupp"] == "Utländsk eller svensk bakgrund")]
    assert len(d) and d["Rangintervall 95 %, från (biaskorrigerat)"].notna().all()
    other = table[table["Grupp"] != "Utländsk eller svensk bakgrund"]
    assert other["Rangintervall 95 %, från (biaskorrigerat)"].isna().all()  # draws only for D and H of background
    assert (d["Rangintervall 95 %, från (biaskorrigerat)"] <= d["Rang (biaskorrigerat)"]).mean() > 0.9


def test_every_national_table_is_written_to_its_contract(first):
    home, _, _ = first
    folder = home / "data" / "national"
    for name in NATIONAL_TABLES:
        frame = read_table(name, folder, complete=True)
        assert list(frame.columns) == TABLES[name].column_names, name
    counts = read_table("national_counts", folder)
    assert counts.loc[counts["level"] != "riket", "kommun"].nunique() == 290
    assert set(counts["level"]) == {"DeSO", "RegSO", "kommun", "riket"}
    assert (counts["geo_version"] == "harmonised").any()  # the 2023/2024 break is bridged
    assert (folder / "SYNTETISKA_DATA.txt").read_text(encoding="utf-8").startswith(SYNTHETIC_LABEL)
    assert not (home / "data" / "processed").exists()  # a municipality's outputs are never touched


def test_every_municipality_has_indices_ranks_and_percentiles(first):
    folder = first[0] / "data" / "national"
    indices = read_table("national_indices", folder)
    ranks = read_table("national_ranks", folder)
    assert indices["kommun"].nunique() == 290 and ranks["kommun"].nunique() == 290
    assert {"bias_corrected", "raw"} == set(ranks["ranked_on"])
    cell = ranks[(ranks["group"] == "background") & (ranks["index"] == "dissimilarity") & (ranks["level"] == "RegSO")
                 & (ranks["year"] == 2024) & (ranks["ranked_on"] == "bias_corrected")]  # fmt: skip
    assert len(cell) == 290 and cell["rank"].min() == 1 and (cell["n"] == 290).all()
    assert cell["percentile"].between(0, 100).all()
    top = cell.sort_values("value").iloc[-1]
    assert top["rank"] == 1 and top["percentile"] == 100
    own = ranks[(ranks["kommun"] == "0580") & (ranks["ranked_on"] == "bias_corrected")]
    assert (own["peer_n"] == 9).all() and own["peer_rank"].between(1, 9).all()  # Linköping and its 8 peers
    assert ranks.loc[ranks["kommun"] == "0581", "peer_rank"].isna().all()  # Norrköping has no profile
    # both rankings carry both values: the raw one is the battery's plug-in index
    merged = cell.merge(indices, on=["kommun", "level", "geo_version", "year", "group", "index"])
    pd.testing.assert_series_equal(merged["value_raw"], merged["value_y"], check_names=False)


def test_area_types_for_every_regso_of_the_country(first):
    types = read_table("area_types", first[0] / "data" / "national")
    reproduced = types[(types["index"] == "area_type_reproduced") & (types["level"] == "RegSO")]
    for version in ("2018", "2025"):
        assert reproduced.loc[reproduced["geo_version"] == version, "area"].nunique() == 3363
    assert not reproduced["flags"].str.contains("kommun_relative").any()  # national bands


def test_the_workbook_a_user_opens(first):
    home = first[0]
    path = home / "reports" / "national" / "2024" / workbook_name(2024)
    sheets = pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name=None)
    assert list(sheets) == ["Syntetiska data", "Rangordning", "Noter"]
    table = sheets["Rangordning"]
    assert [
        "Kommunkod",
        "Kommun",
        "Nivå",
        "Geografiversion",
        "År",
        "Grupp",
        "Index",
        "Värde",
        "Biaskorrigerat värde",
        "Rang (biaskorrigerat)",
        "Percentil (biaskorrigerat)",
    ] == list(table.columns[:11])
    assert table["Kommunkod"].astype(str).str.zfill(4).nunique() == 290 and set(table["År"]) == set(YEARS)
    assert "Linköping" in set(table["Kommun"]) and "Dissimilaritetsindex (D)" in set(table["Index"])
    assert SYNTHETIC_LABEL in sheets["Noter"]["Noter"].tolist()


def test_chart_sets_only_for_charts_for(first):
    folder = first[0] / "reports" / "national" / "2024"
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == list(CHARTS_FOR)
    charts = folder / "0580"
    assert list(charts.glob("*.png")) and list(charts.glob("*.xlsx"))
    assert list(
        charts.glob("*peers*.png")
    )  # the peer charts draw Linköping's peers from the national indices


def test_manifest_records_inputs_and_outputs(first):
    home = first[0]
    manifest = json.loads(
        (home / "reports" / "national" / "2024" / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["parameters"]["national"] is True and manifest["synthetic"] is True
    assert {i["what"] for i in manifest["inputs"]} >= {"kopplingstabell"}
    assert "data/national/national_ranks.parquet" in manifest["outputs"]


def test_second_run_downloads_nothing_and_writes_the_same_bytes(first, servers, tmp_path):
    home0, _, _ = first
    fake = servers[0]
    home = tmp_path / "again"
    shutil.copytree(home0, home)
    before_tables = processed_digests(home / "data" / "national")
    before = len(fake.requests)
    result = CliRunner().invoke(app, _args(servers, home))
    assert result.exit_code == 0, result.output
    requests = fake.requests[before:]
    assert [r for r in requests if r.method == "POST"] == []  # no data download
    assert len(requests) == 1 + 13  # /config and each table's metadata, whose updated revalidates the cache
    assert [r for r in requests if r.status == 429] == []
    assert processed_digests(home / "data" / "national") == before_tables


def test_a_failed_national_run_replaces_nothing(first, servers, tmp_path):
    home0, _, _ = first
    fake, wfs, lookups = servers
    home = tmp_path / "failed"
    shutil.copytree(home0, home)
    before = processed_digests(home / "data" / "national")

    def boom(ctx) -> None:
        raise RuntimeError("workbook broke")

    options = nat.NationalOptions(years=YEARS, base_url=fake.url, wfs_url=wfs.url, home=home, lookups=lookups,
                                  offline=True, national_draws=0)  # fmt: skip
    stages = replace_stage(nat.NATIONAL_STAGES[:2], "fetch", boom)
    with pytest.raises(RefreshError, match="stage 'fetch' failed: RuntimeError: workbook broke"):
        nat.run_national(options, stages=stages)
    assert processed_digests(home / "data" / "national") == before
    assert not [p for p in (home / "data").iterdir() if p.name.startswith(".national.")]


def test_the_reproduction_is_compared_with_scbs_published_types(first):
    """The national run compares the open-data area types with SCB's published ones (TAB6586, synthetic here)."""
    home = first[0] if isinstance(first, tuple) else first
    processed = home / "data" / "national"
    table = read_table("area_type_comparison", processed)
    kappa = table[(table["comparison"] == "area_type") & (table["measure"] == "kappa") & table["year"].isna()]
    assert len(kappa) == 1 and -1.0 <= float(kappa["value"].iloc[0]) <= 1.0
    share = table[(table["comparison"] == "area_type") & (table["measure"] == "share_agreeing")]
    assert ((share["value"] >= 0) & (share["value"] <= 1)).all() and (share["n"] > 0).all()
    assert list((home / "reports" / "national").glob("*/omradestyper_jamforelse_*.xlsx"))

