"""Gauges that are facts of the shared state, read from the database at scrape time, so
every process reports the same values: the job queue (queued and running jobs by kind,
and how long the oldest due job has waited), the review queues by side, and the live
grayscale percentages. Three small grouped queries; when the database does not answer,
``minirelease_database_up`` says 0 and the other gauges are left out of that scrape."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import utcnow
from minirelease.jobs.models import Job, JobStatus
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.releases.state import Status

logger = logging.getLogger(__name__)

SessionSource = Callable[[], sessionmaker[Any]]


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes, stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def job_gauges(session: Session, now: dt.datetime) -> list[Metric]:
    jobs = GaugeMetricFamily(
        "minirelease_jobs",
        "Jobs in the queue, by kind and status (queued or running).",
        labels=["kind", "status"],
    )
    oldest = GaugeMetricFamily(
        "minirelease_jobs_oldest_queued_age_seconds",
        "How long the oldest due queued job of each kind has waited for a worker.",
        labels=["kind"],
    )
    counts = session.execute(
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
        .group_by(Job.kind, Job.status)
    ).all()
    for kind, status, count in counts:
        jobs.add_metric([kind, status], float(count))
    due = session.execute(
        select(Job.kind, func.min(Job.run_after))
        .where(Job.status == JobStatus.QUEUED.value, Job.run_after <= now)
        .group_by(Job.kind)
    ).all()
    for kind, since in due:
        oldest.add_metric([kind], max(0.0, (now - _aware(since)).total_seconds()))
    return [jobs, oldest]


def review_gauges(session: Session) -> list[Metric]:
    queue = GaugeMetricFamily(
        "minirelease_review_queue_size",
        "Releases in review still waiting for a side's decision (platform or partner).",
        labels=["side"],
    )
    in_review = Release.status == Status.IN_REVIEW.value
    for side, undecided in (
        ("platform", Release.platform_decision.is_(None)),
        ("partner", Release.partner_decision.is_(None)),
    ):
        count = session.scalar(
            select(func.count()).select_from(Release).where(in_review, undecided)
        )
        queue.add_metric([side], float(count or 0))
    return [queue]


def grayscale_gauges(session: Session) -> list[Metric]:
    live = GaugeMetricFamily(
        "minirelease_grayscale_percentage",
        "Percentage of users served each grayscale release (0 while halted).",
        labels=["partner_app", "app_id", "release_id", "version"],
    )
    rows = session.execute(
        select(PartnerApp.code, MiniProgram.app_id, Release.id, Release.version)
        .add_columns(Release.basis_points, Release.halted)
        .join(PartnerApp, PartnerApp.id == Release.partner_app_id)
        .join(MiniProgram, MiniProgram.id == Release.mini_program_id)
        .where(Release.status == Status.GRAYSCALE.value)
    ).all()
    for code, app_id, release_id, version, basis_points, halted in rows:
        live.add_metric([code, app_id, release_id, version], 0.0 if halted else basis_points / 100)
    return [live]


class DatabaseCollector:
    """A ``prometheus_client`` collector over the shared state of ``sessions()``."""

    def __init__(self, sessions: SessionSource, clock: Callable[[], dt.datetime] = utcnow):
        self._sessions = sessions
        self._clock = clock

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "minirelease_database_up", "Whether this scrape could read the database."
        )
        try:
            with self._sessions()() as session:
                found = [
                    *job_gauges(session, self._clock()),
                    *review_gauges(session),
                    *grayscale_gauges(session),
                ]
        except Exception as exc:
            logger.warning("metrics could not read the database: %s", type(exc).__name__)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield from found
