"""Fixtures of the storage tests: moto's S3 server (one process per test process), a
bucket of each test's own, and a store of each backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from minirelease.config import Settings
from minirelease.storage import BlobStore, open_blob_store
from tests.storage.moto import AWS_ENV, moto_server, new_bucket


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard AWS variables, as a deployment sets them; nothing from the machine."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)


@dataclass
class S3Place:
    endpoint: str
    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@pytest.fixture
def s3(s3_endpoint: str, aws_env: None) -> S3Place:
    return S3Place(s3_endpoint, new_bucket(s3_endpoint), "minirelease/blobs")


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def store_settings(backend: str, data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings whose blob store is ``backend`` (a fresh bucket for S3)."""
    if backend == "local":
        return Settings(data_dir=data_dir, database_url="sqlite://")
    place: S3Place = request.getfixturevalue("s3")
    return Settings(
        data_dir=data_dir,
        database_url="sqlite://",
        storage_url=place.url,
        s3_endpoint_url=place.endpoint,
    )


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> BlobStore:
    return open_blob_store(store_settings(backend, tmp_path / "data", request))
