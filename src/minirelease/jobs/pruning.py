"""Forgetting finished jobs: the table is the queue, and a queue that keeps every job it
ever ran grows without end and slows every claim. Succeeded jobs go after a week, failed
ones after a month (their error is what an operator looks for); queued and running jobs
are never touched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from minirelease.jobs.models import Job, JobStatus


@dataclass(frozen=True)
class JobRetention:
    succeeded: dt.timedelta = dt.timedelta(days=7)
    failed: dt.timedelta = dt.timedelta(days=30)


DEFAULT_RETENTION = JobRetention()


def prune_finished_jobs(
    session: Session, now: dt.datetime, retention: JobRetention = DEFAULT_RETENTION
) -> int:
    """Delete jobs that finished longer ago than their status is kept; how many went."""
    deleted = 0
    for status, kept in (
        (JobStatus.SUCCEEDED, retention.succeeded),
        (JobStatus.FAILED, retention.failed),
    ):
        result = session.execute(
            delete(Job).where(Job.status == status.value, Job.finished_at <= now - kept)
        )
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted
