"""Charts of one topic, drawn inline in a notebook: ``charts.show(ws, topic="plan")``.

The notebook opens its workspace (``segindicators.workspace.open_workspace``) and passes it; the topics are
those of :data:`~segindicators.charts.specs.TOPICS` (see :func:`segindicators.charts.registry.select`). The
figures are the same as in the report (same builders, same inputs); nothing is exported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from segindicators.catalogue.definitions import Catalogue
from segindicators.geography.profiles import Profile
from segindicators.plan.measures import MeasuresRegister

from .draw import Skipped, draw_specs
from .inputs import ChartInputs, ProcessedTables
from .registry import select

__all__ = ["Figures", "draw", "show"]


class Figures(dict):
    """Chart file stem → Figure, in report order; ``skipped`` lists the charts not drawn (with the reason)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[Skipped] = []


def _kommun_and_year(counts: pd.DataFrame | None, kommun: str | None, year: int | None) -> tuple[str, int]:
    """``kommun`` (default: the one municipality with district rows) and ``year`` (default: its latest)."""
    if counts is None:
        raise ValueError("ws: the workspace holds no processed counts; run `segindicators refresh` first.")
    if kommun is None:
        districts = counts[counts["level"].isin(["DeSO", "RegSO"])]
        found = sorted(districts["kommun"].astype(str).unique())
        if len(found) != 1:
            raise ValueError(
                f"kommun: expected one municipality in the workspace to default to, found {found or 'none'}; "
                "pass kommun='KKKK'."
            )
        kommun = found[0]
    if year is None:
        own = counts.loc[counts["kommun"].astype(str).eq(str(kommun)), "year"]
        if own.empty:
            raise ValueError(
                f"kommun={kommun!r}: no rows of it in the workspace's counts; pass another kommun."
            )
        year = int(own.max())
    return str(kommun), int(year)


def draw(
    ws: ProcessedTables,
    topic: str | Sequence[str],
    *,
    kommun: str | None = None,
    year: int | None = None,
    profile: Profile | None = None,
    measures: MeasuresRegister | str | None = "shipped",
    catalogue: Catalogue | None = None,
) -> Figures:
    """Draw the charts of ``topic`` (one topic or a list) without exporting them.

    Parameters
    ----------
    ws
        The processed tables (:class:`~segindicators.charts.inputs.ProcessedTables`, e.g. the notebook's
        ``open_workspace(data_dir)``).
    topic
        A key of :data:`~segindicators.charts.specs.TOPICS`, or a list of them.
    kommun
        Municipality code; default the one municipality with district rows in ``ws``.
    year
        Report year; default the latest year in the counts of ``kommun``.
    profile, measures, catalogue
        As in :func:`~segindicators.charts.standard.render_standard_charts`.

    Returns
    -------
    Figures
        Chart file stem → Figure; ``.skipped`` the charts whose input is absent.

    Raises
    ------
    ValueError
        An unknown topic (the message lists the valid ones), or no ``kommun`` to default to.
    """
    chosen = select(topic)  # an unknown topic fails before anything is read
    kommun, year = _kommun_and_year(ws.counts, kommun, year)
    inputs = ChartInputs.from_workspace(ws, kommun=kommun, year=year, profile=profile, measures=measures,
                                        catalogue=catalogue)  # fmt: skip
    out = Figures()
    for item in draw_specs(inputs, [c.spec for c in chosen]):
        if isinstance(item, Skipped):
            out.skipped.append(item)
        else:
            out[item.name] = item.figure
    return out


def show(
    ws: ProcessedTables,
    topic: str | Sequence[str],
    *,
    display: Callable[[Any], Any] | None = None,
    **kw: Any,
) -> Figures:
    """Draw the charts of ``topic`` and show them inline; print a line for each chart not drawn.

    Parameters
    ----------
    ws, topic, kw
        As in :func:`draw` (``kommun``, ``year``, ``profile``, ``measures``, ``catalogue``).
    display
        Shows one figure; default :func:`IPython.display.display` (the notebook's output).

    Returns
    -------
    Figures
        What was drawn (see :func:`draw`).

    Examples
    --------
    >>> show(None, "kartor")
    Traceback (most recent call last):
    ...
    ValueError: topic='kartor': not a chart topic; expected one of 'trends', 'affluence', 'indices', 'peers', 'plan', 'maps' (or a list of them).
    """
    figures = draw(ws, topic, **kw)
    if display is None:
        from IPython.display import display  # IPython is there in a notebook; not a dependency of the package
    for fig in figures.values():
        display(fig)
    for s in figures.skipped:
        print(f"Inte ritat: {s.name} – {s.reason}")
    return figures
