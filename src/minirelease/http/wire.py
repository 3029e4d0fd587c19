"""The HTTP/1.1 connection as ``serve`` and ``demo`` run it: uvicorn with httptools (the
fast parser launches need), bounded where uvicorn's own httptools protocol is not.

uvicorn closes a keep-alive connection idle for ``timeout_keep_alive`` seconds, but its
httptools protocol puts no bound on a request's head: a request line or headers of any
size are buffered, and a client sending its head a byte at a time holds the connection
forever. ``bounded_protocol`` adds both bounds, answering in problem+json like the app:

- a request line and headers over ``max_head_bytes``: ``431 headers_too_large``;
- a head not complete ``head_timeout`` seconds after its first byte (or after the
  connection opened): ``408 request_timeout`` (a connection that sent nothing is closed
  without an answer, as an idle keep-alive one is).

Either way the connection is closed. (uvicorn's h11 protocol has ``h11_max_incomplete_
event_size`` but answers a plain-text 400, and it is several times slower.)

It also carries the launch lane (api/launch_fast_path.py): a launch that will be served,
or a manifest poll whose answer is held (a 200 or a 304, api/manifest_lane.py), is
answered from its request head, in one write, without starting an ASGI task or going
through the app's middleware: a bare Starlette endpoint costs more than the launch
itself. A plain GET head under one of the lane's prefixes arriving between requests is
read straight from the bytes (http/launch_head.py), without the general parser; any
other head is parsed by httptools and offered to the lane once parsed. The lane declines
everything else, which goes to the app as usual; so does a launch while the client is
not reading its answers (writes paused) or when uvicorn's concurrency limit refuses
it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from minirelease.config import Settings
from minirelease.http.launch_head import read_plain_get
from minirelease.http.problems import problem_body, problem_headers
from minirelease.http.security_headers import Header

log = logging.getLogger(__name__)


class LaunchLane(Protocol):
    @property
    def prefixes(self) -> tuple[str, ...]:
        """The paths the lane may answer start with one of these, each ending in '/'."""
        ...

    def serve(self, scope: dict[str, Any]) -> tuple[int, list[Header], bytes] | None:
        """A request's answer (status, headers, body), or None: the app answers."""
        ...


