"""The request log and request ids, as a plain ASGI middleware (cheap enough for the
launch path).

Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is a sane token (1
to 128 characters of letters, digits and ``._:-``), else a new random one. It is echoed
in the response's ``X-Request-ID`` header and set on every log line written while the
request runs. One line per request when it ends: method, path, the query with the values
of secret-looking parameters (and token-like values) masked, status, duration and
request id. Headers and bodies are never logged: they carry cookies, CSRF tokens,
passwords and credentials.

The runtime paths partner apps and probes call at high rates (launches, ``/healthz``,
``/readyz``, ``/metrics``) are logged only when they fail with a 5xx: their volumes are
in the metrics."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from random import getrandbits
from typing import Any
from urllib.parse import parse_qsl, quote

from minirelease.observability.logs import MASK, REQUEST_ID, scrub, secret_name

logger = logging.getLogger("minirelease.requests")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")


def new_request_id() -> str:
    # An id, not a secret: the non-cryptographic generator is enough, and os.urandom's
    # system call was 7 % of a launch's time.
    return f"{getrandbits(64):016x}"


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == HEADER:
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return new_request_id()


# A long run of base64url or hex characters is a secret whatever its parameter is called
# (a session secret pasted into ``?q=``); our own ids (``ws_01j…``, 26 characters after
# the prefix) are the one such value worth keeping.
_OPAQUE = re.compile(r"[A-Za-z0-9_\-=]{32,}")
_OWN_ID = re.compile(r"[a-z]{1,16}_[0-9a-z]{26}")


def token_like(value: str) -> bool:
    return _OPAQUE.search(value) is not None and _OWN_ID.fullmatch(value) is None


def safe_query(raw: bytes) -> str:
    """The query string with the values of secret-looking parameters, and values that look
    like secrets themselves, masked."""
    if not raw:
        return ""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return "&".join(f"{quote(name)}={_logged_value(name, value)}" for name, value in pairs)


def _logged_value(name: str, value: str) -> str:
    if secret_name(name) or token_like(value):
        return MASK
    return quote(scrub(value), safe="/*")


class RequestLog:
    def __init__(self, app: ASGIApp, *, quiet_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.quiet_prefixes = quiet_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        # Left set for the rest of this request's task (each request runs in a task of its
        # own): the error handler outside this middleware logs with it too.
        REQUEST_ID.set(request_id)
        encoded = request_id.encode("ascii")
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, encoded)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path: str = scope["path"]
            if status >= 500 or not path.startswith(self.quiet_prefixes):
                self._log(scope, status, time.perf_counter() - started, request_id)

    def _log(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %d",
            scope["method"],
            scrub(scope["path"]),
            status,
            extra={
                "event": "request",
                "method": scope["method"],
                "path": scrub(scope["path"]),
                "query": safe_query(scope.get("query_string", b"")),
                "status": status,
                "duration_ms": round(elapsed * 1000, 3),
                "request_id": request_id,
            },
        )
