"""Durable background jobs: builds and compatibility runs.

Services call ``enqueue`` inside their unit of work; the API process runs a
``WorkerPool`` (started and stopped with the app) that executes the jobs on threads,
retries failures with backoff and picks up the work of workers that died."""

from minirelease.jobs.models import Job, JobStatus
from minirelease.jobs.queue import (
    ClaimedJob,
    Clock,
    FailOutcome,
    FailureHook,
    JobQueue,
    LostJob,
    Reconciled,
    enqueue,
)
from minirelease.jobs.runner import JobContext, JobHandler, PermanentJobError, WorkerPool
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
    "WorkerPool",
    "enqueue",
]
