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
event_size`` but answers a plain-text 400, and it is several times slower.)"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from minirelease.config import Settings
from minirelease.http.problems import problem_body, problem_headers

log = logging.getLogger(__name__)


class HeadTooLarge(Exception):
    """Raised from a parser callback: the parser stops and the protocol answers 431."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    # Set on the subclass bounded_protocol makes.
    max_head_bytes = 16 * 1024
    head_timeout = 10.0

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
        head = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *problem_headers(body)]:
            head.append(b"%s: %s\r\n" % (name, value))
        self.transport.write(b"".join([*head, b"\r\n", body]))
        self.transport.close()

    def _start_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None


def bounded_protocol(max_head_bytes: int, head_timeout: float) -> type[BoundedHttpToolsProtocol]:
    return type(
        "BoundedHttpTools",
        (BoundedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes, "head_timeout": head_timeout},
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The connection options of ``uvicorn.run`` for ``serve`` and ``demo``."""
    return {
        "http": bounded_protocol(settings.max_header_bytes, settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
        # No "server: uvicorn" banner; the Date header stays (caches and clients use it).
        "server_header": False,
    }
