"""The build of a release over HTTP (issue 3, item 1; design §4): deterministic packages,
the manifest and its signature, View Configuration and rebuilds, the partner app's size
limits, and cancelling while a build is queued."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.build.signing import verify
from minirelease.config import Settings
from minirelease.jobs import Job
from tests.compat.programs import program
from tests.factories import Factory
from tests.packages.zips import project
from tests.releases.flow import (
    API,
    Scenario,
    after_test,
    built,
    grayscale,
    problem,
    released,
    scenario,
)

DEFAULTS = {
    "minify_js": True,
    "minify_css": True,
    "base_library_version": "2.9.0",
    "source_maps": False,
}


def _download(s: Scenario, sha256: str) -> bytes:
    """As the team sees its build before it is released."""
    response = s.client.get(f"{API}/packages/{sha256}", headers=s.developer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return bytes(response.content)


def _counts(session_factory: sessionmaker[Any], release_id: str) -> tuple[int, int]:
    """(jobs for the release, audit events about it)."""
    with session_factory() as session:
        jobs = session.scalar(
            select(func.count()).select_from(Job).where(Job.subject_id == release_id)
        )
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.release_id == release_id)
        )
    return int(jobs or 0), int(events or 0)


def test_same_version_and_configuration_build_the_same_bytes(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    first = s.ok("GET", f"/releases/{built(s, '1.0.0')}")
    second = s.ok("GET", f"/releases/{built(s, '1.0.0')}")
    assert first["id"] != second["id"]
    assert first["build"]["number"] == second["build"]["number"] == 1
    assert first["build"]["status"] == second["build"]["status"] == "succeeded"
    for key in ("sha256", "size", "signature", "key_id"):
        assert first["build"][key] == second["build"][key], key
    package = _download(s, first["build"]["sha256"])
    assert hashlib.sha256(package).hexdigest() == first["build"]["sha256"]
    assert len(package) == first["build"]["size"]


def test_a_configuration_change_rebuilds_with_a_new_number_and_different_bytes(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    original = s.ok("GET", f"/releases/{release_id}")["build"]

    changed = s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_js": False})
    assert changed["status"] == "building"
    assert changed["configuration"] == DEFAULTS | {"minify_js": False}
    rebuilding = {key: changed["build"][key] for key in ("number", "status", "sha256", "log")}
    assert rebuilding == {"number": 2, "status": "queued", "sha256": None, "log": []}
    assert changed["build"]["size"] is None and changed["build"]["signature"] is None
    assert s.run_jobs() == 1
    rebuilt = s.ok("GET", f"/releases/{release_id}")
    assert rebuilt["status"] == "awaiting_test"
    assert rebuilt["build"]["number"] == 2 and rebuilt["build"]["status"] == "succeeded"
    assert rebuilt["build"]["sha256"] != original["sha256"]
    assert "minify_js=off" in rebuilt["build"]["log"][0]
    unminified = zipfile.ZipFile(io.BytesIO(_download(s, rebuilt["build"]["sha256"])))
    assert unminified.read("app.js") == project()["app.js"]

    # Back to the first configuration: build 3, byte for byte the package of build 1.
    again = s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_js": True})
    assert again["build"]["number"] == 3
    s.run_jobs()
    third = s.ok("GET", f"/releases/{release_id}")["build"]
    assert third["number"] == 3
    assert (third["sha256"], third["size"], third["signature"]) == (
        original["sha256"],
        original["size"],
        original["signature"],
    )


def test_the_manifest_lists_every_file_and_its_signature_verifies(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    files = project(extra={"assets/logo.bin": os.urandom(3000), "utils/util.js": b"var a = 1;\n"})
    s.upload("1.0.0", files)
    release_id = built(s, "1.0.0")
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"source_maps": True})
    s.run_jobs()
    build = s.ok("GET", f"/releases/{release_id}")["build"]
    package = zipfile.ZipFile(io.BytesIO(_download(s, build["sha256"])))
    names = package.namelist()
    assert names[-1] == "manifest.json"
    manifest_bytes = package.read("manifest.json")
    manifest = json.loads(manifest_bytes)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert sorted(listed) == sorted(names[:-1]) == names[:-1]
    assert "app.js.map" in listed and "utils/util.js.map" in listed
    for name in names[:-1]:
        data = package.read(name)
        assert listed[name] == {
            "path": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    assert manifest["configuration"] == DEFAULTS | {"source_maps": True}
    assert manifest["base_library_version"] == "2.9.0"
    for info in package.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)

    key = s.client.get(f"{API}/signing-key").json()
    assert key["algorithm"] == "Ed25519" and key["key_id"] == build["key_id"]
    assert "BEGIN PUBLIC KEY" in key["public_key_pem"]
    assert verify(key["public_key"], manifest_bytes, build["signature"])
    assert not verify(key["public_key"], manifest_bytes + b" ", build["signature"])
    tampered = json.dumps(manifest | {"files": manifest["files"][1:]}).encode()
    assert not verify(key["public_key"], tampered, build["signature"])
    assert any(build["sha256"] in line for line in build["log"])
    assert any("manifest.json listing" in line for line in build["log"])


def test_the_configuration_is_read_and_changed_only_with_valid_values(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    assert s.ok("GET", f"/releases/{release_id}/configuration") == DEFAULTS
    before = s.ok("GET", f"/releases/{release_id}")
    counts = _counts(session_factory, release_id)
    bad_bodies: list[Any] = [
        {"minify": False},
        {"minify_js": False, "obfuscate": True},
        {"minify_js": "no"},
        {"minify_js": 0},
        {"minify_css": None},
        {"source_maps": "true"},
        {"base_library_version": "2.9"},
        {"base_library_version": "v2.9.0"},
        {"base_library_version": "2.9.0-beta"},
        {"base_library_version": 3},
        [["minify_js", False]],
        "minify_js",
    ]
    for body in bad_bodies:
        refused = s.call("PUT", f"/releases/{release_id}/configuration", json=body)
        problem(refused, 422, "validation_error")
    detail = problem(
        s.call("PUT", f"/releases/{release_id}/configuration", json={"minify_js": "no"}),
        422,
        "validation_error",
    )["detail"]
    assert "minify_js" in detail
    assert s.ok("GET", f"/releases/{release_id}") == before
    assert _counts(session_factory, release_id) == counts

    # Sending the configuration it already has changes nothing: no rebuild, no event.
    same = s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_css": True})
    assert same["status"] == "awaiting_test" and same["build"] == before["build"]
    assert s.ok("PUT", f"/releases/{release_id}/configuration", json={}) == same
    assert _counts(session_factory, release_id) == counts
    assert s.run_jobs() == 0

    # Only the keys given change; the others keep their values.
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"base_library_version": "3.1.0"})
    s.run_jobs()
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"source_maps": True})
    configured = s.ok("GET", f"/releases/{release_id}/configuration")
    assert configured == DEFAULTS | {"base_library_version": "3.1.0", "source_maps": True}
    events = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"]
    assert [e["action"] for e in events].count("release.configure") == 2


def _rejected(s: Scenario) -> str:
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    s.review(release_id, "partner", "reject", "fix the icon")
    return release_id


def _build_failed(s: Scenario) -> str:
    s.upload("1.0.0", project(extra={"manifest.json": b"{}"}))
    release_id = s.release("1.0.0")
    s.run_jobs()
    return release_id


def _tested(s: Scenario) -> str:
    s.upload("1.0.0")
    return after_test(s, "1.0.0")


def _awaiting_test(s: Scenario) -> str:
    s.upload("1.0.0")
    return built(s, "1.0.0")


@pytest.mark.parametrize(
    "prepare",
    [_build_failed, _awaiting_test, _tested, _rejected],
    ids=lambda prepare: prepare.__name__.strip("_"),
)
def test_a_configuration_change_is_allowed_before_review(
    client: TestClient, factory: Factory, prepare: Any
) -> None:
    s = scenario(client, factory)
    release_id = prepare(s)
    number = s.ok("GET", f"/releases/{release_id}")["build"]["number"]
    changed = s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_css": False})
    assert changed["status"] == "building" and changed["build"]["number"] == number + 1
    assert changed["build"]["status"] == "queued" and changed["build"]["sha256"] is None
    assert s.run_jobs() == 1


def _building(s: Scenario) -> str:
    s.upload("1.0.0")
    return s.release("1.0.0")


def _testing(s: Scenario) -> str:
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    return release_id


def _in_review(s: Scenario) -> str:
    release_id = _tested(s)
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    return release_id


def _approved(s: Scenario) -> str:
    s.upload("1.0.0")
    return s.approved("1.0.0")


def _pilot(s: Scenario) -> str:
    release_id = _approved(s)
    s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa"]})
    return release_id


def _grayscale(s: Scenario) -> str:
    released(s, "0.9.0")
    return grayscale(s, "1.0.0", 10)


def _released(s: Scenario) -> str:
    return released(s, "1.0.0")


def _canceled(s: Scenario) -> str:
    release_id = _awaiting_test(s)
    s.ok("POST", f"/releases/{release_id}/cancel")
    return release_id


def _archived(s: Scenario) -> str:
    first = released(s, "1.0.0")
    released(s, "1.1.0")
    return first


@pytest.mark.parametrize(
    "prepare",
    [
        _building,
        _testing,
        _in_review,
        _approved,
        _pilot,
        _grayscale,
        _released,
        _canceled,
        _archived,
    ],
    ids=lambda prepare: prepare.__name__.strip("_"),
)
def test_a_configuration_change_is_refused_elsewhere(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any], prepare: Any
) -> None:
    s = scenario(client, factory)
    release_id = prepare(s)
    before = s.ok("GET", f"/releases/{release_id}")
    counts = _counts(session_factory, release_id)
    refused = s.call("PUT", f"/releases/{release_id}/configuration", json={"minify_css": False})
    body = problem(refused, 409, "invalid_transition")
    assert body["state"] == before["status"] and body["event"] == "configure"
    assert s.ok("GET", f"/releases/{release_id}") == before
    assert _counts(session_factory, release_id) == counts


def test_a_package_over_the_partner_apps_limits_fails_to_build(
    client: TestClient, factory: Factory, settings: Settings
) -> None:
    limits = {"main_package_bytes": 20_000, "subpackage_bytes": 20_000, "total_bytes": 20_000}
    s = scenario(client, factory, package_limits=limits)
    s.upload("1.0.0", project(extra={"assets/noise.bin": os.urandom(30_000)}))
    blobs_before = set(os.listdir(settings.blob_dir))
    release_id = s.release("1.0.0")
    assert s.run_jobs() == 1
    release = s.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "build_failed"
    assert release["build"]["status"] == "failed" and release["build"]["sha256"] is None
    reason = release["build"]["log"][-1]
    assert reason.startswith("package-too-large: main package is ")
    assert "the partner app allows 20,000 bytes" in reason and "main_package_bytes" in reason
    assert release["allowed_actions"] == ["configuration", "cancel"]
    assert set(os.listdir(settings.blob_dir)) == blobs_before  # no package kept
    problem(s.call("POST", f"/releases/{release_id}/compatibility-runs"), 409, "invalid_transition")

    # A rebuild with another configuration is still too large: it fails again.
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_js": False})
    s.run_jobs()
    again = s.ok("GET", f"/releases/{release_id}")
    assert again["status"] == "build_failed" and again["build"]["number"] == 2
    assert again["build"]["log"][-1].startswith("package-too-large")
    events = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"]
    assert [e["action"] for e in events].count("release.build_failed") == 2


def test_a_package_within_tight_limits_builds(client: TestClient, factory: Factory) -> None:
    limits = {"main_package_bytes": 20_000, "subpackage_bytes": 20_000, "total_bytes": 20_000}
    s = scenario(client, factory, package_limits=limits)
    s.upload("1.0.0", project(extra={"assets/noise.bin": os.urandom(10_000)}))
    release_id = built(s, "1.0.0")
    assert s.ok("GET", f"/releases/{release_id}")["build"]["size"] > 10_000


def test_cancel_while_building_abandons_the_build(
    client: TestClient, factory: Factory, settings: Settings
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    blobs_before = set(os.listdir(settings.blob_dir))
    release_id = s.release("1.0.0")
    canceled = s.ok("POST", f"/releases/{release_id}/cancel")
    assert canceled["status"] == "canceled" and canceled["allowed_actions"] == []
    assert canceled["build"]["status"] == "canceled"  # not pending forever
    s.run_jobs()  # the queued build finds the release canceled and does nothing
    after = s.ok("GET", f"/releases/{release_id}")
    assert after["status"] == "canceled" and after["build"]["status"] == "canceled"
    assert after["build"]["sha256"] is None and after["build"]["log"] == []
    assert set(os.listdir(settings.blob_dir)) == blobs_before
    problem(
        s.call("PUT", f"/releases/{release_id}/configuration", json={"minify_js": False}),
        409,
        "invalid_transition",
    )


def test_cancel_abandons_a_queued_rebuild(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", project(extra={"manifest.json": b"{}"}))
    release_id = s.release("1.0.0")
    s.run_jobs()
    failed = s.ok("GET", f"/releases/{release_id}")
    assert failed["status"] == "build_failed"
    assert failed["build"]["log"][-1].startswith("reserved-name: manifest.json")
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_js": False})
    s.ok("POST", f"/releases/{release_id}/cancel")
    s.run_jobs()
    assert s.status(release_id) == "canceled"


def test_unknown_packages_and_uploaded_sources_are_not_served(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    built(s, "1.0.0")
    source = s.ok("GET", f"/mini-programs/{s.mini_program_id}/versions/1.0.0")
    source_sha = source["package"]["sha256"]
    problem(s.client.get(f"{API}/packages/{source_sha}"), 404, "not_found")
    problem(s.client.get(f"{API}/packages/{'0' * 64}"), 404, "not_found")
    problem(s.client.get(f"{API}/packages/..%2F..%2Fetc%2Fpasswd"), 404, "not_found")


def test_a_build_is_private_to_its_team_until_it_is_served(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    # Other bytes: a build with the same content as a served one is public already.
    s.upload("1.1.0", program({"pages/index/index.js": "Page({ onLoad() { this.v = 2; } });\n"}))
    unreleased = built(s, "1.1.0")
    outsider = factory.user()

    def url(release_id: str) -> str:
        return f"{API}/packages/{s.ok('GET', f'/releases/{release_id}')['build']['sha256']}"

    problem(s.client.get(url(unreleased)), 404, "not_found")
    problem(s.client.get(url(unreleased), headers=outsider.headers), 404, "not_found")
    bad_token = {"Authorization": "Bearer not-a-token"}
    problem(s.client.get(url(unreleased), headers=bad_token), 401, "unauthenticated")
    team = s.client.get(url(unreleased), headers=s.developer.headers)
    assert team.status_code == 200 and team.headers["cache-control"] == "private, no-store"

    public = s.client.get(url(online))  # served: anyone, cacheable forever
    assert public.status_code == 200
    assert public.headers["cache-control"] == "public, max-age=31536000, immutable"
