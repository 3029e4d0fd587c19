"""Conflicting transitions on one release from many threads at once (issue 3, item 8),
over HTTP against a real server on a database of its own, SQLite and PostgreSQL: each
request succeeds or gets a 409, nothing is lost, and the audit log holds exactly the
successful transitions, each a legal step from where the previous one left the release."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.releases.models import Listing
from minirelease.releases.service import ensure_listing
from minirelease.releases.state import ReleaseFacts, Status
from tests.factories import Factory
from tests.releases.concurrency import (
    Call,
    assert_events_match,
    assert_succeeded_or_refused,
    at_once,
    replay,
)
from tests.releases.live_scenario import LiveScenario

THREADS = 20


def test_raising_a_grayscale_from_many_threads_only_goes_up(live: LiveScenario) -> None:
    _, release_id = live.in_grayscale(1)
    mark = live.mark()
    percentages = list(range(2, 2 + THREADS))
    successes = live.fire(
        [
            Call(
                "POST",
                f"/releases/{release_id}/grayscale",
                live.developer,
                {"percentage": p},
                "release.grayscale",
            )
            for p in percentages
        ]
    )
    events = live.events(release_id, mark)
    assert_events_match(successes, events)
    final = replay(ReleaseFacts(Status.GRAYSCALE, 100, pair_has_online_version=True), events)
    raised = [e.after["basis_points"] for e in events]
    assert raised == sorted(set(raised)), "the ratio only goes up, each step once"
    assert sorted(raised) == sorted(round(o.body["percentage"] * 100) for o in successes)
    assert all(o.body["percentage"] == o.call.json["percentage"] for o in successes)
    # The highest request always wins, whenever it ran: nothing above it could commit first.
    release = live.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "grayscale" and release["percentage"] == max(percentages)
    assert final.basis_points == max(percentages) * 100


def test_cancel_full_release_and_halt_at_once(live: LiveScenario) -> None:
    online, release_id = live.in_grayscale(5)
    mark = live.mark()
    kinds = (
        ("cancel", "release.cancel"),
        ("full-release", "release.full_release"),
        ("halt", "release.halt"),
    )
    calls = [
        Call("POST", f"/releases/{release_id}/{path}", live.developer, label=label)
        for path, label in (kinds[i % 3] for i in range(THREADS))
    ]
    successes = live.fire(calls)
    events = live.events(release_id, mark)
    assert_events_match(successes, events)
    final = replay(ReleaseFacts(Status.GRAYSCALE, 500, pair_has_online_version=True), events)
    ended = [o for o in successes if o.call.label != "release.halt"]
    halts = [o for o in successes if o.call.label == "release.halt"]
    # Canceled and released are both ends: exactly one request got there; a halt may
    # come first, and then only a cancel can follow it.
    assert len(ended) == 1 and len(halts) <= 1
    assert final.status in (Status.CANCELED, Status.RELEASED)
    assert live.status(release_id) == final.status.value
    previous = live.events(online, mark)
    launched = live.launch("someone").json()
    if final.status is Status.RELEASED:
        assert not halts
        assert [e.action for e in previous] == ["release.archive"]
        assert live.status(online) == "archived" and launched["version"] == "1.1.0"
    else:
        assert previous == [] and live.status(online) == "released"
        assert launched["version"] == "1.0.0" and launched["channel"] == "online"


def test_two_releases_of_one_pair_apply_at_once(live: LiveScenario) -> None:
    first, second = live.tested("1.0.0"), live.tested("1.1.0")
    mark = live.mark()
    calls = [
        Call("POST", f"/releases/{rid}/apply", live.developer, {}, "release.apply")
        for rid in [first, second] * (THREADS // 2)
    ]
    outcomes = at_once(live.base_url, calls)
    successes = assert_succeeded_or_refused(outcomes)
    assert len(successes) == 1, "only one release of a pair may be in review"
    winner = successes[0].call.path.split("/")[2]
    loser = second if winner == first else first
    for outcome in outcomes:
        if outcome.call.path == f"/releases/{loser}/apply":
            assert "already under way" in outcome.body["detail"], outcome.body
    assert live.status(winner) == "in_review" and live.status(loser) == "tested"
    assert [e.action for e in live.events(winner, mark)] == ["release.apply"]
    assert live.events(loser, mark) == []


def _in_review(live: LiveScenario) -> str:
    release_id = live.tested("1.0.0")
    live.ok("POST", f"/releases/{release_id}/apply", json={})
    return release_id


def _review(release_id: str, reviewer: Any, side: str, decision: str) -> Call:
    body = {"side": side, "decision": decision, "comment": "" if decision == "approve" else "no"}
    label = f"release.{decision}"
    return Call("POST", f"/releases/{release_id}/reviews", reviewer, body, label)


def test_platform_and_partner_approve_at_once(live: LiveScenario) -> None:
    release_id = _in_review(live)
    mark = live.mark()
    sides = [("platform", live.platform_reviewer), ("partner", live.partner_reviewer)]
    calls = [
        _review(release_id, reviewer, side, "approve")
        for side, reviewer in (sides[i % 2] for i in range(THREADS))
    ]
    successes = live.fire(calls)
    assert sorted(o.call.json["side"] for o in successes) == ["partner", "platform"]
    events = live.events(release_id, mark)
    assert_events_match(successes, events)
    final = replay(ReleaseFacts(Status.IN_REVIEW), events)
    assert final.status is Status.APPROVED
    assert [e.after["status"] for e in events] == ["in_review", "approved"]
    release = live.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "approved"
    assert {side: r["decision"] for side, r in release["reviews"].items()} == {
        "platform": "approve",
        "partner": "approve",
    }


def test_reviewers_of_one_side_approve_at_once(live: LiveScenario) -> None:
    release_id = _in_review(live)
    assert live.factory is not None
    reviewers = [live.platform_reviewer, live.factory.user(platform_reviewer=True)]
    mark = live.mark()
    calls = [_review(release_id, reviewers[i % 2], "platform", "approve") for i in range(THREADS)]
    successes = live.fire(calls)
    assert len(successes) == 1, "one side approves once"
    events = live.events(release_id, mark)
    assert_events_match(successes, events)
    assert events[0].actor == successes[0].call.actor.id
    assert events[0].after["platform_reviewer_id"] == successes[0].call.actor.id
    assert replay(ReleaseFacts(Status.IN_REVIEW), events).status is Status.IN_REVIEW
    assert live.fire(calls[:2]) == [], "the side has approved: later approvals are refused"


def test_one_side_approves_and_rejects_at_once(live: LiveScenario) -> None:
    release_id = _in_review(live)
    mark = live.mark()
    calls = [
        _review(release_id, live.platform_reviewer, "platform", decision)
        for decision in ["approve", "reject"] * (THREADS // 2)
    ]
    successes = live.fire(calls)
    events = live.events(release_id, mark)
    assert_events_match(successes, events)
    final = replay(ReleaseFacts(Status.IN_REVIEW), events)
    # A rejection always lands (from in review, approved by this side or not); an
    # approval only when it came first, and then once.
    assert final.status is Status.REJECTED
    assert [e.action for e in events] in (
        ["release.reject"],
        ["release.approve", "release.reject"],
    )
    assert live.status(release_id) == "rejected"


def test_a_write_that_lost_its_row_version_race_is_a_409_conflict(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    """Every service locks what it changes, so no request is known to lose a row_version
    race; should one ever do, the real ``StaleDataError`` must be a 409, not a 500."""
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    partner = factory.partner_app()
    with session_factory() as session:
        listing_id = ensure_listing(session, mp.id, partner.id).id
        session.commit()

    def overtaken_write() -> None:
        with session_factory() as mine, session_factory() as theirs:
            stale = mine.get(Listing, listing_id)
            fresh = theirs.get(Listing, listing_id)
            assert stale is not None and fresh is not None
            fresh.removal_reason = "changed first"
            theirs.commit()
            stale.removal_reason = "changed second"
            mine.flush()  # UPDATE … WHERE row_version = 1: no row, StaleDataError

    app: Any = client.app
    app.add_api_route("/test/overtaken-write", overtaken_write, methods=["POST"])
    response = client.post("/test/overtaken-write")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "conflict"
