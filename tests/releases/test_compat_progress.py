"""A running compatibility run reports cells done of total (issue 4, item 4): the job
writes its progress in transactions of its own, at most every half second, and only while
the run is running."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from minirelease.releases.compat_progress import ProgressWriter
from minirelease.releases.models import CompatibilityRun
from tests.compat.programs import program
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Factory
from tests.releases.flow import Scenario, built, scenario


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _queued_run(client: TestClient, factory: Factory) -> tuple[Scenario, str, str]:
    s = scenario(client, factory)
    s.upload("1.0.0", program({}))
    release_id = built(s, "1.0.0")
    run = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    return s, release_id, str(run["id"])


def _progress(s: Scenario, release_id: str, run_id: str) -> dict[str, int]:
    run = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{run_id}")
    return dict(run["progress"])


def _set_status(session_factory: sessionmaker[Any], run_id: str, status: str) -> None:
    with session_factory() as session:
        session.execute(
            update(CompatibilityRun).where(CompatibilityRun.id == run_id).values(status=status)
        )
        session.commit()


def test_progress_is_written_while_running_and_throttled(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s, release_id, run_id = _queued_run(client, factory)
    total = _progress(s, release_id, run_id)["cells_total"]
    assert total > 10
    _set_status(session_factory, run_id, "running")
    clock = Clock()
    writer = ProgressWriter(session_factory, run_id, clock=clock)

    writer(3, total)
    assert _progress(s, release_id, run_id) == {"cells_done": 3, "cells_total": total}
    writer(4, total)  # within half a second of the last write: not written
    assert _progress(s, release_id, run_id)["cells_done"] == 3
    clock.now += 0.5
    writer(9, total)
    assert _progress(s, release_id, run_id)["cells_done"] == 9
    clock.now += 1
    writer(total, total)  # the finished report records the last cell
    assert _progress(s, release_id, run_id)["cells_done"] == 9


def test_a_run_that_is_no_longer_running_keeps_its_numbers(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s, release_id, run_id = _queued_run(client, factory)
    total = _progress(s, release_id, run_id)["cells_total"]
    _set_status(session_factory, run_id, "canceled")
    ProgressWriter(session_factory, run_id, clock=Clock())(5, total)
    assert _progress(s, release_id, run_id)["cells_done"] == 0


def test_a_finished_run_has_done_every_cell(client: TestClient, factory: Factory) -> None:
    s, release_id, run_id = _queued_run(client, factory)
    s.run_jobs()
    progress = _progress(s, release_id, run_id)
    assert progress["cells_done"] == progress["cells_total"] > 0
