"""Client for SCB's PxWebApi v2 (https://statistikdatabasen.scb.se/api/v2).

``ScbClient.data`` fetches a table selection as a long DataFrame, pacing calls under the ``/config`` limits,
splitting selections over ``maxDataCells``, and keeping every response byte for byte in the raw cache with
its provenance. With ``offline=True`` it answers only from the cache and makes no HTTP call at all.

A call spends no request on what the run already knows: a selection through a Region valueset of a known
level (``vs_DeSO2025``, ``vs_CRegionKommun07``, …) is counted on the table's own Region codes of that level
and sent whole when it fits, so ``/codelists/{id}`` is read only for a call that must be split (on the
codelist's codes) or that SCB refused as too many cells; a cached answer is checked against the ``updated``
of the ``/metadata`` the client read, and ``/tables/{id}`` is asked only when it read none.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segindicators.sources.errors import CacheMiss
from segindicators.sources.http import RetryPolicy, cache_key
from segindicators.sources.http.api import ApiClient, ApiError
from segindicators.sources.scb.jsonstat import parse_jsonstat2
from segindicators.sources.scb.query import (
    Chunk,
    VariableInfo,
    codelist_codes,
    count_cells,
    expand_selection,
    metadata_variables,
    normalise_selection,
    plan_chunks,
    whole_chunk,
)

DEFAULT_BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
#: SCB production limits, used until ``/config`` has been read (and offline when it was never cached).
DEFAULT_LIMITS = {"maxDataCells": 150_000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}


class ScbError(ApiError):
    """A request to SCB failed; the message names table, selection, HTTP status and the server's text."""


class ScbCacheMiss(ScbError, CacheMiss):
    """Offline mode and the cache holds no answer for the request."""


def _describe(table_id: str, selection: Mapping[str, Any], codelists: Mapping[str, str] | None) -> str:
    text = f"table {table_id} with selection {json.dumps(selection, ensure_ascii=False)}"
    if codelists:
        text += f" and codelists {json.dumps(dict(codelists), ensure_ascii=False)}"
    return text


def same_instant(a: str | None, b: str | None) -> bool:
    """Whether two ISO 8601 timestamps (as in SCB's ``updated``) name the same instant; None never matches.

    >>> same_instant("2026-06-08T06:00:00Z", "2026-06-08T06:00:00.000+00:00")
    True
    >>> same_instant("2026-06-08T06:00:00Z", None)
    False
    """
    if not a or not b:
        return False
    try:
        return datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(
            b.replace("Z", "+00:00")
        )
    except ValueError:
        return a == b


def _too_many_cells(exc: ScbError) -> bool:
    return exc.status == 400 and "too many cells" in (exc.detail or "").lower()


