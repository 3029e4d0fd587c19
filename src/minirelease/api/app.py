"""The application factory: settings and a session factory in, an ASGI app out.

The app owns the platform signing key, the in-memory rollout snapshot that launches and
manifests are answered from, and, unless told not to, the pool of worker threads that
runs builds and compatibility runs and the periodic deadline check; they start and stop
with it. The worker pool owns the compatibility lab's processes, where compatibility runs
run (this process never parses a package's code nor loads the JavaScript engine), unless
a lab is given to share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker

from minirelease import __version__
from minirelease.api import errors
from minirelease.api.docs import install_docs
from minirelease.api.launch_bodies import LaunchBodies
from minirelease.api.openapi import install_openapi
from minirelease.api.query_params import refuse_unknown_query_parameters
from minirelease.api.routers import ROUTERS
from minirelease.api.routers.launch import install_launch_route
from minirelease.build.signing import load_or_create_signing_key
from minirelease.compat.lab import CompatibilityLab
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import WorkerPool
from minirelease.jobs.periodic import Periodic
from minirelease.packages.storage import BlobStore
from minirelease.releases import ramp_tick
from minirelease.releases.job_handlers import ReleaseWorkers
from minirelease.releases.rollout_actions import complete_due_grayscales
from minirelease.rollout.cache import RolloutCache
from minirelease.rollout.manifest import ManifestCache
from minirelease.scratch import ScratchDir
from minirelease.web import install_console
from minirelease.webhooks.worker import WebhookWorkers

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Any] | None = None,
    *,
    run_jobs: bool | None = None,
    lab: CompatibilityLab | None = None,
) -> FastAPI:
    settings.ensure_dirs()
    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.database_url))
    signer = load_or_create_signing_key(settings.data_dir, settings.signing_key_pem)
    own_lab = lab is None
    if lab is None:
        lab = CompatibilityLab(
            settings.job_threads,
            settings.lab_limits,
            timeout_seconds=settings.lab_timeout_seconds,
            engine_limits=settings.engine_limits,
            priority=settings.lab_priority,
        )
    # Uploads being received and packages being built: this process's own directory,
    # swept of what killed processes left when it is made.
    scratch = ScratchDir(settings.tmp_dir)
    workers = ReleaseWorkers(
        store=BlobStore(settings.blob_dir),
        scratch=scratch,
        signer=signer,
        lab=lab,
    )
    deliveries = WebhookWorkers(allow_private=settings.webhooks_allow_private)
    pool = WorkerPool(
        session_factory,
        {**workers.handlers(), **deliveries.handlers()},
        threads=settings.job_threads,
        owns=(lab,) if own_lab else (),
    )
    start_pool = settings.run_jobs if run_jobs is None else run_jobs
    deadlines = Periodic(
        session_factory,
        complete_due_grayscales,
        interval=settings.deadline_check_seconds,
        name="grayscale-deadlines",
    )
    # Ramp plans and their health gates: a failing gate halts within one interval.
    ramps = Periodic(
        session_factory,
        ramp_tick.tick,
        interval=settings.ramp_check_seconds,
        name="ramp-plans",
    )

    # Launches and manifests are answered from memory; the source is read when the cache
    # starts, since the API suites point one app at each test's session factory.
    rollout = RolloutCache(
        lambda: app.state.session_factory, poll_seconds=settings.rollout_poll_seconds
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(lambda: scratch.path)
        await anyio.to_thread.run_sync(rollout.start)
        if start_pool:
            pool.start()
            deadlines.start()
            ramps.start()
        try:
            yield
        finally:
            if start_pool:
                await anyio.to_thread.run_sync(ramps.stop)
                await anyio.to_thread.run_sync(deadlines.stop)
            # Also when jobs ran only through run_pending: it closes the lab's processes.
            await anyio.to_thread.run_sync(pool.stop)
            await anyio.to_thread.run_sync(rollout.stop)
            scratch.close()

    app = FastAPI(
        title="minirelease",
        version=__version__,
        description="Build, test, review and release mini programs to partner apps.",
        openapi_url="/openapi.json",
        # Served by install_docs, from vendored assets rather than a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.signer = signer
    app.state.jobs = pool
    app.state.scratch = scratch
    app.state.jobs_running = start_pool
    app.state.rollout = rollout
    app.state.manifests = ManifestCache()
    app.state.launch_bodies = LaunchBodies()
    app.state.base_urls = {}
    errors.install(app)

    # Async, written directly and routed first, like the launch: the constant body
    # benchmarks/launch.py measures launches against.
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    install_launch_route(app, API_PREFIX)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_unknown_query_parameters)])
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    install_openapi(app)
    install_docs(app)
    # The console last: its pages live at the root, beside the API.
    install_console(app)
    return app
