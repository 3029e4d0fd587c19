"""Version upload through the API: the fixed order of checks, every hostile package refused
with its rule and entry and nothing stored, valid packages recorded, blobs shared between
identical uploads, and who may upload and read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.config import Settings
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.scratch import temporary_files
from minirelease.workspaces.models import Workspace
from tests.factories import Actor, Factory
from tests.packages.hostile import CASES, Hostile
from tests.packages.zips import WITH_SUBPACKAGES, MiB, project, zip_bytes

LIMIT = 20 * MiB
BOUNDARY = "versions-test-boundary-5b1d"
HTTP_ONLY = [
    # Past the limit by one byte: cut off while streaming.
    Hostile("over-limit-streamed", lambda: bytes(LIMIT + 1), "upload-too-large", None),
    # Content-Length alone shows it is too large: refused before reading.
    Hostile("over-limit-declared", lambda: bytes(LIMIT + 128 * 1024), "upload-too-large", None),
]
ALL_HOSTILE = CASES + HTTP_ONLY


@dataclass
class Owned:
    workspace: Workspace
    owner: Actor
    mp: MiniProgram


@pytest.fixture
def owned(factory: Factory) -> Owned:
    workspace, owner = factory.workspace()
    return Owned(workspace, owner, factory.mini_program(workspace, owner))


def upload(
    client: TestClient,
    mp_id: str,
    package: bytes | None,
    headers: dict[str, str],
    **fields: str | None,
) -> httpx.Response:
    """POST a multipart upload; ``package=None`` sends the text fields alone."""
    values = {"version": "1.0.0", "description": "first release"} | fields
    parts = [(name, value.encode(), None) for name, value in values.items() if value is not None]
    if package is not None:
        parts.append(("package", package, "app.zip"))
    body = bytearray()
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return client.post(
        f"/api/v1/mini-programs/{mp_id}/versions",
        content=bytes(body),
        headers=headers | {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


def stored(session_factory: sessionmaker[Any], settings: Settings, mp_id: str) -> dict[str, Any]:
    """What exists for the mini program: versions, their audit events, blobs, temp files."""
    with session_factory() as session:
        versions = session.scalar(
            select(func.count()).select_from(Version).where(Version.mini_program_id == mp_id)
        )
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "version.upload", AuditEvent.mini_program_id == mp_id)
        )
    return {
        "versions": versions,
        "events": events,
        "blobs": sorted(p.name for p in settings.blob_dir.rglob("*") if p.is_file()),
        "temp_files": [path.name for path in temporary_files(settings.tmp_dir)],
    }


NOTHING = {"versions": 0, "events": 0, "blobs": [], "temp_files": []}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


@pytest.mark.parametrize("case", ALL_HOSTILE, ids=[case.id for case in ALL_HOSTILE])
def test_hostile_package_is_refused_and_nothing_is_stored(
    client: TestClient,
    owned: Owned,
    session_factory: sessionmaker[Any],
    settings: Settings,
    case: Hostile,
) -> None:
    response = upload(client, owned.mp.id, case.build(), owned.owner.headers)
    body = assert_problem(response, 422, "package_invalid")
    assert (body["rule"], body.get("entry")) == (case.rule, case.entry)
    assert body["detail"].startswith(f"{case.rule}: ")
    assert case.detail_contains in body["detail"]
    assert stored(session_factory, settings, owned.mp.id) == NOTHING


def test_minimal_package_is_recorded_and_served_back(
    client: TestClient, owned: Owned, session_factory: sessionmaker[Any], settings: Settings
) -> None:
    package = zip_bytes(project())
    digest = hashlib.sha256(package).hexdigest()
    response = upload(client, owned.mp.id, package, owned.owner.headers, description="x" * 200)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["package"] == {"sha256": digest, "size": len(package)}
    assert created["mini_program_id"] == owned.mp.id
    assert (created["version"], created["description"]) == ("1.0.0", "x" * 200)
    assert created["pages"] == ["pages/index/index"]
    assert (created["subpackages"], created["entry_count"]) == ([], 5)
    assert created["uncompressed_size"] == sum(len(d) for d in project().values())
    assert created["uploaded_by"] == owned.owner.id
    assert stored(session_factory, settings, owned.mp.id) == {
        "versions": 1,
        "events": 1,
        "blobs": [digest[2:]],
        "temp_files": [],
    }
    base = f"/api/v1/mini-programs/{owned.mp.id}/versions"
    assert client.get(f"{base}/1.0.0", headers=owned.owner.headers).json() == created
    download = client.get(f"{base}/1.0.0/package", headers=owned.owner.headers)
    assert download.status_code == 200
    assert download.content == package
    assert download.headers["etag"] == f'"{digest}"'
    assert download.headers["content-type"] == "application/zip"
    cached = client.get(
        f"{base}/1.0.0/package", headers=owned.owner.headers | {"If-None-Match": f'"{digest}"'}
    )
    assert (cached.status_code, cached.content) == (304, b"")
    with session_factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.target_id == created["id"])
        ).one()
    assert (event.actor, event.workspace_id) == (owned.owner.id, owned.workspace.id)
    assert event.after is not None and event.after["package_sha256"] == digest


def test_subpackages_and_os_junk(client: TestClient, owned: Owned) -> None:
    files = project(WITH_SUBPACKAGES, extra={"__MACOSX/._app.js": b"\0", "pages/.DS_Store": b"\0"})
    response = upload(client, owned.mp.id, zip_bytes(files), owned.owner.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["pages"] == ["pages/index/index", "pages/about/about"]
    assert body["subpackages"] == [{"root": "shop", "pages": ["pages/cart/cart", "pages/pay/pay"]}]
    assert body["entry_count"] == len(files)


def test_versions_are_listed_newest_first(client: TestClient, owned: Owned) -> None:
    for version in ("1.0.0", "1.1.0-beta.1+build.7", "0.9.0"):
        assert (
            upload(
                client, owned.mp.id, zip_bytes(project()), owned.owner.headers, version=version
            ).status_code
            == 201
        )
    listed = client.get(
        f"/api/v1/mini-programs/{owned.mp.id}/versions", headers=owned.owner.headers
    )
    listed_versions = [v["version"] for v in listed.json()["items"]]
    assert listed_versions == ["0.9.0", "1.1.0-beta.1+build.7", "1.0.0"]


def test_duplicate_version_is_a_conflict_checked_before_the_package(
    client: TestClient, owned: Owned, session_factory: sessionmaker[Any], settings: Settings
) -> None:
    assert upload(client, owned.mp.id, zip_bytes(project()), owned.owner.headers).status_code == 201
    before = stored(session_factory, settings, owned.mp.id)
    again = upload(
        client, owned.mp.id, zip_bytes(project(extra={"a.txt": b"new"})), owned.owner.headers
    )
    body = assert_problem(again, 409, "conflict")
    assert "1.0.0" in body["detail"]
    hostile = upload(client, owned.mp.id, b"not a zip", owned.owner.headers)
    assert_problem(hostile, 409, "conflict")
    assert stored(session_factory, settings, owned.mp.id) == before


def test_identical_zips_share_one_blob_that_refusals_never_delete(
    client: TestClient,
    owned: Owned,
    factory: Factory,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    other = factory.mini_program(owned.workspace, owned.owner)
    package = zip_bytes(project())
    first = upload(client, owned.mp.id, package, owned.owner.headers)
    second = upload(client, other.id, package, owned.owner.headers, version="2.0.0")
    assert first.status_code == second.status_code == 201
    assert first.json()["package"] == second.json()["package"]
    blobs = stored(session_factory, settings, other.id)["blobs"]
    assert len(blobs) == 1
    assert (
        upload(client, other.id, package, owned.owner.headers, version="2.0.0").status_code == 409
    )
    assert (
        upload(
            client, other.id, b"PK\x03\x04 broken", owned.owner.headers, version="3.0.0"
        ).status_code
        == 422
    )
    assert stored(session_factory, settings, other.id)["blobs"] == blobs
    for mp_id, version in ((owned.mp.id, "1.0.0"), (other.id, "2.0.0")):
        url = f"/api/v1/mini-programs/{mp_id}/versions/{version}/package"
        assert client.get(url, headers=owned.owner.headers).content == package


@pytest.mark.parametrize(
    "version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-b..1", " ", "1" * 70 + ".0.0"]
)
def test_version_must_be_semver(
    client: TestClient,
    owned: Owned,
    session_factory: sessionmaker[Any],
    settings: Settings,
    version: str,
) -> None:
    response = upload(client, owned.mp.id, b"not even a zip", owned.owner.headers, version=version)
    body = assert_problem(response, 422, "validation_error")
    assert body["detail"].startswith("version: ")
    assert body["errors"][0]["loc"] == ["body", "version"]
    assert stored(session_factory, settings, owned.mp.id) == NOTHING


@pytest.mark.parametrize(
    ("fields", "package", "field"),
    [
        ({"version": None}, b"zip", "version"),
        ({"description": "d" * 201}, b"zip", "description"),
        ({}, None, "package"),
        ({"channel": "beta"}, b"zip", "channel"),
    ],
)
def test_metadata_is_checked_and_named(
    client: TestClient,
    owned: Owned,
    session_factory: sessionmaker[Any],
    settings: Settings,
    fields: dict[str, Any],
    package: bytes | None,
    field: str,
) -> None:
    response = upload(client, owned.mp.id, package, owned.owner.headers, **fields)
    body = assert_problem(response, 422, "validation_error")
    assert body["detail"].startswith(f"{field}: ")
    assert stored(session_factory, settings, owned.mp.id) == NOTHING


def test_size_is_checked_before_metadata(client: TestClient, owned: Owned) -> None:
    response = upload(client, owned.mp.id, bytes(LIMIT + 1), owned.owner.headers, version="bad")
    assert assert_problem(response, 422, "package_invalid")["rule"] == "upload-too-large"


def test_body_that_is_not_multipart_is_refused(client: TestClient, owned: Owned) -> None:
    response = client.post(
        f"/api/v1/mini-programs/{owned.mp.id}/versions",
        json={"version": "1.0.0"},
        headers=owned.owner.headers,
    )
    assert "multipart/form-data" in assert_problem(response, 422, "validation_error")["detail"]


@pytest.fixture
def team(factory: Factory, owned: Owned) -> dict[str, Actor]:
    other_mp = factory.mini_program(owned.workspace, owned.owner)
    partner_app = factory.partner_app()
    return {
        "owner": owned.owner,
        "master": factory.member(owned.workspace, "master"),
        "assigned developer": factory.member(
            owned.workspace, "developer", mini_programs=(owned.mp,)
        ),
        "unassigned developer": factory.member(
            owned.workspace, "developer", mini_programs=(other_mp,)
        ),
        "blocked master": factory.member(owned.workspace, "master", blocked=True),
        "outsider": factory.user(),
        "platform reviewer": factory.user(platform_reviewer=True),
        "partner reviewer": factory.partner_reviewer(partner_app),
        "platform admin": factory.user(platform_admin=True),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 201),
        ("master", 201),
        ("assigned developer", 201),
        ("unassigned developer", 404),
        ("blocked master", 404),
        ("outsider", 404),
        ("platform reviewer", 404),
        ("partner reviewer", 404),
        ("platform admin", 403),
        ("nobody", 401),
    ],
)
def test_who_may_upload(
    client: TestClient,
    owned: Owned,
    team: dict[str, Actor],
    session_factory: sessionmaker[Any],
    settings: Settings,
    who: str,
    status: int,
) -> None:
    headers = team[who].headers if who in team else {}
    response = upload(client, owned.mp.id, zip_bytes(project()), headers)
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["uploaded_by"] == team[who].id
    else:
        assert stored(session_factory, settings, owned.mp.id) == NOTHING
        # Permission is checked before the body is read: even an oversized one.
        too_large = upload(client, owned.mp.id, bytes(LIMIT + 128 * 1024), headers)
        assert too_large.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("master", 200),
        ("assigned developer", 200),
        ("platform admin", 200),
        ("unassigned developer", 404),
        ("outsider", 404),
        ("platform reviewer", 404),
        ("nobody", 401),
    ],
)
def test_who_may_read_versions(
    client: TestClient, owned: Owned, team: dict[str, Actor], who: str, status: int
) -> None:
    assert upload(client, owned.mp.id, zip_bytes(project()), owned.owner.headers).status_code == 201
    headers = team[who].headers if who in team else {}
    base = f"/api/v1/mini-programs/{owned.mp.id}/versions"
    for url in (base, f"{base}/1.0.0", f"{base}/1.0.0/package"):
        assert client.get(url, headers=headers).status_code == status, url


def test_unknown_versions_and_mini_programs_are_404(
    client: TestClient, owned: Owned, factory: Factory
) -> None:
    other = factory.mini_program(owned.workspace, owned.owner)
    assert upload(client, owned.mp.id, zip_bytes(project()), owned.owner.headers).status_code == 201
    for url in (
        f"/api/v1/mini-programs/{other.id}/versions/1.0.0",
        f"/api/v1/mini-programs/{owned.mp.id}/versions/9.9.9/package",
        "/api/v1/mini-programs/mp_nope/versions",
    ):
        assert_problem(client.get(url, headers=owned.owner.headers), 404, "not_found")
    response = upload(client, "mp_nope", zip_bytes(project()), owned.owner.headers)
    assert_problem(response, 404, "not_found")
