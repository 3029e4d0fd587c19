"""``allowed_actions`` over HTTP is honest (issue 12, item 7): on a few representative
states, for each role, every endpoint listed accepts the call and every other one answers
403 or 409. Each call is made in a savepoint rolled back after it, so that all of them
meet the same state."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, event

from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, after_test, built, grayscale, released, scenario

# Every endpoint a release's allowed_actions may name, with a call that would do it.
CALLS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "configuration": ("PUT", "configuration", {"minify_js": False}),
    "compatibility-runs": ("POST", "compatibility-runs", None),
    "apply": ("POST", "apply", {}),
    "withdraw": ("POST", "withdraw", None),
    "pilot": ("POST", "pilot", {"tester_user_ids": ["qa-1"]}),
    "pilot/complete": ("POST", "pilot/complete", None),
    "grayscale": ("POST", "grayscale", {"percentage": 100}),
    "pause": ("POST", "pause", None),
    "resume": ("POST", "resume", None),
    "halt": ("POST", "halt", None),
    "full-release": ("POST", "full-release", None),
    "cancel": ("POST", "cancel", None),
    **{
        f"reviews:{side}:{decision}": (
            "POST",
            "reviews",
            {"side": side, "decision": decision, "comment": "checked"},
        )
        for side in ("platform", "partner")
        for decision in ("approve", "reject")
    },
}


def _honest(
    s: Scenario, connection: Connection, release_id: str, actor: Actor, expected: list[str]
) -> None:
    """``actor`` is offered ``expected``, and the endpoints agree, one by one."""
    before = s.ok("GET", f"/releases/{release_id}", actor)
    assert before["allowed_actions"] == expected
    for name, (method, path, body) in CALLS.items():
        savepoint = connection.begin_nested()
        try:
            response = s.call(method, f"/releases/{release_id}/{path}", actor, json=body)
        finally:
            savepoint.rollback()
        if name in expected:
            assert response.status_code < 300, (name, response.text)
        else:
            assert response.status_code in (403, 409), (name, response.text)
    assert s.ok("GET", f"/releases/{release_id}", actor)["status"] == before["status"]


def _in_review(s: Scenario, version: str) -> str:
    s.upload(version)
    release_id = after_test(s, version)
    assert s.ok("POST", f"/releases/{release_id}/apply", json={})["status"] == "in_review"
    return release_id


def test_before_review_the_team_may_build_test_and_apply(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    waiting = built(s, "1.0.0")
    team = ["compatibility-runs", "configuration", "cancel"]
    _honest(s, connection, waiting, s.developer, team)
    _honest(s, connection, waiting, s.owner, team)
    tested = after_test(s, "1.0.0")
    _honest(
        s,
        connection,
        tested,
        s.developer,
        ["compatibility-runs", "configuration", "apply", "cancel"],
    )
    # Reviewers do not see a release before it is applied; nor does an unassigned developer.
    for stranger in (s.platform_reviewer, s.partner_reviewer, factory.user()):
        assert s.call("GET", f"/releases/{tested}", stranger).status_code == 404


def test_apply_is_not_offered_while_another_release_of_the_pair_is_in_review(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    _in_review(s, "1.0.0")
    s.upload("1.1.0")
    second = after_test(s, "1.1.0")
    _honest(s, connection, second, s.developer, ["compatibility-runs", "configuration", "cancel"])


def test_in_review_each_side_decides_and_the_team_may_withdraw(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s, "1.0.0")
    _honest(s, connection, release_id, s.developer, ["withdraw"])
    _honest(
        s,
        connection,
        release_id,
        s.platform_reviewer,
        ["reviews:platform:approve", "reviews:platform:reject"],
    )
    _honest(
        s,
        connection,
        release_id,
        s.partner_reviewer,
        ["reviews:partner:approve", "reviews:partner:reject"],
    )
    s.review(release_id, "platform", "approve")
    _honest(s, connection, release_id, s.platform_reviewer, ["reviews:platform:reject"])


def test_approved_first_version_offers_no_grayscale(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.approved("1.0.0")
    _honest(s, connection, release_id, s.developer, ["pilot", "full-release", "cancel"])
    _honest(s, connection, release_id, s.partner_reviewer, [])


def test_a_paused_grayscale_offers_resume_not_pause(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    _honest(s, connection, first, s.owner, [])
    release_id = grayscale(s, "1.1.0", 5)
    moving = ["grayscale", "pause", "halt", "full-release", "cancel"]
    _honest(s, connection, release_id, s.developer, moving)
    s.ok("POST", f"/releases/{release_id}/pause")
    _honest(s, connection, release_id, s.owner, ["halt", "resume", "full-release", "cancel"])
    _honest(s, connection, release_id, s.platform_reviewer, [])


# What reading allowed_actions for a page selects from (allowed.allowed_for_page): the
# caller's roles, the listings, the finished runs and the pairs' active releases. (The
# rest of a release's read has costs of its own, not this test's subject.)
ALLOWED_READS = (
    "FROM mini_programs",
    "FROM memberships",
    "FROM developer_assignments",
    "FROM listings",
    "WHERE compatibility_runs.release_id IN",
    "FROM releases WHERE releases.mini_program_id IN",
)


def test_a_page_reads_what_each_release_allows_at_a_fixed_cost(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    listing = f"/releases?mini_program_id={s.mini_program_id}"

    def page_cost() -> int:
        seen: list[str] = []

        def note(*args: Any) -> None:
            statement = " ".join(str(args[2]).split())
            if any(part in statement for part in ALLOWED_READS):
                seen.append(statement)

        event.listen(connection, "before_cursor_execute", note)
        try:
            page = s.ok("GET", listing)["items"]
        finally:
            event.remove(connection, "before_cursor_execute", note)
        for item in page:  # as each release's own read says
            alone = s.ok("GET", f"/releases/{item['id']}")
            assert item["allowed_actions"] == alone["allowed_actions"]
            assert "apply" in item["allowed_actions"]
        return len(seen)

    for version in ("1.0.0", "1.1.0", "1.2.0", "1.3.0"):
        s.upload(version)
    after_test(s, "1.0.0")
    one = page_cost()
    for version in ("1.1.0", "1.2.0", "1.3.0"):
        after_test(s, version)
    assert page_cost() == one
