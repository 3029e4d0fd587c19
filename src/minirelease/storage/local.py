"""Blobs in a local directory (the default): each file at ``<root>/sha256/ab/cdef…``,
read-only once written. A hard link puts it in place atomically and exclusively; the
directory entry is fsynced."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from minirelease.storage.blobs import blob_key, join_url


class LocalBlobStore:
    def __init__(self, root: Path, *, public_base_url: str | None = None) -> None:
        self.root = root
        self._public_base_url = public_base_url

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def put(self, source: Path, sha256: str) -> bool:
        """Of two concurrent puts exactly one links the blob into place (a hard link is
        atomic and exclusive), so readers never see a partial file."""
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

    def public_url(self, sha256: str) -> str | None:
        key = blob_key(sha256)
        return None if self._public_base_url is None else join_url(self._public_base_url, key)

    @contextmanager
    def local_file(self, sha256: str, scratch: Path) -> Iterator[Path]:
        """The blob itself: it never changes, so no copy is needed."""
        path = self.path(sha256)
        if not path.is_file():
            raise FileNotFoundError(f"no blob {sha256}")
        yield path

    def describe(self) -> str:
        return f"local directory {self.root}"


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
