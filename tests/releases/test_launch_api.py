"""The launch endpoint over HTTP (issue 3, item 7; design §6): which package a user of a
partner app gets, the refusals (404 not_released, 410 removed), the package download, and
grayscale decisions that follow the normative bucketing of ../shared/vectors."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from minirelease.build.signing import verify
from minirelease.resolver import KeySet, verify_package
from minirelease.rollout.bucketing import bucket
from tests.factories import Factory
from tests.releases.flow import API, Scenario, grayscale, problem, released, scenario

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "bucketing.json"


def _vector_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    return cases


def _launch(client: TestClient, partner: str, app_id: str, **params: str) -> Any:
    return client.get(f"{API}/launch/{partner}/{app_id}", params=params)


def test_not_released_where_nothing_is_online(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    other_partner = factory.partner_app()
    problem(s.launch("alice"), 404, "not_released")  # no release at all yet
    s.upload("1.0.0")
    s.release("1.0.0")
    s.run_jobs()
    problem(s.launch("alice"), 404, "not_released")  # a release, but nothing online
    released(s, "1.1.0")
    assert s.launch("alice").status_code == 200
    for partner, app_id in (
        ("no-such-partner", s.app_id),
        (s.partner, "9999999999999999"),
        (other_partner.code, s.app_id),  # online on another partner app only
    ):
        body = problem(_launch(client, partner, app_id, user_id="alice"), 404, "not_released")
        assert body["instance"] == f"{API}/launch/{partner}/{app_id}"


def test_removed_answers_410(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/force-removal",
        s.admin,
    )
    for user in ("alice", None, ""):
        body = problem(s.launch(user), 410, "removed")
        assert "removed" in body["detail"]


def test_an_online_answer_and_its_package(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    release_id = released(s, "1.0.0")
    build = s.ok("GET", f"/releases/{release_id}")["build"]
    answer = _launch(client, s.partner, s.app_id, user_id="alice")
    assert answer.status_code == 200
    body = answer.json()
    assert body == {
        "app_id": s.app_id,
        "partner_app": s.partner,
        "version": "1.0.0",
        "channel": "online",
        "release_id": release_id,
        "package": {
            "url": f"http://testserver{API}/packages/{build['sha256']}",
            "sha256": build["sha256"],
            "size": build["size"],
            "signature": build["signature"],
            "key_id": build["key_id"],
        },
    }
    # Anyone may download it, and gets exactly the bytes announced.
    download = client.get(body["package"]["url"])
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == build["sha256"]
    assert len(download.content) == build["size"]
    assert download.headers["etag"] == f'"{build["sha256"]}"'
    assert "immutable" in download.headers["cache-control"]
    # A partner app checks the package's manifest against the platform key.
    manifest = zipfile.ZipFile(io.BytesIO(download.content)).read("manifest.json")
    key = client.get(f"{API}/signing-key").json()
    assert verify(key["public_key"], manifest, body["package"]["signature"])
    assert body["package"]["key_id"] == key["key_id"] == key["keys"][0]["key_id"]
    package = body["package"]
    verify_package(KeySet.from_document(key), manifest, package["signature"], package["key_id"])


def test_without_a_user_id_everyone_gets_the_online_version(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    grayscale(s, "1.1.0", 99.99)
    for params in ({}, {"user_id": ""}):
        answer = _launch(client, s.partner, s.app_id, **params).json()
        assert (answer["channel"], answer["version"]) == ("online", "1.0.0")
    problem(_launch(client, s.partner, s.app_id, user_id="u" * 1025), 422, "validation_error")


def test_each_channel(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    s.upload("1.1.0")
    candidate = s.approved("1.1.0")
    s.ok("POST", f"/releases/{candidate}/pilot", json={"tester_user_ids": ["qa", "张三"]})
    for tester in ("qa", "张三"):
        answer = s.launch(tester).json()
        assert (answer["channel"], answer["release_id"]) == ("pilot", candidate)
    assert s.launch("bob").json()["release_id"] == online
    s.ok("POST", f"/releases/{candidate}/pilot/complete")
    s.ok("POST", f"/releases/{candidate}/grayscale", json={"percentage": 50})
    users = [f"user-{n}" for n in range(60)]
    channels = {user: s.launch(user).json()["channel"] for user in users}
    assert set(channels.values()) == {"online", "grayscale"}
    assert s.launch("qa").json()["channel"] == "pilot"
    s.ok("POST", f"/releases/{candidate}/full-release")
    answer = s.launch("bob").json()
    assert (answer["channel"], answer["release_id"]) == ("online", candidate)


def test_the_bucketing_vectors_are_reproduced(client: TestClient, factory: Factory) -> None:
    """The vectors' release ids cannot be chosen for a real release, so the function the
    server decides with is checked against them, and the server's answers against it."""
    cases = _vector_cases()
    assert len(cases) > 10
    for case in cases:
        assert bucket(case["release_id"], case["user_id"]) == case["bucket"], case
    s = scenario(client, factory)
    released(s, "1.0.0")
    ramp = grayscale(s, "1.1.0", 37.5)
    users = sorted({case["user_id"] for case in cases}) + [f"user-{n}" for n in range(250)]
    inside = 0
    for user in users:
        # No user id gets the online version (design §6), whatever its bucket.
        expected = user != "" and bucket(ramp, user) < 3750
        answer = s.launch(user).json()
        assert answer["channel"] == ("grayscale" if expected else "online"), (user, answer)
        assert answer["version"] == ("1.1.0" if expected else "1.0.0")
        inside += expected
    assert 0 < inside < len(users)


