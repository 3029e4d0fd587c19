from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.releases.flow import scenario


def test_first_version_goes_from_choose_app_to_users(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    assert s.launch("alice").json()["code"] == "not_released"
    release_id = s.approved("1.0.0")
    release = s.ok("GET", f"/releases/{release_id}")
    assert release["build"]["status"] == "succeeded" and len(release["build"]["sha256"]) == 64
    assert release["compatibility"]["summary"]["status"] in ("pass", "warn", "fail")
    # No grayscale: nothing is online yet for it to share users with.
    assert release["allowed_actions"] == ["pilot", "full-release", "cancel"]
    released = s.ok("POST", f"/releases/{release_id}/full-release")
    assert released["status"] == "released" and released["percentage"] == 100
    answer = s.launch("alice").json()
    assert answer["channel"] == "online" and answer["version"] == "1.0.0"
    package = client.get(answer["package"]["url"])
    assert package.status_code == 200
    assert hashlib.sha256(package.content).hexdigest() == answer["package"]["sha256"]
    key = client.get("/api/v1/signing-key").json()
    assert key["algorithm"] == "Ed25519"


def test_grayscale_needs_an_online_version(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.approved("1.0.0")
    refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": 5})
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    assert "already online" in refused.json()["detail"]
