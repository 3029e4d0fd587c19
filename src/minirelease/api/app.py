"""The application factory: settings and a session factory in, an ASGI app out.

The app owns the platform signing key and, unless told not to, the pool of worker
threads that runs builds and compatibility runs and the periodic deadline check; they
start and stop with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import sessionmaker

from minirelease import __version__
from minirelease.api import errors
from minirelease.api.routers import ROUTERS
from minirelease.build.signing import load_or_create_signing_key
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import WorkerPool
from minirelease.jobs.periodic import Periodic
from minirelease.packages.storage import BlobStore
from minirelease.releases.job_handlers import ReleaseWorkers
from minirelease.releases.rollout_actions import complete_due_grayscales

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Any] | None = None,
    *,
    run_jobs: bool | None = None,
) -> FastAPI:
    settings.ensure_dirs()
    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.database_url))
    signer = load_or_create_signing_key(settings.data_dir, settings.signing_key_pem)
    workers = ReleaseWorkers(
        store=BlobStore(settings.blob_dir), tmp_dir=settings.tmp_dir, signer=signer
    )
    pool = WorkerPool(session_factory, workers.handlers(), threads=settings.job_threads)
    start_pool = settings.run_jobs if run_jobs is None else run_jobs
    deadlines = Periodic(
        session_factory,
        complete_due_grayscales,
        interval=settings.deadline_check_seconds,
        name="grayscale-deadlines",
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start_pool:
            pool.start()
            deadlines.start()
        try:
            yield
        finally:
            if start_pool:
                await anyio.to_thread.run_sync(deadlines.stop)
                await anyio.to_thread.run_sync(pool.stop)

    app = FastAPI(
        title="minirelease",
        version=__version__,
        description="Build, test, review and release mini programs to partner apps.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.signer = signer
    app.state.jobs = pool
    app.state.jobs_running = start_pool
    errors.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
