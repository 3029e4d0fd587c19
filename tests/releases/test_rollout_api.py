"""Release preparation and release over HTTP (issue 3, item 5; design §3, §6): pilot and
its testers, grayscale start and raise, pause, halt and resume, full release archiving the
previous version, and cancel from every status that allows it (completion at the partner
app's deadline is tested in test_deadline.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.rollout.bucketing import bucket
from tests.factories import Factory
from tests.packages.zips import project
from tests.releases.flow import (
    Scenario,
    after_test,
    built,
    grayscale,
    problem,
    released,
    scenario,
)

USERS = [f"user-{n}" for n in range(100)]


def _answers(s: Scenario, users: list[str] = USERS) -> dict[str, tuple[str, str]]:
    """Each user's (channel, version) at launch, or ("", code) when refused."""
    result: dict[str, tuple[str, str]] = {}
    for user in users:
        response = s.launch(user)
        body = response.json()
        if response.status_code == 200:
            result[user] = (body["channel"], body["version"])
        else:
            result[user] = ("", body["code"])
    return result


def _cohort(release_id: str, points: int, users: list[str] = USERS) -> set[str]:
    return {user for user in users if bucket(release_id, user) < points}


def _actions(s: Scenario, release_id: str) -> list[str]:
    events = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"]
    return [e["action"] for e in reversed(events)]


def test_a_pilot_of_a_first_version_reaches_only_its_testers(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.approved("1.0.0")
    piloted = s.ok(
        "POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa-1", "qa-2"]}
    )
    assert piloted["status"] == "pilot" and piloted["pilot_tester_ids"] == ["qa-1", "qa-2"]
    assert piloted["allowed_actions"] == ["pilot", "pilot/complete", "cancel"]
    for tester in ("qa-1", "qa-2"):
        answer = s.launch(tester).json()
        assert (answer["channel"], answer["version"], answer["release_id"]) == (
            "pilot",
            "1.0.0",
            release_id,
        )
    problem(s.launch("someone"), 404, "not_released")
    problem(s.launch(None), 404, "not_released")

    updated = s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa-3"]})
    assert updated["status"] == "pilot" and updated["pilot_tester_ids"] == ["qa-3"]
    problem(s.launch("qa-1"), 404, "not_released")
    assert s.launch("qa-3").json()["channel"] == "pilot"

    completed = s.ok("POST", f"/releases/{release_id}/pilot/complete")
    assert completed["status"] == "approved"
    problem(s.launch("qa-3"), 404, "not_released")
    # The first release of a pair is a full release.
    problem(
        s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": 10}),
        409,
        "invalid_transition",
    )
    s.ok("POST", f"/releases/{release_id}/full-release")
    assert s.launch("qa-3").json()["channel"] == "online"
    assert _actions(s, release_id)[-4:] == [
        "release.pilot",
        "release.update_testers",
        "release.complete_pilot",
        "release.full_release",
    ]


def test_a_pilot_next_to_an_online_version(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa"]})
    assert s.launch("qa").json()["channel"] == "pilot"
    assert s.launch("qa").json()["version"] == "1.1.0"
    other = s.launch("someone").json()
    assert (other["channel"], other["version"]) == ("online", "1.0.0")
    assert s.launch(None).json()["version"] == "1.0.0"
    # Testers keep the new version through the grayscale that follows.
    s.ok("POST", f"/releases/{release_id}/pilot/complete")
    s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 1})
    assert s.launch("qa").json()["channel"] == "pilot"


def test_pilot_tester_lists_are_checked(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.approved("1.0.0")
    for testers in ([], [""], ["a\nb"], ["x" * 65], [f"t{n}" for n in range(201)]):
        refused = s.call("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": testers})
        problem(refused, 422, "validation_error")
    problem(s.call("POST", f"/releases/{release_id}/pilot", json={}), 422, "validation_error")
    assert s.status(release_id) == "approved"
    s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa"]})
    problem(
        s.call("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": []}),
        422,
        "validation_error",
    )
    assert s.ok("GET", f"/releases/{release_id}")["pilot_tester_ids"] == ["qa"]


