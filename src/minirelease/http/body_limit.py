"""Request bodies bounded before anything reads them, as a plain ASGI middleware.

Every request has a rule (``rule_for(scope)``, chosen by route before routing): at most
so many bytes, arriving without a pause longer than so many seconds.

A declared ``Content-Length`` over the limit is refused at once with 413 problem+json,
without calling the app, so neither authentication nor body parsing runs (FastAPI reads
a JSON body before it resolves the dependencies that authenticate). Otherwise the body is
counted as the app reads it: the chunk that passes the limit is not handed on and nothing
more is read; a body that stops arriving for longer than the pause allowed is given up
(408). Whatever the app was about to answer then is replaced by that refusal, and the
connection is closed, so the unread rest never reaches the server either.

Requests that declare no body (no ``Content-Length``, no ``Transfer-Encoding``: every
launch) cost one look at their headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minirelease.http.problems import problem_body, problem_headers


class BodyRule(NamedTuple):
    max_bytes: int
    stall_seconds: float  # the longest wait for the next part of a body


class BodyRefused(Exception):
    """Raised to the app by ``receive`` once the body is given up."""


class _Refusal(NamedTuple):
    status: int
    code: str
    title: str
    detail: str
    extra: dict[str, int | float]


def too_large(max_bytes: int) -> _Refusal:
    return _Refusal(
        413,
        "body_too_large",
        "Request body too large",
        f"the request body exceeds the limit of {max_bytes} bytes for this route",
        {"max_bytes": max_bytes},
    )


def stalled(seconds: float) -> _Refusal:
    return _Refusal(
        408,
        "request_timeout",
        "Request timeout",
        f"the request body stopped arriving for more than {seconds:g} seconds",
        {},
    )


def _body_headers(scope: Scope) -> tuple[bytes | None, bool]:
    """The declared Content-Length (raw) and whether the body is chunked."""
    length: bytes | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


class BodyLimit:
    def __init__(self, app: ASGIApp, *, rule_for: Callable[[Scope], BodyRule]) -> None:
        self.app = app
        self.rule_for = rule_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, chunked = _body_headers(scope)
        if length is None and not chunked:
            await self.app(scope, receive, send)
            return
        rule = self.rule_for(scope)
        # A malformed length is the HTTP parser's to refuse; the body is counted anyway.
        if length is not None and length.isdigit() and int(length) > rule.max_bytes:
            await _refuse(scope, send, too_large(rule.max_bytes))
            return
        await _LimitedRequest(self.app, scope, receive, send, rule).run()


class _LimitedRequest:
    """One request whose body is counted and timed as the app reads it."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, rule: BodyRule):
        self.app, self.scope, self._receive, self._send = app, scope, receive, send
        self.rule = rule
        self.received = 0
        self.refusal: _Refusal | None = None  # the body was given up: why
        self.response_started = False  # by the app, before the body was given up
        self.refused = False  # the refusal was sent

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except Exception:
            # Once the body was given up, whatever the app raised follows from it.
            if self.refusal is None or self.response_started:
                raise
        await self._refuse_once()

    async def receive(self) -> Message:
        if self.refusal is not None:
            raise BodyRefused
        with anyio.move_on_after(self.rule.stall_seconds) as waiting:
            message = await self._receive()
        if waiting.cancelled_caught:
            self.refusal = stalled(self.rule.stall_seconds)
            raise BodyRefused
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.rule.max_bytes:
                self.refusal = too_large(self.rule.max_bytes)
                raise BodyRefused
        return message

    async def send(self, message: Message) -> None:
        if self.refusal is None or self.response_started:
            # The app's answer (or, too late to refuse, the rest of it) goes on.
            if message["type"] == "http.response.start":
                self.response_started = True
            await self._send(message)
            return
        # The app answered the given-up body its own way (a 400 for an unreadable JSON
        # body, a disconnect...): the refusal goes out instead, once.
        await self._refuse_once()

    async def _refuse_once(self) -> None:
        if self.refusal is not None and not self.refused and not self.response_started:
            self.refused = True
            await _refuse(self.scope, self._send, self.refusal)


async def _refuse(scope: Scope, send: Send, refusal: _Refusal) -> None:
    status, code, title, detail, extra = refusal
    body = problem_body(status, code, title, detail, scope["path"], **extra)
    await send({"type": "http.response.start", "status": status, "headers": problem_headers(body)})
    await send({"type": "http.response.body", "body": body})
