"""``reports/<year>/index.md``: every exported chart with its caption, image and files, then the charts not drawn.

One atomic write of the whole list (:func:`write_index`); the rendering of the standard set
(:func:`segindicators.charts.standard.render_standard_charts`) calls it after the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._io import atomic_write_text
from .draw import Skipped
from .export import ExportResult
from .style import SYNTHETIC_MARK

__all__ = ["index_text", "write_index"]


def _items(entries: Iterable[ExportResult | Mapping[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for e in entries:
        if isinstance(e, ExportResult):
            items.append({"name": e.name, "title": e.title, "caption": e.caption, "synthetic": e.synthetic})
        else:
            items.append({"synthetic": False, **dict(e)})
    return items


def index_text(
    heading: str, entries: Iterable[ExportResult | Mapping[str, Any]], skipped: Iterable[Skipped] = ()
) -> str:
    """The Markdown of ``index.md``.

    Parameters
    ----------
    heading
        The first line (without ``#``), e.g. ``"Diagram 2024 – Linköping"``.
    entries
        :class:`~segindicators.charts.export.ExportResult` items (or mappings with ``name``, ``title``,
        ``caption``, optional ``synthetic``), in report order.
    skipped
        Charts of the set that were not drawn (:class:`~segindicators.charts.draw.Skipped`): listed last,
        each with the reason.

    Examples
    --------
    >>> text = index_text("Diagram 2024", [{"name": "01_x", "title": "Titel", "caption": "Bildtext."}],
    ...                   [Skipped("02_y", "Annan titel", "indata saknas")])
    >>> print(text.splitlines()[-1])
    - `02_y` – Annan titel. Inte ritat (not drawn): indata saknas.
    """
    items = _items(entries)
    lines = [f"# {heading}", ""]
    if any(i["synthetic"] for i in items):
        lines += [f"**{SYNTHETIC_MARK}.** Diagram märkta så bygger på syntetiska exempeldata.", ""]
    for k, it in enumerate(items, start=1):
        n = it["name"]
        lines += [f"## {k}. {it['title']}", "", it["caption"], ""]
        if it["synthetic"]:
            lines += [f"_{SYNTHETIC_MARK}_", ""]
        lines += [
            f"![{it['title']}]({n}.png)",
            "",
            f"Filer: [PNG]({n}.png) · [SVG]({n}.svg) · [PDF]({n}.pdf) · [Data och metadata (xlsx)]({n}.xlsx)",
            "",
        ]
    text = "\n".join(lines)
    not_drawn = [f"- `{s.name}` – {s.title}. Inte ritat (not drawn): {s.reason}." for s in skipped]
    if not_drawn:
        text = text.rstrip("\n") + "\n\n" + "\n".join(["## Diagram som inte ritats", "", *not_drawn]) + "\n"
    return text


def write_index(
    out_dir: str | Path,
    entries: Iterable[ExportResult | Mapping[str, Any]],
    *,
    heading: str | None = None,
    skipped: Iterable[Skipped] = (),
) -> Path:
    """Write ``<out_dir>/index.md`` (atomically): the charts with caption, image and files, then ``skipped``.

    Parameters
    ----------
    out_dir
        The report folder, ``reports/<year>``; its name is the default heading (``"Diagram <name>"``).
    entries, skipped
        As in :func:`index_text`.
    heading
        The first line, default ``"Diagram <out_dir name>"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "2024"
    >>> p = write_index(d, [{"name": "01_x", "title": "Titel", "caption": "Bildtext."}])
    >>> "![Titel](01_x.png)" in p.read_text()
    True
    """
    out = Path(out_dir)
    return atomic_write_text(out / "index.md", index_text(heading or f"Diagram {out.name}", entries, skipped))
