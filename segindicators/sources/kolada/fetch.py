"""The plan's municipality-level KPIs from Kolada: :func:`fetch_plan_kpis`, behind the refresh's ``kolada`` stage.

The plan's indicators ``kolada:<KPI>`` are fetched with :class:`~segindicators.sources.kolada.KoladaClient` for the
municipality and for Sweden (``"0000"``, the plan's gap to riket), for the run's years, with the raw cache
under ``data/raw/kolada`` (``--offline``: cache only, zero HTTP calls). The values go to
``data/processed/kolada.parquet`` (the stage adapter :func:`segindicators.pipeline.stages.stage_kolada` writes
it with :func:`~segindicators.sources.kolada.processed.write_processed`) and to the run context's ``kolada``, which the
``plan`` stage reads with :func:`~segindicators.plan.series.series_from_kolada`.

Failure policy. The Kolada KPIs are optional to the district statistics: the segregation indices, typology
and the plan's SCB indicators do not depend on them. So a Kolada failure does **not** fail the run, and it
does not vanish either:

* an unknown KPI id (Kolada v3 answers ``/kpi/{id}`` with 200 and no record for it, or 404) is left out,
  named in the run's warnings (with the successor of a KPI gone from v3, such as N00914 → N02243) and in the
  summary line; the other KPIs are still fetched;
* a known KPI with no value for the kommun in the run's years is named in the run's warnings;
* an election KPI's non-election-year value that does not repeat the last election
  (:func:`~segindicators.sources.kolada.elections.carry_forward_conflicts`) is named in the run's warnings (it is not
  counted as an observation);
* values labelled synthetic (served by the fake Kolada) in a run that is not synthetic are named in
  the run's warnings: a real report must never take them for statistics;
* any other failure (network down, HTTP error after the retries, an offline run whose cache lacks the
  answer, an answer in an unexpected shape) leaves out all Kolada values of this run, with the cause in
  the run's warnings and the summary line (``FEL: …``);
* in both cases the plan lists the affected indicators as "otillräckliga data" and the manifest records the
  warnings. Nothing from an earlier run is reused silently.

The stage is skipped (with a summary line) when there is no plan or the plan has no ``kolada:`` indicators,
and for a synthetic run that names no Kolada server (``RefreshOptions.kolada_url``): the real Kolada has no
data for the fictional kommun 9999.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segindicators.labels import SYNTHETIC_LABEL
from segindicators.sources.http import RetryPolicy
from segindicators.sources.kolada.client import DEFAULT_BASE_URL, KoladaClient
from segindicators.sources.kolada.elections import carry_forward_conflicts
from segindicators.sources.kolada.errors import KoladaError, UnknownKpiError
from segindicators.sources.kolada.processed import to_processed
from segindicators.sources.kolada.query import unknown_kpi_hint

__all__ = ["RIKET", "KoladaFetch", "fetch_plan_kpis", "plan_kpis"]

#: Kolada's municipality code for Sweden.
RIKET = "0000"


def plan_kpis(plan: Any) -> list[str]:
    """The plan's Kolada KPI ids (without the ``kolada:`` prefix), sorted and unique.

    Examples
    --------
    >>> from segindicators.plan import load_plan
    >>> plan_kpis(load_plan("linkoping_2023"))
    ['N05401', 'N15428', 'N31807']
    """
    return sorted({ind.id.removeprefix("kolada:") for _, ind in plan.indicators() if ind.kind == "kolada"})


def _fetch(
    client: KoladaClient, kpis: list[str], munis: list[str], years: list[int]
) -> tuple[pd.DataFrame, list[str], str]:
    """Values of the known KPIs, the ids Kolada does not know, and what to do about them."""
    unknown: list[str] = []
    hints: list[str] = []
    todo = list(kpis)
    while todo:
        try:
            client.kpis(todo)
        except UnknownKpiError as exc:
            bad = [k for k in exc.kpis if k in todo]
            if not bad:  # should not happen: the error names ids we asked for
                raise
            unknown += bad
            hints.append(unknown_kpi_hint(bad))
            todo = [k for k in todo if k not in bad]
            continue
        break
    hint = " ".join(dict.fromkeys(hints))
    if not todo:
        return to_processed(pd.DataFrame(columns=["kpi", "municipality", "year", "value"])), unknown, hint
    data = client.data(todo, munis, years)
    frame = to_processed(data)
    frame.attrs["deleted"] = int(data.attrs.get("deleted", 0))
    return frame, sorted(unknown), hint


@dataclass(frozen=True)
class KoladaFetch:
    """What :func:`fetch_plan_kpis` got: the values (None when Kolada failed or was skipped) and notes.

    Attributes
    ----------
    frame
        Processed Kolada values (:func:`~segindicators.sources.kolada.processed.to_processed`), or None.
    warnings
        Notes for the run's warnings (see the module notes).
    summary
        One line for the run's summary.
    http_calls
        HTTP requests the Kolada client sent.
    """

    frame: pd.DataFrame | None
    warnings: tuple[str, ...]
    summary: str
    http_calls: int = 0


def fetch_plan_kpis(
    kpis: Sequence[str],
    *,
    plan_name: str,
    kommun: str,
    years: Iterable[int],
    cache_dir: Path,
    base_url: str | None = None,
    offline: bool = False,
    retry: RetryPolicy | None = None,
    synthetic: bool = False,
) -> KoladaFetch:
    """Fetch a plan's Kolada KPIs for the kommun and riket; Kolada problems become warnings, never errors.

    Parameters
    ----------
    kpis
        KPI ids (:func:`plan_kpis`); none: skipped.
    plan_name
        The plan's name, for the notes.
    kommun
        Four-digit municipality code.
    years
        Years asked for.
    cache_dir
        Raw cache of the Kolada client (``data/raw/kolada``).
    base_url
        Kolada API v3 root (default Kolada production; a synthetic run without one is skipped).
    offline
        Cache only, zero HTTP calls.
    retry
        Retry policy of the client.
    synthetic
        The run is the synthetic demo's (values labelled synthetic are then expected).

    Returns
    -------
    KoladaFetch
        The values and the notes; nothing is written.
    """
    kpis = list(kpis)
    if not kpis:
        return KoladaFetch(None, (), f"skipped: the plan {plan_name!r} has no kolada: indicators")
    if base_url is None and synthetic:
        return KoladaFetch(
            None,
            (
                f"kolada: skipped for the synthetic run (no kolada_url); plan indicators {', '.join(kpis)} have no data.",
            ),
            "skipped: synthetic run without a Kolada server (kolada_url); Kolada has no data for a fictional kommun",
        )
    munis = sorted({kommun, RIKET})
    years = sorted(years)
    warnings: list[str] = []
    client = KoladaClient(
        base_url or DEFAULT_BASE_URL, cache_dir=cache_dir, offline=offline, retry=retry,
    )  # fmt: skip
    try:
        frame, unknown, hint = _fetch(client, kpis, munis, years)
    except (KoladaError, ValueError, OSError) as exc:
        # Kolada is optional to the district statistics: record, do not fail (module notes).
        warnings.append(
            f"kolada: no Kolada values this run ({type(exc).__name__}: {exc}). The plan's indicators "
            f"{', '.join('kolada:' + k for k in kpis)} show 'otillräckliga data'; rerun when Kolada answers."
        )
        summary = f"FEL, inga Kolada-värden: {type(exc).__name__} (se varningar)"
        return KoladaFetch(None, tuple(warnings), summary, client.http_calls)
    finally:
        client.close()
    if unknown:
        warnings.append(
            f"kolada: Kolada does not know KPI {', '.join(unknown)} (plan {plan_name!r}); left out, the other "
            f"KPIs were fetched. {hint}"
        )
    got_kommun = set(frame.loc[(frame["municipality"] == kommun) & frame["value"].notna(), "kpi"])
    for kpi in sorted(set(kpis) - set(unknown) - got_kommun):
        warnings.append(
            f"kolada: KPI {kpi} has no value for kommun {kommun} in {years[0]}–{years[-1]}; the plan shows "
            "it as 'otillräckliga data'. Check on kolada.se whether it is published for the kommun."
        )
    warnings.extend(carry_forward_conflicts(frame))
    if not synthetic and frame["status"].eq(SYNTHETIC_LABEL).fillna(False).any():
        warnings.append(
            f"kolada: values labelled '{SYNTHETIC_LABEL}' arrived from {client.base_url} in a run that is not "
            "synthetic: that server is a fake. Do not report these numbers; point --kolada-url at Kolada."
        )
    got = frame.dropna(subset=["value"])
    span = f"{got['year'].min()}–{got['year'].max()}" if len(got) else "–"
    carried = int(got["carried_forward"].eq(True).fillna(False).sum())
    text = (
        f"{frame['kpi'].nunique()} KPI × {frame['municipality'].nunique()} kommuner, {len(got)} värden "
        f"({span}); {client.http_calls} HTTP-anrop"
    )
    if carried:
        text += f"; {carried} värden upprepar senaste valet (inga nya observationer)"
    if frame.attrs.get("deleted"):
        text += f"; {frame.attrs['deleted']} raderade värden (isdeleted) utelämnade"
    if unknown:
        text += f"; VARNING okända KPI: {', '.join(unknown)}"
    return KoladaFetch(frame, tuple(warnings), text, client.http_calls)
