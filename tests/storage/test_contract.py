"""The blob store contract, the same on both backends (a local directory, and moto's S3
server as a real process): put once by digest into the private key space, stream back,
size, exists, delete, a local file for tools; publishing copies to the public key space
and nothing else goes there; blobs of earlier versions (legacy keys) still read; bounded
memory both ways; exactly one creator among concurrent puts, also of multipart uploads;
and its part in an upload's unit of work."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.miniprograms.versions import upload_version
from minirelease.packages.receive import receive_file
from minirelease.packages.rules import UploadLimits
from minirelease.storage import (
    BlobStore,
    legacy_key,
    open_blob_store,
    private_key,
    public_key,
)
from minirelease.storage.local import LocalBlobStore
from minirelease.storage.s3 import S3BlobStore
from minirelease.uow import UnitOfWork
from tests.factories import Factory
from tests.packages.zips import project, zip_bytes
from tests.storage.conftest import store_settings
from tests.storage.moto import inspect_client, keys

MiB = 1024 * 1024
CONTENT = b"a package's bytes"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


def _file(directory: Path, content: bytes = CONTENT) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "incoming.zip"
    path.write_bytes(content)
    return path


def _big_file(directory: Path, size: int) -> tuple[Path, str]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "big.zip"
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for _ in range(size // MiB):
            block = os.urandom(MiB)
            digest.update(block)
            f.write(block)
    return path, digest.hexdigest()


def _read_all(store: BlobStore, sha256: str) -> bytes:
    with store.open(sha256) as f:
        return f.read()


def _stored_keys(store: BlobStore) -> list[str]:
    """What the store holds, read around it: files under the directory, or the bucket's
    objects and open multipart uploads."""
    if isinstance(store, LocalBlobStore):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert isinstance(store, S3BlobStore)
    endpoint = store.client.meta.endpoint_url
    return [k.removeprefix(f"{store.prefix}/") for k in keys(endpoint, store.bucket)]


def test_put_stores_once_under_the_digest(store: BlobStore, tmp_path: Path) -> None:
    source = _file(tmp_path / "tmp")
    assert not store.exists(DIGEST)
    assert store.put(source, DIGEST) is True
    assert _stored_keys(store) == [private_key(DIGEST)]
    assert source.read_bytes() == CONTENT, "the source belongs to the caller"
    assert store.put(_file(tmp_path / "again", b"other bytes, same name"), DIGEST) is False
    assert store.exists(DIGEST)
    assert store.size(DIGEST) == len(CONTENT)
    assert _read_all(store, DIGEST) == CONTENT
    store.delete(DIGEST)
    assert not store.exists(DIGEST)
    assert _stored_keys(store) == []
    store.delete(DIGEST)  # deleting what is gone is fine


def test_missing_blobs(store: BlobStore, tmp_path: Path) -> None:
    assert not store.exists(DIGEST)
    with pytest.raises(FileNotFoundError):
        store.open(DIGEST)
    with pytest.raises(FileNotFoundError):
        store.size(DIGEST)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(FileNotFoundError), store.local_file(DIGEST, scratch):
        pass
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("digest", ["../../etc/passwd", DIGEST.upper(), DIGEST[:-1], ""])
def test_only_hex_digests_name_blobs(store: BlobStore, tmp_path: Path, digest: str) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: store.put(_file(tmp_path), digest),
        lambda: store.open(digest),
        lambda: store.exists(digest),
        lambda: store.size(digest),
        lambda: store.delete(digest),
        lambda: store.publish(digest),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()


def test_local_file_has_the_content_and_copies_go_away(store: BlobStore, tmp_path: Path) -> None:
    store.put(_file(tmp_path / "tmp"), DIGEST)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with store.local_file(DIGEST, scratch) as path:
        assert path.read_bytes() == CONTENT
    assert list(scratch.iterdir()) == []
    assert store.exists(DIGEST), "only a copy, if any, is removed"


@pytest.mark.slow
def test_large_files_go_through_with_bounded_memory(store: BlobStore, tmp_path: Path) -> None:
    """40 MiB in (on S3 as a multipart upload of 8 MiB parts, the ETag says so) and back
    out, streamed and as a local file, while Python's allocations stay under 16 MiB."""
    source, digest = _big_file(tmp_path / "tmp", 40 * MiB)
    tracemalloc.start()
    try:
        assert store.put(source, digest) is True
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        streamed = hashlib.sha256()
        with store.open(digest) as f:
            while block := f.read(256 * 1024):
                streamed.update(block)
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        with store.local_file(digest, scratch) as path, path.open("rb") as f:
            copied = hashlib.file_digest(f, "sha256").hexdigest()
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (streamed.hexdigest(), copied) == (digest, digest)
    assert store.size(digest) == 40 * MiB
    assert put_peak < 16 * MiB and read_peak < 16 * MiB, (put_peak, read_peak)
    if isinstance(store, S3BlobStore):
        head = inspect_client(store.client.meta.endpoint_url).head_object(
            Bucket=store.bucket, Key=store.key(private_key(digest))
        )
        assert head["ETag"].strip('"').endswith("-5"), head["ETag"]


