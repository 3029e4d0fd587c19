"""A grayscale that has not reached 100 % by its partner app's deadline is completed
automatically (issue 3, item 5), by the periodic check with an injected clock: not a
second early, at the deadline released to everyone with the previous version archived,
by the system actor; halted grayscales wait for a person, paused ones do not; each
partner app's own deadline applies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.audit import AuditEvent
from minirelease.jobs.periodic import Periodic, run_tick
from minirelease.releases.rollout_actions import SYSTEM_DEADLINE, complete_due_grayscales
from tests.clock import FakeClock
from tests.factories import Factory
from tests.jobs.helpers import wait_until
from tests.releases.flow import Scenario, grayscale, released, scenario

SECOND = dt.timedelta(seconds=1)


def _started(s: Scenario, release_id: str) -> dt.datetime:
    started = s.ok("GET", f"/releases/{release_id}")["grayscale_started_at"]
    return dt.datetime.fromisoformat(started)


def _deadline(s: Scenario, release_id: str, days: int) -> dt.datetime:
    return _started(s, release_id) + dt.timedelta(days=days)


def _tick(sessions: sessionmaker[Any], now: dt.datetime) -> list[str]:
    completed: list[str] = []

    def tick(session: Session, at: dt.datetime) -> None:
        completed.extend(complete_due_grayscales(session, at))

    run_tick(sessions, tick, now)
    return completed


def _events(session: Session, release_id: str) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == release_id).order_by(AuditEvent.id)
    )
    return [(event.actor, event.action) for event in rows]


def test_a_grayscale_completes_at_its_deadline_and_not_a_second_before(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any], session: Session
) -> None:
    s = scenario(client, factory, grayscale_deadline_days=7)
    previous = released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 10)
    deadline = _deadline(s, release_id, 7)

    assert _tick(session_factory, deadline - SECOND) == []
    assert s.status(release_id) == "grayscale" and s.status(previous) == "released"
    assert s.launch("user-1").json()["version"] in ("1.0.0", "1.1.0")

    assert _tick(session_factory, deadline) == [release_id]
    done = s.ok("GET", f"/releases/{release_id}")
    assert done["status"] == "released" and done["percentage"] == 100
    assert s.status(previous) == "archived"
    for user in ("user-1", "user-2", "user-3"):
        answer = s.launch(user).json()
        assert (answer["version"], answer["channel"]) == ("1.1.0", "online")
    deadline_events = [e for e in _events(session, release_id) if e[0] == SYSTEM_DEADLINE]
    assert deadline_events == [(SYSTEM_DEADLINE, "release.complete_at_deadline")]
    assert _events(session, previous)[-1] == (SYSTEM_DEADLINE, "release.archive")
    # Done once: a later tick finds nothing left to complete.
    assert _tick(session_factory, deadline + dt.timedelta(days=30)) == []


def test_halted_grayscales_wait_for_a_person_and_paused_ones_do_not(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    halted_s, paused_s = scenario(client, factory), scenario(client, factory)
    released(halted_s, "1.0.0")
    released(paused_s, "1.0.0")
    halted = grayscale(halted_s, "1.1.0", 5)
    paused = grayscale(paused_s, "1.1.0", 5)
    halted_s.ok("POST", f"/releases/{halted}/halt")
    paused_s.ok("POST", f"/releases/{paused}/pause")
    later = max(_deadline(halted_s, halted, 15), _deadline(paused_s, paused, 15)) + SECOND

    assert _tick(session_factory, later) == [paused]
    after = paused_s.ok("GET", f"/releases/{paused}")
    assert after["status"] == "released" and after["paused"] is False
    assert halted_s.ok("GET", f"/releases/{halted}")["status"] == "grayscale"
    # Once a person resumes it, the overdue grayscale completes on the next tick.
    halted_s.ok("POST", f"/releases/{halted}/resume")
    assert _tick(session_factory, later) == [halted]
    assert halted_s.status(halted) == "released"


def test_each_partner_apps_own_deadline_applies(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    short, long = (scenario(client, factory, grayscale_deadline_days=d) for d in (2, 30))
    released(short, "1.0.0")
    released(long, "1.0.0")
    on_short, on_long = grayscale(short, "1.1.0", 1), grayscale(long, "1.1.0", 1)
    start = max(_started(short, on_short), _started(long, on_long))

    assert _tick(session_factory, start + dt.timedelta(days=2)) == [on_short]
    assert long.status(on_long) == "grayscale"
    assert _tick(session_factory, start + dt.timedelta(days=29)) == []
    assert _tick(session_factory, _deadline(long, on_long, 30)) == [on_long]
    assert (short.status(on_short), long.status(on_long)) == ("released", "released")


def test_the_periodic_check_uses_its_injected_clock(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory, grayscale_deadline_days=3)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 20)
    deadline = _deadline(s, release_id, 3)
    clock = FakeClock(deadline - 2 * SECOND)
    ticks: list[tuple[dt.datetime, list[str]]] = []

    def tick(session: Session, at: dt.datetime) -> None:
        ticks.append((at, complete_due_grayscales(session, at)))

    # A check every second of the clock. The test thread keeps off the shared connection
    # until the check's thread waits for its next second again.
    periodic = Periodic(session_factory, tick, interval=1, clock=clock)
    periodic.start()
    try:
        wait_until(clock.settled(1), what="the check waiting")
        clock.advance(seconds=1)
        wait_until(clock.settled(1), what="the tick a second before the deadline")
        assert ticks == [(deadline - SECOND, [])], "a tick before the deadline completes nothing"
        clock.advance(seconds=1)
        wait_until(clock.settled(1), what="the tick at the deadline")
    finally:
        periodic.stop()
    assert ticks == [(deadline - SECOND, []), (deadline, [release_id])]
    assert s.status(release_id) == "released"
