"""A fake Kolada API v3 server for tests and the offline demo, generated from recorded v3 material.

What the fake serves follows the real material in ``shared/reference/kolada`` (rKolada's cache of the live
v3 API; README.md and PROVENANCE.md there), through its shipped derived copy
:mod:`segindicators.testing.kolada_records` (metadata and record structure only):

- ``GET /v3/kpi[/{id[,id...]}]``: KPI metadata. :meth:`FakeKolada.add_recorded_kpi` serves a recorded
  real v3 record verbatim (title, description, ``is_divided_by_gender`` ...). An id the recording shows as
  absent from v3 (N00914) cannot be added. :meth:`FakeKolada.add_kpi` defines a *fictional* KPI (an id not
  in the recording) with the same fields, labelled synthetic. An unknown id answers **200 with no record**
  (the reference README: "most likely"); ``unknown_kpi="404"`` serves the other reading.
- ``GET /v3/municipality[/{ids}]``: the recorded ``/municipality`` records (``id``, ``title``, ``type``),
  plus fictional ones from :meth:`FakeKolada.add_municipality` (the demo's kommun 9999), labelled synthetic.
- ``GET /v3/data/kpi/{ids}/municipality/{ids}/year/{years}`` (any two or three segments, any order): one
  record per KPI × municipality × period, ``{"kpi", "municipality", "period", "values": [{"gender",
  "count", "status", "value", "isdeleted"}]}``, the fields in the recorded order.

Numbers. :meth:`FakeKolada.add_values` and :meth:`FakeKolada.add_election_series` serve synthetic numbers
and label every one of them: the value's ``status`` is :data:`SYNTHETIC_SOURCE` ("Syntetiska exempeldata –
inte officiell statistik"; real published values have an empty status in the recorded rows), so the label
travels with each number into the client's frame, the raw cache and ``kolada.parquet``. The only unlabelled
numbers the fake serves are recorded real rows, loaded with :meth:`FakeKolada.add_recorded_rows` from the
reference CSV (never shipped).

Paging as v3: ``page`` (1-based) and ``per_page`` (at most 5000; more is refused with 400, so a client asking
for more is caught) in the query; every list answer is ``{"count", "values", "next_url", "previous_url"}``
with absolute links to the fake itself (null at the ends). ``page_size`` caps a page further so tests see
several pages with little data. What ``count`` means in v3 is not recorded (v2's documentation says the
length of ``values``); the fake sends the records of the whole result, and the client accepts both readings.
An id list longer than ``max_ids`` (25, Kolada's limit) is refused with 400.

Server plumbing (request log, call limit with 429 + ``Retry-After``, 5xx/delay/truncation injection, 404 for
unknown routes listed in :attr:`~FakeKolada.unmatched`) comes from
:class:`~segindicators.testing.fake_http.FakeJsonServer`.

Examples
--------
>>> fake = FakeKolada(page_size=2, max_calls=100, time_window=1.0)
>>> fake.add_recorded_kpi("N31807")["title"]
'Invånare som någon gång under året erhållit ekonomiskt bistånd, andel (%) av bef.'
>>> fake.add_values("N31807", "0580", [2022, 2023, 2024], [1.0, 2.0, None])  # synthetic numbers
>>> import httpx
>>> with fake:
...     page1 = httpx.get(fake.url + "/data/kpi/N31807/municipality/0580/year/2022,2023,2024").json()
...     page2 = httpx.get(page1["next_url"]).json()
>>> page1["count"], [r["period"] for r in page1["values"]], [r["period"] for r in page2["values"]]
(3, [2022, 2023], [2024])
>>> page2["values"][0]["values"]
[{'gender': 'T', 'count': 1, 'status': 'Syntetiska exempeldata – inte officiell statistik', 'value': None, 'isdeleted': False}]
>>> page2["next_url"] is None, page2["previous_url"] == page1["next_url"].replace("page=2", "page=1")
(True, True)
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from segindicators.sources.kolada.elections import latest_election
from segindicators.testing.fake_http import FakeJsonServer, HttpProblem, RecordedRequest
from segindicators.testing.fake_pxweb import SYNTHETIC_SOURCE
from segindicators.testing.kolada_records import load_records

__all__ = ["MAX_PER_PAGE", "SYNTHETIC_SOURCE", "FakeKolada", "RecordedRequest"]

_DIMENSIONS = ("kpi", "municipality", "year")
_GENDERS = ("T", "K", "M")
#: Kolada's cap on ``per_page`` (reference README).
MAX_PER_PAGE = 5000


class FakeKolada(FakeJsonServer):
    """In-memory Kolada v3 server; use as a context manager (``with FakeKolada() as fake: fake.url``).

    Parameters
    ----------
    page_size
        Most records per page, whatever ``per_page`` asks for (Kolada's own cap is 5000).
    max_ids
        Longest id list accepted in one path segment (Kolada: 25).
    unknown_kpi
        ``"empty"`` (default, as the real v3 most likely answers): ``/kpi/{ids}`` with no known id answers
        200 with ``values: []``; ``"404"``: it answers 404.
    max_calls, time_window, clock, enforce_limits
        Call limit (429 + ``Retry-After``), as in :class:`~segindicators.testing.fake_http.FakeJsonServer`.

    Notes
    -----
    A fresh fake serves no KPI and the recorded municipalities; add KPIs with :meth:`add_recorded_kpi`
    (real records) or :meth:`add_kpi` (fictional ids), then values.
    """

    base_path = "/v3"

    def __init__(
        self,
        *,
        page_size: int = MAX_PER_PAGE,
        max_ids: int = 25,
        unknown_kpi: str = "empty",
        max_calls: int = 1000,
        time_window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        enforce_limits: bool = True,
    ) -> None:
        super().__init__(
            max_calls=max_calls, time_window=time_window, clock=clock, enforce_limits=enforce_limits
        )
        if unknown_kpi not in ("404", "empty"):
            raise ValueError(f"unknown_kpi={unknown_kpi!r}: expected 'empty' or '404'.")
        if not 1 <= page_size <= MAX_PER_PAGE:
            raise ValueError(f"page_size={page_size!r}: expected 1..{MAX_PER_PAGE} (Kolada's cap).")
        self.page_size = page_size
        self.max_ids = max_ids
        self.unknown_kpi = unknown_kpi
        self.recorded = load_records()
        self.kpis: dict[str, dict[str, Any]] = {}
        self.municipalities: dict[str, dict[str, Any]] = {
            m["id"]: dict(m) for m in self.recorded["municipality"]["records"]
        }
        # (kpi, municipality, year) -> gender -> {"gender", "count", "status", "value", "isdeleted"}
        self.values: dict[tuple[str, str, int], dict[str, dict[str, Any]]] = {}

    # -- defining content -----------------------------------------------------------------------------------
    def _refuse_absent(self, kpi_id: str) -> None:
        if kpi_id in self.recorded["kpi"]["absent"]:
            raise ValueError(
                f"kpi_id={kpi_id!r}: the recorded v3 catalogue has no such KPI (rkolada_v3_kpi_records.json: "
                "null), so the fake does not serve it; expected a KPI that exists in v3. /kpi/"
                f"{kpi_id} answers with no record, as the real service does. See "
                "segindicators.sources.kolada.client.RETIRED_KPIS for its successor."
            )

    def add_recorded_kpi(self, kpi_id: str) -> dict[str, Any]:
        """Serve the recorded real v3 metadata record of ``kpi_id`` (verbatim); returns it.

        Raises
        ------
        ValueError
            ``kpi_id`` is recorded as absent from v3 (N00914), or the recording has no record for it (then
            use :meth:`add_kpi` with a fictional id, or extend the recording).
        """
        self._refuse_absent(kpi_id)
        records = self.recorded["kpi"]["records"]
        if kpi_id not in records:
            raise ValueError(
                f"kpi_id={kpi_id!r}: no recorded v3 record (recorded: {sorted(records)}); expected one of "
                "those. For a fictional KPI use add_kpi with an id outside the recording."
            )
        self.kpis[kpi_id] = dict(records[kpi_id])
        return self.kpis[kpi_id]

    def add_kpi(
        self,
        kpi_id: str,
        title: str,
        *,
        is_divided_by_gender: bool = False,
        municipality_type: str = "A",
        has_ou_data: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Define a *fictional* KPI with the recorded record's fields (description labelled synthetic).

        ``fields`` overrides further fields of the record (``operating_area``, ``publ_period``, ...); a
        field the recorded records do not have is refused, so the fake never invents structure.

        Raises
        ------
        ValueError
            ``kpi_id`` is a recorded real KPI (use :meth:`add_recorded_kpi`) or recorded as absent, or
            ``fields`` names a field real records do not have.
        """
        self._refuse_absent(kpi_id)
        if kpi_id in self.recorded["kpi"]["records"]:
            raise ValueError(
                f"kpi_id={kpi_id!r} is a recorded real Kolada KPI; serve its real metadata with "
                f"add_recorded_kpi({kpi_id!r}) instead of a made-up record."
            )
        known = self.recorded["kpi"]["fields"]
        extra = sorted(set(fields) - set(known))
        if extra:
            raise ValueError(
                f"fields {extra}: not fields of a recorded v3 KPI record; expected some of {known}."
            )
        record: dict[str, Any] = {
            "id": kpi_id,
            "title": title,
            "description": f"Fiktivt nyckeltal för tester och demo. {SYNTHETIC_SOURCE}.",
            "is_divided_by_gender": is_divided_by_gender,
            "municipality_type": municipality_type,
            "auspice": "X",
            "operating_area": "Syntetiskt verksamhetsområde",
            "perspective": "Syntetiskt",
            "prel_publication_date": None,
            "publication_date": "2025-01-01",
            "publ_period": "2024",
            "has_ou_data": has_ou_data,
        }
        record.update(fields)
        self.kpis[kpi_id] = {f: record[f] for f in known}
        return self.kpis[kpi_id]

    def add_municipality(self, municipality: str, title: str, type: str = "K") -> None:
        """Serve a fictional municipality record (the title gets the synthetic label); real ones are recorded."""
        if municipality in self.municipalities:
            raise ValueError(
                f"municipality={municipality!r} is a recorded real municipality "
                f"({self.municipalities[municipality]['title']}); expected a fictional code such as '9999'."
            )
        self.municipalities[municipality] = {
            "id": municipality,
            "title": f"{title} – {SYNTHETIC_SOURCE}",
            "type": type,
        }

    def _check_gender(self, kpi: str, gender: str) -> None:
        if kpi not in self.kpis:
            raise ValueError(
                f"kpi={kpi!r}: define the KPI first (add_recorded_kpi or add_kpi); the fake serves values only "
                "for KPIs it serves metadata for."
            )
        if gender not in _GENDERS:
            raise ValueError(f"gender={gender!r}: expected T, K or M.")
        if gender != "T" and not self.kpis[kpi]["is_divided_by_gender"]:
            raise ValueError(
                f"gender={gender!r} for KPI {kpi}: its record says is_divided_by_gender = false; expected 'T'."
            )

    def _put(self, kpi: str, municipality: str, year: int, entry: dict[str, Any]) -> None:
        self.values.setdefault((kpi, municipality, int(year)), {})[entry["gender"]] = entry

    def add_values(
        self,
        kpi: str,
        municipality: str,
        years: Iterable[int],
        values: Iterable[float | None],
        *,
        gender: str = "T",
        count: int = 1,
        isdeleted: bool | Sequence[bool] = False,
    ) -> None:
        """Add one synthetic value per year for a KPI and municipality, labelled synthetic.

        Parameters
        ----------
        kpi, municipality
            Ids; the KPI must be defined first.
        years, values
            Equally long; ``None`` is a published missing value (``value: null``).
        gender
            ``"T"``, or ``"K"``/``"M"`` for a KPI divided by gender.
        count
            The value's ``count`` (1 for a municipality, as in the recorded rows).
        isdeleted
            Kolada v3's deletion flag, one for all or one per year (a deleted value is not a value).
        """
        self._check_gender(kpi, gender)
        years, values = list(years), list(values)
        if len(years) != len(values):
            raise ValueError(f"years ({len(years)}) and values ({len(values)}) must have the same length.")
        flags = [isdeleted] * len(years) if isinstance(isdeleted, bool) else list(isdeleted)
        if len(flags) != len(years):
            raise ValueError(f"isdeleted ({len(flags)}) and years ({len(years)}) must have the same length.")
        for year, value, flag in zip(years, values, flags, strict=True):
            entry = {"gender": gender, "count": count, "status": SYNTHETIC_SOURCE, "value": value,
                     "isdeleted": bool(flag)}  # fmt: skip
            self._put(kpi, municipality, year, entry)

    def add_election_series(
        self,
        kpi: str,
        municipality: str,
        years: Iterable[int],
        election_values: Mapping[int, float | None],
        *,
        gender: str = "T",
    ) -> None:
        """Add an election KPI's synthetic values as Kolada publishes them: every year carries the latest election.

        For each of ``years`` the value is that of the latest election year ``<= year`` in
        ``election_values`` (see :mod:`segindicators.sources.kolada.elections` for the evidence that Kolada's
        "valdeltagande i senaste …valet" KPIs have values in non-election years that repeat the last
        election). A year whose latest election is not in ``election_values`` gets no record.
        """
        years = sorted({int(y) for y in years})
        elections = latest_election(years).tolist()
        served = [
            (y, election_values[e]) for y, e in zip(years, elections, strict=True) if e in election_values
        ]
        self.add_values(kpi, municipality, [y for y, _ in served], [v for _, v in served], gender=gender)

    def add_recorded_rows(self, path: str | Path) -> int:
        """Serve the recorded real data rows of rKolada's CSV (``rkolada_v3_data_*_rows.csv``) verbatim.

        These are real statistics, served unlabelled under their real ids exactly as recorded (``value``
        parsed from the recorded text, ``count``, ``status``; ``isdeleted`` false, which rKolada's rows do not
        carry). The KPI needs no metadata record here (use the client with ``verify_kpis=False``).

        Returns
        -------
        int
            Rows added.
        """
        text = Path(path).read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        n = 0
        for row in csv.DictReader(io.StringIO(body)):
            value = float(row["value"]) if row["value"] not in ("", "NA") else None
            entry = {"gender": row["gender"], "count": int(row["count"]), "status": row["status"],
                     "value": value, "isdeleted": False}  # fmt: skip
            self._put(row["kpi"], row["municipality_id"], int(row["year"]), entry)
            n += 1
        return n

    # -- log helpers ----------------------------------------------------------------------------------------
    def data_requests(self) -> list[RecordedRequest]:
        """The logged ``GET /v3/data/...`` requests."""
        return [r for r in self.requests if r.path.startswith(self.base_path + "/data/")]

    def kpi_requests(self) -> list[RecordedRequest]:
        """The logged ``GET /v3/kpi/...`` requests."""
        return [r for r in self.requests if r.path.startswith(self.base_path + "/kpi")]

    # -- routing --------------------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: Mapping[str, list[str]], body: Any) -> Any:
        prefix = self.base_path + "/"
        if method != "GET" or not path.startswith(prefix):
            raise HttpProblem(404, "Not Found", f"no route {method} {path}")
        parts = [p for p in path[len(prefix) :].split("/") if p]
        if parts and parts[0] == "kpi" and len(parts) <= 2:
            return self._kpi(path, parts[1] if len(parts) == 2 else None, query)
        if parts and parts[0] == "municipality" and len(parts) <= 2:
            return self._municipality(path, parts[1] if len(parts) == 2 else None, query)
        if parts and parts[0] == "data" and len(parts) in (5, 7):
            segments = dict(zip(parts[1::2], parts[2::2], strict=True))
            if len(segments) == len(parts) // 2 and set(segments) <= set(_DIMENSIONS):
                return self._data(path, segments, query)
        raise HttpProblem(404, "Not Found", f"no route {method} {path}")

    def _ids(self, text: str, what: str) -> list[str]:
        ids = [i for i in text.split(",") if i]
        if not ids:
            raise HttpProblem(400, "Bad Request", f"empty {what} list")
        if len(ids) > self.max_ids:
            raise HttpProblem(
                400, "Bad Request", f"too many {what} ids: {len(ids)} given, at most {self.max_ids} allowed"
            )
        return ids

    def _page(self, path: str, query: Mapping[str, list[str]], records: list[Any]) -> dict[str, Any]:
        try:
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", [str(MAX_PER_PAGE)])[0])
        except ValueError:
            raise HttpProblem(400, "Bad Request", "page and per_page must be integers") from None
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise HttpProblem(
                400,
                "Bad Request",
                f"page must be at least 1 and per_page 1..{MAX_PER_PAGE}; got {page}, {per_page}",
            )
        size = min(per_page, self.page_size)
        pages = max(1, math.ceil(len(records) / size))
        start = (page - 1) * size

        def link(n: int) -> str | None:
            if not 1 <= n <= pages:
                return None
            return (
                self.url[: -len(self.base_path)] + path + "?" + urlencode({"page": n, "per_page": per_page})
            )

        return {
            "count": len(records),
            "values": records[start : start + size],
            "next_url": link(page + 1),
            "previous_url": link(page - 1) if page <= pages else None,
        }

    def _kpi(self, path: str, ids_text: str | None, query: Mapping[str, list[str]]) -> dict[str, Any]:
        if ids_text is None:
            return self._page(path, query, [self.kpis[k] for k in sorted(self.kpis)])
        ids = self._ids(ids_text, "kpi")
        found = [self.kpis[k] for k in ids if k in self.kpis]
        if not found and self.unknown_kpi == "404":
            raise HttpProblem(404, "Not Found", f"no KPI with id {ids_text}", matched=True)
        return self._page(path, query, found)

    def _municipality(
        self, path: str, ids_text: str | None, query: Mapping[str, list[str]]
    ) -> dict[str, Any]:
        ids = sorted(self.municipalities) if ids_text is None else self._ids(ids_text, "municipality")
        return self._page(path, query, [self.municipalities[m] for m in ids if m in self.municipalities])

    def _data(self, path: str, segments: Mapping[str, str], query: Mapping[str, list[str]]) -> dict[str, Any]:
        wanted = {dim: set(self._ids(text, dim)) for dim, text in segments.items()}
        if "year" in wanted:
            try:
                years = {int(y) for y in wanted["year"]}
            except ValueError:
                raise HttpProblem(400, "Bad Request", f"years must be integers: {segments['year']}") from None
            wanted["year"] = {str(y) for y in years}
        records = []
        for (kpi, muni, year), by_gender in sorted(self.values.items()):
            key = {"kpi": kpi, "municipality": muni, "year": str(year)}
            if all(key[dim] in ids for dim, ids in wanted.items()):
                entries = [dict(by_gender[g]) for g in _GENDERS if g in by_gender]
                records.append({"kpi": kpi, "municipality": muni, "period": year, "values": entries})
        return self._page(path, query, records)
