"""The API on the S3 backend (moto's server, a real process): a version uploaded, built,
tested, released and downloaded keeps every byte in the bucket and none on local disk;
refused uploads leave nothing in the bucket; with a public base URL, public packages
answer with a redirect to their copy in the public key space, the redirect leads to the
package's bytes, and nothing else (no uploaded source, no build not served) is there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.scratch import temporary_files
from minirelease.storage import private_key, public_key
from tests.engines import SHARED_LAB
from tests.factories import Factory
from tests.miniprograms.test_versions_api import upload
from tests.packages.hostile import CASES
from tests.packages.zips import project, zip_bytes
from tests.releases.flow import API, Scenario, built, problem, released, scenario
from tests.storage.conftest import S3Place, store_settings
from tests.storage.moto import inspect_client, keys, public_read


@pytest.fixture
def s3_settings(tmp_path: Path, engine: Engine, s3: S3Place) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=str(engine.url),
        storage_url=s3.url,
        s3_endpoint_url=s3.endpoint,
    )


def _serving(settings: Settings, session_factory: sessionmaker[Any]) -> Iterator[Scenario]:
    app = create_app(settings, session_factory=session_factory, run_jobs=False, lab=SHARED_LAB)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield scenario(client, Factory(session_factory, settings))


@pytest.fixture
def on_s3(s3_settings: Settings, session_factory: sessionmaker[Any]) -> Iterator[Scenario]:
    yield from _serving(s3_settings, session_factory)


def _local_files(settings: Settings) -> list[Path]:
    blobs = [p for p in settings.blob_dir.rglob("*") if p.is_file()]
    return blobs + temporary_files(settings.tmp_dir)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_release_from_upload_to_download_keeps_its_packages_in_the_bucket(
    on_s3: Scenario, s3: S3Place, s3_settings: Settings
) -> None:
    s = on_s3
    release_id = released(s, "1.0.0")  # upload, build, compatibility run, review, release
    build = s.ok("GET", f"/releases/{release_id}")["build"]
    source = s.ok("GET", f"/mini-programs/{s.mini_program_id}/versions/1.0.0")["package"]

    launched = s.launch("user-1").json()["package"]
    assert launched["sha256"] == build["sha256"]
    package = s.client.get(launched["url"], follow_redirects=False)
    assert package.status_code == 200, package.text
    assert _sha256(package.content) == build["sha256"]
    assert int(package.headers["content-length"]) == build["size"] == len(package.content)
    assert package.headers["cache-control"] == "public, max-age=31536000, immutable"
    downloaded = s.call("GET", f"/mini-programs/{s.mini_program_id}/versions/1.0.0/package")
    assert downloaded.status_code == 200 and _sha256(downloaded.content) == source["sha256"]
    assert int(downloaded.headers["content-length"]) == source["size"]

    assert keys(s3.endpoint, s3.bucket) == sorted(
        f"{s3.prefix}/{private_key(sha256)}" for sha256 in (source["sha256"], build["sha256"])
    )
    assert _local_files(s3_settings) == [], "no package, build or copy stays on local disk"


def test_refused_uploads_leave_nothing_in_the_bucket(on_s3: Scenario, s3: S3Place) -> None:
    s = on_s3
    headers = s.developer.headers
    for case in CASES[:8]:
        refused = upload(s.client, s.mini_program_id, case.build(), headers)
        problem(refused, 422, "package_invalid")
    too_large = upload(s.client, s.mini_program_id, bytes(20 * 1024 * 1024 + 1), headers)
    assert problem(too_large, 422, "package_invalid")["rule"] == "upload-too-large"
    problem(
        upload(s.client, s.mini_program_id, zip_bytes(project()), headers, version="x"),
        422,
        "validation_error",
    )
    assert keys(s3.endpoint, s3.bucket) == []

    s.upload("1.0.0")
    accepted = keys(s3.endpoint, s3.bucket)
    assert len(accepted) == 1
    other = zip_bytes(project(extra={"assets/other.txt": b"other bytes"}))
    problem(upload(s.client, s.mini_program_id, other, headers, version="1.0.0"), 409, "conflict")
    assert keys(s3.endpoint, s3.bucket) == accepted


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_public_packages_redirect_to_the_public_base_url(
    backend: str,
    tmp_path: Path,
    engine: Engine,
    session_factory: sessionmaker[Any],
    request: pytest.FixtureRequest,
) -> None:
    settings = store_settings(backend, tmp_path / "data", request).model_copy(
        update={"database_url": str(engine.url)}
    )
    if backend == "s3":
        place: S3Place = request.getfixturevalue("s3")
        # The bucket itself as the public base (path-style), its blobs readable by anyone,
        # as they would be for a CDN in front of it.
        base, prefix = f"{place.endpoint}/{place.bucket}", f"{place.prefix}/"
        inspect_client(place.endpoint).put_bucket_policy(
            Bucket=place.bucket, Policy=json.dumps(public_read(place.bucket, place.prefix))
        )
    else:
        base, prefix = "https://cdn.example.com/mini-programs", ""
    settings = settings.model_copy(update={"package_base_url": base})
    for s in _serving(settings, session_factory):
        online = s.ok("GET", f"/releases/{released(s, '1.0.0')}")["build"]["sha256"]
        launched = s.launch("user-1").json()["package"]
        redirect = s.client.get(launched["url"], follow_redirects=False)
        assert redirect.status_code == 307
        location = redirect.headers["location"]
        assert location == f"{base}/{prefix}{public_key(online)}"
        assert redirect.headers["etag"] == f'"{online}"'
        if backend == "s3":
            fetched = httpx2.get(location, timeout=30)
            assert fetched.status_code == 200
            assert _sha256(fetched.content) == online == launched["sha256"]

        # A build not served yet stays private: streamed to its team, never redirected.
        s.upload("1.1.0", project(extra={"assets/new.txt": b"new"}))
        private = s.ok("GET", f"/releases/{built(s, '1.1.0')}")["build"]["sha256"]
        team = s.client.get(f"{API}/packages/{private}", headers=s.developer.headers)
        assert team.status_code == 200 and _sha256(team.content) == private
        assert team.headers["cache-control"] == "private, no-store"
        problem(s.client.get(f"{API}/packages/{private}", follow_redirects=False), 404, "not_found")

        versions = f"/mini-programs/{s.mini_program_id}/versions"
        sources = [s.ok("GET", f"{versions}/{v}")["package"]["sha256"] for v in ("1.0.0", "1.1.0")]
        stored = _stored_keys(backend, settings, request)
        assert [k for k in stored if not k.startswith("private/")] == [public_key(online)]
        assert sorted(private_key(d) for d in [*sources, online, private]) == [
            k for k in stored if k.startswith("private/")
        ]
        if backend == "s3":
            # With the policy above, anyone may read the served build and nothing else.
            for sha256 in [*sources, private]:
                for key, status in ((private_key(sha256), 403), (public_key(sha256), 404)):
                    assert httpx2.get(f"{base}/{prefix}{key}", timeout=30).status_code == status


def _stored_keys(backend: str, settings: Settings, request: pytest.FixtureRequest) -> list[str]:
    """Every blob key, relative to the store's root, read around the store."""
    if backend == "local":
        root = settings.blob_dir
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    place: S3Place = request.getfixturevalue("s3")
    return [k.removeprefix(f"{place.prefix}/") for k in keys(place.endpoint, place.bucket)]
