"""Crash recovery without a real crash: jobs left running by workers that are gone
(lease expired, or their process no longer exists) are re-queued and run again; jobs
of live workers, heartbeating past their first lease, are left alone. Time moves by the
injected clock, so leases expire at exactly their end; one test runs on the real clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs import Job, JobContext, JobHandler, JobStatus, SqlJobQueue
from tests.clock import FakeClock
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, enqueue_committed, has_status, load_job, wait_until


def _dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _claim_as(
    session_factory: sessionmaker[Any], worker_id: str, clock: FakeClock, **options: Any
) -> str:
    """A job claimed by ``worker_id`` at ``clock.now()`` with a 60 s lease, then abandoned."""
    job_id = enqueue_committed(session_factory, run_after=clock.now(), **options)
    queue = SqlJobQueue(session_factory, clock=clock, lease=dt.timedelta(seconds=60))
    claimed = queue.claim(worker_id, ["build"])
    assert claimed is not None and claimed.id == job_id
    return job_id


def test_a_job_whose_lease_expired_is_requeued_and_run_again(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    job_id = _claim_as(jobs_db, "elsewhere/1/gone/0", clock)  # its lease ends in 60 s
    # One worker and the housekeeper, which reconciles every 10 s (a third of the lease).
    pool = make_pool(
        {"build": JobHandler(runs.record)}, threads=1, clock=clock, lease=dt.timedelta(seconds=30)
    )
    for _ in range(5):
        clock.advance(seconds=10)
        wait_until(clock.settled(2), what="a housekeeping round")
    clock.advance(seconds=9.999)
    pool.reconcile()  # one more round, a millisecond before the lease's end
    # Another node's lease is respected up to its very end.
    assert load_job(jobs_db, job_id).status == JobStatus.RUNNING
    assert runs.calls == []
    clock.advance(seconds=0.001)  # the lease's end and the housekeeper's round: re-queued
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), what="the re-queued job")
    assert runs.calls == [(job_id, 2)]
    job = load_job(jobs_db, job_id)
    assert job.error == "worker elsewhere/1/gone/0 lost during attempt 1: its lease expired"


def test_start_up_requeues_at_once_what_a_dead_process_on_this_node_left(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    pool = make_pool({"build": JobHandler(runs.record)}, start=False, clock=clock)
    job_id = _claim_as(jobs_db, f"{pool.node}/{_dead_pid()}/old/0", clock)
    pool.start()  # the lease has 60 s left: only the dead process tells
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), what="the orphaned job")
    assert runs.calls == [(job_id, 2)]
    assert (load_job(jobs_db, job_id).error or "").endswith("its process is gone")


def test_a_worker_lost_on_the_last_attempt_fails_the_job_for_good(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    hooked: list[tuple[str, str]] = []

    def hook(session: Session, job: Job, error: str) -> None:
        hooked.append((job.id, error))

    pool = make_pool({"build": JobHandler(runs.record, hook)}, start=False, clock=clock)
    worker = f"{pool.node}/{_dead_pid()}/old/0"
    job_id = _claim_as(jobs_db, worker, clock, max_attempts=1)
    pool.start()
    job = load_job(jobs_db, job_id)
    assert (job.status, job.finished_at) == (JobStatus.FAILED, clock.now())
    assert hooked == [
        (
            job_id,
            f"worker {worker} lost during attempt 1: its process is gone"
            "; no attempts left (1 of 1)",
        )
    ]
    clock.advance(minutes=1)  # many polls and housekeeping rounds later: never run
    wait_until(clock.settled(3), what="the workers' polls")
    assert runs.calls == []


def test_heartbeats_extend_the_lease_of_a_long_job_and_keep_it_with_its_worker(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    clock = FakeClock()
    runs = Runs()
    finish = threading.Event()

    def long(ctx: JobContext) -> None:
        runs.record(ctx)
        finish.wait(10)

    lease = dt.timedelta(seconds=30)  # housekeeping (heartbeats, reconciling) every 10 s
    handlers = {"build": JobHandler(long)}
    first = make_pool(handlers, threads=1, clock=clock, lease=lease)
    job_id = enqueue_committed(jobs_db, run_after=clock.now())
    first.notify()
    wait_until(lambda: len(runs.calls) == 1)
    assert load_job(jobs_db, job_id).lease_expires_at == clock.now() + lease
    # A second pool reconciles as often, with one idle worker: with the first pool's
    # housekeeper (its worker is busy) three threads wait on the clock.
    make_pool(handlers, threads=1, clock=clock, lease=lease)
    for _ in range(12):  # four leases long
        clock.advance(seconds=10)
        wait_until(clock.settled(3), what="a housekeeping round")
        job = load_job(jobs_db, job_id)
        assert (job.status, job.lease_expires_at) == (JobStatus.RUNNING, clock.now() + lease)
    finish.set()
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), what="the long job")
    assert runs.calls == [(job_id, 1)]
    assert load_job(jobs_db, job_id).error is None


# On the real clock: proves the pool's default clock drives heartbeats and reconciling.
def test_real_clock_heartbeats_keep_a_long_job_with_its_live_worker(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    runs = Runs()

    def slow(ctx: JobContext) -> None:
        runs.record(ctx)
        time.sleep(1.2)  # four leases long

    lease = dt.timedelta(seconds=0.3)
    handlers = {"build": JobHandler(slow)}
    first = make_pool(handlers, threads=1, lease=lease)
    job_id = enqueue_committed(jobs_db)
    first.notify()
    wait_until(lambda: len(runs.calls) == 1)
    # A second pool in this process reconciles every 0.1 s throughout.
    make_pool(handlers, threads=1, lease=lease)
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), what="the slow job")
    assert runs.calls == [(job_id, 1)]
    assert load_job(jobs_db, job_id).error is None
