"""An immutable raw-response cache with provenance records.

Layout under the cache root (every name derives from hashes or our own clock, never from server text)::

    <root>/<key[:2]>/<key>/<stamp>_<sha256[:16]>.body    the response body, byte for byte
    <root>/<key[:2]>/<key>/<stamp>_<sha256[:16]>.json    provenance: URL, method, request body, status,
                                                          retrieval time (UTC), table `updated`, sha256

``key`` is :func:`cache_key` of the request's identity (endpoint + canonical parameters). The body is written
first and the provenance last, both atomically and never over an existing file, so an entry is valid only
once its provenance exists and the body's sha256 matches. A newer response gets its own pair of files;
:meth:`RawCache.latest` picks the newest.

Integrity on read. Every entry handed out has been checked: its body's sha256 equals the provenance record's.
A file changed after it was stored (or a provenance record that no longer parses) is never parsed. What
happens instead depends on ``on_corrupt``: ``"raise"`` (offline, the default) raises
:class:`CacheIntegrityError` naming the file; ``"refetch"`` (online) issues a :class:`CacheIntegrityWarning`
naming the file and answers as if the entry were absent, so the client fetches the answer again and stores
it as a new entry — the changed file is left where it is (``data/raw`` is never rewritten) and the valid
newer entry is the one read from then on.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from segindicators._io import atomic_write_bytes
from segindicators.sources.errors import SourceError


class CacheIntegrityError(SourceError, ValueError):
    """A raw cache file no longer matches its provenance record (offline: nothing else to read)."""


class CacheIntegrityWarning(UserWarning):
    """A raw cache file no longer matches its provenance record; online, the answer is fetched again."""


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces, UTF-8 kept) used for hashing.

    >>> canonical_json({"b": [2, 1], "a": "å"})
    '{"a":"å","b":[2,1]}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(endpoint: str, identity: Mapping[str, Any] | None = None) -> str:
    """sha256 hex key of an endpoint and the parameters that identify its answer.

    >>> cache_key("tables/TAB1/data", {"lang": "sv"}) == cache_key("tables/TAB1/data", {"lang": "sv"})
    True
    >>> len(cache_key("config"))
    64
    """
    payload = canonical_json({"endpoint": endpoint, "identity": dict(identity or {})})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def validate_json(body: bytes) -> None:
    """Raise ValueError unless ``body`` is complete, parseable JSON."""
    try:
        json.loads(body)
    except ValueError as exc:
        raise ValueError(f"response body is not valid JSON ({exc}); it may be truncated") from exc


_FIX = (
    "It is not parsed. Run once online to fetch the answer again (it is stored as a new entry and the "
    "changed file is kept, since data/raw is never rewritten), or restore the file from a backup."
)


@dataclass(frozen=True)
class CacheEntry:
    """One stored response: its body file and provenance record (empty when the record does not parse)."""

    key: str
    body_path: Path
    provenance: Mapping[str, Any]

    @property
    def provenance_path(self) -> Path:
        """The provenance record beside the body."""
        return self.body_path.with_suffix(".json")

    def problem(self) -> str | None:
        """Why the entry is not intact (body sha256 ≠ provenance, unreadable record or body), or None."""
        if not self.provenance:
            return f"raw cache record {self.provenance_path} is corrupt: it does not parse as a provenance record"
        try:
            data = self.body_path.read_bytes()
        except OSError as exc:
            return f"raw cache file {self.body_path} is unreadable ({exc.strerror or exc})"
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.provenance.get("sha256"):
            return (
                f"raw cache file {self.body_path} is corrupt: its sha256 {digest} differs from the one in its "
                f"provenance record {self.provenance_path.name} ({self.provenance.get('sha256')}); the file was "
                "changed after it was stored"
            )
        return None

    def read_bytes(self) -> bytes:
        """The stored body; raises :class:`CacheIntegrityError` if its sha256 no longer matches the provenance."""
        data = self.body_path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if not self.provenance or digest != self.provenance.get("sha256"):
            raise CacheIntegrityError(
                self.problem() or f"raw cache file {self.body_path} is corrupt", hint=_FIX
            )
        return data


class RawCache:
    """Store and look up raw responses by key; see the module docstring for layout and guarantees.

    Parameters
    ----------
    root
        Cache folder.
    on_corrupt
        ``"raise"``: an entry that fails its sha256 check raises :class:`CacheIntegrityError`;
        ``"refetch"``: it is reported (:class:`CacheIntegrityWarning`, :attr:`problems`) and treated as absent.
    """

    def __init__(
        self, root: str | os.PathLike[str], *, on_corrupt: Literal["raise", "refetch"] = "raise"
    ) -> None:
        if on_corrupt not in ("raise", "refetch"):
            raise ValueError(f"on_corrupt: expected 'raise' or 'refetch', got {on_corrupt!r}.")
        self.root = Path(root)
        self.on_corrupt = on_corrupt
        #: Problems reported so far (``"refetch"`` mode), one message per corrupt file.
        self.problems: list[str] = []
        self._checked: dict[tuple[str, int, int], str | None] = {}

    def _problem(self, entry: CacheEntry) -> str | None:
        """:meth:`CacheEntry.problem`, remembered per file state (path, size, mtime)."""
        try:
            st = entry.body_path.stat()
        except OSError:
            return entry.problem()
        state = (str(entry.body_path), st.st_size, st.st_mtime_ns)
        if state not in self._checked or not entry.provenance:
            self._checked[state] = entry.problem()
        return self._checked[state]

    def _corrupt(self, problem: str) -> None:
        """Raise or report a corrupt entry according to :attr:`on_corrupt`."""
        if self.on_corrupt == "raise":
            raise CacheIntegrityError(problem + ".", hint=_FIX)
        if problem not in self.problems:
            self.problems.append(problem)
            warnings.warn(
                f"{problem}. It is not parsed: the answer is fetched again and stored as a new entry.",
                CacheIntegrityWarning,
                stacklevel=3,
            )

    def _dir(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(
                f"cache key {key!r}: expected a 64-character sha256 hex digest from cache_key()."
            )
        return self.root / key[:2] / key

    def entries(self, key: str) -> list[CacheEntry]:
        """All complete entries under ``key`` (body and provenance present), oldest first, unchecked.

        A body without its provenance record (a crash between the two writes) is not an entry. A record that
        does not parse gives an entry with empty provenance (which never passes the integrity check).
        """
        folder = self._dir(key)
        if not folder.is_dir():
            return []
        out = []
        for prov_path in sorted(folder.glob("*.json")):
            body_path = prov_path.with_suffix(".body")
            if not body_path.exists():
                continue
            try:
                provenance = json.loads(prov_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                provenance = {}
            if not isinstance(provenance, dict):
                provenance = {}
            out.append(CacheEntry(key=key, body_path=body_path, provenance=provenance))
        return out

    def latest(self, key: str) -> CacheEntry | None:
        """The newest entry under ``key`` if it is intact, else None (``"refetch"``) or an error (``"raise"``)."""
        found = self.entries(key)
        if not found:
            return None
        problem = self._problem(found[-1])
        if problem is None:
            return found[-1]
        self._corrupt(problem)
        return None

    def find(self, key: str, sha256: str) -> CacheEntry | None:
        """The newest intact entry under ``key`` whose body has the given sha256, or None.

        When entries with that sha256 exist but none is intact: ``"raise"`` raises, ``"refetch"`` reports.
        """
        candidates = [e for e in self.entries(key) if e.provenance.get("sha256") == sha256]
        problems = []
        for entry in reversed(candidates):
            problem = self._problem(entry)
            if problem is None:
                return entry
            problems.append(problem)
        if problems:
            self._corrupt(problems[0])
        return None

    def verify(self) -> list[str]:
        """Check every entry under the cache root; one message per entry that is not intact.

        Also reports bodies without a provenance record and leftover temporary files (of an interrupted
        write); neither is ever read as an answer.
        """
        out: list[str] = []
        if not self.root.is_dir():
            return out
        for folder in sorted(p for p in self.root.glob("*/*") if p.is_dir()):
            for entry in self.entries(folder.name) if len(folder.name) == 64 else []:
                problem = entry.problem()
                if problem is not None:
                    out.append(problem)
            for body in sorted(folder.glob("*.body")):
                if not body.with_suffix(".json").exists():
                    out.append(f"raw cache file {body} has no provenance record (an interrupted write)")
            out += [f"temporary file {p} left by an interrupted write" for p in sorted(folder.glob(".*.tmp"))]
        return out

    def put(
        self,
        key: str,
        body: bytes,
        provenance: Mapping[str, Any],
        *,
        validate: Callable[[bytes], None] | None = validate_json,
    ) -> CacheEntry:
        """Store ``body`` with ``provenance`` (``sha256`` and ``stored_at`` are added).

        ``validate`` runs first (default: the body must parse as JSON), so an invalid or truncated body is
        never stored. A body identical to the newest entry under ``key`` is not stored again; that entry is
        returned.
        """
        if validate is not None:
            validate(body)
        digest = hashlib.sha256(body).hexdigest()
        found = self.entries(key)
        latest = found[-1] if found and self._problem(found[-1]) is None else None
        if latest is not None and latest.provenance.get("sha256") == digest:
            return latest  # unchanged answer: nothing new to store (a corrupt newest entry is not reused)
        # Otherwise a new pair of files, even if an older entry had these bytes (A → B → A stays newest-wins).
        now = datetime.now(UTC)
        stem = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}_{digest[:16]}"
        folder = self._dir(key)
        record = dict(provenance)
        record.update(
            {"sha256": digest, "bytes": len(body), "stored_at": now.isoformat().replace("+00:00", "Z")}
        )
        body_path = atomic_write_bytes(folder / f"{stem}.body", body, overwrite=False)
        atomic_write_bytes(
            folder / f"{stem}.json",
            json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
            overwrite=False,
        )
        return CacheEntry(key=key, body_path=body_path, provenance=record)
