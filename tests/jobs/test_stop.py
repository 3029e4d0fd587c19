"""Graceful stop: running jobs finish, or go back to the queue unspent."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.jobs import JobContext, JobHandler, JobStatus
from minirelease.uow import UnitOfWork
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, enqueue_committed, has_status, load_job, wait_until


def test_stop_lets_a_running_job_finish(jobs_db: sessionmaker[Any], make_pool: MakePool) -> None:
    runs = Runs()

    def short(ctx: JobContext) -> None:
        runs.record(ctx)
        time.sleep(0.3)

    pool = make_pool({"build": JobHandler(short)})
    job_id = enqueue_committed(jobs_db)
    wait_until(lambda: len(runs.calls) == 1)
    pool.stop(timeout=5)
    assert load_job(jobs_db, job_id).status == JobStatus.SUCCEEDED


def test_a_handler_that_gives_up_on_stop_releases_its_job(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    runs = Runs()

    def cooperative(ctx: JobContext) -> None:
        runs.record(ctx)
        if ctx.stopping.wait(10):
            raise InterruptedError("shutting down")

    pool = make_pool({"build": JobHandler(cooperative)})
    job_id = enqueue_committed(jobs_db)
    wait_until(lambda: len(runs.calls) == 1)
    started = time.monotonic()
    pool.stop(timeout=5)
    assert time.monotonic() - started < 2
    job = load_job(jobs_db, job_id)
    assert (job.status, job.attempts, job.claimed_by, job.error) == ("queued", 0, None, None)


def test_a_job_still_running_at_the_timeout_is_released_and_runs_again_later(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    runs = Runs()
    gate = threading.Event()
    finished = threading.Event()

    def stubborn(ctx: JobContext) -> None:
        runs.record(ctx)
        gate.wait(10)
        finished.set()

    pool = make_pool({"build": JobHandler(stubborn)})
    job_id = enqueue_committed(jobs_db)
    wait_until(lambda: len(runs.calls) == 1)
    pool.stop(timeout=0.2)
    job = load_job(jobs_db, job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("queued", 0, None)
    # The abandoned thread ends later; its outcome is no longer recorded.
    gate.set()
    assert finished.wait(5)
    time.sleep(0.2)
    assert load_job(jobs_db, job_id).status == JobStatus.QUEUED
    make_pool({"build": JobHandler(runs.record)})
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED))
    assert runs.calls == [(job_id, 1), (job_id, 1)]


def test_an_abandoned_handler_cannot_record_its_outcome_after_its_job_was_handed_back(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    gate = threading.Event()
    fenced: list[bool] = []

    def late(ctx: JobContext) -> None:
        gate.wait(10)
        with UnitOfWork(ctx.session_factory) as uow:
            fenced.append(not ctx.completes_with(uow))
            uow.commit()

    pool = make_pool({"build": JobHandler(late)})
    job_id = enqueue_committed(jobs_db)
    wait_until(has_status(jobs_db, job_id, JobStatus.RUNNING))
    assert pool.stop(timeout=0.1).released == (job_id,)
    gate.set()
    wait_until(lambda: fenced == [True])
    job = load_job(jobs_db, job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("queued", 0, None)


def test_a_handler_completes_its_job_in_its_outcomes_transaction(
    jobs_db: sessionmaker[Any], make_pool: MakePool, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def recording(ctx: JobContext) -> None:
        with UnitOfWork(ctx.session_factory) as uow:
            assert ctx.completes_with(uow)
            assert not ctx.completed.is_set()  # until the outcome commits
            uow.commit()
        assert ctx.completed.is_set()
        seen.append(load_job(jobs_db, ctx.job.id).status)

    make_pool({"build": JobHandler(recording)})
    job_id = enqueue_committed(jobs_db)
    # The job is succeeded from the outcome's commit on; the handler reads it just after.
    wait_until(lambda: seen == [JobStatus.SUCCEEDED])
    assert load_job(jobs_db, job_id).status == JobStatus.SUCCEEDED
    assert "taken from" not in caplog.text
