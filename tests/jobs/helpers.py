"""Shared helpers for the job tests: a clock tests move by hand, polling for a
condition, reading jobs back with a fresh session, and counting handler runs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.db import utcnow
from minirelease.jobs import Job, enqueue
from minirelease.jobs.runner import JobContext
from minirelease.uow import UnitOfWork


class FakeClock:
    """A ``Clock`` that moves only on ``advance``: a wait on it ends when its condition
    holds or when ``advance`` reaches its end, never by itself."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or utcnow()
        self._lock = threading.Lock()
        # One entry per thread waiting now: what wakes it, and when its time is up.
        self._waits: list[tuple[threading.Condition, dt.datetime]] = []

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def wait_for(
        self, signal: threading.Condition, done: Callable[[], bool], seconds: float
    ) -> bool:
        with self._lock:
            wait = (signal, self._now + dt.timedelta(seconds=seconds))
            # Registered while ``signal`` is held: an advance from now on notifies it.
            self._waits.append(wait)
        try:
            return signal.wait_for(lambda: done() or self.now() >= wait[1]) and done()
        finally:
            with self._lock:
                self._waits.remove(wait)

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += dt.timedelta(**delta)
            signals = {signal for signal, _ in self._waits}
        for signal in signals:  # not under self._lock: waiters read now() holding signal
            with signal:
                signal.notify_all()

    def settled(self, threads: int) -> Callable[[], bool]:
        """Whether exactly ``threads`` threads wait on this clock, none of them due: those
        an ``advance`` woke have done their round and wait again (for ``wait_until``)."""

        def check() -> bool:
            with self._lock:
                return len(self._waits) == threads and all(
                    end > self._now for _, end in self._waits
                )

        return check


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