def test_the_threshold_is_strict(client: TestClient, factory: Factory) -> None:
    """A user whose bucket equals the basis points is out; one more basis point lets them in."""
    s = scenario(client, factory)
    released(s, "1.0.0")
    ramp = grayscale(s, "1.1.0", 1)
    user = next(u for u in (f"edge-{n}" for n in range(10_000)) if 200 <= bucket(ramp, u) < 9_000)
    edge = bucket(ramp, user)
    s.ok("POST", f"/releases/{ramp}/grayscale", json={"percentage": edge / 100})
    assert s.launch(user).json()["channel"] == "online"
    s.ok("POST", f"/releases/{ramp}/grayscale", json={"percentage": (edge + 1) / 100})
    assert s.launch(user).json()["channel"] == "grayscale"


def test_each_release_draws_its_own_cohort(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    users = [f"user-{n}" for n in range(120)]
    first = grayscale(s, "1.1.0", 30)
    first_cohort = {u for u in users if s.launch(u).json()["channel"] == "grayscale"}
    assert first_cohort == {u for u in users if bucket(first, u) < 3000}
    s.ok("POST", f"/releases/{first}/cancel")
    second = grayscale(s, "1.2.0", 30)
    second_cohort = {u for u in users if s.launch(u).json()["channel"] == "grayscale"}
    assert second_cohort == {u for u in users if bucket(second, u) < 3000}
    assert first_cohort != second_cohort


def test_the_runtime_endpoints_are_public(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    bad = {"Authorization": "Bearer not-a-token"}
    answer = client.get(f"{API}/launch/{s.partner}/{s.app_id}", headers=bad)
    assert answer.status_code == 200
    assert client.get(answer.json()["package"]["url"], headers=bad).status_code == 200
    first = client.get(f"{API}/signing-key", headers=bad)
    assert first.status_code == 200
    assert client.get(f"{API}/signing-key").json() == first.json()


def test_a_pair_on_two_partner_apps_answers_each_on_its_own(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    other = factory.partner_app()
    elsewhere = Scenario(**{**s.__dict__, "partner": other.code})
    elsewhere.partner_reviewer = factory.partner_reviewer(other)
    release_id = elsewhere.approved("1.0.0")
    problem(elsewhere.launch("alice"), 404, "not_released")
    elsewhere.ok("POST", f"/releases/{release_id}/full-release")
    assert elsewhere.launch("alice").json()["release_id"] == release_id
    assert s.launch("alice").json()["release_id"] != release_id
