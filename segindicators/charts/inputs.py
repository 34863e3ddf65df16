"""What the chart builders draw from, as one typed value: :class:`ChartInputs`.

:class:`ChartInputs` is built from values — the processed tables, the municipality profile, the catalogue,
the measures register — by :meth:`ChartInputs.from_workspace`, which takes any value with the processed
tables as attributes (:class:`ProcessedTables`: a :class:`segindicators.workspace.Workspace`, or
:class:`ProcessedFrames`). Charts sit below the workspace in the import layers (``workspace`` builds the
demo and runs the refresh), so they never import it: the caller opens the workspace and passes it. The
folder form of :func:`~segindicators.charts.standard.render_standard_charts` reads the declared tables
through :func:`segindicators.tables.read_table` (:meth:`ProcessedFrames.read`); no chart module opens a file.

The typology is read, not recomputed: the RegSO with concentrated affluence come from the ``typology``
table (written by the refresh's ``typology`` stage, :func:`segindicators.typology.build.build_typology`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from segindicators.catalogue.definitions import Catalogue, load_catalogue
from segindicators.geography.profiles import FocusArea, Profile, load_profile
from segindicators.paths import is_synthetic
from segindicators.plan.measures import MeasuresRegister, shipped_register
from segindicators.tables import TABLES, read_table, table_exists
from segindicators.typology.affluence import AFFLUENCE_SV

from .meta import ChartMeta, SeriesBreak, chart_title
from .specs import ChartSpec

__all__ = [
    "FRAMES",
    "NATIONAL_FRAMES",
    "ChartInputs",
    "MissingInput",
    "ProcessedFrames",
    "ProcessedTables",
]

#: The processed tables the charts use (keys of a frames mapping; ``geometry`` maps level → polygons).
FRAMES = ("counts", "indices", "plan_status", "typology", "lookup")
#: The national tables the peer charts use when the refresh's ``peers`` stage wrote them (else absent).
NATIONAL_FRAMES = ("national_indices", "national_ranks")


class MissingInput(Exception):
    """Raised by a builder when its input is absent; the message is the reason shown in index.md."""


class ProcessedTables(Protocol):
    """Anything holding a refresh's processed tables as attributes (absent tables are None).

    :class:`segindicators.workspace.Workspace` is one (``open_workspace(data_dir)``), :class:`ProcessedFrames`
    another.
    """

    @property
    def counts(self) -> pd.DataFrame | None: ...
    @property
    def indices(self) -> pd.DataFrame | None: ...
    @property
    def plan_status(self) -> pd.DataFrame | None: ...
    @property
    def typology(self) -> pd.DataFrame | None: ...
    @property
    def lookup(self) -> pd.DataFrame | None: ...
    @property
    def geometry(self) -> Mapping[str, Any]: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def national_indices(self) -> pd.DataFrame | None: ...
    @property
    def national_ranks(self) -> pd.DataFrame | None: ...


@dataclass(frozen=True)
class ProcessedFrames:
    """The processed tables as plain values (a :class:`ProcessedTables`); absent tables are None.

    Attributes
    ----------
    counts, indices, plan_status, typology, lookup
        The declared tables of :data:`segindicators.tables.TABLES` of the same names.
    geometry
        ``{"deso": GeoDataFrame, "regso": GeoDataFrame}`` (``geometry_deso``/``geometry_regso``).
    synthetic
        The data are the synthetic sample.
    national_indices, national_ranks
        Every municipality's citywide indices and the kommun's ranks (the ``peers`` stage), or None.
    """

    counts: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    plan_status: pd.DataFrame | None = None
    typology: pd.DataFrame | None = None
    lookup: pd.DataFrame | None = None
    geometry: Mapping[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    national_indices: pd.DataFrame | None = None
    national_ranks: pd.DataFrame | None = None

    @classmethod
    def from_mapping(cls, frames: Mapping[str, Any]) -> ProcessedFrames:
        """From a mapping with the keys of :data:`FRAMES` (and :data:`NATIONAL_FRAMES`), ``geometry`` (or ``geometry_deso`` and
        ``geometry_regso``) and ``synthetic``; missing keys are absent tables.

        Examples
        --------
        >>> ProcessedFrames.from_mapping({"counts": pd.DataFrame(), "synthetic": True}).indices is None
        True
        """
        geometry = frames.get("geometry") or {
            k: frames[f"geometry_{k}"] for k in ("deso", "regso") if frames.get(f"geometry_{k}") is not None
        }
        return cls(**{k: frames.get(k) for k in (*FRAMES, *NATIONAL_FRAMES)}, geometry=dict(geometry),
                   synthetic=bool(frames.get("synthetic", False)))  # fmt: skip

    @classmethod
    def read(cls, processed_dir: str | os.PathLike[str]) -> ProcessedFrames:
        """The declared tables of a ``data/processed`` folder (:func:`segindicators.tables.read_table`).

        Raises
        ------
        FileNotFoundError
            The folder holds no ``counts.parquet``.
        segindicators.errors.Failure
            A table does not match its declaration (the message names the file).
        """
        d = Path(processed_dir)
        if not table_exists("counts", d):
            raise FileNotFoundError(
                f"processed_dir={str(d)!r}: no {TABLES['counts'].parquet} there; run `segindicators refresh` "
                "(or `demo`) first, or pass --processed-dir pointing at data/processed."
            )
        names = (*FRAMES, *NATIONAL_FRAMES)
        frames: dict[str, Any] = {n: read_table(n, d) for n in names if table_exists(n, d)}
        geometry = {
            lv: read_table(f"geometry_{lv}", d)
            for lv in ("deso", "regso")
            if table_exists(f"geometry_{lv}", d)
        }
        return cls(**frames, geometry=geometry, synthetic=is_synthetic(d))


def _kommun_name(kommun: str, profile: Profile | None, lookup: pd.DataFrame | None) -> str:
    if profile is not None and getattr(profile, "name", None):
        return str(profile.name)
    if lookup is not None and "kommun_name" in lookup.columns:
        hit = lookup.loc[lookup["kommun"].astype(str).eq(kommun), "kommun_name"].dropna()
        if len(hit):
            return str(hit.iloc[0])
    return f"kommun {kommun}"


@dataclass(frozen=True)
class ChartInputs:
    """Everything a chart builder reads: processed tables, the profile's focus areas and peers, catalogue,
    measures register, the report year (later years in the data are ignored) and, when the refresh's
    ``peers`` stage ran, the national tables (``national_indices``, ``national_ranks``: read, never
    recomputed)."""

    kommun: str
    year: int
    kommun_name: str
    focus: tuple[FocusArea, ...]
    peers: Mapping[str, str]
    counts: pd.DataFrame | None
    indices: pd.DataFrame | None
    plan_status: pd.DataFrame | None
    typology: pd.DataFrame | None
    lookup: pd.DataFrame | None
    geometry: Mapping[str, Any]
    synthetic: bool
    catalogue: Catalogue
    measures: MeasuresRegister | None
    retrieved: str | None = None
    national_indices: pd.DataFrame | None = None
    national_ranks: pd.DataFrame | None = None

    @classmethod
    def from_workspace(
        cls,
        ws: ProcessedTables,
        *,
        kommun: str,
        year: int,
        profile: Profile | None = None,
        synthetic: bool | None = None,
        measures: MeasuresRegister | str | None = "shipped",
        catalogue: Catalogue | None = None,
        retrieved: str | None = None,
    ) -> ChartInputs:
        """The inputs for ``kommun`` and report ``year`` from a workspace's processed tables.

        Parameters
        ----------
        ws
            A :class:`ProcessedTables` (e.g. ``segindicators.workspace.open_workspace(data_dir)``).
        kommun, year
            Municipality code and report year.
        profile
            Focus areas, peers and name; default the packaged profile of ``kommun``.
        synthetic
            Mark every chart as synthetic; default ``ws.synthetic``.
        measures
            A :class:`~segindicators.plan.measures.MeasuresRegister`, None, or ``"shipped"`` (the package's
            register for ``kommun``, if any).
        catalogue
            Units, names and series breaks; default the packaged catalogue.
        retrieved
            Retrieval date (ISO) for the xlsx metadata sheets.
        """
        kommun = str(kommun)
        profile = profile if profile is not None else load_profile(kommun)
        if isinstance(measures, str):
            if measures != "shipped":
                raise ValueError(
                    f"measures={measures!r}: expected a MeasuresRegister, None or 'shipped' (the package's "
                    "register for the municipality)."
                )
            measures = shipped_register(kommun)
        return cls(
            kommun=kommun, year=int(year), kommun_name=_kommun_name(kommun, profile, ws.lookup),
            focus=tuple(getattr(profile, "focus_areas", ()) or ()), peers=dict(getattr(profile, "peers", {}) or {}),
            counts=ws.counts, indices=ws.indices, plan_status=ws.plan_status, typology=ws.typology,
            lookup=ws.lookup, geometry=dict(ws.geometry or {}),
            synthetic=bool(ws.synthetic if synthetic is None else synthetic),
            catalogue=catalogue or load_catalogue(), measures=measures, retrieved=retrieved,
            national_indices=getattr(ws, "national_indices", None), national_ranks=getattr(ws, "national_ranks", None),
        )  # fmt: skip

    @classmethod
    def of(
        cls, processed: ProcessedTables | Mapping[str, Any] | str | os.PathLike[str], **kw: Any
    ) -> ChartInputs:
        """:meth:`from_workspace` for any accepted form of the processed tables: a :class:`ProcessedTables`,
        a mapping of frames (:meth:`ProcessedFrames.from_mapping`) or a ``data/processed`` folder
        (:meth:`ProcessedFrames.read`); ``kw`` as in :meth:`from_workspace`."""
        if isinstance(processed, str | os.PathLike):
            processed = ProcessedFrames.read(processed)
        elif isinstance(processed, Mapping):
            processed = ProcessedFrames.from_mapping(processed)
        return cls.from_workspace(processed, **kw)

    # -- what the builders ask

    def meta(self, spec: ChartSpec, **kw: Any) -> ChartMeta:
        """The chart's :class:`ChartMeta`: the spec's title, the synthetic flag and retrieval date, plus ``kw``."""
        base = {
            "title": chart_title(spec.measure, spec.population, spec.unit_label),
            "synthetic": self.synthetic,
            "retrieved": self.retrieved,
        }
        base.update(kw)
        return ChartMeta(**base)

    def indicator(self, ind: str) -> Any:
        """The catalogue's indicator ``ind``, or None when the catalogue has no such indicator."""
        try:
            return self.catalogue.indicator(ind)
        except KeyError:
            return None

    def catalogue_breaks(self, ind: str) -> list[SeriesBreak]:
        """The catalogue's series breaks of indicator ``ind`` (none for an unknown indicator)."""
        spec = self.indicator(ind)
        if spec is None:
            return []
        return [SeriesBreak(b.year, b.reason_sv) for b in spec.breaks]

    def rows(self, indicator: str, levels: Sequence[str]) -> pd.DataFrame:
        """Counts rows of ``indicator`` at ``levels`` up to the report year: this municipality's and Sweden's."""
        if self.counts is None:
            raise MissingInput(f"processade antal ({TABLES['counts'].parquet}) saknas")
        c = self.counts
        sub = c[c["indicator"].eq(indicator) & c["level"].isin(list(levels)) & c["year"].le(self.year)]
        own = sub["kommun"].astype(str).eq(self.kommun) | sub["level"].eq("riket")
        return sub[own.to_numpy(dtype=bool)]

    def affluent_areas(self, year: int) -> list[str] | None:
        """RegSO flagged *koncentrerat välstånd* in ``year`` in the ``typology`` table (sorted codes).

        None when the typology was not computed for this municipality (no table, or no RegSO rows of it):
        the chart then says so in a footnote instead of highlighting nothing silently.
        """
        t = self.typology
        if t is None:
            return None
        own = t["kommun"].astype(str).eq(self.kommun) & t["level"].astype(str).eq("RegSO")
        t = t[own.to_numpy(dtype=bool)]
        if t.empty:
            return None
        affluent = t["concentration"].astype("string").eq(AFFLUENCE_SV).fillna(False)
        hit = (t["year"].eq(year) & affluent).to_numpy(dtype=bool)
        return sorted(set(t.loc[hit, "area"].astype(str)))

    def focus_codes(self, level: str = "RegSO") -> list[str]:
        """The area codes of the focus areas defined at ``level``."""
        return [c for fa in self.focus if fa.level == level for c in fa.areas]
