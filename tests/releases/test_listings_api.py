"""A mini program on a partner app over HTTP (issue 3, item 6; design §3): what is online,
rollback to one of the last 5 released versions, removal (request → the partner app's
reviewer decides), force removal by a platform admin, and listing again after removal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Actor, Factory
from tests.releases.flow import (
    Scenario,
    after_test,
    built,
    grayscale,
    problem,
    released,
    scenario,
)


def _pair(s: Scenario) -> str:
    return f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}"


def _listing(s: Scenario, who: Actor | None = None) -> Any:
    return s.ok("GET", _pair(s), who)


def _rollback(s: Scenario, version: str | None = None, who: Actor | None = None) -> Any:
    body = {} if version is None else {"version": version}
    return s.call("POST", f"{_pair(s)}/rollback", who, json=body)


def _launched(s: Scenario) -> tuple[str, str]:
    answer = s.launch("someone").json()
    return answer["version"], answer["release_id"]


def _request_removal(s: Scenario, who: Actor | None = None) -> Any:
    return s.call("POST", f"{_pair(s)}/removal", who, json={"reason": "we are closing"})


def _decide_removal(s: Scenario, decision: str, who: Actor | None = None) -> Any:
    return s.call(
        "POST",
        f"{_pair(s)}/removal/review",
        who or s.partner_reviewer,
        json={"decision": decision, "comment": "ok"},
    )


def _in_review(s: Scenario, version: str) -> str:
    s.upload(version)
    release_id = after_test(s, version)
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    return release_id


def _audit(s: Scenario) -> list[str]:
    events = s.ok("GET", "/audit", s.owner, params={"mini_program_id": s.mini_program_id})
    return [e["action"] for e in reversed(events["items"])]


def test_the_listing_shows_the_online_version_the_active_release_and_removal(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    empty = _listing(s)
    assert empty == {
        "mini_program_id": s.mini_program_id,
        "app_id": s.app_id,
        "partner_app": s.partner,
        "online": None,
        "active_release": None,
        "removal": {"status": "none", "reason": None},
        "recent_releases": [],
    }
    first = released(s, "1.0.0")
    second = _in_review(s, "1.1.0")
    listing = _listing(s)
    assert listing["online"]["id"] == first and listing["online"]["version"] == "1.0.0"
    assert listing["active_release"]["id"] == second
    assert listing["active_release"]["status"] == "in_review"
    assert [r["release_id"] for r in listing["recent_releases"]] == [first]
    assert listing["recent_releases"][0]["status"] == "released"
    problem(
        s.call("GET", f"/mini-programs/{s.mini_program_id}/partner-apps/nope"), 404, "not_found"
    )
    problem(s.call("GET", f"/mini-programs/mp_nope/partner-apps/{s.partner}"), 404, "not_found")


def test_rollback_goes_to_the_previous_version_by_default(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    middle = released(s, "1.1.0")
    current = released(s, "1.2.0")
    middle_build = s.ok("GET", f"/releases/{middle}")["build"]
    listing = _rollback(s).json()
    restored = listing["online"]
    assert restored["version"] == "1.1.0" and restored["status"] == "released"
    assert restored["id"] not in (middle, current) and restored["rollback_of"] == middle
    assert restored["build"]["sha256"] == middle_build["sha256"]
    assert restored["build"]["signature"] == middle_build["signature"]
    assert s.status(current) == "rolled_back"
    assert s.status(middle) == "archived"
    assert _launched(s) == ("1.1.0", restored["id"])
    answer = s.launch("x").json()
    download = s.client.get(answer["package"]["url"])
    assert download.status_code == 200 and answer["package"]["sha256"] == middle_build["sha256"]
    assert _audit(s)[-2:] == ["release.roll_back", "listing.rollback"]
    assert [r["version"] for r in listing["recent_releases"]][:2] == ["1.1.0", "1.2.0"]


def test_rollback_to_a_named_version(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    oldest = released(s, "1.0.0")
    released(s, "1.1.0")
    current = released(s, "1.2.0")
    problem(_rollback(s, "1.2.0"), 422, "validation_error")  # the online one
    problem(_rollback(s, "9.9.9"), 422, "validation_error")
    assert s.status(current) == "released"
    restored = _rollback(s, "1.0.0").json()["online"]
    assert restored["version"] == "1.0.0" and restored["rollback_of"] == oldest
    assert _launched(s)[0] == "1.0.0"
    # And forward again: 1.2.0 was released, so it is one of the last five.
    forward = _rollback(s, "1.2.0").json()["online"]
    assert forward["version"] == "1.2.0" and forward["rollback_of"] == current
    assert _launched(s)[0] == "1.2.0"


def test_rollback_reaches_back_five_versions_only(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    versions = [f"1.{n}.0" for n in range(7)]
    for version in versions:
        released(s, version)
    refused = problem(_rollback(s, versions[0]), 422, "validation_error")
    assert "last 5 released versions (1.5.0, 1.4.0, 1.3.0, 1.2.0, 1.1.0)" in refused["detail"]
    assert _launched(s)[0] == "1.6.0"
    assert _rollback(s, versions[1]).json()["online"]["version"] == "1.1.0"


def test_rollback_needs_an_earlier_version(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    problem(_rollback(s), 409, "invalid_transition")
    only = released(s, "1.0.0")
    refused = problem(_rollback(s), 409, "invalid_transition")
    assert "no earlier version" in refused["detail"]
    assert s.status(only) == "released"


def test_rollback_is_refused_during_a_grayscale(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    current = released(s, "1.1.0")
    ramp = grayscale(s, "1.2.0", 10)
    refused = problem(_rollback(s), 409, "invalid_transition")
    assert "grayscale" in refused["detail"]
    # A newer release being prepared next to the grayscale changes nothing.
    s.upload("1.3.0")
    built(s, "1.3.0")
    problem(_rollback(s), 409, "invalid_transition")
    assert s.status(current) == "released" and s.status(ramp) == "grayscale"
    s.ok("POST", f"/releases/{ramp}/cancel")
    assert _rollback(s).json()["online"]["version"] == "1.0.0"


def test_rollback_next_to_a_pilot_keeps_the_pilot(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    released(s, "1.1.0")
    s.upload("1.2.0")
    pilot = s.approved("1.2.0")
    s.ok("POST", f"/releases/{pilot}/pilot", json={"tester_user_ids": ["qa"]})
    assert _rollback(s).json()["online"]["version"] == "1.0.0"
    assert s.launch("qa").json()["channel"] == "pilot"
    assert s.launch("other").json()["version"] == "1.0.0"


def test_removal_needs_an_online_version(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    refused = problem(_request_removal(s), 409, "invalid_transition")
    assert "nothing is online" in refused["detail"]
    s.upload("1.0.0")
    pilot = s.approved("1.0.0")
    s.ok("POST", f"/releases/{pilot}/pilot", json={"tester_user_ids": ["qa"]})
    problem(_request_removal(s), 409, "invalid_transition")
    assert _listing(s)["removal"]["status"] == "none"


def _pilot(s: Scenario) -> str:
    s.upload("2.0.0")
    release_id = s.approved("2.0.0")
    s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa"]})
    return release_id


@pytest.mark.parametrize(
    "prepare",
    [
        lambda s: _in_review(s, "2.0.0"),
        _pilot,
        lambda s: grayscale(s, "2.0.0", 5),
    ],
    ids=["in_review", "pilot", "grayscale"],
)
def test_removal_waits_for_a_release_in_review_pilot_or_grayscale(
    client: TestClient, factory: Factory, prepare: Any
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    blocking = prepare(s)
    problem(_request_removal(s), 409, "invalid_transition")
    # Also when a newer release is being built next to it.
    s.upload("3.0.0")
    built(s, "3.0.0")
    problem(_request_removal(s), 409, "invalid_transition")
    assert _listing(s)["removal"]["status"] == "none"
    finish = "withdraw" if s.status(blocking) == "in_review" else "cancel"
    s.ok("POST", f"/releases/{blocking}/{finish}")
    assert _request_removal(s).json()["removal"]["status"] == "requested"


@pytest.mark.parametrize("status", ["tested", "rejected", "approved"])
def test_removal_is_allowed_next_to_a_release_in_preparation(
    client: TestClient, factory: Factory, status: str
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    if status == "approved":
        s.upload("2.0.0")
        s.approved("2.0.0")
    elif status == "rejected":
        release_id = _in_review(s, "2.0.0")
        s.review(release_id, "partner", "reject", "no")
    else:
        s.upload("2.0.0")
        after_test(s, "2.0.0")
    assert _request_removal(s).json()["removal"]["status"] == "requested"


def test_the_partner_reviewer_approves_a_removal(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    requested = _request_removal(s).json()
    assert requested["removal"] == {"status": "requested", "reason": "we are closing"}
    assert s.launch("someone").status_code == 200  # still served while requested
    problem(_request_removal(s), 409, "invalid_transition")
    seen = _listing(s, s.partner_reviewer)
    assert seen["removal"]["status"] == "requested" and seen["online"]["id"] == online
    removed = _decide_removal(s, "approve")
    assert removed.status_code == 200 and removed.json()["removal"]["status"] == "removed"
    for user in ("someone", None):
        problem(s.launch(user), 410, "removed")
    problem(_decide_removal(s, "approve"), 409, "invalid_transition")
    problem(_request_removal(s), 409, "invalid_transition")
    problem(_rollback(s), 409, "invalid_transition")
    assert _audit(s)[-2:] == ["listing.removal.request", "listing.removal.approve"]


def test_the_partner_reviewer_rejects_a_removal(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    _request_removal(s)
    problem(
        s.call(
            "POST", f"{_pair(s)}/removal/review", s.partner_reviewer, json={"decision": "maybe"}
        ),
        422,
        "validation_error",
    )
    kept = _decide_removal(s, "reject")
    assert kept.status_code == 200 and kept.json()["removal"]["status"] == "none"
    assert s.launch("someone").json()["version"] == "1.0.0"
    problem(_decide_removal(s, "approve"), 409, "invalid_transition")  # nothing requested
    assert _request_removal(s).json()["removal"]["status"] == "requested"


def test_only_that_partner_apps_reviewer_decides_a_removal(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    _request_removal(s)
    other_partner = factory.partner_app()
    # Reviewing another partner app gives no say here, even to the workspace's owner.
    factory.partner_reviewer(other_partner, actor=s.owner)
    refusals: list[tuple[Actor, int, str]] = [
        (factory.partner_reviewer(other_partner), 404, "not_found"),
        (s.platform_reviewer, 404, "not_found"),
        (factory.user(), 404, "not_found"),
        (s.admin, 403, "permission_denied"),
        (s.owner, 403, "permission_denied"),
        (s.developer, 403, "permission_denied"),
    ]
    for who, status, code in refusals:
        problem(_decide_removal(s, "approve", who), status, code)
    problem(
        s.client.post(f"/api/v1{_pair(s)}/removal/review", json={"decision": "approve"}),
        401,
        "unauthenticated",
    )
    assert _listing(s)["removal"]["status"] == "requested"
    assert _decide_removal(s, "approve").json()["removal"]["status"] == "removed"


def test_force_removal_cancels_what_is_in_flight(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    ramp = grayscale(s, "1.1.0", 30)
    other_partner = factory.partner_app()
    elsewhere = s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/releases",
        json={"version": "1.1.0", "partner_app": other_partner.code},
    )["id"]
    s.upload("1.2.0")
    building = s.release("1.2.0")
    for who, status, code in (
        (s.owner, 403, "permission_denied"),
        (s.partner_reviewer, 403, "permission_denied"),
        (s.platform_reviewer, 404, "not_found"),
    ):
        problem(s.call("POST", f"{_pair(s)}/force-removal", who), status, code)
    assert s.status(ramp) == "grayscale"

    forced = s.ok("POST", f"{_pair(s)}/force-removal", s.admin, json={"reason": "fraud"})
    assert forced["removal"] == {"status": "removed", "reason": "fraud"}
    assert s.status(ramp) == "canceled" and s.status(building) == "canceled"
    assert s.status(online) == "released"  # what was online stays the record of it
    assert s.status(elsewhere) == "building"  # another partner app is another pair
    problem(s.launch("someone"), 410, "removed")
    actions = _audit(s)
    assert actions[-1] == "listing.removal.force"
    assert actions.count("release.cancel") == 2
    s.run_jobs()
    assert s.status(building) == "canceled"
    problem(s.call("POST", f"{_pair(s)}/force-removal", s.admin), 409, "invalid_transition")


def test_force_removal_withdraws_and_cancels_a_request_in_review(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    in_review = _in_review(s, "1.1.0")
    _ = _request_removal(s)  # refused: a release is in review
    s.ok("POST", f"{_pair(s)}/force-removal", s.admin)
    assert s.status(in_review) == "canceled"
    events = s.ok("GET", "/audit", s.admin, params={"release_id": in_review})["items"]
    assert [e["action"] for e in events][:2] == ["release.cancel", "release.withdraw"]
    assert _listing(s)["removal"]["reason"] == "removed by the platform"


def test_force_removal_overrides_a_pending_request(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    _request_removal(s)
    assert s.ok("POST", f"{_pair(s)}/force-removal", s.admin)["removal"]["status"] == "removed"
    problem(_decide_removal(s, "reject"), 409, "invalid_transition")


@pytest.mark.parametrize("how", ["reviewed", "forced"])
def test_a_new_full_release_after_removal_lists_it_again(
    client: TestClient, factory: Factory, how: str
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    if how == "reviewed":
        _request_removal(s)
        _decide_removal(s, "approve")
    else:
        s.ok("POST", f"{_pair(s)}/force-removal", s.admin)
    problem(s.launch("someone"), 410, "removed")
    s.upload("1.1.0")
    again = s.approved("1.1.0")
    # Nothing is served while removed, so a grayscale has nothing to start next to.
    problem(
        s.call("POST", f"/releases/{again}/grayscale", json={"percentage": 10}),
        409,
        "invalid_transition",
    )
    s.ok("POST", f"/releases/{again}/full-release")
    listing = _listing(s)
    assert listing["removal"] == {"status": "none", "reason": None}
    assert listing["online"]["id"] == again
    assert s.status(first) == "archived"
    assert _launched(s) == ("1.1.0", again)
