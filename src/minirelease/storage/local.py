"""Blobs in a local directory (the default): each file at ``<root>/private/sha256/ab/cdef…``,
read-only once written, and served builds also at ``<root>/public/sha256/ab/cdef…`` (a hard
link to the same file) for a web server to offer under the public base URL. A hard link
puts a file in place atomically and exclusively; the directory entry is fsynced. Files of
earlier versions, at ``<root>/sha256/ab/cdef…``, are still read."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from minirelease.storage.blobs import join_url, legacy_key, private_key, public_key


class LocalBlobStore:
    def __init__(self, root: Path, *, public_base_url: str | None = None) -> None:
        self.root = root
        self._public_base_url = public_base_url

    def path(self, sha256: str) -> Path:
        """Where ``put`` stores the blob."""
        return self.root / private_key(sha256)

    def _found(self, sha256: str) -> Path:
        """The blob's file: the private one, else one an earlier version stored."""
        path = self.path(sha256)
        if path.is_file():
            return path
        legacy = self.root / legacy_key(sha256)
        if legacy.is_file():
            return legacy
        raise FileNotFoundError(f"no blob {sha256}")

    def exists(self, sha256: str) -> bool:
        try:
            self._found(sha256)
        except FileNotFoundError:
            return False
        return True

    def open(self, sha256: str) -> BinaryIO:
        return self._found(sha256).open("rb")

    def size(self, sha256: str) -> int:
        return self._found(sha256).stat().st_size

    def put(self, source: Path, sha256: str) -> bool:
        """Of two concurrent puts exactly one links the blob into place (a hard link is
        atomic and exclusive), so readers never see a partial file."""
        return not self.exists(sha256) and _place(source, self.path(sha256))

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def publish(self, sha256: str) -> str | None:
        """A hard link from the public space to the blob: no second copy of the bytes."""
        key = public_key(sha256)
        if self._public_base_url is None:
            return None
        target = self.root / key
        if not target.is_file():
            _place(self._found(sha256), target)
        return join_url(self._public_base_url, key)

    @contextmanager
    def local_file(self, sha256: str, scratch: Path) -> Iterator[Path]:
        """The blob itself: it never changes, so no copy is needed."""
        yield self._found(sha256)

    def describe(self) -> str:
        return f"local directory {self.root}"


def _place(source: Path, target: Path) -> bool:
    """Put ``source``'s content at ``target``, read-only, unless something is there
    already; return whether this call put it there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _link_or_copy(source, target)
    except FileExistsError:
        return False
    target.chmod(0o444)
    _fsync_directory(target.parent)
    return True


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
