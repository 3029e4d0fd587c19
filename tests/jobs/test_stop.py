"""Graceful stop: running jobs finish, or go back to the queue unspent."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.jobs import JobContext, JobHandler, JobStatus
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
