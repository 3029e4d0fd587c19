"""Jobs as operators see them: each handler run timed into
``minirelease_job_duration_seconds`` by kind and outcome, each failed attempt counted by
kind, and one log line per run (kind, job id, attempt, outcome, duration) with the job's
id on every line its handler logs."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping

from minirelease.jobs import JobContext, JobHandler
from minirelease.observability import logs
from minirelease.observability.metrics import process_metrics

logger = logging.getLogger("minirelease.jobs.runs")


def instrument(handlers: Mapping[str, JobHandler]) -> dict[str, JobHandler]:
    """The same handlers, each run measured and logged."""
    return {
        kind: dataclasses.replace(handler, run=_measured(kind, handler.run))
        for kind, handler in handlers.items()
    }


def _measured(kind: str, run: Callable[[JobContext], None]) -> Callable[[JobContext], None]:
    metrics = process_metrics()
    succeeded = metrics.job_seconds.labels(kind, "succeeded")
    failed = metrics.job_seconds.labels(kind, "failed")
    failures = metrics.job_failures.labels(kind)

    def measured(ctx: JobContext) -> None:
        started = time.perf_counter()
        with logs.job_context(ctx.job.id):
            try:
                run(ctx)
            except Exception as exc:
                elapsed = time.perf_counter() - started
                failed.observe(elapsed)
                failures.inc()
                logger.warning(
                    "job failed",
                    extra=_fields(ctx, "failed", elapsed, error=type(exc).__name__),
                )
                raise
            elapsed = time.perf_counter() - started
            succeeded.observe(elapsed)
            logger.info("job finished", extra=_fields(ctx, "succeeded", elapsed))

    return measured


def _fields(ctx: JobContext, outcome: str, elapsed: float, **more: str) -> dict[str, object]:
    return {
        "event": "job",
        "kind": ctx.job.kind,
        "job_id": ctx.job.id,
        "subject_id": ctx.job.subject_id,
        "attempt": ctx.job.attempt,
        "outcome": outcome,
        "duration_ms": round(elapsed * 1000, 3),
        **more,
    }
