"""Health gates (issue 5, item 5): each evaluation compares the grayscale version's failure
rate with the online version's over the current step's window, from telemetry partner
apps report. A simulated bad version is halted at the next evaluation (exposure stops
within one evaluation interval: its cohort is served the online version), with the reason
in the audit log; a good one advances; too few samples hold the plan back without
halting; the window restarts at each step; a paused grayscale is still guarded."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs.periodic import Periodic
from minirelease.releases.health import Gate, Samples, Verdict, judge
from minirelease.releases.ramp_tick import advance_ramps
from tests.factories import Factory
from tests.releases.flow import Scenario, released, scenario
from tests.releases.ramps import (
    MINUTE,
    at,
    cohort,
    events_by,
    next_step_at,
    partner_key,
    percentage,
    plan,
    ramp,
    reported,
    start_with_plan,
    tick,
)

GATE = {"max_failure_rate_ratio": 2, "max_failure_rate_delta": 0.01, "min_samples": 200}
GATED = plan((1, 60), (5, 60), (100, None), gate=GATE)


def _gated(s: Scenario) -> tuple[str, str, str]:
    """1.0.0 online, 1.1.0 in a gated grayscale at 1 %: (online, grayscale, key)."""
    online = released(s, "1.0.0")
    return online, start_with_plan(s, "1.1.0", GATED), partner_key(s)


def test_a_bad_version_is_halted_at_the_next_evaluation(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    online, release_id, key = _gated(s)
    exposed = cohort(release_id, 100)
    assert exposed, "some users are in the 1 % cohort"
    assert {s.launch(u).json()["version"] for u in exposed} == {"1.1.0"}
    reported(s, key, release_id, "1.1.0", ok=150, crash=80, js_error=20)
    reported(s, key, online, "1.0.0", ok=9900, crash=60, load_failure=40)
    started = at(ramp(s, release_id)["step_started_at"])

    # Long before the hold is over: the gate does not wait for it.
    moves = tick(session_factory, started + MINUTE)
    assert [(m.release_id, m.move) for m in moves] == [(release_id, "halted")]
    for user in exposed:
        answer = s.launch(user).json()
        assert (answer["channel"], answer["version"]) == ("online", "1.0.0")
    read = s.ok("GET", f"/releases/{release_id}")
    assert read["status"] == "grayscale" and read["halted"] is True
    assert read["percentage"] == 1, "the cohort is kept for a resume"
    assert read["ramp"]["status"] == "stopped"
    assert read["ramp"]["end_reason"].startswith("health gate failed: grayscale failure rate 40")
    gate = read["ramp"]["gate"]
    assert gate["status"] == "halted" and gate["samples"] == 250
    assert (gate["grayscale_rate"], gate["online_rate"]) == (0.4, 0.01)
    assert gate["online_samples"] == 10_000 and at(gate["window_start"]) == started

    (halt,) = events_by(s, release_id, f"ramp-plan:{read['ramp']['id']}")
    assert halt["action"] == "release.halt" and halt["after"]["halted"] is True
    why = halt["after"]["health_gate"]
    assert (why["status"], why["grayscale_rate"], why["online_rate"]) == ("failing", 0.4, 0.01)
    assert (why["samples"], why["online_samples"]) == (250, 10_000)
    assert at(why["window_start"]) == started and at(why["window_end"]) == started + MINUTE
    assert "above 2 times and +1.00% the online rate" in why["reason"]

    # Stopped: no further evaluation, no step, until a person decides.
    assert tick(session_factory, started + 1000 * MINUTE) == []
    resumed = s.ok("POST", f"/releases/{release_id}/resume")
    assert resumed["halted"] is False and resumed["ramp"]["status"] == "stopped"
    assert tick(session_factory, started + 1000 * MINUTE) == [], "by hand from here on"
    assert s.ok("POST", f"/releases/{release_id}/cancel")["ramp"]["status"] == "stopped"


def test_exposure_stops_within_one_evaluation_interval(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    """The server's periodic evaluation, on its own thread, with the real clock."""
    s = scenario(client, factory)
    online, release_id, key = _gated(s)
    exposed = cohort(release_id, 100)
    halted = threading.Event()
    ticks: list[list[str]] = []

    def evaluation(session: Session, now: Any) -> None:
        moves = advance_ramps(session, now)
        ticks.append([m.move for m in moves])
        if any(m.move == "halted" for m in moves):
            halted.set()

    periodic = Periodic(session_factory, evaluation, interval=0.05, name="ramp-test")
    # Healthy so far: the periodic check evaluates and leaves the grayscale alone.
    reported(s, key, release_id, "1.1.0", ok=300)
    reported(s, key, online, "1.0.0", ok=1000, crash=5)
    periodic.start()
    try:
        # The test thread keeps off the shared connection while the check's thread runs.
        threading.Event().wait(0.3)
        assert ticks and not halted.is_set()
    finally:
        periodic.stop()
    assert {s.launch(u).json()["channel"] for u in exposed} == {"grayscale"}

    reported(s, key, release_id, "1.1.0", crash=300)
    periodic = Periodic(session_factory, evaluation, interval=0.05, name="ramp-test")
    periodic.start()
    try:
        assert halted.wait(5), "the next evaluation halts the grayscale"
    finally:
        periodic.stop()
    assert {s.launch(u).json()["channel"] for u in exposed} == {"online"}
    assert s.ok("GET", f"/releases/{release_id}")["halted"] is True


