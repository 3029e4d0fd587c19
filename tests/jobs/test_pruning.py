"""Finished jobs are forgotten after their retention (a week when they succeeded, a
month when they failed); work still queued or running never is, however old."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.jobs import Job, JobStatus
from minirelease.jobs.pruning import JobRetention, prune_finished_jobs
from minirelease.maintenance import prune

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def _job(session: Session, name: str, status: JobStatus, days_ago: float | None) -> None:
    finished = NOW - dt.timedelta(days=days_ago) if days_ago is not None else None
    session.add(
        Job(
            id=f"job_prune_{name}",
            kind="build",
            subject_id=f"rel_{name}",
            payload={},
            status=status.value,
            run_after=NOW - dt.timedelta(days=60),
            created_at=NOW - dt.timedelta(days=60),
            finished_at=finished,
        )
    )


def _left(session: Session) -> set[str]:
    ids = session.scalars(select(Job.id).where(Job.id.like("job_prune_%")))
    return {job_id.removeprefix("job_prune_") for job_id in ids}


def test_finished_jobs_go_after_their_retention_and_unfinished_ones_stay(
    session: Session,
) -> None:
    _job(session, "ok_new", JobStatus.SUCCEEDED, 6.9)
    _job(session, "ok_old", JobStatus.SUCCEEDED, 7)
    _job(session, "failed_new", JobStatus.FAILED, 29)
    _job(session, "failed_old", JobStatus.FAILED, 31)
    _job(session, "queued_old", JobStatus.QUEUED, None)
    _job(session, "running_old", JobStatus.RUNNING, None)
    session.flush()

    assert prune_finished_jobs(session, NOW) == 2
    assert _left(session) == {"ok_new", "failed_new", "queued_old", "running_old"}
    # Idempotent: a second process pruning at the same moment deletes nothing more.
    assert prune_finished_jobs(session, NOW) == 0


def test_retention_is_configurable_and_the_tick_prunes_jobs(session: Session) -> None:
    _job(session, "ok", JobStatus.SUCCEEDED, 2)
    _job(session, "failed", JobStatus.FAILED, 2)
    session.flush()
    short = JobRetention(succeeded=dt.timedelta(days=1), failed=dt.timedelta(days=3))
    assert prune(session, NOW, short) == 1
    assert _left(session) == {"failed"}
