"""Failures: retried with exponential backoff (exact instants, with an injected clock)
until ``max_attempts``, then failed for good with the hook run in that transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.audit import AuditEvent, record
from minirelease.jobs import (
    FailOutcome,
    Job,
    JobContext,
    JobHandler,
    JobStatus,
    PermanentJobError,
    SqlJobQueue,
)
from tests.clock import FakeClock
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, enqueue_committed, load_job, wait_until

WORKER = "test-node/1/abcd/0"


class FailureLog:
    """A failure hook that changes the subject the way the release service will: an
    audit event in the same session, so it commits (or not) with the job's failure."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, session: Session, job: Job, error: str) -> None:
        self.calls.append((job.id, job.status, error))
        record(
            session,
            actor="system:jobs",
            action="release.build_failed",
            target_type="release",
            target_id=job.subject_id,
            after={"error": error},
        )


def _hook_events(session_factory: sessionmaker[Any]) -> list[dict[str, Any] | None]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent.after).where(AuditEvent.action == "release.build_failed")
            )
        )


def test_each_retry_waits_out_its_backoff_then_the_last_failure_is_final(
    jobs_db: sessionmaker[Any],
) -> None:
    clock = FakeClock()
    queue = SqlJobQueue(jobs_db, clock=clock)
    hook = FailureLog()
    job_id = enqueue_committed(jobs_db, run_after=clock.now())
    for attempt, delay in ((1, 5), (2, 10)):
        claimed = queue.claim(WORKER, ["build"])
        assert claimed is not None and (claimed.id, claimed.attempt) == (job_id, attempt)
        outcome = queue.fail(
            job_id, worker_id=WORKER, error=f"boom {attempt}", retry=True, on_permanent_failure=hook
        )
        assert outcome is FailOutcome.RETRY_SCHEDULED
        job = load_job(jobs_db, job_id)
        assert (job.status, job.claimed_by, job.error) == ("queued", None, f"boom {attempt}")
        assert job.run_after == clock.now() + dt.timedelta(seconds=delay)
        clock.advance(seconds=delay - 0.001)
        assert queue.claim(WORKER, ["build"]) is None
        clock.advance(seconds=0.001)
    claimed = queue.claim(WORKER, ["build"])
    assert claimed is not None and claimed.attempt == 3
    outcome = queue.fail(
        job_id, worker_id=WORKER, error="boom 3", retry=True, on_permanent_failure=hook
    )
    assert outcome is FailOutcome.FAILED
    job = load_job(jobs_db, job_id)
    assert (job.status, job.attempts, job.error) == ("failed", 3, "boom 3")
    assert job.finished_at == clock.now()
    assert hook.calls == [(job_id, "failed", "boom 3")]
    assert _hook_events(jobs_db) == [{"error": "boom 3"}]


def test_a_failing_hook_rolls_the_failure_back(jobs_db: sessionmaker[Any]) -> None:
    def broken(session: Session, job: Job, error: str) -> None:
        raise LookupError("release vanished")

    queue = SqlJobQueue(jobs_db)
    job_id = enqueue_committed(jobs_db, max_attempts=1)
    assert queue.claim(WORKER, ["build"]) is not None
    with pytest.raises(LookupError):
        queue.fail(job_id, worker_id=WORKER, error="boom", retry=True, on_permanent_failure=broken)
    # Still running under the claim: the reconciler fails it (and retries the hook)
    # once the lease runs out, instead of a failed job next to a subject stuck building.
    job = load_job(jobs_db, job_id)
    assert (job.status, job.claimed_by, job.error) == ("running", WORKER, None)


def test_calls_from_a_worker_that_lost_the_job_change_nothing(jobs_db: sessionmaker[Any]) -> None:
    queue = SqlJobQueue(jobs_db)
    job_id = enqueue_committed(jobs_db)
    assert queue.claim(WORKER, ["build"]) is not None
    intruder = "test-node/2/ffff/0"
    assert queue.complete(job_id, worker_id=intruder) is False
    assert queue.heartbeat(job_id, worker_id=intruder) is False
    assert queue.release(job_id, worker_id=intruder) is False
    assert queue.fail(job_id, worker_id=intruder, error="x", retry=False) is FailOutcome.LOST
    assert load_job(jobs_db, job_id).status == JobStatus.RUNNING
    assert queue.complete(job_id, worker_id=WORKER) is True
    assert queue.complete(job_id, worker_id=WORKER) is False  # only once


def test_a_pool_retries_a_failing_handler_and_passes_the_attempt(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()

    def flaky(ctx: JobContext) -> None:
        runs.record(ctx)
        if ctx.attempt < 3:
            raise ValueError(f"attempt {ctx.attempt} failed")

    # Two workers polling every second of the clock, and the housekeeper: three waits.
    pool = make_pool({"build": JobHandler(flaky)}, clock=clock, poll_interval=1)
    job_id = enqueue_committed(jobs_db, run_after=clock.now())
    pool.notify()
    for attempt, delay in ((1, 5), (2, 10)):
        wait_until(lambda a=attempt: _queued_after(jobs_db, job_id, a), what=f"retry {attempt}")
        clock.advance(seconds=delay - 1)
        wait_until(clock.settled(3), what="the workers' polls")
        assert len(runs.calls) == attempt, "not taken before its time"
        clock.advance(seconds=1)  # its time, and the workers' next poll
    wait_until(lambda: load_job(jobs_db, job_id).status == JobStatus.SUCCEEDED)
    assert runs.calls == [(job_id, 1), (job_id, 2), (job_id, 3)]
    job = load_job(jobs_db, job_id)
    assert (job.attempts, job.error) == (3, "ValueError: attempt 2 failed")


def test_a_pool_fails_a_job_for_good_and_runs_the_hook_once(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    hook = FailureLog()

    def broken(ctx: JobContext) -> None:
        raise RuntimeError("compiler crashed")

    pool = make_pool({"build": JobHandler(broken, on_permanent_failure=hook)}, clock=clock)
    job_id = enqueue_committed(jobs_db, run_after=clock.now(), max_attempts=2)
    pool.notify()
    wait_until(lambda: _queued_after(jobs_db, job_id, 1))
    clock.advance(seconds=5)
    wait_until(lambda: load_job(jobs_db, job_id).status == JobStatus.FAILED)
    clock.advance(minutes=1)  # many polls and housekeeping rounds later
    wait_until(clock.settled(3), what="the workers' polls")
    assert hook.calls == [(job_id, "failed", "RuntimeError: compiler crashed")]
    assert _hook_events(jobs_db) == [{"error": "RuntimeError: compiler crashed"}]


def test_a_permanent_error_is_not_retried(jobs_db: sessionmaker[Any], make_pool: MakePool) -> None:
    hook = FailureLog()
    runs = Runs()

    def hopeless(ctx: JobContext) -> None:
        runs.record(ctx)
        raise PermanentJobError("package is not a zip")

    make_pool({"build": JobHandler(hopeless, on_permanent_failure=hook)})
    job_id = enqueue_committed(jobs_db)
    wait_until(lambda: load_job(jobs_db, job_id).status == JobStatus.FAILED)
    assert runs.calls == [(job_id, 1)]
    assert hook.calls == [(job_id, "failed", "PermanentJobError: package is not a zip")]


def _queued_after(session_factory: sessionmaker[Any], job_id: str, attempts: int) -> bool:
    job = load_job(session_factory, job_id)
    return job.status == JobStatus.QUEUED and job.attempts == attempts
