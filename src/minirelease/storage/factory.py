"""The blob store the settings ask for: ``MINIRELEASE_STORAGE_URL`` unset (the data
directory's ``blobs/``), ``file:///absolute/dir`` or ``s3://bucket/prefix`` (with
``MINIRELEASE_S3_ENDPOINT_URL`` for a store other than AWS). boto3 is imported only when
an S3 store is asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from minirelease.config import Settings
from minirelease.storage.blobs import BlobStore
from minirelease.storage.local import LocalBlobStore

# S3's rules for bucket names (3 to 63 lowercase letters, digits, dots and hyphens).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class StorageConfigError(ValueError):
    """The storage settings do not name a usable store."""


@dataclass(frozen=True)
class StorageLocation:
    scheme: str  # "file" or "s3"
    path: Path | None = None
    bucket: str = ""
    prefix: str = ""


def parse_storage_url(url: str) -> StorageLocation:
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise StorageConfigError(f"MINIRELEASE_STORAGE_URL {url!r}: no query or fragment")
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise StorageConfigError(
                f"MINIRELEASE_STORAGE_URL {url!r}: a file URL names an absolute directory"
                " (file:///srv/minirelease/blobs)"
            )
        return StorageLocation("file", path=Path(parts.path))
    if parts.scheme == "s3":
        if not _BUCKET.fullmatch(parts.netloc):
            raise StorageConfigError(
                f"MINIRELEASE_STORAGE_URL {url!r}: s3://bucket/prefix with a valid bucket name"
            )
        return StorageLocation("s3", bucket=parts.netloc, prefix=parts.path.strip("/"))
    raise StorageConfigError(
        f"MINIRELEASE_STORAGE_URL {url!r}: expected s3://bucket/prefix or file:///directory"
    )


def open_blob_store(settings: Settings) -> BlobStore:
    base = settings.package_base_url or None
    if base is not None and urlsplit(base).scheme not in ("http", "https"):
        raise StorageConfigError(f"MINIRELEASE_PACKAGE_BASE_URL {base!r}: an http(s) URL")
    if not settings.storage_url:
        return LocalBlobStore(settings.blob_dir, public_base_url=base)
    location = parse_storage_url(settings.storage_url)
    if location.path is not None:
        return LocalBlobStore(location.path, public_base_url=base)
    from minirelease.storage.s3 import S3BlobStore, make_client

    endpoint = settings.s3_endpoint_url or None
    return S3BlobStore(
        make_client(endpoint),
        location.bucket,
        location.prefix,
        public_base_url=base,
        endpoint_url=endpoint,
    )
