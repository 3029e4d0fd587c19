"""The outbox rule: a job exists exactly when the unit of work that asked for it
commits, and a committed job runs once, woken by ``notify`` rather than the poll."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from minirelease.audit import record
from minirelease.jobs import JobHandler, JobStatus, enqueue
from minirelease.uow import UnitOfWork
from tests.clock import FakeClock
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, all_jobs, has_status, load_job, wait_until


def _build(uow: UnitOfWork, run_after: dt.datetime | None = None) -> str:
    """A service call: a state change (here an audit event) and the job it asks for."""
    record(
        uow.session,
        actor="user_1",
        action="release.create",
        target_type="release",
        target_id="rel_1",
    )
    job = enqueue(
        uow.session, kind="build", subject_id="rel_1", payload={"config": 1}, run_after=run_after
    )
    return job.id


def test_a_rolled_back_unit_of_work_leaves_no_job_and_runs_nothing(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    pool = make_pool({"build": JobHandler(runs.record)}, clock=clock)
    with pytest.raises(RuntimeError), UnitOfWork(jobs_db) as uow:
        _build(uow)
        uow.after_commit(pool.notify)
        raise RuntimeError("the service refused")
    pool.notify()
    clock.advance(seconds=1)  # many polls
    wait_until(clock.settled(3), what="two idle workers and the housekeeper")
    assert all_jobs(jobs_db) == []
    assert runs.calls == []


def test_a_committed_job_runs_once_woken_by_notify(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    # Time stands still: no poll comes, only notify can start the job.
    pool = make_pool({"build": JobHandler(runs.record)}, clock=clock)
    wait_until(clock.settled(3), what="two idle workers and the housekeeper")
    with UnitOfWork(jobs_db) as uow:
        job_id = _build(uow, run_after=clock.now())
        uow.after_commit(pool.notify)
        uow.commit()
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), timeout=5)
    clock.advance(seconds=1)  # many polls later: it ran once
    wait_until(clock.settled(3), what="two idle workers and the housekeeper")
    assert runs.calls == [(job_id, 1)]
    job = load_job(jobs_db, job_id)
    assert (job.attempts, job.error, job.payload) == (1, None, {"config": 1})
    assert job.started_at is not None and job.finished_at is not None
    assert job.lease_expires_at is None


def test_a_pool_takes_only_the_kinds_it_has_handlers_for(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    runs = Runs()
    make_pool({"build": JobHandler(runs.record)})
    with UnitOfWork(jobs_db) as uow:
        other = enqueue(uow.session, kind="compat", subject_id="rel_1", payload={}).id
        mine = enqueue(uow.session, kind="build", subject_id="rel_1", payload={}).id
        uow.commit()
    wait_until(has_status(jobs_db, mine, JobStatus.SUCCEEDED))
    assert load_job(jobs_db, other).status == JobStatus.QUEUED
    assert runs.calls == [(mine, 1)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": ""}, "kind"),
        ({"kind": "k" * 41}, "kind"),
        ({"subject_id": ""}, "subject_id"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_enqueue_refuses_bad_arguments(options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"kind": "build", "subject_id": "rel_1", "payload": {}}
    with Session() as session, pytest.raises(ValueError, match=message):
        enqueue(session, **{**arguments, **options})
