"""What only the local directory backend does: where blobs are, read-only files, and a
copy when the upload's temp file is on another file system."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from minirelease.storage.local import LocalBlobStore

CONTENT = b"a package's bytes"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


def test_blobs_are_read_only_files_under_the_digest(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "incoming.zip"
    source.write_bytes(CONTENT)
    assert store.put(source, DIGEST) is True
    blob = tmp_path / "blobs" / "private" / "sha256" / DIGEST[:2] / DIGEST[2:]
    assert store.path(DIGEST) == blob
    assert blob.read_bytes() == CONTENT
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with store.local_file(DIGEST, tmp_path) as path:
        assert path == blob, "a blob never changes: tools read it in place"


def test_put_across_file_systems_copies(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the temp directory")
    source = shm / f"minirelease-test-{os.getpid()}.zip"
    source.write_bytes(CONTENT)
    try:
        store = LocalBlobStore(tmp_path / "blobs")
        assert store.put(source, DIGEST) is True
        assert store.path(DIGEST).read_bytes() == CONTENT
        assert [p.name for p in store.path(DIGEST).parent.iterdir()] == [DIGEST[2:]]
    finally:
        source.unlink()


def _source(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "incoming.zip"
    path.write_bytes(CONTENT)
    return path


def test_concurrent_puts_create_the_blob_exactly_once(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sources = [_source(tmp_path / f"tmp{i}") for i in range(8)]
    results: list[bool] = []
    barrier = threading.Barrier(len(sources))

    def put(source: Path) -> None:
        barrier.wait()
        results.append(store.put(source, DIGEST))

    threads = [threading.Thread(target=put, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.path(DIGEST).read_bytes() == CONTENT
