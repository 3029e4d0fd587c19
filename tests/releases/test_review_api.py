"""Under review over HTTP (issue 3, item 4; design §3): apply with basic info editable and
the whitelists snapshotted, both approvals needed in either order, rejection with a comment,
re-apply, withdraw, and one request per mini program and partner app at a time."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.releases.flow import Scenario, after_test, problem, released, scenario


def _in_review(s: Scenario, version: str = "1.0.0") -> str:
    s.upload(version)
    release_id = after_test(s, version)
    applied = s.ok("POST", f"/releases/{release_id}/apply", json={})
    assert applied["status"] == "in_review"
    return release_id


def _actions(s: Scenario, release_id: str) -> list[str]:
    events = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"]
    return [e["action"] for e in reversed(events)]


def _review(s: Scenario, release_id: str, side: str, decision: str, comment: str = "") -> Any:
    reviewer = s.platform_reviewer if side == "platform" else s.partner_reviewer
    return s.call(
        "POST",
        f"/releases/{release_id}/reviews",
        reviewer,
        json={"side": side, "decision": decision, "comment": comment},
    )


@pytest.mark.parametrize("first", ["platform", "partner"])
def test_both_approvals_are_needed_in_either_order(
    client: TestClient, factory: Factory, first: str
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)
    second = "partner" if first == "platform" else "platform"
    half = s.review(release_id, first, "approve", "looks good")
    assert half["status"] == "in_review"
    assert half["reviews"][first] == {"decision": "approve", "comment": "looks good"}
    assert half["reviews"][second] == {"decision": None, "comment": None}
    again = problem(_review(s, release_id, first, "approve"), 409, "invalid_transition")
    assert again["detail"] == f"the {first} side has already approved"
    done = s.review(release_id, second, "approve")
    assert done["status"] == "approved"
    assert done["reviews"][second]["decision"] == "approve"
    assert done["allowed_actions"] == []  # the reviewer has nothing left to do
    developer_can = s.ok("GET", f"/releases/{release_id}")["allowed_actions"]
    assert developer_can == ["pilot", "full-release", "cancel"]
    problem(_review(s, release_id, first, "reject", "too late"), 409, "invalid_transition")
    assert _actions(s, release_id)[-2:] == ["release.approve", "release.approve"]


@pytest.mark.parametrize("side", ["platform", "partner"])
def test_either_side_rejects_with_a_comment(
    client: TestClient, factory: Factory, side: str
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)
    other = "partner" if side == "platform" else "platform"
    s.review(release_id, other, "approve")
    for blank in ("", "   \n"):
        refused = problem(_review(s, release_id, side, "reject", blank), 422, "validation_error")
        assert "comment" in refused["detail"]
    problem(_review(s, release_id, side, "reject", "x" * 2001), 422, "validation_error")
    problem(_review(s, release_id, side, "maybe", "hm"), 422, "validation_error")
    assert s.status(release_id) == "in_review"

    rejected = _review(s, release_id, side, "reject", "the description promises too much")
    assert rejected.status_code == 200
    body = rejected.json()
    assert body["status"] == "rejected"
    assert body["reviews"][side] == {
        "decision": "reject",
        "comment": "the description promises too much",
    }
    assert body["reviews"][other]["decision"] == "approve"
    assert body["allowed_actions"] == []  # the reviewer's
    # The developer reads why.
    seen = s.ok("GET", f"/releases/{release_id}")
    assert seen["allowed_actions"] == ["apply", "configuration", "cancel"]
    assert seen["reviews"][side]["comment"] == "the description promises too much"
    problem(_review(s, release_id, other, "approve"), 409, "invalid_transition")
    assert _actions(s, release_id)[-1] == "release.reject"


def test_reapply_after_an_edit_asks_both_sides_again(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)
    s.review(release_id, "platform", "approve")
    s.review(release_id, "partner", "reject", "say what the app does")
    again = s.ok(
        "POST",
        f"/releases/{release_id}/apply",
        json={"basic_info": {"description": "Pay your bills in two taps"}},
    )
    assert again["status"] == "in_review"
    assert again["reviews"] == {
        "platform": {"decision": None, "comment": None},
        "partner": {"decision": None, "comment": None},
    }
    assert again["basic_info"]["description"] == "Pay your bills in two taps"
    s.review(release_id, "partner", "approve")
    assert s.status(release_id) == "in_review"
    assert s.review(release_id, "platform", "approve")["status"] == "approved"


def test_reapply_after_a_rebuild_needs_a_new_test(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)
    s.review(release_id, "platform", "reject", "ship source maps")
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"source_maps": True})
    s.run_jobs()
    problem(s.call("POST", f"/releases/{release_id}/apply", json={}), 409, "invalid_transition")
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    s.run_jobs()
    assert s.ok("POST", f"/releases/{release_id}/apply", json={})["status"] == "in_review"


def test_withdraw_goes_back_to_tested(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)
    s.review(release_id, "platform", "approve")
    problem(
        s.call("POST", f"/releases/{release_id}/withdraw", s.platform_reviewer),
        403,
        "permission_denied",
    )
    withdrawn = s.ok("POST", f"/releases/{release_id}/withdraw")
    assert withdrawn["status"] == "tested"
    assert withdrawn["allowed_actions"] == [
        "compatibility-runs",
        "configuration",
        "apply",
        "cancel",
    ]
    problem(s.call("POST", f"/releases/{release_id}/withdraw"), 409, "invalid_transition")
    # Nothing to decide on a withdrawn request.
    problem(_review(s, release_id, "partner", "approve"), 409, "invalid_transition")
    again = s.ok("POST", f"/releases/{release_id}/apply", json={})
    assert again["status"] == "in_review"
    assert again["reviews"]["platform"]["decision"] is None
    s.review(release_id, "partner", "approve")
    assert s.status(release_id) == "in_review"
    assert _actions(s, release_id).count("release.withdraw") == 1


def test_basic_info_edited_at_apply_updates_the_mini_program_and_the_snapshot(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    edits = {"name": "Bill Pay", "description": "Pay bills", "category": "finance"}
    applied = s.ok("POST", f"/releases/{release_id}/apply", json={"basic_info": edits})
    assert applied["basic_info"] == edits | {"icon_sha256": None}
    mini_program = s.ok("GET", f"/mini-programs/{s.mini_program_id}")
    assert {key: mini_program[key] for key in edits} == edits
    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        assert s.ok("GET", f"/releases/{release_id}", reviewer)["basic_info"]["name"] == "Bill Pay"
    events = s.ok("GET", "/audit", s.owner, params={"mini_program_id": s.mini_program_id})
    actions = [e["action"] for e in events["items"]]
    assert "release.apply" in actions and any(a.startswith("mini_program.") for a in actions)


def test_bad_basic_info_at_apply_changes_nothing(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    workspace_id = s.ok("GET", f"/mini-programs/{s.mini_program_id}")["workspace_id"]
    taken = s.ok(
        "POST",
        f"/workspaces/{workspace_id}/mini-programs",
        s.owner,
        json={"name": "Taken", "category": "tools", "release_target": "alipay_plus"},
    )
    assert taken["name"] == "Taken"
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    before = s.ok("GET", f"/mini-programs/{s.mini_program_id}")
    refusals = [
        ({"basic_info": {"category": "weapons"}}, 422, "validation_error"),
        ({"basic_info": {"name": ""}}, 422, "validation_error"),
        ({"basic_info": {"name": "x" * 31}}, 422, "validation_error"),
        ({"basic_info": {"icon": "x"}}, 422, "validation_error"),
        ({"basic_info": {"server_domains": ["evil.example"]}}, 422, "validation_error"),
        ({"whitelists": {}}, 422, "validation_error"),
        ({"basic_info": {"name": "Taken", "description": "d"}}, 409, "conflict"),
    ]
    for body, status, code in refusals:
        problem(s.call("POST", f"/releases/{release_id}/apply", json=body), status, code)
    assert s.ok("GET", f"/mini-programs/{s.mini_program_id}") == before
    release = s.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "tested" and release["basic_info"] is None


def test_an_apply_refused_by_the_state_machine_keeps_the_basic_info(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.release("1.0.0")
    s.run_jobs()
    before = s.ok("GET", f"/mini-programs/{s.mini_program_id}")
    refused = s.call(
        "POST", f"/releases/{release_id}/apply", json={"basic_info": {"name": "Renamed"}}
    )
    problem(refused, 409, "invalid_transition")
    assert s.ok("GET", f"/mini-programs/{s.mini_program_id}") == before
    events = s.ok("GET", "/audit", s.owner, params={"mini_program_id": s.mini_program_id})
    assert not any(e["action"].startswith("mini_program.") for e in events["items"])


def test_the_whitelists_and_basic_info_are_snapshotted_at_apply(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.ok(
        "PATCH",
        f"/mini-programs/{s.mini_program_id}",
        json={"server_domains": ["api.example.com"], "h5_domains": ["h5.example.com"]},
    )
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    applied = s.ok("POST", f"/releases/{release_id}/apply", json={})
    assert applied["server_domains"] == ["api.example.com"]
    assert applied["h5_domains"] == ["h5.example.com"]
    snapshot = applied["basic_info"]

    s.ok(
        "PATCH",
        f"/mini-programs/{s.mini_program_id}",
        json={
            "server_domains": ["api.example.com", "more.example.com"],
            "h5_domains": [],
            "name": "Renamed later",
        },
    )
    for reader in (s.developer, s.platform_reviewer, s.partner_reviewer):
        seen = s.ok("GET", f"/releases/{release_id}", reader)
        assert seen["server_domains"] == ["api.example.com"]
        assert seen["h5_domains"] == ["h5.example.com"]
        assert seen["basic_info"] == snapshot
    s.review(release_id, "platform", "approve")
    s.review(release_id, "partner", "approve")
    released_read = s.ok("POST", f"/releases/{release_id}/full-release")
    assert released_read["server_domains"] == ["api.example.com"]
    assert released_read["basic_info"]["name"] == snapshot["name"]


def test_one_request_per_mini_program_and_partner_app_at_a_time(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    first = _in_review(s, "1.1.0")
    s.upload("1.2.0")
    second = after_test(s, "1.2.0")

    def refused() -> None:
        body = problem(
            s.call("POST", f"/releases/{second}/apply", json={}), 409, "invalid_transition"
        )
        assert "already under way" in body["detail"]
        assert s.status(second) == "tested"

    refused()  # first in review
    s.review(first, "partner", "reject", "no")
    refused()  # rejected
    s.ok("POST", f"/releases/{first}/apply", json={})
    s.review(first, "partner", "approve")
    s.review(first, "platform", "approve")
    refused()  # approved
    s.ok("POST", f"/releases/{first}/pilot", json={"tester_user_ids": ["qa-1"]})
    refused()  # pilot
    s.ok("POST", f"/releases/{first}/pilot/complete")
    s.ok("POST", f"/releases/{first}/grayscale", json={"percentage": 5})
    refused()  # grayscale
    s.ok("POST", f"/releases/{first}/full-release")
    # The first is released now: the second may go to review.
    assert s.ok("POST", f"/releases/{second}/apply", json={})["status"] == "in_review"


def test_another_partner_app_is_another_pair(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    other = factory.partner_app()
    first = _in_review(s)
    in_other = s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/releases",
        json={"version": "1.0.0", "partner_app": other.code},
    )["id"]
    s.run_jobs()
    s.ok("POST", f"/releases/{in_other}/compatibility-runs")
    s.run_jobs()
    assert s.ok("POST", f"/releases/{in_other}/apply", json={})["status"] == "in_review"
    assert s.status(first) == "in_review"
    # The scenario's partner reviewer decides only for their own partner app.
    problem(_review(s, in_other, "partner", "approve"), 404, "not_found")


def test_a_canceled_request_frees_the_pair(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    first = _in_review(s)
    problem(s.call("POST", f"/releases/{first}/cancel"), 409, "invalid_transition")
    s.review(first, "platform", "reject", "not now")
    assert s.ok("POST", f"/releases/{first}/cancel")["status"] == "canceled"
    second = after_test(s, "1.0.0")
    assert s.ok("POST", f"/releases/{second}/apply", json={})["status"] == "in_review"


def test_reviewers_decide_only_their_own_side(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s)

    def decide(who: Any, side: str) -> Any:
        return s.call(
            "POST",
            f"/releases/{release_id}/reviews",
            who,
            json={"side": side, "decision": "approve", "comment": ""},
        )

    problem(decide(s.platform_reviewer, "partner"), 403, "permission_denied")
    problem(decide(s.partner_reviewer, "platform"), 403, "permission_denied")
    for member in (s.owner, s.developer):
        problem(decide(member, "platform"), 403, "permission_denied")
        problem(decide(member, "partner"), 403, "permission_denied")
    problem(decide(s.admin, "platform"), 403, "permission_denied")
    stranger = factory.partner_reviewer(factory.partner_app())
    problem(decide(stranger, "partner"), 404, "not_found")
    unknown_side = s.call(
        "POST",
        f"/releases/{release_id}/reviews",
        s.platform_reviewer,
        json={"side": "both", "decision": "approve"},
    )
    problem(unknown_side, 422, "validation_error")
    release = s.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "in_review"
    assert release["reviews"]["platform"]["decision"] is None
    assert release["reviews"]["partner"]["decision"] is None