class ScbClient(ApiClient):
    """PxWebApi v2 client with pacing, cell-limit splitting, raw cache and offline mode.

    Parameters
    ----------
    base_url
        API root, default SCB production. Point it at :class:`segindicators.testing.FakePxWeb` in tests.
    cache_dir
        Raw cache folder; default ``data/raw/scb`` under :func:`segindicators.paths.project_home`.
    offline
        Answer only from the cache; any request not cached raises :class:`ScbCacheMiss` and no HTTP call is
        made (the HTTP client is never created).
    lang
        Response language (``"sv"`` or ``"en"``).
    timeout
        ``(connect, read)`` seconds passed to httpx.
    retry
        Retry settings for 429, 5xx and transport errors.
    clock, sleep
        Injectable monotonic clock and sleep (pacing and retries); tests use fakes.
    check_updated
        Before using a cached data answer online, check whether SCB's ``updated`` changed: the ``updated`` of
        the table's ``/metadata`` when this client has read it (no further call), else ``/tables/{id}``, asked
        once per client and table (a build reading one table in several calls asks once).

    Notes
    -----
    The constructor makes no network call; ``/config`` is read lazily on first need.
    """

    service = "SCB"
    error = ScbError
    offline_error = ScbCacheMiss

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        cache_dir: str | Path | None = None,
        offline: bool = False,
        *,
        lang: str = "sv",
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        check_updated: bool = True,
        transport: Any = None,
    ) -> None:
        self.lang = lang
        self.check_updated = check_updated
        self._setup_paced(
            base_url, cache_dir, offline, "scb", max_calls=DEFAULT_LIMITS["maxCallsPerTimeWindow"],
            window=DEFAULT_LIMITS["timeWindow"], timeout=timeout, retry=retry, clock=clock, sleep=sleep,
            transport=transport,
        )  # fmt: skip
        self._config: dict[str, Any] | None = None
        #: Data parts POSTed per table id by this client (answers from the cache are not counted).
        self.downloads: Counter[str] = Counter()
        self._metadata: dict[str, dict[str, Any]] = {}
        self._codelists: dict[str, dict[str, Any]] = {}
        self._updated_stamps: dict[str, str | None] = {}

    def _get_json(
        self, path: str, params: Mapping[str, str], what: str, *, table_id: str | None = None
    ) -> Any:
        """GET a JSON resource; store it in the cache; offline: read the newest cached copy."""
        key = cache_key("GET " + path, params)
        if self.offline:
            entry = self.cache.latest(key)
            if entry is None:
                raise self._cache_miss(f"{what} ({path} {json.dumps(dict(params), ensure_ascii=False)})")
            return json.loads(entry.read_bytes())
        response = self._send("GET", path, what, params=params)
        try:
            doc = response.json()
        except ValueError as exc:
            raise ScbError(f"SCB {what} ({path}): the answer is not valid JSON ({exc}); not cached.") from exc
        updated = doc.get("updated") if isinstance(doc, dict) else None
        self.cache.put(
            key, response.content, self._provenance(response, updated, table_id=table_id, what=what)
        )
        return doc

    # -- endpoints ------------------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """``/config`` (read once per client); also sets the pacing limits."""
        if self._config is None:
            try:
                cfg = self._get_json("config", {}, "config")
            except ScbCacheMiss:
                cfg = dict(DEFAULT_LIMITS)  # offline without a cached /config: SCB's published limits
            self._config = cfg
            self.limiter.configure(int(cfg["maxCallsPerTimeWindow"]), float(cfg["timeWindow"]))
        return self._config

    def search(self, query: str, *, page_size: int = 100) -> pd.DataFrame:
        """Tables whose text matches ``query`` (``/tables?query=``): id, label, updated, first/last period."""
        self.config()
        doc = self._get_json(
            "tables", {"query": query, "lang": self.lang, "pageSize": str(page_size)}, f"search {query!r}"
        )
        cols = ["id", "label", "updated", "firstPeriod", "lastPeriod"]
        return pd.DataFrame([{c: t.get(c) for c in cols} for t in doc.get("tables", [])], columns=cols)

    def table(self, table_id: str) -> dict[str, Any]:
        """``/tables/{id}``: the table's description, including SCB's ``updated``."""
        self.config()
        return self._get_json(
            f"tables/{table_id}", {"lang": self.lang}, f"table {table_id}", table_id=table_id
        )

    def metadata(self, table_id: str) -> dict[str, Any]:
        """``/tables/{id}/metadata`` (JSON-stat2), read once per client."""
        if table_id not in self._metadata:
            self.config()
            self._metadata[table_id] = self._get_json(
                f"tables/{table_id}/metadata",
                {"lang": self.lang},
                f"metadata of table {table_id}",
                table_id=table_id,
            )
        return self._metadata[table_id]

    def _updated(self, table_id: str) -> str | None:
        """SCB's ``updated`` of a table, the check before cached data: from the table's ``/metadata`` when this
        client has read it (the same JSON-stat2 ``updated`` a data answer carries, so no further call), else
        from ``/tables/{id}``, asked once per client."""
        stamp = (self._metadata.get(table_id) or {}).get("updated")
        if stamp:
            return str(stamp)
        if table_id not in self._updated_stamps:
            self._updated_stamps[table_id] = self.table(table_id).get("updated")
        return self._updated_stamps[table_id]

    def codelist(self, codelist_id: str) -> dict[str, Any]:
        """``/codelists/{id}``, read once per client."""
        if codelist_id not in self._codelists:
            self.config()
            self._codelists[codelist_id] = self._get_json(
                f"codelists/{codelist_id}", {"lang": self.lang}, f"codelist {codelist_id}"
            )
        return self._codelists[codelist_id]

    # -- data -----------------------------------------------------------------------------------------------
    def _data_key(
        self,
        table_id: str,
        selection: Mapping[str, Sequence[str]],
        codelists: Mapping[str, str],
        *,
        manifest: bool = False,
    ) -> str:
        identity = {
            "table": table_id,
            "selection": {k: list(v) for k, v in selection.items()},
            "codelists": dict(codelists),
            "lang": self.lang,
            "outputFormat": "json-stat2",
        }
        # A manifest (which responses make up a selection) lives apart from the responses themselves.
        return cache_key(("manifest " if manifest else "") + f"POST tables/{table_id}/data", identity)

    @staticmethod
    def _body(selection: Mapping[str, Sequence[str]], codelists: Mapping[str, str]) -> dict[str, Any]:
        items = []
        for var, codes in selection.items():
            item: dict[str, Any] = {"variableCode": var}
            if var in codelists:
                item["codelist"] = codelists[var]
            item["valueCodes"] = list(codes)
            items.append(item)
        return {"selection": items}

    def _post_chunk(
        self, table_id: str, chunk: Chunk, codelists: Mapping[str, str], *, resplit: bool = True
    ) -> list[tuple[Chunk, dict]]:
        """POST one chunk; on 400 "Too many cells selected" split it in two and recurse (``resplit``), or raise."""
        params = {"outputFormat": "json-stat2", "lang": self.lang}
        self.downloads[table_id] += 1
        try:
            response = self._send(
                "POST", f"tables/{table_id}/data", f"data request for {_describe(table_id, chunk.selection, codelists)}",
                params=params, json_body=self._body(chunk.selection, codelists),
                status_hint=". Check the variable and value codes against the table's metadata (segindicators scb "
                "search / metadata).",
            )  # fmt: skip
        except ScbError as exc:
            if resplit and _too_many_cells(exc) and chunk.cells > 1:
                parts = plan_chunks(chunk.selection, chunk.expanded, max(1, chunk.cells // 2))
                return [r for part in parts for r in self._post_chunk(table_id, part, codelists)]
            raise
        try:
            doc = response.json()
            if not isinstance(doc, dict) or "value" not in doc or "id" not in doc:
                raise ValueError("not a JSON-stat2 dataset")
        except ValueError as exc:
            raise ScbError(
                f"SCB data answer for {_describe(table_id, chunk.selection, codelists)} is invalid or truncated "
                f"({exc}); it was not cached. Retry later."
            ) from exc
        key = self._data_key(table_id, chunk.selection, codelists)
        entry = self.cache.put(
            key,
            response.content,
            self._provenance(
                response,
                doc.get("updated"),
                table_id=table_id,
                what="data",
                selection=chunk.selection,
                codelists=dict(codelists),
                lang=self.lang,
            ),
        )
        return [
            (
                chunk,
                {"key": key, "sha256": entry.provenance["sha256"], "selection": chunk.selection, "doc": doc},
            )
        ]

    def data(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
        codelists: Mapping[str, str] | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Fetch a selection of a table as a long DataFrame (see :func:`~segindicators.sources.scb.jsonstat.parse_jsonstat2`).

        Parameters
        ----------
        table_id
            Table id such as ``"TAB6574"``.
        selection
            Variable code → value codes or expressions, e.g. ``{"Region": ["0580*"], "Tid": ["2024"]}``.
        codelists
            Variable code → codelist id, e.g. ``{"Region": "vs_DeSO2025"}``; applied before wildcards.
        progress
            Called as ``progress(done, total)`` after each request of a split selection.

        Returns
        -------
        pandas.DataFrame
            One column per dimension, ``region_version``, ``value``, ``status``; selections split under the cell
            limit are reassembled in exactly the row order one call would give.

        Raises
        ------
        ScbCacheMiss
            Offline and the selection was never fetched.
        ScbError
            The server refused or failed (message names table, selection, status and the server's detail).
        """
        sel = normalise_selection(selection)
        cls = dict(codelists or {})
        unknown = sorted(set(cls) - set(sel))
        if unknown:
            raise ValueError(
                f"codelists names {unknown} but the selection has no such variable; selection variables are "
                f"{sorted(sel)}. Add the variable to the selection or drop its codelist."
            )
        key = self._data_key(table_id, sel, cls, manifest=True)
        cached = self._manifest(key)
        if self.offline:
            if cached is None:
                raise self._cache_miss(_describe(table_id, sel, cls))
            return self._assemble_manifest(cached)
        if cached is not None:
            if not self.check_updated or same_instant(
                self._updated(table_id), cached.get("table_updated")
            ):
                try:
                    return self._assemble_manifest(cached)
                except ScbCacheMiss:
                    pass  # a part is missing or failed its sha256 check (reported by the cache): fetch again
        return self._download(table_id, sel, cls, key, progress)

    def _download(
        self,
        table_id: str,
        sel: dict[str, list[str]],
        cls: dict[str, str],
        key: str,
        progress: Callable[[int, int], None] | None,
    ) -> pd.DataFrame:
        cfg = self.config()
        variables = metadata_variables(self.metadata(table_id))
        max_cells = int(cfg.get("maxDataCells", DEFAULT_LIMITS["maxDataCells"]))
        results = self._post_unsplit(table_id, sel, cls, variables, max_cells)
        if results is not None:
            cells = math.prod(int(n) for n in results[0][1]["doc"].get("size") or [0])
            if progress is not None:
                progress(1, 1)
        else:
            values = {var: codelist_codes(self.codelist(cid)) for var, cid in cls.items()}
            try:
                expanded = expand_selection(variables, sel, values)
            except ValueError as exc:
                raise ScbError(f"{_describe(table_id, sel, cls)}: {exc}") from exc
            chunks = plan_chunks(sel, expanded, max_cells)
            cells, results = count_cells(expanded), []
            for i, chunk in enumerate(chunks):
                results.extend(self._post_chunk(table_id, chunk, cls))
                if progress is not None:
                    progress(i + 1, len(chunks))
        docs = [r[1]["doc"] for r in results]
        frame = _assemble([parse_jsonstat2(d) for d in docs])
        manifest = {
            "table": table_id,
            "selection": sel,
            "codelists": cls,
            "lang": self.lang,
            "cells": cells,
            "max_cells": max_cells,
            "table_updated": docs[0].get("updated"),
            "chunks": [{k: v for k, v in r[1].items() if k != "doc"} for r in results],
        }
        self._put_manifest(
            key, manifest, table_id=table_id, table_updated=manifest["table_updated"], chunks=len(results)
        )
        return frame

    def _post_unsplit(
        self, table_id: str, sel: dict[str, list[str]], cls: dict[str, str], variables: Mapping[str, VariableInfo],
        max_cells: int,
    ) -> list[tuple[Chunk, dict]] | None:  # fmt: skip
        """The selection sent whole without reading its codelists (:func:`whole_chunk`), or None: when it cannot
        be counted so or does not fit, or SCB refused it as too many cells (the count was low); the caller then
        reads the codelists and splits on their codes."""
        chunk = whole_chunk(variables, sel, cls, max_cells)
        if chunk is None:
            return None
        try:
            return self._post_chunk(table_id, chunk, cls, resplit=False)
        except ScbError as exc:
            if _too_many_cells(exc):
                return None
            raise

    def _assemble_manifest(self, manifest: Mapping[str, Any]) -> pd.DataFrame:
        def part(_: int, chunk: Mapping[str, Any]) -> str:
            selection = json.dumps(chunk["selection"], ensure_ascii=False)
            return f"a part of table {manifest['table']} (selection {selection})"

        return _assemble([parse_jsonstat2(b) for b in self._stored_parts(manifest["chunks"], part)])


def _assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk frames into the frame one unsplit call would give (row-major ``id`` order)."""
    if len(frames) == 1:
        return frames[0]
    dims = list(frames[0].attrs["dimension_labels"])
    # Without attrs (pandas deep-copies them, Region labels and all, on every column access and take).
    frame = pd.concat([pd.DataFrame(f, copy=False) for f in frames], ignore_index=True)
    keys = []
    for var in dims:
        col = frame[var]
        if var == "Region" and "region_version" in frame:
            col = col + "_" + frame["region_version"].fillna("").astype(str)
        # codes in order of first appearance across chunks = server order, chunks being contiguous blocks
        keys.append(pd.factorize(col)[0])
    idx = np.lexsort(keys[::-1])
    frame = frame.iloc[idx].reset_index(drop=True)
    attrs = dict(frames[0].attrs)
    labels: dict[str, dict[str, str]] = {}
    for f in frames:
        for var, mapping in f.attrs["category_labels"].items():
            labels.setdefault(var, {}).update(mapping)
    attrs["category_labels"] = labels
    frame.attrs = attrs
    return frame
