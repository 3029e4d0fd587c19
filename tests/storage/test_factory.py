"""Which store the settings make, and the settings refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from minirelease.config import Settings, SettingsError, load_settings
from minirelease.storage import open_blob_store, public_key
from minirelease.storage.local import LocalBlobStore
from minirelease.storage.s3 import S3BlobStore


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"MINIRELEASE_DATA_DIR": str(tmp_path), **env})


def test_the_default_is_the_data_directory(tmp_path: Path) -> None:
    store = open_blob_store(_settings(tmp_path))
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "blobs"


def test_a_file_url_names_another_directory(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    store = open_blob_store(_settings(tmp_path, MINIRELEASE_STORAGE_URL=f"file://{shared}"))
    assert isinstance(store, LocalBlobStore) and store.root == shared


def test_an_s3_url_names_bucket_prefix_and_endpoint(tmp_path: Path, aws_env: None) -> None:
    store = open_blob_store(
        _settings(
            tmp_path,
            MINIRELEASE_STORAGE_URL="s3://releases-bucket/prod/packages/",
            MINIRELEASE_S3_ENDPOINT_URL="http://127.0.0.1:9000",
            MINIRELEASE_PACKAGE_BASE_URL="https://cdn.example.com",
        )
    )
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("releases-bucket", "prod/packages")
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert store.client.meta.region_name == "us-east-1"  # AWS_DEFAULT_REGION
    assert store.describe() == "s3://releases-bucket/prod/packages at http://127.0.0.1:9000"
    assert store.key(public_key("ab" * 32)) == f"prod/packages/public/sha256/ab/{'ab' * 31}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MINIRELEASE_STORAGE_URL", "s3://"),
        ("MINIRELEASE_STORAGE_URL", "s3://Bad_Bucket/x"),
        ("MINIRELEASE_STORAGE_URL", "gs://bucket/x"),
        ("MINIRELEASE_STORAGE_URL", "file://relative/dir"),
        ("MINIRELEASE_STORAGE_URL", "s3://bucket/x?versioning=1"),
        ("MINIRELEASE_PACKAGE_BASE_URL", "cdn.example.com/packages"),
    ],
)
def test_unusable_settings_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):  # when read, before any store is opened
        _settings(tmp_path, **{name: value})