def test_a_grayscale_starts_only_next_to_an_online_version(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    first = s.approved("1.0.0")
    refused = problem(
        s.call("POST", f"/releases/{first}/grayscale", json={"percentage": 5}),
        409,
        "invalid_transition",
    )
    assert "already online" in refused["detail"]
    s.ok("POST", f"/releases/{first}/full-release")
    second = grayscale(s, "1.1.0", 5)
    read = s.ok("GET", f"/releases/{second}")
    assert read["percentage"] == 5 and read["grayscale_started_at"] is not None
    assert read["paused"] is False and read["halted"] is False
    assert read["allowed_actions"] == [
        "grayscale",
        "pause",
        "halt",
        "full-release",
        "cancel",
    ]


@pytest.mark.parametrize(
    "percentage",
    [0, 0.001, 0.005, 5.005, -1, 100.01, 1000, "abc", "", "5%", None, True, [5], {"p": 5}],
)
def test_a_grayscale_starts_at_a_valid_percentage(
    client: TestClient, factory: Factory, percentage: Any
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": percentage})
    problem(refused, 422, "validation_error")
    read = s.ok("GET", f"/releases/{release_id}")
    assert read["status"] == "approved" and read["percentage"] == 0


def test_a_grayscale_starts_at_one_percent_or_more(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    for below in (0.01, 0.99):
        refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": below})
        assert "starts at 1%" in problem(refused, 409, "invalid_transition")["detail"]
    started = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 1.00})
    assert started["percentage"] == 1


def test_a_grayscale_only_rises_in_steps_of_a_hundredth(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 1)
    for lower_or_same in (1, 0.99, 0.01, 1.00):
        refused = problem(
            s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": lower_or_same}),
            409,
            "invalid_transition",
        )
        assert "only goes up (now 1%)" in refused["detail"]
    for bad_step in (1.001, 2.555, 0, 101):
        problem(
            s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": bad_step}),
            422,
            "validation_error",
        )
    seen: dict[str, tuple[str, str]] = {}
    for percentage, points in ((1.01, 101), (2.5, 250), (33.33, 3333), (50, 5000)):
        raised = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": percentage})
        assert raised["status"] == "grayscale" and raised["percentage"] == points / 100
        answers = _answers(s)
        cohort = _cohort(release_id, points)
        assert {u for u, a in answers.items() if a == ("grayscale", "1.1.0")} == cohort
        assert {u for u, a in answers.items() if a == ("online", "1.0.0")} == set(USERS) - cohort
        # Nobody who had the new version loses it when the ratio rises.
        had = {u for u, a in seen.items() if a[0] == "grayscale"}
        assert had <= cohort
        seen = answers
    done = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 100})
    assert done["status"] == "released" and done["percentage"] == 100
    assert s.status(first) == "archived"
    assert set(_answers(s).values()) == {("online", "1.1.0")}
    assert _actions(s, release_id).count("release.grayscale") == 6


def test_pause_freezes_the_ramp_and_keeps_the_cohort(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 20)
    before = _answers(s)
    paused = s.ok("POST", f"/releases/{release_id}/pause")
    assert paused["paused"] is True and paused["status"] == "grayscale"
    assert _answers(s) == before
    problem(s.call("POST", f"/releases/{release_id}/pause"), 409, "invalid_transition")
    refused = problem(
        s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": 30}),
        409,
        "invalid_transition",
    )
    assert "paused" in refused["detail"]
    resumed = s.ok("POST", f"/releases/{release_id}/resume")
    assert resumed["paused"] is False and resumed["percentage"] == 20
    problem(s.call("POST", f"/releases/{release_id}/resume"), 409, "invalid_transition")
    assert (
        s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 30})["percentage"]
        == 30
    )
    # A paused grayscale may still be released to everyone.
    s.ok("POST", f"/releases/{release_id}/pause")
    done = s.ok("POST", f"/releases/{release_id}/full-release")
    assert done["status"] == "released" and done["paused"] is False


def test_halt_serves_nobody_the_new_version_and_resume_restores_the_cohort(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 40)
    before = _answers(s)
    assert ("grayscale", "1.1.0") in before.values()
    halted = s.ok("POST", f"/releases/{release_id}/halt")
    assert halted["halted"] is True and halted["status"] == "grayscale"
    assert set(_answers(s).values()) == {("online", "1.0.0")}
    for action, body in (
        ("halt", None),
        ("pause", None),
        ("full-release", None),
        ("grayscale", {"percentage": 50}),
    ):
        problem(
            s.call("POST", f"/releases/{release_id}/{action}", json=body),
            409,
            "invalid_transition",
        )
    resumed = s.ok("POST", f"/releases/{release_id}/resume")
    assert resumed["halted"] is False and resumed["percentage"] == 40
    assert _answers(s) == before
    # Paused, then halted: one resume clears both.
    s.ok("POST", f"/releases/{release_id}/pause")
    s.ok("POST", f"/releases/{release_id}/halt")
    cleared = s.ok("POST", f"/releases/{release_id}/resume")
    assert cleared["paused"] is False and cleared["halted"] is False
    assert _actions(s, release_id).count("release.resume") == 2


