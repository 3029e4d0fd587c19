"""The content-addressed blob store, and its part in an upload's unit of work: a blob an
upload created goes away when the upload does not commit; a shared one never does."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.miniprograms.versions import upload_version
from minirelease.packages.receive import receive_file
from minirelease.packages.rules import UploadLimits
from minirelease.packages.storage import BlobStore
from minirelease.uow import UnitOfWork
from tests.factories import Factory
from tests.packages.zips import project, zip_bytes

CONTENT = b"a package's bytes"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


def _source(directory: Path, content: bytes = CONTENT) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "incoming.zip"
    path.write_bytes(content)
    return path


def test_put_stores_once_under_the_digest(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    source = _source(tmp_path / "tmp")
    assert store.put(source, DIGEST) is True
    blob = tmp_path / "blobs" / "sha256" / DIGEST[:2] / DIGEST[2:]
    assert store.path(DIGEST) == blob
    assert blob.read_bytes() == CONTENT
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert source.exists(), "the source belongs to the caller"
    assert store.put(_source(tmp_path / "again"), DIGEST) is False
    assert store.exists(DIGEST)
    with store.open(DIGEST) as f:
        assert f.read() == CONTENT
    store.delete(DIGEST)
    assert not store.exists(DIGEST)
    store.delete(DIGEST)  # deleting what is gone is fine


@pytest.mark.parametrize("digest", ["../../etc/passwd", DIGEST.upper(), DIGEST[:-1], ""])
def test_only_hex_digests_name_blobs(tmp_path: Path, digest: str) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path(digest)


def test_concurrent_puts_create_the_blob_exactly_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
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


def test_put_across_file_systems_copies(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the temp directory")
    source = shm / f"minirelease-test-{os.getpid()}.zip"
    source.write_bytes(CONTENT)
    try:
        store = BlobStore(tmp_path / "blobs")
        assert store.put(source, DIGEST) is True
        assert store.path(DIGEST).read_bytes() == CONTENT
        assert [p.name for p in store.path(DIGEST).parent.iterdir()] == [DIGEST[2:]]
    finally:
        source.unlink()


def _abandoned_upload(
    session_factory: sessionmaker[Any], settings: Settings, factory: Factory, package: bytes
) -> str:
    """Run the upload use case in a unit of work that fails before commit."""
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    source = _source(settings.data_dir / "incoming", package)
    upload = receive_file(
        source, tmp_dir=settings.tmp_dir, max_bytes=1 << 20, fields={"version": "1.0.0"}
    )
    with pytest.raises(RuntimeError), UnitOfWork(session_factory) as uow:
        upload_version(
            uow.session,
            Principal(user_id=owner.id, email=owner.email),
            mini_program_id=mp.id,
            upload=upload,
            limits=UploadLimits(),
            store=BlobStore(settings.blob_dir),
            on_rollback=uow.on_rollback,
        )
        raise RuntimeError("the transaction fails after the blob was stored")
    upload.discard()
    return upload.sha256


def test_blob_created_by_an_upload_that_does_not_commit_is_removed(
    session_factory: sessionmaker[Any], settings: Settings, factory: Factory
) -> None:
    digest = _abandoned_upload(session_factory, settings, factory, zip_bytes(project()))
    assert not BlobStore(settings.blob_dir).exists(digest)


def test_blob_that_already_existed_survives_an_upload_that_does_not_commit(
    session_factory: sessionmaker[Any], settings: Settings, factory: Factory
) -> None:
    package = zip_bytes(project())
    store = BlobStore(settings.blob_dir)
    digest = hashlib.sha256(package).hexdigest()
    assert store.put(_source(settings.data_dir / "earlier", package), digest)
    assert _abandoned_upload(session_factory, settings, factory, package) == digest
    assert store.path(digest).read_bytes() == package
