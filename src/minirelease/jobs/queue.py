"""The queue interface: ``enqueue`` for services, ``JobQueue`` for runners.

``enqueue`` only adds a row to the caller's session: the job commits together with the
state change that asks for it, or not at all, and no worker sees it before that commit
(design §3: side effects only after commit). Wake a pool after the commit with
``uow.after_commit(pool.notify)``; without it, the job waits for the next poll. On
PostgreSQL the enqueue also sends a ``NOTIFY`` in the same transaction, which wakes the
workers of every process listening (wakeups.py) once it commits.

``JobQueue`` is the small surface a runner needs. Every call after ``claim`` names the
worker that claimed the job and does nothing (returns False / ``LOST``) once the job is
no longer that worker's, e.g. because its lease ran out and another worker took it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from minirelease.db import utcnow
from minirelease.ids import new_id
from minirelease.jobs.models import Job, JobStatus
from minirelease.wakeups import JOBS_CHANNEL, notify

# Runs inside the transaction that fails a job for good, so the subject's status
# (e.g. a release building → build_failed) changes atomically with the job's.
FailureHook = Callable[[Session, Job, str], None]

_KIND_MAX = 40
_SUBJECT_MAX = 40


def enqueue(
    session: Session,
    *,
    kind: str,
    subject_id: str,
    payload: dict[str, Any],
    max_attempts: int = 3,
    run_after: dt.datetime | None = None,
) -> Job:
    """Add a job to the caller's unit of work; it becomes visible when that commits."""
    if not kind or len(kind) > _KIND_MAX:
        raise ValueError(f"job kind must be 1 to {_KIND_MAX} characters, got {kind!r}")
    if not subject_id or len(subject_id) > _SUBJECT_MAX:
        raise ValueError(f"job subject_id must be 1 to {_SUBJECT_MAX} characters")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    now = utcnow()
    job = Job(
        id=new_id("job"),
        kind=kind,
        subject_id=subject_id,
        payload=dict(payload),
        status=JobStatus.QUEUED.value,
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or now,
        created_at=now,
    )
    session.add(job)
    notify(session, JOBS_CHANNEL)
    return job


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker got from ``claim``: a snapshot, not a row bound to a session."""

    id: str
    kind: str
    subject_id: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first run, counting runs whose worker died
    max_attempts: int


class FailOutcome(StrEnum):
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"  # for good: the failure hook ran
    LOST = "lost"  # the job was no longer this worker's: nothing changed


@dataclass(frozen=True)
class LostJob:
    """A running job whose worker was gone, as the reconciler left it."""

    id: str
    kind: str
    subject_id: str
    attempts: int
    max_attempts: int
    error: str  # which worker was lost, in which attempt, and how it was noticed

    def describe(self) -> str:
        return f"job {self.id} ({self.kind} of {self.subject_id})"


@dataclass(frozen=True)
class Reconciled:
    requeued: tuple[LostJob, ...] = ()
    # Out of attempts: each attempt's worker died (a job that kills its worker, a
    # "poison" job, ends here instead of taking down every restart).
    failed: tuple[LostJob, ...] = ()


class JobQueue(Protocol):
    def claim(self, worker_id: str, kinds: Collection[str]) -> ClaimedJob | None:
        """Atomically take the oldest due queued job of one of ``kinds``, if any."""
        ...

    def complete(self, job_id: str, *, worker_id: str) -> bool: ...

    def complete_in(self, session: Session, job_id: str, *, worker_id: str) -> bool:
        """Mark the job succeeded in the caller's transaction, locking it first, if this
        worker still holds it; False (and nothing changed) when it was taken away."""
        ...

    def fail(
        self,
        job_id: str,
        *,
        worker_id: str,
        error: str,
        retry: bool,
        on_permanent_failure: FailureHook | None = None,
    ) -> FailOutcome:
        """Re-queue with backoff while attempts remain and ``retry``; else fail for good."""
        ...

    def heartbeat(self, job_id: str, *, worker_id: str) -> bool:
        """Extend the lease; False when the job is no longer this worker's."""
        ...

    def release(self, job_id: str, *, worker_id: str) -> bool:
        """Give a claimed job back unfinished (shutdown), without spending an attempt."""
        ...

    def reconcile(
        self,
        hooks: Mapping[str, FailureHook | None],
        is_orphaned: Callable[[str], bool],
    ) -> Reconciled:
        """Re-queue running jobs of the ``hooks``' kinds whose worker is gone (lease
        expired, or ``is_orphaned(claimed_by)``); fail those out of attempts."""
        ...