def test_full_release_archives_the_previous_online_release(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    # Rolling back is the listing's (POST .../rollback), not the release's.
    assert s.ok("GET", f"/releases/{first}")["allowed_actions"] == []
    second = released(s, "1.1.0")
    archived = s.ok("GET", f"/releases/{first}")
    assert archived["status"] == "archived" and archived["allowed_actions"] == []
    now = s.ok("GET", f"/releases/{second}")
    assert now["status"] == "released" and now["percentage"] == 100
    assert now["released_at"] is not None
    assert s.launch("anyone").json()["release_id"] == second
    listing = s.ok("GET", f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}")
    assert listing["online"]["id"] == second
    assert _actions(s, first)[-1] == "release.archive"
    for action in ("full-release", "cancel", "pause"):
        problem(s.call("POST", f"/releases/{second}/{action}"), 409, "invalid_transition")


# Cancel from every status that allows it --------------------------------------------------


def _building(s: Scenario) -> str:
    s.upload("2.0.0")
    return s.release("2.0.0")


def _build_failed(s: Scenario) -> str:
    s.upload("2.0.0", project(extra={"manifest.json": b"{}"}))
    release_id = s.release("2.0.0")
    s.run_jobs()
    assert s.status(release_id) == "build_failed"
    return release_id


def _awaiting_test(s: Scenario) -> str:
    s.upload("2.0.0")
    return built(s, "2.0.0")


def _testing(s: Scenario) -> str:
    release_id = _awaiting_test(s)
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    return release_id


def _tested(s: Scenario) -> str:
    s.upload("2.0.0")
    return after_test(s, "2.0.0")


def _rejected(s: Scenario) -> str:
    release_id = _tested(s)
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    s.review(release_id, "platform", "reject", "no")
    return release_id


def _approved(s: Scenario) -> str:
    s.upload("2.0.0")
    return s.approved("2.0.0")


def _pilot(s: Scenario) -> str:
    release_id = _approved(s)
    s.ok("POST", f"/releases/{release_id}/pilot", json={"tester_user_ids": ["qa"]})
    return release_id


def _grayscale(s: Scenario) -> str:
    return grayscale(s, "2.0.0", 60)


CANCELABLE: dict[str, Callable[[Scenario], str]] = {
    "building": _building,
    "build_failed": _build_failed,
    "awaiting_test": _awaiting_test,
    "testing": _testing,
    "tested": _tested,
    "rejected": _rejected,
    "approved": _approved,
    "pilot": _pilot,
    "grayscale": _grayscale,
}


@pytest.mark.parametrize("status", list(CANCELABLE))
def test_cancel_from_every_status_that_allows_it(
    client: TestClient, factory: Factory, status: str
) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    release_id = CANCELABLE[status](s)
    assert s.status(release_id) == status
    canceled = s.ok("POST", f"/releases/{release_id}/cancel")
    assert canceled["status"] == "canceled" and canceled["allowed_actions"] == []
    s.run_jobs()  # queued work finds the release canceled
    assert s.status(release_id) == "canceled"
    # Everyone (testers too) is back on, or stayed on, the online version.
    assert set(_answers(s, ["qa", *USERS[:40]]).values()) == {("online", "1.0.0")}
    assert s.status(online) == "released"
    assert _actions(s, release_id)[-1] == "release.cancel"
    for action in ("cancel", "full-release", "withdraw", "resume"):
        problem(s.call("POST", f"/releases/{release_id}/{action}"), 409, "invalid_transition")


def test_cancel_is_refused_where_the_table_has_no_cancel(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    second = released(s, "1.1.0")
    s.upload("1.2.0")
    in_review = after_test(s, "1.2.0")
    s.ok("POST", f"/releases/{in_review}/apply", json={})
    for release_id, status in ((first, "archived"), (second, "released"), (in_review, "in_review")):
        refused = problem(
            s.call("POST", f"/releases/{release_id}/cancel"), 409, "invalid_transition"
        )
        assert refused["state"] == status and refused["event"] == "cancel"
        assert s.status(release_id) == status
