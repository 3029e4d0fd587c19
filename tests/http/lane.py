"""Serving a test client's app as ``minirelease serve`` does (its protocol and lane), and
talking to it over a raw HTTP/1.1 connection, for the lane's tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from minirelease.http.wire import uvicorn_options
from tests.releases.live import HOST, serving_in_thread


class Counting:
    """The app behind the protocol, counting the requests that reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


class Connection:
    """A raw HTTP/1.1 connection that reads responses one at a time from a buffer (so
    pipelined answers arriving in one read are all kept)."""

    def __init__(self, port: int, receive_buffer: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # before connecting: no window scaling beyond it
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect((HOST, port))
        self.buffer = b""

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.sock.close()

    def send(self, *requests: bytes) -> None:
        self.sock.sendall(b"".join(requests))

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, f"closed with {self.buffer!r} unread"
        self.buffer += chunk

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
        size = int(headers.get("content-length", "0"))
        while len(self.buffer) < size:
            self._fill()
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return int(lines[0].split()[1]), headers, body

    def closed(self) -> bool:
        return self.buffer == b"" and self.sock.recv(1) == b""


def get(path: str, *headers: str, version: str = "1.1", method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", "Host: lane.test", *headers, "", ""]
    return "\r\n".join(lines).encode()


@contextmanager
def lane_server(client: TestClient, **options: Any) -> Iterator[tuple[int, Counting]]:
    """The test client's app (its lifespan already running) served by uvicorn with the
    options, protocol and lane of ``minirelease serve``."""
    app: Any = client.app
    counting = Counting(app)
    serve_options = uvicorn_options(app.state.settings, app.state.launch_lane) | options
    with serving_in_thread(counting, lifespan="off", **serve_options) as url:
        yield int(url.rsplit(":", 1)[1]), counting
