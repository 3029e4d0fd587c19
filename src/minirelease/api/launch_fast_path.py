"""Launches, and manifest polls, answered in front of the middleware stack: the requests
partner apps and their backends send at rates the rest of the API never sees.

A ``GET <prefix>/launch/{partner_app}/{app_id}`` that will be served is answered from the
rollout snapshot, with the headers the stack would have given it (security headers,
``X-Request-ID``), and counted and timed in the launch metrics (``/metrics``) instead of
the access log, which logs launches only when they fail anyway. Everything else, and
every launch that is refused (not released, a bad ``user_id``), goes through the whole
stack, which answers the problem+json, counts the refusal and logs it, so errors are
rendered in one place.

Manifest polls under ``<prefix>/partner-apps/`` are handed to the manifest lane
(api/manifest_lane.py), which answers those whose answer is held (a 200 or a 304) and
counts them in the manifest lane's metric; the headers the stack would add are added
here, as for launches. A launch is checked first and pays nothing for the manifests.

``LaunchLane`` decides and answers; it is used twice. ``minirelease serve`` hands it to
its HTTP protocol (http/wire.py), which writes the answer without starting an ASGI task
at all; ``LaunchFastPath`` puts it in front of the stack for every other way the app is
served (an ASGI server of the operator's choice, the test client)."""

from __future__ import annotations

from time import perf_counter

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from minirelease.api.manifest_lane import ManifestLane
from minirelease.api.routers.launch import answer
from minirelease.http.security_headers import Header, carries_credentials, secured
from minirelease.observability.launches import SERVED
from minirelease.observability.requests import HEADER as REQUEST_ID_HEADER
from minirelease.observability.requests import request_id_of

_JSON = (b"content-type", b"application/json")


class LaunchLane:
    def __init__(self, app: Starlette, prefix: str) -> None:
        self._app = app
        self._prefix = f"{prefix}/launch/"
        self._manifests = ManifestLane(app, prefix)
        self._manifest_prefix = self._manifests.prefix

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The paths the lane may answer start with one of these (each ending in '/')."""
        return (self._prefix, self._manifest_prefix)

    def serve(self, scope: Scope) -> tuple[int, list[Header], bytes] | None:
        """A launch's 200 or a manifest poll's 200 or 304, or None when the whole stack
        must answer the request."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if not path.startswith(self._prefix):
            if not path.startswith(self._manifest_prefix):
                return None
            polled = self._manifests.serve(scope, path)
            if polled is None:
                return None
            return polled._replace(headers=_stack_headers(scope, polled.headers))
        partner_app, _, app_id = path[len(self._prefix) :].partition("/")
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
        headers = [_JSON, (b"content-length", str(len(body)).encode())]
        return 200, _stack_headers(scope, headers), body


def _stack_headers(scope: Scope, headers: list[Header]) -> list[Header]:
    """``headers`` with those the stack would add: security headers and the request id."""
    stacked = secured(
        headers,
        private=carries_credentials(scope["headers"]),
        https=scope["scheme"] == "https",
    )
    stacked.append((REQUEST_ID_HEADER, request_id_of(scope["headers"]).encode()))
    return stacked


class LaunchFastPath:
    def __init__(self, stack: ASGIApp, lane: LaunchLane) -> None:
        self.stack = stack  # the app's whole middleware stack and routes
        self._lane = lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        served = self._lane.serve(scope)
        if served is None:
            await self.stack(scope, receive, send)
            return
        status, headers, body = served
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
