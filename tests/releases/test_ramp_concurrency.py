"""Several server processes tick at once (issue 5, item 4): on a database of its own,
where every tick really commits, ticks started together at the moment a step is due take
that step exactly once, on SQLite and PostgreSQL; a tick that meets a release a person is
changing skips it and takes it next time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from minirelease.releases.models import Release
from minirelease.releases.ramp_tick import RampMove
from tests.releases.live_scenario import LiveScenario
from tests.releases.ramps import events_by, next_step_at, percentage, plan, ramp, tick

TICKS = 8


def _planned(s: LiveScenario) -> str:
    s.upload("1.0.0")
    online = s.approved("1.0.0")
    s.ok("POST", f"/releases/{online}/full-release")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    body = {"plan": plan((1, 60), (5, 60), (100, None))}
    s.ok("POST", f"/releases/{release_id}/grayscale", json=body)
    return release_id


def test_ticks_at_once_take_a_due_step_once(live: LiveScenario) -> None:
    release_id = _planned(live)
    due = next_step_at(live, release_id)
    assert live.sessions is not None
    sessions = live.sessions
    barrier = threading.Barrier(TICKS)

    def one_tick(_: int) -> list[RampMove]:
        barrier.wait(timeout=30)
        return tick(sessions, due)

    with ThreadPoolExecutor(max_workers=TICKS) as pool:
        moves = [move for result in pool.map(one_tick, range(TICKS)) for move in result]
    assert [(m.release_id, m.basis_points) for m in moves] == [(release_id, 500)]
    assert percentage(live, release_id) == 5
    actor = f"ramp-plan:{ramp(live, release_id)['id']}"
    assert [e["after"]["basis_points"] for e in events_by(live, release_id, actor)] == [500]


def test_a_tick_skips_a_release_a_person_is_changing(live: LiveScenario) -> None:
    release_id = _planned(live)
    due = next_step_at(live, release_id)
    assert live.sessions is not None
    with live.sessions() as person:
        # A person's transaction holds the release's row lock (SQLite: the write lock).
        person.execute(select(Release).where(Release.id == release_id).with_for_update())
        if person.get_bind().dialect.name == "postgresql":
            assert tick(live.sessions, due) == [], "skipped, not waited for"
        person.rollback()
    assert [m.basis_points for m in tick(live.sessions, due)] == [500]
