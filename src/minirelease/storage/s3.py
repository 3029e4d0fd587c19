"""Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, …) through boto3: each
at ``<prefix>/private/sha256/ab/cdef…`` in one bucket, and served builds also at
``<prefix>/public/sha256/ab/cdef…`` (a server-side copy, with the headers a CDN should
pass on), the only part of the bucket that may be readable by anyone. Objects of earlier
versions, at ``<prefix>/sha256/ab/cdef…``, are still read: a read that finds no private
object tries that key (one more request, only for legacy and missing blobs).

Credentials and region come the standard AWS way (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION, AWS_PROFILE, instance
roles).

Puts go through boto3's managed transfer: one request for small files, a multipart upload
in parts of ``multipart_chunksize`` for large ones, so memory stays bounded by the parts in
flight. Every write is conditional (``If-None-Match: *``, on PutObject and on
CompleteMultipartUpload): of two concurrent puts of one digest exactly one creates the
object, and a multipart upload that loses is aborted by the transfer manager. An object
becomes visible whole or not at all."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TypeVar

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import ClientError

from minirelease.storage.blobs import join_url, legacy_key, private_key, public_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIB: Final = 1024 * 1024
READ_BUFFER_BYTES: Final = 256 * 1024
# Parts of 8 MiB, at most 4 in flight, read from the file as they are sent; a download
# queues at most 32 blocks of 256 KiB for the file being written.
DEFAULT_TRANSFER: Final = TransferConfig(
    multipart_threshold=8 * MIB,
    multipart_chunksize=8 * MIB,
    max_concurrency=4,
    max_io_queue=32,
    io_chunksize=256 * 1024,
    preferred_transfer_client="classic",
)
_MISSING: Final = frozenset({"404", "NoSuchKey", "NotFound"})
_EXISTS: Final = frozenset({"412", "PreconditionFailed"})
# A conditional write raced another one in flight for the same key: try again.
_CONFLICT: Final = frozenset({"409", "ConditionalRequestConflict"})
_PUT_ATTEMPTS: Final = 5
# What a CDN in front of the public space should send on: the bytes never change.
PUBLIC_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
# Public keys known to be in place (a copy is never removed), so that a redirect costs no
# request; bounded, as a set of every build ever served would not be.
_PUBLISHED_KEPT: Final = 10_000

T = TypeVar("T")


def make_client(endpoint_url: str | None) -> S3Client:
    """A thread-safe client; path-style addressing for a custom endpoint (which may not
    have a DNS name per bucket), the provider's default for AWS itself."""
    config = Config(
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=32,
        connect_timeout=5,
        read_timeout=60,
    )
    client: S3Client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, config=config
    )
    for operation in ("PutObject", "CompleteMultipartUpload"):
        client.meta.events.register(
            f"before-parameter-build.s3.{operation}", _only_if_absent, unique_id=operation
        )
    return client


def _only_if_absent(params: dict[str, Any], **_: Any) -> None:
    params.setdefault("IfNoneMatch", "*")


class S3BlobStore:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        *,
        public_base_url: str | None = None,
        transfer: TransferConfig = DEFAULT_TRANSFER,
        endpoint_url: str | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._public_base_url = public_base_url
        self._transfer = transfer
        self._endpoint_url = endpoint_url
        self._published: set[str] = set()

    def key(self, relative: str) -> str:
        """The object key of a key relative to the store's root (``blobs.private_key``…)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def _first_found(self, sha256: str, read: Callable[[str], T]) -> T:
        """``read`` of the private key, else of the legacy one; FileNotFoundError when
        neither is there."""
        for key in (self.key(private_key(sha256)), self.key(legacy_key(sha256))):
            try:
                return read(key)
            except ClientError as exc:
                if _code(exc) not in _MISSING:
                    raise
        raise FileNotFoundError(f"no blob {sha256}")

    def exists(self, sha256: str) -> bool:
        try:
            self._head(sha256)
        except FileNotFoundError:
            return False
        return True

    def size(self, sha256: str) -> int:
        return int(self._head(sha256)["ContentLength"])

    def _head(self, sha256: str) -> dict[str, Any]:
        return self._first_found(
            sha256, lambda key: dict(self.client.head_object(Bucket=self.bucket, Key=key))
        )

    def open(self, sha256: str) -> BinaryIO:
        got = self._first_found(
            sha256, lambda key: self.client.get_object(Bucket=self.bucket, Key=key)
        )
        return io.BufferedReader(_BodyReader(got["Body"]), buffer_size=READ_BUFFER_BYTES)

    def put(self, source: Path, sha256: str) -> bool:
        key = self.key(private_key(sha256))
        for _ in range(_PUT_ATTEMPTS):
            if self.exists(sha256):
                return False
            try:
                with create_transfer_manager(self.client, self._transfer) as manager:
                    manager.upload(str(source), self.bucket, key).result()
            except ClientError as exc:
                code = _code(exc)
                if code in _EXISTS:
                    return False
                if code not in _CONFLICT:
                    raise
                continue
            return True
        raise RuntimeError(f"could not store blob {sha256}: conflicting writes went on")

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(private_key(sha256)))

    def publish(self, sha256: str) -> str | None:
        """A server-side copy, once: copying again would only add versions to a versioned
        bucket. Two processes that copy at once write the same bytes."""
        key = self.key(public_key(sha256))
        if self._public_base_url is None:
            return None
        if key not in self._published:
            try:
                self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _code(exc) not in _MISSING:
                    raise
                self._first_found(sha256, lambda source: self._copy(source, key))
            if len(self._published) >= _PUBLISHED_KEPT:
                self._published.clear()
            self._published.add(key)
        return join_url(self._public_base_url, key)

    def _copy(self, source: str, target: str) -> None:
        # One request: packages are far below CopyObject's limit of 5 GB.
        self.client.copy_object(
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
            MetadataDirective="REPLACE",
            ContentType="application/zip",
            CacheControl=PUBLIC_CACHE_CONTROL,
        )

    @contextmanager
    def local_file(self, sha256: str, scratch: Path) -> Iterator[Path]:
        """A copy under ``scratch``, downloaded in ranged parts, removed at the end."""
        path = scratch / f"blob-{sha256[:16]}-{uuid.uuid4().hex}.zip"

        def download(key: str) -> None:
            with create_transfer_manager(self.client, self._transfer) as manager:
                manager.download(self.bucket, key, str(path)).result()

        try:
            self._first_found(sha256, download)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def describe(self) -> str:
        where = self._endpoint_url or "AWS"
        return f"s3://{self.bucket}/{self.prefix} at {where}"


class _BodyReader(io.RawIOBase):
    """A response body (botocore's StreamingBody) as a raw stream, so that callers get a
    real buffered binary file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data: bytes = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Code", ""))