@pytest.mark.parametrize("size", [len(CONTENT), 20 * MiB], ids=["one-request", "multipart"])
def test_puts_that_raced_past_the_existence_check_create_the_blob_once(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Puts that all found no blob before any of them wrote it: the write itself decides
    (a hard link; on S3 a conditional PutObject or CompleteMultipartUpload), exactly one
    creates the blob, and a losing multipart upload is aborted, leaving no part behind.
    (Run one after the other: moto's own check of the condition is not atomic.)"""
    if size == len(CONTENT):
        source, digest = _file(tmp_path / "tmp"), DIGEST
    else:
        source, digest = _big_file(tmp_path / "tmp", size)
    monkeypatch.setattr(store, "exists", lambda sha256: False)
    assert [store.put(source, digest) for _ in range(3)] == [True, False, False]
    monkeypatch.undo()
    assert _stored_keys(store) == [private_key(digest)]
    assert store.size(digest) == size


def _published_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, base: str
) -> BlobStore:
    settings = store_settings(backend, tmp_path / "data", request)
    return open_blob_store(settings.model_copy(update={"package_base_url": base}))


def test_without_a_public_base_url_nothing_is_published(store: BlobStore, tmp_path: Path) -> None:
    store.put(_file(tmp_path / "tmp"), DIGEST)
    assert store.publish(DIGEST) is None
    assert _stored_keys(store) == [private_key(DIGEST)]


@pytest.mark.parametrize(
    "base", ["https://cdn.example.com/packages", "https://cdn.example.com/packages/"]
)
def test_publish_copies_to_the_public_space_and_joins_the_base_and_the_key(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, base: str
) -> None:
    store = _published_store(backend, tmp_path, request, base)
    with pytest.raises(FileNotFoundError):
        store.publish(DIGEST)
    assert _stored_keys(store) == []

    store.put(_file(tmp_path / "tmp"), DIGEST)
    assert _stored_keys(store) == [private_key(DIGEST)], "put stores privately, whatever the base"
    prefix = "" if backend == "local" else "minirelease/blobs/"
    url = f"https://cdn.example.com/packages/{prefix}{public_key(DIGEST)}"
    assert store.publish(DIGEST) == url
    assert store.publish(DIGEST) == url, "publishing again is fine"
    another_process = _published_store(backend, tmp_path, request, base)
    assert another_process.publish(DIGEST) == url
    assert _stored_keys(store) == sorted([private_key(DIGEST), public_key(DIGEST)])
    assert _public_bytes(store, DIGEST) == CONTENT

    store.delete(DIGEST)  # e.g. the same bytes uploaded again, then rolled back
    assert _stored_keys(store) == [public_key(DIGEST)], "a served build stays public"


def _public_bytes(store: BlobStore, sha256: str) -> bytes:
    """The public copy, read around the store (and, on S3, the headers a CDN passes on)."""
    if isinstance(store, LocalBlobStore):
        return (store.root / public_key(sha256)).read_bytes()
    assert isinstance(store, S3BlobStore)
    got = inspect_client(store.client.meta.endpoint_url).get_object(
        Bucket=store.bucket, Key=store.key(public_key(sha256))
    )
    assert got["ContentType"] == "application/zip"
    assert got["CacheControl"] == "public, max-age=31536000, immutable"
    return bytes(got["Body"].read())


def _put_legacy(store: BlobStore, sha256: str, content: bytes) -> None:
    """A blob as an earlier version stored it, under ``sha256/ab/cdef…``."""
    if isinstance(store, LocalBlobStore):
        path = store.root / legacy_key(sha256)
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        path.chmod(0o444)
        return
    assert isinstance(store, S3BlobStore)
    inspect_client(store.client.meta.endpoint_url).put_object(
        Bucket=store.bucket, Key=store.key(legacy_key(sha256)), Body=content
    )


def test_blobs_under_legacy_keys_still_read(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _published_store(backend, tmp_path, request, "https://cdn.example.com")
    _put_legacy(store, DIGEST, CONTENT)
    assert store.exists(DIGEST)
    assert store.size(DIGEST) == len(CONTENT)
    assert _read_all(store, DIGEST) == CONTENT
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with store.local_file(DIGEST, scratch) as path:
        assert path.read_bytes() == CONTENT
    assert list(scratch.iterdir()) == []
    assert store.put(_file(tmp_path / "tmp"), DIGEST) is False, "no second copy"

    assert store.publish(DIGEST) is not None, "a served legacy build is published"
    assert _public_bytes(store, DIGEST) == CONTENT
    store.delete(DIGEST)  # only what put created goes: put created nothing here
    assert _stored_keys(store) == sorted([legacy_key(DIGEST), public_key(DIGEST)])
    assert _read_all(store, DIGEST) == CONTENT


# An upload's unit of work -----------------------------------------------------------------


def _abandoned_upload(
    session_factory: sessionmaker[Any],
    settings: Settings,
    factory: Factory,
    store: BlobStore,
    package: bytes,
) -> str:
    """Run the upload use case in a unit of work that fails before commit."""
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    source = _file(settings.data_dir / "incoming", package)
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
            store=store,
            on_rollback=uow.on_rollback,
        )
        assert store.exists(upload.sha256)
        raise RuntimeError("the transaction fails after the blob was stored")
    upload.discard()
    return upload.sha256


def test_blob_created_by_an_upload_that_does_not_commit_is_removed(
    session_factory: sessionmaker[Any], settings: Settings, factory: Factory, store: BlobStore
) -> None:
    _abandoned_upload(session_factory, settings, factory, store, zip_bytes(project()))
    assert _stored_keys(store) == []


def test_blob_that_already_existed_survives_an_upload_that_does_not_commit(
    session_factory: sessionmaker[Any], settings: Settings, factory: Factory, store: BlobStore
) -> None:
    package = zip_bytes(project())
    digest = hashlib.sha256(package).hexdigest()
    assert store.put(_file(settings.data_dir / "earlier", package), digest)
    assert _abandoned_upload(session_factory, settings, factory, store, package) == digest
    assert _read_all(store, digest) == package
