"""Where packages and builds are kept: one interface (``BlobStore``), two backends (a local
directory, the default, and an S3-compatible object store), chosen from the settings by
``open_blob_store``. Blobs are private; only served builds are copied to the public key
space (see ``blobs``). Compatibility reports live in the database, not here."""

from minirelease.storage.blobs import BlobStore, legacy_key, private_key, public_key
from minirelease.storage.factory import StorageConfigError, open_blob_store

__all__ = [
    "BlobStore",
    "StorageConfigError",
    "legacy_key",
    "open_blob_store",
    "private_key",
    "public_key",
]
