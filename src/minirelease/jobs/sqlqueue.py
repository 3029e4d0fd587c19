"""``JobQueue`` on the application database (PostgreSQL or SQLite).

Each call is one short transaction of its own. Claiming uses ``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so concurrent workers take different rows without
waiting; SQLite ignores the clause, and its ``BEGIN IMMEDIATE`` (see db.py) makes
claims one at a time instead. Either way no job is claimed twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs import reconciler
from minirelease.jobs.backoff import RetryDelay, retry_delay
from minirelease.jobs.clock import SYSTEM_CLOCK, Clock
from minirelease.jobs.models import Job, JobStatus
from minirelease.jobs.queue import (
    ClaimedJob,
    FailOutcome,
    FailureHook,
    Reconciled,
)
from minirelease.uow import UnitOfWork
from minirelease.wakeups import JOBS_CHANNEL, notify

DEFAULT_LEASE = dt.timedelta(seconds=30)
# Error texts are summaries ("KeyError: 'x'"); the traceback goes to the log.
_ERROR_MAX = 4000


class SqlJobQueue:
    def __init__(
        self,
        session_factory: sessionmaker[Any],
        *,
        clock: Clock = SYSTEM_CLOCK,
        lease: dt.timedelta = DEFAULT_LEASE,
        retry_delay: RetryDelay = retry_delay,
    ) -> None:
        if lease <= dt.timedelta(0):
            raise ValueError("lease must be positive")
        self._sessions = session_factory
        self.clock = clock
        self.lease = lease
        self._retry_delay = retry_delay

    def claim(self, worker_id: str, kinds: Collection[str]) -> ClaimedJob | None:
        with UnitOfWork(self._sessions) as uow:
            now = self.clock.now()
            job = uow.session.scalars(
                select(Job)
                .where(
                    Job.status == JobStatus.QUEUED.value,
                    Job.run_after <= now,
                    Job.kind.in_(list(kinds)),
                )
                .order_by(Job.run_after, Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if job is None:
                return None
            job.status = JobStatus.RUNNING.value
            job.claimed_by = worker_id
            job.attempts += 1
            job.started_at = now
            job.lease_expires_at = now + self.lease
            claimed = ClaimedJob(
                id=job.id,
                kind=job.kind,
                subject_id=job.subject_id,
                payload=dict(job.payload),
                attempt=job.attempts,
                max_attempts=job.max_attempts,
            )
            uow.commit()
        return claimed

    def complete(self, job_id: str, *, worker_id: str) -> bool:
        with UnitOfWork(self._sessions) as uow:
            if not self.complete_in(uow.session, job_id, worker_id=worker_id):
                return False
            uow.commit()
        return True

    def complete_in(self, session: Session, job_id: str, *, worker_id: str) -> bool:
        job = _owned(session, job_id, worker_id)
        if job is None:
            return False
        job.status = JobStatus.SUCCEEDED.value
        job.finished_at = self.clock.now()
        job.lease_expires_at = None
        return True

    def fail(
        self,
        job_id: str,
        *,
        worker_id: str,
        error: str,
        retry: bool,
        on_permanent_failure: FailureHook | None = None,
    ) -> FailOutcome:
        error = error[:_ERROR_MAX]
        with UnitOfWork(self._sessions) as uow:
            job = _owned(uow.session, job_id, worker_id)
            if job is None:
                return FailOutcome.LOST
            now = self.clock.now()
            job.error = error
            job.lease_expires_at = None
            if retry and job.attempts < job.max_attempts:
                job.status = JobStatus.QUEUED.value
                job.claimed_by = None
                job.run_after = now + self._retry_delay(job.attempts)
                outcome = FailOutcome.RETRY_SCHEDULED
            else:
                job.status = JobStatus.FAILED.value
                job.finished_at = now
                if on_permanent_failure is not None:
                    on_permanent_failure(uow.session, job, error)
                outcome = FailOutcome.FAILED
            uow.commit()
        return outcome

    def heartbeat(self, job_id: str, *, worker_id: str) -> bool:
        with UnitOfWork(self._sessions) as uow:
            job = _owned(uow.session, job_id, worker_id)
            if job is None:
                return False
            job.lease_expires_at = self.clock.now() + self.lease
            uow.commit()
        return True

    def release(self, job_id: str, *, worker_id: str) -> bool:
        with UnitOfWork(self._sessions) as uow:
            job = _owned(uow.session, job_id, worker_id)
            if job is None:
                return False
            job.status = JobStatus.QUEUED.value
            job.claimed_by = None
            job.lease_expires_at = None
            job.attempts -= 1  # interrupted by a shutdown, not failed
            job.run_after = self.clock.now()
            notify(uow.session, JOBS_CHANNEL)  # another process's workers take it now
            uow.commit()
        return True

    def reconcile(
        self,
        hooks: Mapping[str, FailureHook | None],
        is_orphaned: Callable[[str], bool],
    ) -> Reconciled:
        with UnitOfWork(self._sessions) as uow:
            result = reconciler.reconcile(
                uow.session, now=self.clock.now(), hooks=hooks, is_orphaned=is_orphaned
            )
            if result.requeued:
                notify(uow.session, JOBS_CHANNEL)
            uow.commit()
        return result


def _owned(session: Session, job_id: str, worker_id: str) -> Job | None:
    """The job, locked, if it is still running under this worker's claim."""
    return session.scalars(
        select(Job)
        .where(
            Job.id == job_id,
            Job.status == JobStatus.RUNNING.value,
            Job.claimed_by == worker_id,
        )
        .with_for_update()
    ).first()
