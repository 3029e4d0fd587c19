"""The operators' endpoints beside ``/healthz`` (liveness): ``/readyz`` (readiness) and
``/metrics`` (Prometheus text format). Outside the API prefix and the OpenAPI document,
and without authentication: keep them on the internal network (see the README)."""

from __future__ import annotations

import weakref

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from minirelease.observability.database import DatabaseCollector
from minirelease.observability.metrics import ProcessCollector
from minirelease.observability.readiness import database_checks, snapshot_check, verdict
from minirelease.rollout.state import EMPTY


def install_operations(app: FastAPI) -> None:
    # Endpoints read the app from the request, never from a closure: FastAPI's module-level
    # caches keep endpoint functions (and all they close over) alive for good. The
    # collector holds the app weakly for the same reason.
    owner = weakref.ref(app)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProcessCollector())
    registry.register(DatabaseCollector(lambda: _alive(owner).state.session_factory))
    app.state.operations_registry = registry

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """200 when the database answers at the migrations' head and the rollout snapshot
        is loaded; else 503 problem+json (code ``not_ready``) naming what is not."""
        state = request.app.state
        checks = await anyio.to_thread.run_sync(database_checks, state.session_factory)
        checks.append(snapshot_check(lambda: state.rollout.snapshot is not EMPTY))
        verdict(checks)
        return JSONResponse(
            {
                "status": "ready",
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
            }
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        registry = request.app.state.operations_registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _alive(owner: weakref.ref[FastAPI]) -> FastAPI:
    app = owner()
    if app is None:
        raise RuntimeError("the app this collector reported on is gone")
    return app
