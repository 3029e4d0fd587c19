"""``minirelease worker``: a process that runs the durable jobs (builds, compatibility
runs, webhook deliveries) and the periodic work, and serves no request. API processes
started with ``serve --no-jobs`` enqueue; any number of workers on any machines take
the jobs from the database, and the periodic work runs once per interval among them all.

On PostgreSQL a worker wakes on ``NOTIFY`` as soon as a job is committed; it polls the
queue every ``MINIRELEASE_JOB_POLL_SECONDS`` anyway (the only way on SQLite).

SIGTERM (or SIGINT) stops it gracefully: no new job is taken, running jobs get
``MINIRELEASE_WORKER_STOP_SECONDS`` to finish, and those that do not are handed back to the
queue (without spending an attempt) for another worker; the log says which.

With a metrics port (``--metrics-port``, ``MINIRELEASE_WORKER_METRICS_PORT``) it serves
``GET /metrics`` and ``GET /healthz`` there, the same page an API process serves; the
server closes last on SIGTERM, so the draining is still seen."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.background import job_handlers, listener, make_lab, periodic_work
from minirelease.build.signing import SigningKeyError
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import WorkerPool
from minirelease.jobs.runner import StopReport
from minirelease.migrate import SchemaNotCurrent, require_current_schema
from minirelease.observability.exposition import (
    MetricsBindError,
    MetricsServer,
    scrape_registry,
)
from minirelease.scratch import ScratchDir
from minirelease.signing_keys.startup import claim_signing_key, load_signer
from minirelease.storage import open_blob_store
from minirelease.wakeups import JOBS_CHANNEL

logger = logging.getLogger("minirelease.worker")


@dataclass(frozen=True)
class MetricsAddress:
    """Where a worker serves /metrics and /healthz."""

    host: str
    port: int


class Worker:
    """The jobs' pool, the periodic work and the wake-ups of one worker process."""

    def __init__(
        self,
        settings: Settings,
        concurrency: int,
        session_factory: sessionmaker[Any],
        metrics_address: MetricsAddress | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.settings = settings
        self.concurrency = concurrency
        self._sessions = session_factory
        self._signer = load_signer(settings)
        self._scratch = ScratchDir(settings.tmp_dir)
        lab = make_lab(settings, concurrency)
        # A worker lives long: its lab processes start with it, not with the first run.
        self._lab = lab
        self.pool = WorkerPool(
            session_factory,
            job_handlers(
                settings,
                store=open_blob_store(settings),
                scratch=self._scratch,
                signer=self._signer,
                lab=lab,
            ),
            threads=concurrency,
            poll_interval=settings.job_poll_seconds,
            owns=(lab,),
        )
        self.periodic = periodic_work(settings, session_factory)
        self._wakeups = listener(session_factory)
        if self._wakeups is not None:
            self._wakeups.on(JOBS_CHANNEL, self.pool.notify)
        # Bound now: a port in use stops the worker before it takes any job.
        self.metrics_server = (
            MetricsServer(
                scrape_registry(lambda: session_factory),
                metrics_address.host,
                metrics_address.port,
            )
            if metrics_address is not None
            else None
        )

    def start(self) -> None:
        # Jobs written for another schema would fail half-way: refuse before taking any.
        require_current_schema(self._sessions)
        # Builds sign manifests: a worker whose key is not the active one must not run.
        claim_signing_key(self._sessions, self._signer)
        if self.metrics_server is not None:
            self.metrics_server.start()
        if self._wakeups is not None:
            self._wakeups.start()
        self._lab.prestart()
        self.pool.start()
        for task in self.periodic:
            task.start()
        logger.info(
            "worker started: %d job thread(s); periodic work: %s; wake-ups: %s",
            self.concurrency,
            ", ".join(task.name for task in self.periodic),
            "LISTEN/NOTIFY and polling" if self._wakeups else "polling",
        )

    def stop(self) -> StopReport:
        timeout = self.settings.worker_stop_seconds
        for task in self.periodic:
            task.stop()
        report = self.pool.stop(timeout=timeout)
        if self._wakeups is not None:
            self._wakeups.stop()
        self._scratch.close()
        if self.metrics_server is not None:
            self.metrics_server.stop()
        logger.info("worker stopped")
        return report


def run(
    settings: Settings, concurrency: int, metrics_address: MetricsAddress | None = None
) -> None:
    """Run a worker until SIGTERM or SIGINT, then stop it gracefully."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            logger.info(
                "%s received: stopping; running jobs have %g s to finish",
                signal.Signals(signum).name,
                settings.worker_stop_seconds,
            )
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    engine = make_engine(settings.database_url)
    try:
        try:
            worker = Worker(settings, concurrency, make_session_factory(engine), metrics_address)
            worker.start()
        except SigningKeyError as refusal:  # one line and exit code 1, as ``serve`` does
            raise SystemExit(f"error: {refusal} [{refusal.code}]") from None
        except (MetricsBindError, SchemaNotCurrent) as refusal:
            raise SystemExit(f"error: {refusal}") from None
        while not stop.wait(1.0):
            pass
        worker.stop()
    finally:
        engine.dispose()
