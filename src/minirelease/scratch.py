"""Temporary files of one process (uploads being received, packages being built) in a
directory of its own under the data directory's ``tmp/``: removed when the process stops
and, when it was killed half-way, by the next process that starts on the same data
directory.

A process owns its directory by an exclusive ``flock`` on the lock file inside, held for
its whole life. The kernel drops the lock however the process ends (SIGKILL and crashes
included), so a directory whose lock can be taken belongs to nobody and goes. Creating a
directory and sweeping the others happen under one lock of the whole ``tmp/``, so a
sweeper never finds a directory before its owner has locked it. (``flock`` coordinates
processes of one machine; ``tmp/`` is local scratch space, not shared storage.)"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Final

logger = logging.getLogger(__name__)

_SWEEP_LOCK: Final = ".lock"
_OWNER: Final = ".owner"
# Loose files in tmp/ come from versions before per-process directories; one that old
# belongs to no upload or build still under way.
STALE_LOOSE_SECONDS: Final = 3600


class ScratchDir:
    """``path`` is this process's directory, made (and the dead ones swept) on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._path: Path | None = None
        self._owner_fd: int | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        with self._lock:
            if self._path is None:
                self._path, self._owner_fd = _claim(self.root)
            return self._path

    def close(self) -> None:
        """Remove the directory and everything in it; a later ``path`` makes a new one."""
        with self._lock:
            path, fd = self._path, self._owner_fd
            self._path = self._owner_fd = None
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> ScratchDir:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def temporary_files(root: Path) -> list[Path]:
    """Every file under ``root`` that an upload or a build left, whoever its owner: not
    the lock files that say who owns what."""
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and path.name not in (_SWEEP_LOCK, _OWNER)
    )


def sweep(root: Path, *, loose_older_than: float = STALE_LOOSE_SECONDS) -> int:
    """Remove what dead processes left under ``root``; returns how many entries went."""
    if not root.is_dir():
        return 0
    with _sweep_lock(root):
        return _sweep_unlocked(root, loose_older_than)


def _claim(root: Path) -> tuple[Path, int]:
    root.mkdir(parents=True, exist_ok=True)
    with _sweep_lock(root):
        _sweep_unlocked(root, STALE_LOOSE_SECONDS)
        path = Path(tempfile.mkdtemp(dir=root, prefix=f"{socket.gethostname()}-{os.getpid()}-"))
        fd = os.open(path / _OWNER, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return path, fd


def _sweep_unlocked(root: Path, loose_older_than: float) -> int:
    removed = 0
    cutoff = time.time() - loose_older_than
    for entry in root.iterdir():
        if entry.name == _SWEEP_LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            if _abandoned(entry):
                shutil.rmtree(entry, ignore_errors=True)
                logger.warning("removed temporary files of a process that is gone: %s", entry)
                removed += 1
        elif entry.lstat().st_mtime < cutoff:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def _abandoned(directory: Path) -> bool:
    try:
        fd = os.open(directory / _OWNER, os.O_RDWR)
    except FileNotFoundError:
        return True  # its owner died before locking it (it was made under the sweep lock)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also drops the lock just taken
    return True


@contextlib.contextmanager
def _sweep_lock(root: Path) -> Iterator[None]:
    fd = os.open(root / _SWEEP_LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
