"""Durable background jobs: builds, compatibility runs, webhook deliveries.

Services call ``enqueue`` inside their unit of work; a ``WorkerPool`` (in the API process,
started and stopped with the app, or in ``minirelease worker`` processes) executes the jobs
on threads, retries failures with backoff and picks up the work of workers that died."""

from minirelease.jobs.clock import Clock
from minirelease.jobs.models import Job, JobStatus
from minirelease.jobs.queue import (
    ClaimedJob,
    FailOutcome,
    FailureHook,
    JobQueue,
    LostJob,
    Reconciled,
    enqueue,
)
from minirelease.jobs.runner import (
    JobContext,
    JobHandler,
    PermanentJobError,
    StopReport,
    WorkerPool,
)
from minirelease.jobs.sqlqueue import SqlJobQueue

__all__ = [
    "ClaimedJob",
    "Clock",
    "FailOutcome",
    "FailureHook",
    "Job",
    "JobContext",
    "JobHandler",
    "JobQueue",
    "JobStatus",
    "LostJob",
    "PermanentJobError",
    "Reconciled",
    "SqlJobQueue",
    "StopReport",
    "WorkerPool",
    "enqueue",
]