class HeadTooLarge(Exception):
    """Raised from a parser callback: the parser stops and the protocol answers 431."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    # Set on the subclass bounded_protocol makes.
    max_head_bytes = 16 * 1024
    head_timeout = 10.0
    launch_lane: LaunchLane | None = None
    _launch_start: tuple[bytes, ...] = ()  # b"GET <lane prefix>" of each, set with the lane
    _in_message = False  # httptools has begun a request it has not finished
    _completed = 0  # answers completed, not yet followed up (see on_response_complete)
    _completing = False

    _head_bytes = 0  # of the request whose head is being read (line and headers)
    _head_raw = 0  # bytes received while it is read (its body may share the last read)
    _head_started = False  # a byte of it arrived
    _reading_head = True
    _refusal: tuple[int, str, str, str] | None = None
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.launch_lane is not None and self._between_requests():
            data = self._answer_plain_launches(data)
            if not data:
                return
        if self._reading_head:
            self._head_started = True
            # What the parser buffers before it calls back (a header is passed on only
            # whole): bounded here by the reads before this one, at most a read beyond.
            if self._head_raw > self.max_head_bytes:
                self._refuse_head()
                return
            self._head_raw += len(data)
        super().data_received(data)

    # Parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message = True
        self._head_bytes = 0
        self._reading_head = self._head_started = True
        self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_started = False
        self._head_raw = 0
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_message = False
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            raise HeadTooLarge

    # The parser's error (a callback raised, or the head is malformed): uvicorn answers
    # it with a plain 400 here, which stays for malformed requests.
    def send_400_response(self, msg: str) -> None:
        if self._head_bytes > self.max_head_bytes:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def _refuse_head(self) -> None:
        self._head_bytes = max(self._head_bytes, self._head_raw)
        self._answer_and_close(
            431,
            "headers_too_large",
            "Request header fields too large",
            f"the request line and headers exceed the limit of {self.max_head_bytes} bytes",
            max_bytes=self.max_head_bytes,
        )

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:
            # This server stopped reading (pipelined requests wait for their answers, which
            # wait for the client to read): the rest of the head may be in the socket
            # unread. Not the client's delay: its time starts again.
            self._start_head_timer()
            return
        if not self._head_started:
            self.transport.close()  # nothing asked: nothing to answer
            return
        self._answer_and_close(
            408,
            "request_timeout",
            "Request timeout",
            f"the request line and headers took longer than {self.head_timeout:g} seconds",
        )

    def _answer_and_close(
        self, status: int, code: str, title: str, detail: str, **extra: Any
    ) -> None:
        if self.transport.is_closing():
            return
        log.warning("refused a request head: %s", detail, extra={"status": status, "code": code})
        body = problem_body(status, code, title, detail, "", **extra)
        self.transport.write(self._response(status, problem_headers(body), body))
        self.transport.close()

    def _response(self, status: int, headers: Iterable[Header], body: bytes) -> bytes:
        head = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *headers]:
            head.append(b"%s: %s\r\n" % (name, value))
        return b"".join([*head, b"\r\n", body])

    # The launch lane
    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # Called once the request's head is parsed, in request order (a pipelined request
        # waits for the previous answer); ``app`` is another app when uvicorn refuses.
        lane = self.launch_lane
        if lane is None or app is not self.app or self.flow.write_paused:
            super()._start_asgi_task(cycle, app)
            return
        scope: dict[str, Any] = cycle.scope  # type: ignore[assignment]
        scope["scheme"] = self._forwarded_scheme(scope)
        served = lane.serve(scope)
        if served is None:
            super()._start_asgi_task(cycle, app)
            return
        status, headers, body = served
        if not cycle.keep_alive:
            headers = [*headers, (b"connection", b"close")]
        self.transport.write(self._response(status, headers, body))
        cycle.response_started = cycle.response_complete = True
        if not cycle.keep_alive:
            self.transport.close()
        self.on_response_complete()  # the next pipelined request, or the keep-alive timer

    def on_response_complete(self) -> None:
        # uvicorn starts the next pipelined request from here, which the lane may answer
        # at once, completing again: followed up in this loop rather than by recursion, so
        # that a long pipeline of launches does not exhaust the stack.
        self._completed += 1
        if self._completing:
            return
        self._completing = True
        try:
            while self._completed:
                self._completed -= 1
                super().on_response_complete()  # resumes reading if it was paused
        finally:
            self._completing = False
        if self._reading_head and self._head_timer is not None:
            # A head cut at the end of the last read waited while this server did not
            # read: its time starts now that reading resumes.
            self._start_head_timer()

    def _between_requests(self) -> bool:
        """Whether the next byte starts a request that could be answered at once: none
        is being parsed, answered or queued, the client reads its answers, and uvicorn's
        concurrency limit (if any) would let a request through."""
        cycle = self.cycle
        limit = self.limit_concurrency
        return (
            not self._in_message
            and (cycle is None or cycle.response_complete)
            and not self.pipeline
            and not self.flow.write_paused
            and not self.root_path
            and (limit is None or (len(self.connections) < limit and len(self.tasks) < limit))
        )

    def _answer_plain_launches(self, data: bytes) -> bytes:
        """Answer the plain launch heads at the start of ``data`` (http/launch_head.py)
        that the lane serves, in order; what is left goes to the general parser."""
        self._unset_keepalive_if_required()
        lane = self.launch_lane
        assert lane is not None
        answered = False
        while not self.transport.is_closing():
            head = read_plain_get(data, self._launch_start, self.max_head_bytes)
            if head is None:
                break
            scope = {
                "type": "http",
                "http_version": "1.1",
                "server": self.server,
                "client": self.client,
                "scheme": self.scheme,
                "root_path": "",
                "method": "GET",
                "path": head.path,
                "raw_path": head.path.encode("ascii"),
                "query_string": head.query_string,
                "headers": head.headers,
            }
            scope["scheme"] = self._forwarded_scheme(scope)
            served = lane.serve(scope)
            if served is None:
                break
            status, headers, body = served
            self.transport.write(self._response(status, headers, body))
            self.server_state.total_requests += 1
            data = data[head.size :]
            answered = True
            if self.flow.write_paused:
                break  # the rest waits for the client, through the app
        if answered:
            # Between requests again, as after uvicorn completes an answer.
            self._reading_head = self._head_started = False
            self._head_raw = 0
            self._cancel_head_timer()
            if not data and not self.transport.is_closing():
                self.timeout_keep_alive_task = self.loop.call_later(
                    self.timeout_keep_alive, self.timeout_keep_alive_handler
                )
        return data

    def _forwarded_scheme(self, scope: dict[str, Any]) -> str:
        """The scheme uvicorn's proxy headers middleware would give the app: a trusted
        proxy's ``X-Forwarded-Proto``."""
        proxy = self.app
        client = scope.get("client")
        scheme: str = scope["scheme"]
        if not isinstance(proxy, ProxyHeadersMiddleware) or not client:
            return scheme
        if client[0] not in proxy.trusted_hosts:
            return scheme
        for name, value in scope["headers"]:
            if name == b"x-forwarded-proto":
                forwarded = value.decode("latin1").strip()
                scheme = forwarded if forwarded in ("http", "https") else scheme
        return scheme

    def _start_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None


def bounded_protocol(
    max_head_bytes: int, head_timeout: float, launch_lane: LaunchLane | None = None
) -> type[BoundedHttpToolsProtocol]:
    return type(
        "BoundedHttpTools",
        (BoundedHttpToolsProtocol,),
        {
            "max_head_bytes": max_head_bytes,
            "head_timeout": head_timeout,
            "launch_lane": launch_lane,
            "_launch_start": tuple(f"GET {p}".encode() for p in launch_lane.prefixes)
            if launch_lane
            else (),
        },
    )


def uvicorn_options(settings: Settings, launch_lane: LaunchLane | None = None) -> dict[str, Any]:
    """The connection options of ``uvicorn.run`` for ``serve`` and ``demo``; launches and
    held manifest polls are answered by ``launch_lane`` when given (the app's
    ``state.launch_lane``)."""
    return {
        "http": bounded_protocol(
            settings.max_header_bytes, settings.header_timeout_seconds, launch_lane
        ),
        "timeout_keep_alive": settings.keep_alive_seconds,
        # No "server: uvicorn" banner; the Date header stays (caches and clients use it).
        "server_header": False,
    }
