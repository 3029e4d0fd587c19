"""Content-addressed blob store: each file lives at ``sha256/ab/cdef…`` (its digest, split
after two characters) under the blob directory, written once and never changed. Identical
uploads share one blob, so a blob is only ever deleted by the upload that created it."""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

_DIGEST = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    def __init__(self, blob_dir: Path) -> None:
        self.root = blob_dir / "sha256"

    def path(self, sha256: str) -> Path:
        if not _DIGEST.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def put(self, source: Path, sha256: str) -> bool:
        """Make ``source``'s content (whose digest the caller computed while receiving it)
        the blob ``sha256``; return whether this call created it. A hard link is atomic and
        exclusive, so of two concurrent puts exactly one creates the blob, and readers never
        see a partial file. ``source`` is left in place for its owner to remove."""
        target = self.path(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_or_copy(source, target)
        except FileExistsError:
            return False
        target.chmod(0o444)
        _fsync_directory(target.parent)
        return True

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP):
            raise
        # The blob directory is on another file system (or one without hard links): copy
        # beside the target first, then link that copy into place, still atomically.
        fd, staged = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            os.link(staged, target)
        finally:
            os.unlink(staged)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
