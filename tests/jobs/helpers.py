"""Shared helpers for the job tests: polling for a condition, reading jobs back with a
fresh session, and counting handler runs (the clock tests move: tests/clock.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.jobs import Job, enqueue
from minirelease.jobs.runner import JobContext
from minirelease.uow import UnitOfWork


class Runs:
    """A thread-safe record of handler runs: (job id, attempt) in order of start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, int]] = []

    def record(self, ctx: JobContext) -> None:
        with self._lock:
            self.calls.append((ctx.job.id, ctx.attempt))

    def per_job(self) -> Counter[str]:
        with self._lock:
            return Counter(job_id for job_id, _ in self.calls)


def wait_until(condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.02)


def load_job(session_factory: sessionmaker[Any], job_id: str) -> Job:
    with session_factory() as session:
        job = session.get(Job, job_id)
        assert job is not None, f"job {job_id} does not exist"
        return job


def all_jobs(session_factory: sessionmaker[Any]) -> list[Job]:
    with session_factory() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def enqueue_committed(
    session_factory: sessionmaker[Any],
    *,
    kind: str = "build",
    subject_id: str = "rel_test",
    payload: dict[str, Any] | None = None,
    **options: Any,
) -> str:
    with UnitOfWork(session_factory) as uow:
        job = enqueue(
            uow.session, kind=kind, subject_id=subject_id, payload=payload or {}, **options
        )
        uow.commit()
    return job.id


def has_status(session_factory: sessionmaker[Any], job_id: str, status: str) -> Callable[[], bool]:
    return lambda: load_job(session_factory, job_id).status == status
