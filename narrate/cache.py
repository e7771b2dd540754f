"""A content-addressed cache of rendered audio: each entry is named by the hash of everything
that shapes its sound, so an edit misses the cache exactly where the sound changes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Final

from .errors import NarrateError

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR: Final = ".narrate-cache"
# Bumped whenever the rendering changes in a way the keys do not capture.
CACHE_FORMAT: Final = 1
MAGIC: Final = b"NRC1"
DIGEST_SIZE: Final = 32
# Cache folders this process has already warned it cannot write to: a full disk says so once,
# not once per turn.
_unwritable: set[Path] = set()


def make_key(*parts: Any) -> str:
    """A stable hash of JSON-able parts (dicts are hashed with sorted keys)."""
    blob = json.dumps([CACHE_FORMAT, *parts], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    """Entries under root/<kind>/<key[:2]>/<key>; a None root is a cache that keeps nothing.

    Each entry carries a digest of its payload: a truncated or corrupt entry (a crash, a full
    disk, a hand edit) is detected on read, removed, and rendered again.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        if self.root is None:
            return None
        path = self._path(kind, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read cache entry %s (%s); rendering it again", path, exc)
            return None
        payload = blob[len(MAGIC) + DIGEST_SIZE :]
        digest = blob[len(MAGIC) : len(MAGIC) + DIGEST_SIZE]
        if blob[: len(MAGIC)] != MAGIC or hashlib.blake2b(payload, digest_size=DIGEST_SIZE).digest() != digest:
            log.warning("cache entry %s is corrupt; rendering it again", path)
            path.unlink(missing_ok=True)
            return None
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store an entry atomically: a reader sees the whole entry or none (write, then rename)."""
        if self.root is None:
            return
        path = self._path(kind, key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + hashlib.blake2b(payload, digest_size=DIGEST_SIZE).digest() + payload)
            os.replace(tmp, path)
        except OSError as exc:
            # A cache that cannot be written costs speed, never the build.
            if self.root not in _unwritable:
                _unwritable.add(self.root)
                log.warning("cannot write to the cache %s (%s); going on without it", self.root, exc.strerror or exc)
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def clear(self) -> int:
        """Remove every entry; return the bytes freed."""
        if self.root is None or not self.root.exists():
            return 0
        try:
            size = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
            shutil.rmtree(self.root)
        except OSError as exc:
            raise NarrateError(
                f"{exc.filename or self.root}: cannot clear the cache ({exc.strerror or exc}); "
                f"make {self.root} writable, or delete it by hand"
            ) from None
        return size
