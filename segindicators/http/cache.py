"""An immutable raw-response cache with provenance records.

Layout under the cache root (every name derives from hashes or our own clock, never from server text)::

    <root>/<key[:2]>/<key>/<stamp>_<sha256[:16]>.body    the response body, byte for byte
    <root>/<key[:2]>/<key>/<stamp>_<sha256[:16]>.json    provenance: URL, method, request body, status,
                                                          retrieval time (UTC), table `updated`, sha256

``key`` is :func:`cache_key` of the request's identity (endpoint + canonical parameters). The body is written
first and the provenance last, both atomically and never over an existing file, so an entry is valid only
once its provenance exists and the body's sha256 matches. A newer response gets its own pair of files;
:meth:`RawCache.latest` picks the newest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segindicators._io import atomic_write_bytes


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


@dataclass(frozen=True)
class CacheEntry:
    """One stored response: its body file and provenance record."""

    key: str
    body_path: Path
    provenance: Mapping[str, Any]

    def read_bytes(self) -> bytes:
        """The stored body; raises if its sha256 no longer matches the provenance."""
        data = self.body_path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.provenance.get("sha256"):
            raise ValueError(
                f"cache file {self.body_path} is corrupt: sha256 {digest} differs from its provenance "
                f"{self.provenance.get('sha256')}; delete the entry and fetch again."
            )
        return data


class RawCache:
    """Store and look up raw responses by key; see the module docstring for layout and guarantees."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _dir(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(
                f"cache key {key!r}: expected a 64-character sha256 hex digest from cache_key()."
            )
        return self.root / key[:2] / key

    def entries(self, key: str) -> list[CacheEntry]:
        """All valid entries under ``key``, oldest first (entries without a provenance are skipped)."""
        folder = self._dir(key)
        if not folder.is_dir():
            return []
        out = []
        for prov_path in sorted(folder.glob("*.json")):
            body_path = prov_path.with_suffix(".body")
            if not body_path.exists():
                continue
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
            out.append(CacheEntry(key=key, body_path=body_path, provenance=provenance))
        return out

    def latest(self, key: str) -> CacheEntry | None:
        """The newest valid entry under ``key`` or None."""
        found = self.entries(key)
        return found[-1] if found else None

    def find(self, key: str, sha256: str) -> CacheEntry | None:
        """The entry under ``key`` whose body has the given sha256, or None."""
        for entry in self.entries(key):
            if entry.provenance.get("sha256") == sha256:
                return entry
        return None

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
        latest = self.latest(key)
        if latest is not None and latest.provenance.get("sha256") == digest:
            return latest  # unchanged answer: nothing new to store
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
