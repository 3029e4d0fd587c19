"""Where packages and builds are kept: one interface (``BlobStore``), two backends (a local
directory, the default, and an S3-compatible object store), chosen from the settings by
``open_blob_store``. Compatibility reports live in the database, not here."""

from minirelease.storage.blobs import BlobStore, blob_key
from minirelease.storage.factory import StorageConfigError, open_blob_store

__all__ = ["BlobStore", "StorageConfigError", "blob_key", "open_blob_store"]
