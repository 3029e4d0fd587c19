"""Crash recovery: running jobs whose worker is gone go back to the queue.

A worker is gone when its lease has run out (it stopped heartbeating: killed, frozen,
or on a host that died) or, sooner, when its id says it ran on this node in a process
that no longer exists (see workerid.py). Such a job is re-queued to run at once, or
failed for good (with its kind's failure hook, in the same transaction) when that
lost run was its last attempt, so a job that kills its worker cannot loop forever.
Handlers therefore see the same job again after a crash and must be idempotent."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.jobs.models import Job, JobStatus
from minirelease.jobs.queue import FailureHook, LostJob, Reconciled


def reconcile(
    session: Session,
    *,
    now: dt.datetime,
    hooks: Mapping[str, FailureHook | None],
    is_orphaned: Callable[[str], bool],
) -> Reconciled:
    # SKIP LOCKED on PostgreSQL: a row locked right now is being completed or
    # heartbeated by its live worker. SQLite's BEGIN IMMEDIATE already serializes.
    running = session.scalars(
        select(Job)
        .where(Job.status == JobStatus.RUNNING.value, Job.kind.in_(list(hooks)))
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    ).all()
    requeued: list[LostJob] = []
    failed: list[LostJob] = []
    for job in running:
        expired = job.lease_expires_at is None or job.lease_expires_at <= now
        if not expired and not (job.claimed_by and is_orphaned(job.claimed_by)):
            continue
        reason = "its lease expired" if expired else "its process is gone"
        error = f"worker {job.claimed_by} lost during attempt {job.attempts}: {reason}"
        out_of_attempts = job.attempts >= job.max_attempts
        if out_of_attempts:
            error += f"; no attempts left ({job.attempts} of {job.max_attempts})"
        job.error = error
        job.claimed_by = None
        job.lease_expires_at = None
        lost = LostJob(job.id, job.kind, job.subject_id, job.attempts, job.max_attempts, error)
        if out_of_attempts:
            job.status = JobStatus.FAILED.value
            job.finished_at = now
            hook = hooks[job.kind]
            if hook is not None:
                hook(session, job, error)
            failed.append(lost)
        else:
            job.status = JobStatus.QUEUED.value
            job.run_after = now
            requeued.append(lost)
    return Reconciled(requeued=tuple(requeued), failed=tuple(failed))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine. Unknown counts as alive
    (the lease decides then): non-POSIX systems, and pids that address groups.
    A killed child its parent has not reaped yet (a zombie) also counts as alive."""
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True
