"""JSON answers compressed when the client accepts it, as a plain ASGI middleware, in the
coding it prefers (accept_encoding.negotiate, content_codings.ENCODERS).

An answer is compressed when it is ``application/json`` or ``application/problem+json``,
at least ``min_bytes`` long, complete within ``max_buffer`` bytes (a longer streamed body
is passed on as it comes), with a status that has a whole body (not 1xx, 204, 206 or
304), and has none of: ``Content-Encoding`` (coded already), ``Content-Range``,
``Cache-Control: no-transform``, or a ``Vary`` naming ``Accept-Encoding`` (an answer that
chose its coding itself: a manifest, compressed once per serial, api/coded_responses.py).

Such an answer says ``Vary: Accept-Encoding`` whichever coding it goes in, so that a cache
keeps one copy per coding (to a client that takes no coding, when its Content-Length says
it is long enough: its body is not held to find out). Compressed, it has the coded
``Content-Length``, and an ``ETag`` of the route's is made weak, as the coded bytes are
not the ones the route tagged: an ``If-None-Match`` with it still matches the route's own
tag (compared weakly), so 304s keep working. HEAD requests pass through untouched.

Bodies are compressed on the event loop when small, on a worker thread past
``INLINE_BYTES``, so that a large one does not hold up other requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minirelease.http.accept_encoding import IDENTITY, negotiate
from minirelease.http.content_codings import ENCODERS, Encoder

Header = tuple[bytes, bytes]

JSON_TYPES = frozenset({b"application/json", b"application/problem+json"})
NO_BODY_STATUSES = frozenset({204, 206, 304})
MAX_BUFFER = 4 * 1024 * 1024  # a longer streamed body is passed on as it comes
INLINE_BYTES = 64 * 1024
VARY = b"accept-encoding"
# Response headers that leave a response as it is: coded already, a part, marked not to be
# transformed, or one that chose its coding itself (it varies by Accept-Encoding).
_DISQUALIFYING: dict[bytes, Callable[[bytes], bool]] = {
    b"content-encoding": lambda _: True,
    b"content-range": lambda _: True,
    b"cache-control": lambda value: b"no-transform" in value,
    b"vary": lambda value: VARY in value or value.strip() == b"*",
}


def _eligible(status: int, headers: list[Header]) -> bool:
    if status < 200 or status in NO_BODY_STATUSES:
        return False
    json = False
    for name, value in headers:
        if name == b"content-type":
            json = value.split(b";", 1)[0].strip().lower() in JSON_TYPES
        elif name in _DISQUALIFYING and _DISQUALIFYING[name](value.lower()):
            return False
    return json


def _declared_length(headers: list[Header]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _with_vary(headers: list[Header]) -> list[Header]:
    for at, (name, value) in enumerate(headers):
        if name == b"vary":
            return [*headers[:at], (name, value + b", Accept-Encoding"), *headers[at + 1 :]]
    return [*headers, (b"vary", b"Accept-Encoding")]


def _coded(headers: list[Header], coding: str, length: int) -> list[Header]:
    result: list[Header] = []
    for name, value in _with_vary(headers):
        if name == b"content-length":
            continue
        if name == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        result.append((name, value))
    result.append((b"content-encoding", coding.encode()))
    result.append((b"content-length", str(length).encode()))
    return result


class CompressJson:
    def __init__(
        self,
        app: ASGIApp,
        *,
        min_bytes: int,
        encoders: Mapping[str, Encoder] = ENCODERS,
        max_buffer: int = MAX_BUFFER,
    ) -> None:
        self.app = app
        self.min_bytes = min_bytes
        self.encoders = encoders
        self.offered = tuple(encoders)
        self.max_buffer = max_buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        # A list header may come in several lines: they are one list (RFC 9110 §5.3).
        lines = [value for name, value in scope["headers"] if name == b"accept-encoding"]
        accepted = b", ".join(lines).decode("latin-1") if lines else None
        coding = negotiate(accepted, self.offered)
        await self.app(scope, receive, _Response(self, coding, send).send)


class _Response:
    """One response on its way out: passed on, or held until its body is complete."""

    def __init__(self, middleware: CompressJson, coding: str, send: Send) -> None:
        self.middleware = middleware
        self.coding = coding
        self._send = send
        self.start: Message | None = None  # held until the body is complete
        self.chunks: list[bytes] = []
        self.held = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._started(message)
        elif self.start is None:
            await self._send(message)
        elif message["type"] != "http.response.body":
            await self._release(message)
        else:
            body = message.get("body", b"")
            self.chunks.append(body)
            self.held += len(body)
            if not message.get("more_body", False):
                await self._finish()
            elif self.held > self.middleware.max_buffer:
                await self._release(None)

    async def _started(self, message: Message) -> None:
        headers = list(message.get("headers") or [])
        if not _eligible(message["status"], headers):
            await self._send(message)
            return
        length = _declared_length(headers)
        if self.coding == IDENTITY:  # nothing to hold it for
            if length is not None and length >= self.middleware.min_bytes:
                message["headers"] = _with_vary(headers)
            await self._send(message)
        elif length is not None and length < self.middleware.min_bytes:
            await self._send(message)
        else:
            message["headers"] = headers
            self.start = message

    async def _release(self, then: Message | None) -> None:
        """Passes on what was held, unchanged, then ``then``; the rest goes as it comes."""
        start, self.start = self.start, None
        assert start is not None
        body, self.chunks = b"".join(self.chunks), []
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body, "more_body": True})
        if then is not None:
            await self._send(then)

    async def _finish(self) -> None:
        start, self.start = self.start, None
        assert start is not None
        body, self.chunks = b"".join(self.chunks), []
        headers: list[Header] = start["headers"]
        if len(body) >= self.middleware.min_bytes:
            coded = await self._encode(body)
            if len(coded) < len(body):
                headers, body = _coded(headers, self.coding, len(coded)), coded
            else:
                headers = _with_vary(headers)
        start["headers"] = headers
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body})

    async def _encode(self, body: bytes) -> bytes:
        encode = self.middleware.encoders[self.coding]
        if len(body) <= INLINE_BYTES:
            return encode(body)
        return await anyio.to_thread.run_sync(encode, body)
