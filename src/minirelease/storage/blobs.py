"""The blob store interface: files named by their sha256 (uploaded packages and built
ones), written once and never changed. Identical files share one blob, so a blob is only
ever deleted by the call that created it (``put`` says whether it did).

Two key spaces keep what may be public apart from what may not:

- ``private/sha256/ab/cdef…``: every blob as ``put`` stores it, uploaded sources and
  builds alike. Only the server reads it (and streams it to who may see it).
- ``public/sha256/ab/cdef…``: a copy of a build, made by ``publish`` the first time the
  server sends someone to the public base URL for it, that is once a release of it is
  served (pilot or later). This is the only part a bucket policy or CDN may open to
  anyone. A build is copied when it is served, not stored there when it is built: until
  then it is a pre-release that only its team and reviewers may fetch.

Blobs written by earlier versions, under ``sha256/ab/cdef…`` (the legacy key), are still
read: a read that finds no private blob looks there. New blobs never go there."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

_DIGEST = re.compile(r"[0-9a-f]{64}")

PRIVATE = "private"
PUBLIC = "public"


def legacy_key(sha256: str) -> str:
    """The key of earlier versions, in one space for every blob: ``sha256/ab/cdef…`` (the
    digest split after two characters). Anything but a lowercase hex sha256 is refused."""
    if not _DIGEST.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:]}"


def private_key(sha256: str) -> str:
    """Where ``put`` stores a blob, relative to the store's root: never public."""
    return f"{PRIVATE}/{legacy_key(sha256)}"


def public_key(sha256: str) -> str:
    """Where ``publish`` copies a served build, relative to the store's root."""
    return f"{PUBLIC}/{legacy_key(sha256)}"


class BlobStore(Protocol):
    def put(self, source: Path, sha256: str) -> bool:
        """Store ``source``'s content (whose digest the caller computed while receiving it)
        as the private blob ``sha256``, streamed with bounded memory; return whether this
        call created it (False also when a legacy blob has that digest). Of two concurrent
        puts of one digest at most one returns True, and readers never see a partial
        blob. ``source`` stays for its owner to remove."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The blob for streamed reading; FileNotFoundError when there is none."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """The blob's size in bytes; FileNotFoundError when there is none."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob ``put`` created; removing one that is gone is fine. A public
        copy (of a served build with the same bytes) and a legacy blob stay: this call
        did not create them."""
        ...

    def publish(self, sha256: str) -> str | None:
        """Where anyone may download the blob without this server: the configured public
        base URL joined with its public key, after copying the blob there if it is not
        yet (FileNotFoundError when there is no blob). None, and nothing copied, when
        there is no public base URL. Only for served builds: a copy is public for good."""
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