def test_a_good_version_advances_with_the_gate_in_the_audit_log(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    online, release_id, key = _gated(s)
    reported(s, key, release_id, "1.1.0", ok=990, js_error=12)
    reported(s, key, online, "1.0.0", ok=99_000, js_error=1000)
    read = ramp(s, release_id)
    assert read["gate"]["status"] == "passing" and read["gate"]["samples"] == 1002
    due = at(read["next_step_at"])
    assert tick(session_factory, due - MINUTE) == [], "passing, but the hold is not over"
    assert [m.basis_points for m in tick(session_factory, due)] == [500]
    (step,) = events_by(s, release_id, f"ramp-plan:{read['id']}")
    assert step["action"] == "release.grayscale" and step["after"]["basis_points"] == 500
    assert step["after"]["health_gate"]["status"] == "passing"
    assert step["after"]["health_gate"]["samples"] == 1002


def test_too_few_samples_hold_the_plan_back_without_halting(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    online, release_id, key = _gated(s)
    # Every launch so far failed, but 150 outcomes are below the 200 needed to judge.
    reported(s, key, release_id, "1.1.0", crash=150)
    reported(s, key, online, "1.0.0", ok=5000)
    due = next_step_at(s, release_id)
    assert tick(session_factory, due + 30 * MINUTE) == []
    read = s.ok("GET", f"/releases/{release_id}")
    assert read["halted"] is False and read["percentage"] == 1
    gate = read["ramp"]["gate"]
    assert gate["status"] == "waiting" and gate["samples"] == 150
    assert gate["reason"] == "150 of the 200 outcomes needed from the grayscale version so far"
    # Once it can judge, 150 failures in 5,150 (2.9 %) against none online fail it.
    reported(s, key, release_id, "1.1.0", ok=5000)
    assert [m.move for m in tick(session_factory, due + 31 * MINUTE)] == ["halted"]


def test_the_window_restarts_at_each_step(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    _, release_id, key = _gated(s)
    reported(s, key, release_id, "1.1.0", ok=500)
    due = next_step_at(s, release_id)
    assert [m.basis_points for m in tick(session_factory, due)] == [500]
    # Outcomes reported before the 5 % step began do not count towards it.
    reported(s, key, release_id, "1.1.0", crash=500)
    assert tick(session_factory, due + 61 * MINUTE) == []
    assert (
        percentage(s, release_id) == 5 and s.ok("GET", f"/releases/{release_id}")["halted"] is False
    )


def test_a_paused_grayscale_is_still_guarded(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    _, release_id, key = _gated(s)
    s.ok("POST", f"/releases/{release_id}/pause")
    reported(s, key, release_id, "1.1.0", ok=100, load_failure=200)
    started = at(ramp(s, release_id)["step_started_at"])
    assert [m.move for m in tick(session_factory, started + MINUTE)] == ["halted"]
    read = s.ok("GET", f"/releases/{release_id}")
    assert (read["paused"], read["halted"], read["ramp"]["status"]) == (True, True, "stopped")


@pytest.mark.parametrize(
    ("grayscale", "online", "verdict"),
    [
        (Samples(1000, 30), Samples(1000, 10), Verdict.FAILING),  # 3 % vs 1 %
        (Samples(1000, 20), Samples(1000, 10), Verdict.PASSING),  # exactly 2 times: not above
        (Samples(1000, 25), Samples(1000, 20), Verdict.PASSING),  # +0.5 point only
        (Samples(1000, 300), Samples(1000, 200), Verdict.PASSING),  # +10 points, 1.5 times
        (Samples(1000, 11), Samples(0, 0), Verdict.FAILING),  # no online data: delta decides
        (Samples(1000, 10), Samples(0, 0), Verdict.PASSING),  # exactly +1 point: not above
        (Samples(199, 199), Samples(1000, 0), Verdict.WAITING),
        (Samples(200, 0), Samples(1000, 0), Verdict.PASSING),
    ],
)
def test_the_verdict_needs_both_thresholds_and_enough_samples(
    grayscale: Samples, online: Samples, verdict: Verdict
) -> None:
    gate = Gate(max_failure_rate_ratio=2.0, max_failure_rate_delta=0.01, min_samples=200)
    assert judge(gate, grayscale, online)[0] == verdict
