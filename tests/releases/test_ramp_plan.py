"""Ramp plans (issue 5, item 4): a grayscale started with steps raises itself, each step
held for its minimum time, by the periodic tick with an injected clock; every automatic
step is audited with the plan as its actor and reaching 100 % releases like a full
release. Manual raise, pause, halt, resume, cancel, full release and the deadline move the
plan with them, at the app's clock (a ``FakeClock`` where the time between actions
matters). Bad plans are refused with nothing changed. (Health gates:
test_health_gate.py; concurrent ticks: test_ramp_concurrency.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.jobs.periodic import run_tick
from minirelease.releases.models import Release
from minirelease.releases.rollout_actions import complete_due_grayscales
from tests.clock import FakeClock
from tests.engines import SHARED_LAB
from tests.factories import Factory
from tests.releases.flow import grayscale, problem, released, scenario
from tests.releases.ramps import (
    MINUTE,
    SECOND,
    at,
    cohort,
    events_by,
    next_step_at,
    percentage,
    plan,
    ramp,
    start_with_plan,
    tick,
)

FOUR_STEPS = plan((1, 60), (5, 60), (20, 120), (100, None))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_client(
    settings: Settings, session_factory: sessionmaker[Any], clock: FakeClock
) -> Iterator[TestClient]:
    """The ``client`` fixture's app, its requests' "now" read from ``clock``."""
    app = create_app(
        settings, session_factory=session_factory, run_jobs=False, lab=SHARED_LAB, clock=clock
    )
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


def test_a_plan_advances_step_by_step_to_released(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    previous = released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", FOUR_STEPS)
    read = ramp(s, release_id)
    assert [(step["percentage"], step["hold_minutes"]) for step in read["steps"]] == [
        (1, 60),
        (5, 60),
        (20, 120),
        (100, None),
    ]
    assert read["current_step"] == 0 and read["gate"] is None
    assert at(read["next_step_at"]) == at(read["step_started_at"]) + 60 * MINUTE
    assert percentage(s, release_id) == 1

    for step, (points, hold) in enumerate([(500, 60), (2000, 120)], start=1):
        due = next_step_at(s, release_id)
        assert tick(session_factory, due - SECOND) == [], "not a second early"
        moves = tick(session_factory, due)
        assert [(m.release_id, m.move, m.basis_points) for m in moves] == [
            (release_id, "raised", points)
        ]
        read = ramp(s, release_id)
        assert percentage(s, release_id) == points / 100 and read["current_step"] == step
        assert at(read["step_started_at"]) == due
        assert at(read["next_step_at"]) == due + hold * MINUTE
        assert tick(session_factory, due) == [], "a step is taken once"

    due = next_step_at(s, release_id)
    assert [m.move for m in tick(session_factory, due)] == ["released"]
    done = s.ok("GET", f"/releases/{release_id}")
    assert done["status"] == "released" and done["percentage"] == 100
    assert done["ramp"]["status"] == "completed" and done["ramp"]["next_step_at"] is None
    assert done["ramp"]["end_reason"] == "the grayscale reached 100%"
    assert s.status(previous) == "archived"
    assert {s.launch(f"user-{n}").json()["channel"] for n in range(20)} == {"online"}
    assert s.launch("user-1").json()["version"] == "1.1.0"
    # Every automatic step is the plan's, as the audit log tells.
    actor = f"ramp-plan:{read['id']}"
    steps = events_by(s, release_id, actor)
    assert [(e["action"], e["after"]["basis_points"]) for e in steps] == [
        ("release.grayscale", 500),
        ("release.grayscale", 2000),
        ("release.grayscale", 10000),
    ]
    assert [e["after"]["step"] for e in steps] == [1, 2, 3]
    assert [e["action"] for e in events_by(s, previous, actor)] == ["release.archive"]
    started = events_by(s, release_id, s.developer.id)
    assert [e["action"] for e in started][-2:] == ["release.grayscale", "ramp_plan.start"]
    assert tick(session_factory, due + 1000 * MINUTE) == []


def test_a_plan_may_end_below_100_and_waits_there(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", plan((1.5, 10), (2.5, None)))
    assert percentage(s, release_id) == 1.5
    due = next_step_at(s, release_id)
    assert [m.basis_points for m in tick(session_factory, due)] == [250]
    read = ramp(s, release_id)
    assert read["status"] == "active" and read["current_step"] == 1
    assert read["next_step_at"] is None and read["hold_remaining_seconds"] is None
    assert tick(session_factory, due + 10_000 * MINUTE) == []
    assert s.status(release_id) == "grayscale"


def test_a_manual_raise_moves_the_plan_to_the_first_step_above(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    body = plan((1, 30), (5, 60), (20, 60), (50, 90), (100, None))
    release_id = start_with_plan(s, "1.1.0", body)
    first_due = next_step_at(s, release_id)

    raised = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 10})
    read = raised["ramp"]
    # On the 5 % step (the highest at or below 10 %), its 60-minute hold starting afresh.
    assert read["current_step"] == 1
    due = at(read["next_step_at"])
    assert due == at(read["step_started_at"]) + 60 * MINUTE
    assert tick(session_factory, first_due) == []
    assert [m.basis_points for m in tick(session_factory, due)] == [2000]

    raised = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 50})
    assert raised["ramp"]["current_step"] == 3
    due = at(raised["ramp"]["next_step_at"])
    assert tick(session_factory, due - SECOND) == []
    assert [m.move for m in tick(session_factory, due)] == ["released"]
    assert s.status(release_id) == "released"


def test_pause_freezes_the_hold_and_resume_continues_it(
    clocked_client: TestClient,
    clock: FakeClock,
    factory: Factory,
    session_factory: sessionmaker[Any],
) -> None:
    s = scenario(clocked_client, factory)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", FOUR_STEPS)
    due = next_step_at(s, release_id)
    assert due == clock.now() + 60 * MINUTE

    clock.advance(minutes=20)
    assert ramp(s, release_id)["hold_remaining_seconds"] == 40 * 60
    paused = s.ok("POST", f"/releases/{release_id}/pause")["ramp"]
    assert paused["status"] == "active" and paused["next_step_at"] is None
    assert paused["hold_remaining_seconds"] == 40 * 60
    clock.advance(minutes=7)  # paused time: it must not count towards the hold
    assert ramp(s, release_id)["hold_remaining_seconds"] == 40 * 60
    assert tick(session_factory, due + 1000 * MINUTE) == [], "a paused plan does not move"

    resumed = s.ok("POST", f"/releases/{release_id}/resume")["ramp"]
    later = at(resumed["next_step_at"])
    assert later == due + 7 * MINUTE, "the hold is pushed back by the time paused"
    assert resumed["hold_remaining_seconds"] == 40 * 60
    assert tick(session_factory, due) == []
    assert tick(session_factory, later - SECOND) == []
    assert [m.basis_points for m in tick(session_factory, later)] == [500]


def test_a_manual_halt_freezes_the_plan_until_a_person_resumes(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", FOUR_STEPS)
    due = next_step_at(s, release_id)
    halted = s.ok("POST", f"/releases/{release_id}/halt")
    assert halted["halted"] is True and halted["ramp"]["status"] == "active"
    assert tick(session_factory, due + 1000 * MINUTE) == []
    for user in cohort(release_id, 100):
        assert s.launch(user).json()["channel"] == "online"

    s.ok("POST", f"/releases/{release_id}/resume")
    assert [m.basis_points for m in tick(session_factory, next_step_at(s, release_id))] == [500]


@pytest.mark.parametrize(
    ("action", "plan_status", "reason"),
    [
        ("cancel", "canceled", "the release was canceled"),
        ("full-release", "completed", "released fully by a person"),
    ],
)
def test_cancel_and_full_release_end_the_plan(
    client: TestClient,
    factory: Factory,
    session_factory: sessionmaker[Any],
    action: str,
    plan_status: str,
    reason: str,
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", FOUR_STEPS)
    due = next_step_at(s, release_id)
    if action == "cancel":
        s.ok("POST", f"/releases/{release_id}/pause")  # frozen plans end too
    ended = s.ok("POST", f"/releases/{release_id}/{action}")["ramp"]
    assert (ended["status"], ended["end_reason"]) == (plan_status, reason)
    assert ended["next_step_at"] is None and ended["ended_at"] is not None
    assert tick(session_factory, due + 1000 * MINUTE) == []


def test_the_deadline_completes_a_plan_that_is_still_ramping(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory, grayscale_deadline_days=2)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", plan((1, 60), (5, 24 * 60), (100, None)))
    started = at(s.ok("GET", f"/releases/{release_id}")["grayscale_started_at"])
    run_tick(session_factory, complete_due_grayscales, started + 2 * 24 * 60 * MINUTE)
    read = s.ok("GET", f"/releases/{release_id}")
    assert read["status"] == "released"
    assert read["ramp"]["status"] == "completed"
    assert read["ramp"]["end_reason"] == "completed at the partner app's grayscale deadline"


BAD_PLANS: list[tuple[str, Any]] = [
    ("no steps", {"steps": []}),
    ("21 steps", plan(*[(n, 1) for n in range(1, 21)], (50, None))),
    ("falling", plan((5, 10), (1, None))),
    ("flat", plan((5, 10), (5, None))),
    ("below 0.01", plan((0.001, 10), (5, None))),
    ("not in hundredths", plan((1.005, 10), (5, None))),
    ("above 100", plan((1, 10), (100.01, None))),
    ("starting at 100", plan((100, None))),
    ("a hold missing", {"steps": [{"percentage": 1}, {"percentage": 5}]}),
    ("a hold on the last step", plan((1, 10), (5, 10))),
    ("a zero hold", plan((1, 0), (5, None))),
    ("a hold past 30 days", plan((1, 43_201), (5, None))),
    ("holds past the deadline", plan((1, 10 * 24 * 60), (5, 6 * 24 * 60), (100, None))),
    ("a percentage as true", {"steps": [{"percentage": True, "hold_minutes": 1}]}),
    ("a hold as text", {"steps": [{"percentage": 1, "hold_minutes": "5"}, {"percentage": 5}]}),
    ("an unknown step field", {"steps": [{"percentage": 1, "minutes": 5}]}),
    ("a ratio below 1", plan((1, 10), (5, None), gate={"max_failure_rate_ratio": 0.5})),
    ("a delta above 1", plan((1, 10), (5, None), gate={"max_failure_rate_delta": 1.5})),
    ("no samples needed", plan((1, 10), (5, None), gate={"min_samples": 0})),
    ("an unknown gate field", plan((1, 10), (5, None), gate={"threshold": 1})),
]


@pytest.mark.parametrize(("what", "body"), BAD_PLANS, ids=[what for what, _ in BAD_PLANS])
def test_bad_plans_are_refused_and_change_nothing(
    client: TestClient, factory: Factory, what: str, body: Any
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    before = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"]
    refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"plan": body})
    problem(refused, 422, "validation_error")
    read = s.ok("GET", f"/releases/{release_id}")
    assert (read["status"], read["percentage"], read["ramp"]) == ("approved", 0, None)
    assert s.ok("GET", "/audit", s.admin, params={"release_id": release_id})["items"] == before


def test_a_percentage_given_with_a_plan_must_be_its_first_step(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    body = plan((2, 10), (100, None))
    mismatch = {"percentage": 1, "plan": body}
    refused = problem(
        s.call("POST", f"/releases/{release_id}/grayscale", json=mismatch), 422, "validation_error"
    )
    assert "first step" in refused["detail"]
    problem(s.call("POST", f"/releases/{release_id}/grayscale", json={}), 422, "validation_error")
    started = s.ok(
        "POST", f"/releases/{release_id}/grayscale", json={"percentage": 2.00, "plan": body}
    )
    assert started["percentage"] == 2 and started["ramp"]["current_step"] == 0


def test_a_plan_is_given_when_the_grayscale_starts_only(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 1)
    late = {"plan": plan((2, 10), (100, None))}
    refused = problem(
        s.call("POST", f"/releases/{release_id}/grayscale", json=late), 409, "invalid_transition"
    )
    assert "when the grayscale starts" in refused["detail"]
    read = s.ok("GET", f"/releases/{release_id}")
    assert read["percentage"] == 1 and read["ramp"] is None
    # The design map's plain percentage keeps working, with no plan at all.
    assert s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 3})["ramp"] is None


def test_a_plan_that_cannot_move_does_not_hold_up_the_others(
    client: TestClient,
    factory: Factory,
    session_factory: sessionmaker[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken_s, healthy_s = scenario(client, factory), scenario(client, factory)
    released(broken_s, "1.0.0")
    released(healthy_s, "1.0.0")
    broken = start_with_plan(broken_s, "1.1.0", FOUR_STEPS)
    healthy = start_with_plan(healthy_s, "1.1.0", FOUR_STEPS)
    # Data changed behind the platform's back: already above the plan's next step (5 %).
    with session_factory() as session:
        release = session.get(Release, broken)
        assert release is not None
        release.basis_points = 600
        session.commit()
    due = max(next_step_at(broken_s, broken), next_step_at(healthy_s, healthy))
    moves = tick(session_factory, due)
    assert [(m.release_id, m.basis_points) for m in moves] == [(healthy, 500)]
    assert f"release {broken} could not move" in caplog.text
    assert percentage(broken_s, broken) == 6 and ramp(broken_s, broken)["current_step"] == 0
