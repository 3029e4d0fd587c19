"""The ``jobs`` table: durable background work (builds, compatibility runs).

A row is written in the same transaction as the state change that asks for it (the
outbox pattern), so work exists exactly when its reason does, and is only ever seen by
workers once that transaction has committed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    # Workers look for queued jobs that are due; the reconciler for running ones.
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What the job works on, e.g. a release id; indexed to find a subject's jobs.
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    # Claims so far, the current one included (a worker that died counts as one).
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    # Not claimed before this instant: the retry backoff.
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # "node/pid/incarnation/thread" of the worker holding it (see workerid.py).
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    # A running job whose lease has passed belongs to a worker that is gone.
    lease_expires_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    # The last failure, kept when a retry then succeeds.
    error: Mapped[str | None] = mapped_column(Text)
