"""What changed since the previous refresh.

Compares two processed-counts frames (the contract in DESIGN.md: ``kommun, level, geo_version, area,
year, indicator, numerator, denominator, value, status, source_table, table_updated, flags``) and reports
figures that moved, SCB tables revised since (a different ``table_updated``), and areas that appeared or
vanished. A table in constant prices of its latest year (TAB6684) re-bases its whole series with every release:
its figures that moved because the table was revised are reported as ``rebased`` (with the ratio new/old, which
is one price factor per year for a pure re-basing), not as moved. :func:`changes_markdown` says it in
Swedish for ``reports/<year>/changes.md``. Pure functions; the refresh writes the result next to the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from segindicators.labels import SYNTHETIC_LABEL
from segindicators.tables import TABLES

__all__ = ["KEY", "changes_markdown", "compare_counts"]

#: Columns that identify one figure.
KEY = ["kommun", "level", "geo_version", "area", "year", "indicator"]


def compare_counts(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    abs_tol: float = 1e-9,
    rebasing_tables: Iterable[str] = (),
) -> dict[str, pd.DataFrame]:
    """Compare two processed-counts frames figure by figure.

    Parameters
    ----------
    previous, current
        Processed counts of the previous and the current run.
    abs_tol
        Differences in ``value`` at or below this are not reported as moved.
    rebasing_tables
        Tables in constant prices of their latest year (``TableSpec.constant_prices``).

    Returns
    -------
    dict of DataFrame
        ``moved``: figures present in both whose value differs (columns: key, ``value_previous``,
        ``value_current``, ``difference``), including figures that became or stopped being missing;
        ``revised_tables``: ``source_table`` with previous and current ``table_updated`` where they
        differ; ``new_areas`` / ``vanished_areas``: (kommun, level, geo_version, area) present in only
        one run; ``new_figures`` / ``vanished_figures``: keys present in only one run; ``rebased``: figures of a
        revised ``rebasing_tables`` table that moved (key, ``source_table``, values, ``ratio``), left out of
        ``moved``.

    Examples
    --------
    >>> cols = dict(kommun="9999", level="RegSO", geo_version="2025", indicator="x",
    ...             source_table="T", status=None, flags="")
    >>> a = pd.DataFrame([dict(cols, area="A", year=2024, value=0.5, table_updated="2025-01-01")])
    >>> b = pd.DataFrame([dict(cols, area="A", year=2024, value=0.6, table_updated="2025-06-01"),
    ...                   dict(cols, area="B", year=2024, value=0.1, table_updated="2025-06-01")])
    >>> r = compare_counts(a, b)
    >>> r["moved"][["area", "value_previous", "value_current"]].to_dict("records")
    [{'area': 'A', 'value_previous': 0.5, 'value_current': 0.6}]
    >>> r["new_areas"]["area"].tolist(), r["revised_tables"]["source_table"].tolist()
    (['B'], ['T'])
    """
    missing = [c for c in [*KEY, "value"] if c not in previous.columns or c not in current.columns]
    if missing:
        raise ValueError(
            f"compare_counts: both frames need the processed-counts columns {KEY + ['value']}; "
            f"missing {missing}. Pass frames read from data/processed/{TABLES['counts'].parquet}."
        )
    prev = previous[[*KEY, "value"]].rename(columns={"value": "value_previous"})
    curr = current[[*KEY, "value"]].rename(columns={"value": "value_current"})
    merged = prev.merge(curr, on=KEY, how="outer", indicator=True)
    both = merged[merged["_merge"] == "both"].drop(columns="_merge")
    vp = both["value_previous"].to_numpy(dtype=float)
    vc = both["value_current"].to_numpy(dtype=float)
    nan_changed = np.isnan(vp) != np.isnan(vc)
    with np.errstate(invalid="ignore"):
        moved_mask = nan_changed | (np.abs(vc - vp) > abs_tol)
    moved = both[moved_mask].copy()
    moved["difference"] = moved["value_current"] - moved["value_previous"]
    new_figures = merged.loc[merged["_merge"] == "right_only", KEY].reset_index(drop=True)
    vanished_figures = merged.loc[merged["_merge"] == "left_only", KEY].reset_index(drop=True)

    area_key = ["kommun", "level", "geo_version", "area"]
    pa = previous[area_key].drop_duplicates()
    ca = current[area_key].drop_duplicates()
    areas = pa.merge(ca, on=area_key, how="outer", indicator=True)
    new_areas = areas.loc[areas["_merge"] == "right_only", area_key].reset_index(drop=True)
    vanished_areas = areas.loc[areas["_merge"] == "left_only", area_key].reset_index(drop=True)

    if {"source_table", "table_updated"} <= set(previous.columns) & set(current.columns):
        tp = previous.groupby("source_table")["table_updated"].max().rename("updated_previous")
        tc = current.groupby("source_table")["table_updated"].max().rename("updated_current")
        tables = pd.concat([tp, tc], axis=1, join="inner").reset_index()
        revised = tables[tables["updated_previous"] != tables["updated_current"]].reset_index(drop=True)
    else:
        revised = pd.DataFrame(columns=["source_table", "updated_previous", "updated_current"])
    rebasing = set(rebasing_tables) & set(revised["source_table"])
    rebased = pd.DataFrame(columns=[*KEY, "source_table", "value_previous", "value_current", "ratio"])
    if rebasing and "source_table" in current.columns:
        tables = current[[*KEY, "source_table"]].drop_duplicates(KEY)
        moved = moved.merge(tables, on=KEY, how="left")
        hit = moved["source_table"].isin(rebasing).to_numpy()
        rebased = moved[hit].drop(columns="difference").copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rebased["ratio"] = rebased["value_current"] / rebased["value_previous"]
        rebased = rebased[[*KEY, "source_table", "value_previous", "value_current", "ratio"]]
        moved = moved[~hit].drop(columns="source_table")
    return {
        "moved": moved.sort_values(KEY).reset_index(drop=True),
        "rebased": rebased.sort_values(KEY).reset_index(drop=True),
        "revised_tables": revised,
        "new_areas": new_areas,
        "vanished_areas": vanished_areas,
        "new_figures": new_figures,
        "vanished_figures": vanished_figures,
    }


def changes_markdown(result: dict[str, pd.DataFrame] | None, *, kommun: str, synthetic: bool = False) -> str:
    """The change report (``changes.md``): counts of what changed, revised and re-based tables, largest moves.

    Parameters
    ----------
    result
        :func:`compare_counts` of the previous and the current run, or None on a first run.
    kommun
        The municipality, for the heading.
    synthetic
        The data are synthetic: the label goes under the heading.

    Examples
    --------
    >>> print(changes_markdown(None, kommun="0580"))
    # Förändringar sedan förra körningen – kommun 0580
    <BLANKLINE>
    Första körningen: det finns inget tidigare resultat att jämföra med.
    <BLANKLINE>
    """
    label = f"{SYNTHETIC_LABEL}\n\n" if synthetic else ""
    head = f"# Förändringar sedan förra körningen – kommun {kommun}\n\n{label}"
    if result is None:
        return head + "Första körningen: det finns inget tidigare resultat att jämföra med.\n"
    lines = [head]
    lines.append(f"- Siffror som ändrats: {len(result['moved'])}")
    lines.append(
        f"- Nya siffror: {len(result['new_figures'])}; försvunna siffror: {len(result['vanished_figures'])}"
    )
    lines.append(
        f"- Nya områden: {len(result['new_areas'])}; försvunna områden: {len(result['vanished_areas'])}"
    )
    lines.append(f"- SCB-tabeller reviderade sedan förra körningen: {len(result['revised_tables'])}")
    for r in result["revised_tables"].itertuples(index=False):
        lines.append(f"  - {r.source_table}: {r.updated_previous} → {r.updated_current}")
    rebased = result.get("rebased")
    if rebased is not None and len(rebased):
        lines.extend(_rebased_lines(rebased))
    moved = result["moved"]
    if len(moved):
        lines.append("\nStörsta förändringar (absolut skillnad):\n")
        top = moved.reindex(moved["difference"].abs().sort_values(ascending=False).index).head(15)
        lines.append("| nivå | område | år | indikator | förra | nu |\n|---|---|---|---|---|---|")
        for r in top.itertuples(index=False):
            lines.append(
                f"| {r.level} | {r.area} | {r.year} | {r.indicator} | {r.value_previous:.4g} | {r.value_current:.4g} |"
            )
    return "\n".join(lines) + "\n"


def _rebased_lines(rebased: pd.DataFrame) -> list[str]:
    """One line per re-based table: how many figures moved and the median factor per year."""
    lines = []
    for table, part in rebased.groupby("source_table"):
        factors = part.groupby("year")["ratio"].median()
        listed = ", ".join(f"{y}: ×{f:.3f}".replace(".", ",") for y, f in factors.items() if np.isfinite(f))
        lines.append(
            f"- {table} redovisas i fasta priser för senaste året: SCB har räknat om hela serien till den nya "
            f"prisnivån. {len(part)} siffror ändrades därför (omräkningsfaktor, median per år: {listed}); de "
            "listas inte som ändrade siffror."
        )
    return lines
