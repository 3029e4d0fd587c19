"""The blob store interface: files named by their sha256 (uploaded packages and built
ones), written once and never changed. Identical files share one blob, so a blob is only
ever deleted by the call that created it (``put`` says whether it did)."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

_DIGEST = re.compile(r"[0-9a-f]{64}")


def blob_key(sha256: str) -> str:
    """The blob's name relative to the store's root: ``sha256/ab/cdef…`` (the digest split
    after two characters). Anything but a lowercase hex sha256 is refused."""
    if not _DIGEST.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:]}"


class BlobStore(Protocol):
    def put(self, source: Path, sha256: str) -> bool:
        """Store ``source``'s content (whose digest the caller computed while receiving it)
        as the blob ``sha256``, streamed with bounded memory; return whether this call
        created it. Of two concurrent puts of one digest at most one returns True, and
        readers never see a partial blob. ``source`` stays for its owner to remove."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The blob for streamed reading; FileNotFoundError when there is none."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """The blob's size in bytes; FileNotFoundError when there is none."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob; removing one that is gone is fine."""
        ...

    def public_url(self, sha256: str) -> str | None:
        """Where anyone may download the blob without this server (the configured public
        base URL joined with the blob's key), or None when there is no such place."""
        ...

    def local_file(self, sha256: str, scratch: Path) -> AbstractContextManager[Path]:
        """A local file with the blob's content, for tools that need a path (the builder,
        the compatibility lab), kept as long as the context lasts; a copy, if one is
        needed, goes under ``scratch``. FileNotFoundError when there is no blob."""
        ...

    def describe(self) -> str:
        """Where the blobs are, for logs and ``config check`` (no secrets)."""
        ...


def join_url(base: str, key: str) -> str:
    return f"{base.rstrip('/')}/{key}"
