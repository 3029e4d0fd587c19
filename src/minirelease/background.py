"""The work done apart from requests, assembled in one place for the two kinds of process
that do it: the API server in its embedded default (``serve``, ``demo``), and
``minirelease worker``.

- ``job_handlers``: what runs the durable jobs (builds, compatibility runs, webhook
  deliveries), by kind.
- ``periodic_work``: grayscale deadlines, ramp plans with their health gates, and pruning;
  each under a lease (jobs/leases.py), so it runs once per interval however many
  processes run it.
- ``listener``: on PostgreSQL, the LISTEN connection that wakes this process's workers
  (and rollout cache) when another process commits work for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from minirelease.build.signing import Signer
from minirelease.compat.lab import CompatibilityLab
from minirelease.config import Settings
from minirelease.jobs import JobHandler
from minirelease.jobs.periodic import Periodic, Tick
from minirelease.maintenance import prune
from minirelease.observability.jobs import instrument
from minirelease.releases import ramp_tick
from minirelease.releases.job_handlers import ReleaseWorkers
from minirelease.releases.rollout_actions import complete_due_grayscales
from minirelease.scratch import ScratchDir
from minirelease.storage import BlobStore
from minirelease.wakeups import Listener, supported
from minirelease.webhooks.worker import WebhookWorkers


def make_lab(settings: Settings, processes: int) -> CompatibilityLab:
    """Where compatibility runs run: processes apart from this one, at most one per thread."""
    return CompatibilityLab(
        processes,
        settings.lab_limits,
        timeout_seconds=settings.lab_timeout_seconds,
        engine_limits=settings.engine_limits,
        priority=settings.lab_priority,
    )


def job_handlers(
    settings: Settings,
    *,
    store: BlobStore,
    scratch: ScratchDir,
    signer: Signer,
    lab: CompatibilityLab,
) -> dict[str, JobHandler]:
    releases = ReleaseWorkers(store=store, scratch=scratch, signer=signer, lab=lab)
    deliveries = WebhookWorkers(allow_private=settings.webhooks_allow_private)
    # Each run timed, counted and logged (observability/jobs.py).
    return instrument({**releases.handlers(), **deliveries.handlers()})


def periodic_work(settings: Settings, session_factory: sessionmaker[Any]) -> list[Periodic]:
    # name → (tick, interval); the name is also the lease's.
    work: dict[str, tuple[Tick, float]] = {
        "grayscale-deadlines": (complete_due_grayscales, settings.deadline_check_seconds),
        # A failing health gate halts its grayscale within one interval.
        "ramp-plans": (ramp_tick.tick, settings.ramp_check_seconds),
        "pruning": (prune, settings.prune_seconds),
    }
    return [
        Periodic(session_factory, tick, interval=interval, name=name, lease=name)
        for name, (tick, interval) in work.items()
    ]


def listener(session_factory: sessionmaker[Any]) -> Listener | None:
    """A LISTEN connection beside the session factory's engine: PostgreSQL only, and not
    for a factory bound to one connection (a test's transaction)."""
    bind = session_factory.kw.get("bind")
    if isinstance(bind, Engine) and supported(bind):
        return Listener(bind)
    return None
