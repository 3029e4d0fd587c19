"""Concurrent workers never run one job twice: SKIP LOCKED on PostgreSQL, the
serialized BEGIN IMMEDIATE on SQLite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.jobs import JobContext, JobHandler, JobStatus, SqlJobQueue, enqueue
from minirelease.uow import UnitOfWork
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, all_jobs, wait_until

JOBS = 200


def _enqueue_many(session_factory: sessionmaker[Any], count: int) -> set[str]:
    with UnitOfWork(session_factory) as uow:
        ids = {
            enqueue(uow.session, kind="build", subject_id=f"rel_{n}", payload={"n": n}).id
            for n in range(count)
        }
        uow.commit()
    return ids


def test_two_pools_of_two_workers_run_each_of_200_jobs_exactly_once(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    runs = Runs()
    workers: set[str] = set()
    lock = threading.Lock()

    def handler(ctx: JobContext) -> None:
        runs.record(ctx)
        with lock:
            workers.add(ctx.worker_id)

    handlers = {"build": JobHandler(handler)}
    pools = [make_pool(handlers, threads=2, start=False) for _ in range(2)]
    ids = _enqueue_many(jobs_db, JOBS)
    for pool in pools:
        pool.start()
    wait_until(lambda: len(runs.calls) >= JOBS, timeout=20, what="all jobs to run")
    wait_until(
        lambda: all(job.status == JobStatus.SUCCEEDED for job in all_jobs(jobs_db)), timeout=5
    )
    for pool in pools:
        pool.stop()
    assert set(runs.per_job()) == ids
    assert set(runs.per_job().values()) == {1}
    assert {job.attempts for job in all_jobs(jobs_db)} == {1}
    assert len(workers) > 1  # the work was actually shared


def test_racing_claims_never_hand_out_one_job_twice(jobs_db: sessionmaker[Any]) -> None:
    ids = _enqueue_many(jobs_db, 60)
    queue = SqlJobQueue(jobs_db)
    start = threading.Barrier(8)

    def drain(index: int) -> list[str]:
        start.wait()
        taken = []
        while (job := queue.claim(f"node/1/race/{index}", ["build"])) is not None:
            taken.append(job.id)
        return taken

    with ThreadPoolExecutor(8) as executor:
        batches = list(executor.map(drain, range(8)))
    claimed = [job_id for batch in batches for job_id in batch]
    assert sorted(claimed) == sorted(ids)
