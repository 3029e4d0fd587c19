"""Launches answered in front of the middleware stack: the one request a partner app sends
at every start of a mini program, at rates the rest of the API never sees.

A ``GET <prefix>/launch/{partner_app}/{app_id}`` that will be served is answered here from
the rollout snapshot, with the headers the stack would have given it (security headers,
``X-Request-ID``), and counted and timed in the launch metrics (``/metrics``) instead of
the access log, which logs launches only when they fail anyway. Everything else, and
every launch that is refused (not released, a bad ``user_id``), goes through the whole
stack, which answers the problem+json, counts the refusal and logs it, so errors are
rendered in one place."""

from __future__ import annotations

from time import perf_counter

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from minirelease.api.routers.launch import answer
from minirelease.http.security_headers import carries_credentials, secured
from minirelease.observability.launches import SERVED
from minirelease.observability.requests import HEADER as REQUEST_ID_HEADER
from minirelease.observability.requests import request_id_of

_JSON = (b"content-type", b"application/json")


class LaunchFastPath:
    def __init__(self, stack: ASGIApp, app: Starlette, prefix: str) -> None:
        self.stack = stack  # the app's whole middleware stack and routes
        self._app = app
        self._prefix = f"{prefix}/launch/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(self._prefix):
                served = self._serve(scope, path[len(self._prefix) :])
                if served is not None:
                    body, headers = served
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.stack(scope, receive, send)

    def _serve(self, scope: Scope, rest: str) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        partner_app, _, app_id = rest.partition("/")
        if not partner_app or not app_id or "/" in app_id:
            return None  # not a launch: the router's 404
        started = perf_counter()
        state = self._app.state
        snapshot = state.rollout.snapshot
        try:
            body, channel = answer(self._app, snapshot, scope, partner_app, app_id)
        except Exception:  # a refusal (or a fault): the whole stack answers and logs it
            return None
        state.launch_metrics.record(snapshot, partner_app, channel, SERVED, started)
        headers = secured(
            [_JSON, (b"content-length", str(len(body)).encode())],
            private=carries_credentials(scope["headers"]),
            https=scope["scheme"] == "https",
        )
        headers.append((REQUEST_ID_HEADER, request_id_of(scope["headers"]).encode()))
        return body, headers
