"""The periodic clean-up a long-running installation needs: finished jobs past their
retention, and console sessions that ended. One tick, one transaction; safe to run from
several processes at once (deletes by age are idempotent)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from minirelease.accounts import console_sessions
from minirelease.jobs.pruning import DEFAULT_RETENTION, JobRetention, prune_finished_jobs

logger = logging.getLogger(__name__)


def prune(session: Session, now: dt.datetime, retention: JobRetention = DEFAULT_RETENTION) -> int:
    """A periodic tick: forget what has ended; returns the number of jobs deleted."""
    jobs = prune_finished_jobs(session, now, retention)
    console_sessions.prune(session, now=now)
    if jobs:
        logger.info("pruned %d finished jobs", jobs)
    return jobs
