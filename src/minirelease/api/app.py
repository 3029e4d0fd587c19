"""The application factory: settings and a session factory in, an ASGI app out.

The app owns the platform signing key, the in-memory rollout snapshot that launches and
manifests are answered from, and, unless told not to (``serve --no-jobs``: then
``minirelease worker`` processes do it), the pool of worker threads that runs the jobs and
the periodic work (background.py); they start and stop with it. The worker pool owns the
compatibility lab's processes, where compatibility runs run (this process never parses a
package's code nor loads the JavaScript engine), unless a lab is given to share. The
``clock`` is what requests read "now" from, for ramp plans (``SYSTEM_CLOCK`` unless a
test gives one it moves); the jobs and periodic work keep the system's."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker

from minirelease import __version__
from minirelease.api import database_slots, errors
from minirelease.api.body_limits import route_body_rules
from minirelease.api.docs import install_docs
from minirelease.api.launch_bodies import LaunchBodies
from minirelease.api.launch_fast_path import LaunchFastPath, LaunchLane
from minirelease.api.openapi import install_openapi
from minirelease.api.operations import install_operations
from minirelease.api.query_params import refuse_unknown_query_parameters
from minirelease.api.routers import ROUTERS
from minirelease.api.routers.launch import install_launch_route
from minirelease.background import job_handlers, listener, make_lab, periodic_work
from minirelease.compat.lab import CompatibilityLab
from minirelease.config import Settings
from minirelease.db import REQUEST_THREADS, make_engine, make_session_factory
from minirelease.http.body_limit import BodyLimit
from minirelease.http.compression import CompressJson
from minirelease.http.security_headers import SecurityHeaders
from minirelease.jobs import WorkerPool
from minirelease.jobs.clock import SYSTEM_CLOCK, Clock
from minirelease.migrate import require_current_schema
from minirelease.observability.launches import LaunchMetrics
from minirelease.observability.metrics import process_metrics
from minirelease.observability.requests import RequestLog
from minirelease.observability.setup import prepare_metrics
from minirelease.ratelimits import Limiter
from minirelease.ratelimits.storage import open_storage
from minirelease.rollout.cache import RolloutCache
from minirelease.rollout.manifest import ManifestCache
from minirelease.rollout.manifest_delta import delta_cache
from minirelease.rollout.program_manifest import program_manifests
from minirelease.scratch import ScratchDir
from minirelease.signing_keys.startup import claim_signing_key, load_signer
from minirelease.storage import open_blob_store
from minirelease.wakeups import JOBS_CHANNEL, ROLLOUT_CHANNEL
from minirelease.web import install_console

API_PREFIX = "/api/v1"


@cache
def api_router() -> APIRouter:
    """The API's routes under ``API_PREFIX``, one router per process: FastAPI builds an
    included router's routes (their dependencies and response models) once per router
    object, about 0.15 s for these, which a process making many apps (the test suite, an
    app per test) would otherwise pay for each."""
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_unknown_query_parameters)])
    for router in ROUTERS:
        api.include_router(router)
    return api


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Any] | None = None,
    *,
    run_jobs: bool | None = None,
    lab: CompatibilityLab | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings.ensure_dirs()
    prepare_metrics(settings)
    # An engine the app makes itself is its own to close at shutdown (otherwise its
    # pooled connections are only closed when garbage-collected, warnings and all).
    own_engine = None
    if session_factory is None:
        own_engine = make_engine(settings.database_url)
        session_factory = make_session_factory(own_engine)
    signer = load_signer(settings)
    own_lab = lab is None
    if lab is None:
        lab = make_lab(settings, settings.job_threads)
    # Uploads being received and packages being built: this process's own directory,
    # swept of what killed processes left when it is made.
    scratch = ScratchDir(settings.tmp_dir)
    # Packages and builds: the data directory's blobs/ or the object store of the settings.
    blob_store = open_blob_store(settings)
    handlers = job_handlers(
        settings,
        store=blob_store,
        scratch=scratch,
        signer=signer,
        lab=lab,
    )
    pool = WorkerPool(
        session_factory,
        handlers,
        threads=settings.job_threads,
        poll_interval=settings.job_poll_seconds,
        owns=(lab,) if own_lab else (),
    )
    # Jobs and periodic work here, or (``serve --no-jobs``) in ``minirelease worker``.
    start_pool = settings.run_jobs if run_jobs is None else run_jobs
    periodic = periodic_work(settings, session_factory) if start_pool else []

    # Rate-limit counters: the database's (or a SQLite file beside it), or Redis.
    limit_store = open_storage(
        settings.rate_limit_storage, database_url=settings.database_url, data_dir=settings.data_dir
    )
    # Launches and manifests are answered from memory; the source is read when the cache
    # starts, since the API suites point one app at each test's session factory.
    rollout = RolloutCache(
        lambda: app.state.session_factory, poll_seconds=settings.rollout_poll_seconds
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The threads sync endpoints run on, as many as the connection pool is sized for
        # (db.py), so a request thread does not wait on the pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        database_slots.open_slots(app)
        await anyio.to_thread.run_sync(lambda: scratch.path)
        try:
            # A process whose code and database schema differ refuses to start (migrate.py),
            # and so does one whose key is not the platform's active signing key.
            await anyio.to_thread.run_sync(require_current_schema, app.state.session_factory)
            await anyio.to_thread.run_sync(claim_signing_key, app.state.session_factory, signer)
        except BaseException:
            close_what_create_app_opened()
            raise
        await anyio.to_thread.run_sync(rollout.start)
        # PostgreSQL: other processes' commits wake the rollout cache (and the workers).
        wakeups = listener(app.state.session_factory)
        if wakeups is not None:
            wakeups.on(ROLLOUT_CHANNEL, rollout.wake)
            if start_pool:
                wakeups.on(JOBS_CHANNEL, pool.notify)
            wakeups.start()
        if start_pool:
            pool.start()
        for task in periodic:
            task.start()
        # What start-up made (modules, the app, the first rollout snapshot) lives as long
        # as the process: kept out of the garbage collector's full passes, which would
        # otherwise walk it all again every few thousand requests.
        gc.freeze()
        try:
            yield
        finally:
            for task in periodic:
                await anyio.to_thread.run_sync(task.stop)
            if wakeups is not None:
                await anyio.to_thread.run_sync(wakeups.stop)
            # Also when jobs ran only through run_pending: it closes the lab's processes.
            await anyio.to_thread.run_sync(pool.stop)
            await anyio.to_thread.run_sync(rollout.stop)
            close_what_create_app_opened()

    def close_what_create_app_opened() -> None:
        scratch.close()
        limit_store.close()
        if own_engine is not None:
            own_engine.dispose()

    app = FastAPI(
        title="minirelease",
        version=__version__,
        description="Build, test, review and release mini programs to partner apps.",
        openapi_url="/openapi.json",
        # Served by install_docs, from vendored assets rather than a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # minirelease has its own metrics and request log; FastAPI's OpenTelemetry bridge
        # would otherwise look for configured providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    # The "now" of release actions and reads (api/deps.py ``Now``); tests move their own.
    app.state.clock = clock or SYSTEM_CLOCK
    app.state.signer = signer
    app.state.jobs = pool
    app.state.scratch = scratch
    app.state.blob_store = blob_store
    app.state.jobs_running = start_pool
    app.state.rollout = rollout
    app.state.limiter = Limiter(limit_store.storage, settings.rate_limit_policy())
    app.state.manifests = ManifestCache()
    app.state.manifest_deltas = delta_cache(lambda: app.state.session_factory)
    app.state.program_manifests = program_manifests()
    app.state.launch_bodies = LaunchBodies()
    app.state.launch_metrics = LaunchMetrics(process_metrics())
    app.state.base_urls = {}
    app.state.launch_lane = LaunchLane(app, API_PREFIX)
    errors.install(app)

    # Async, written directly and routed first, like the launch: the constant body
    # benchmarks/launch.py measures launches against.
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    # /readyz (readiness) and /metrics; a log line and an X-Request-ID for every request,
    # except the high-rate runtime paths, which are logged only when they fail.
    install_operations(app)
    # JSON answers compressed for clients that accept it, innermost: the request log and
    # the security headers see the answer as sent (manifests come compressed already).
    app.add_middleware(CompressJson, min_bytes=settings.compress_min_bytes)
    # Bodies bounded by route before routing (and so before authentication reads one);
    # inside the request log, which logs the refusals.
    app.add_middleware(BodyLimit, rule_for=route_body_rules(API_PREFIX))
    app.add_middleware(
        RequestLog, quiet_prefixes=(f"{API_PREFIX}/launch/", "/healthz", "/readyz", "/metrics")
    )
    # Security headers around the whole stack, so the 500s of its outermost error
    # handler get them too.
    build_stack = app.build_middleware_stack

    def secured_stack() -> Any:
        # Launches that will be served are answered in front of it all.
        return LaunchFastPath(SecurityHeaders(build_stack()), app.state.launch_lane)

    app.build_middleware_stack = secured_stack  # type: ignore[method-assign]
    install_launch_route(app, API_PREFIX)
    app.include_router(api_router())
    install_openapi(app)
    install_docs(app)
    # The console last: its pages live at the root, beside the API.
    install_console(app)
    return app
