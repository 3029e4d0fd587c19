"""The connection limits of ``minirelease serve`` (issue 12, items 2 and 5), on a real
server process spoken to over raw sockets: request heads over the limit and slow ones
answered in problem+json, idle connections closed, bodies refused before they are read,
no server banner, HSTS when a trusted proxy says the request came over https."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minirelease import migrate
from tests.releases.live import HOST, ServerProcess

MAX_HEAD = 8192
ENV = {
    "MINIRELEASE_RUN_JOBS": "0",
    "MINIRELEASE_KEEP_ALIVE_SECONDS": "1",
    "MINIRELEASE_HEADER_TIMEOUT_SECONDS": "1",
    "MINIRELEASE_BODY_TIMEOUT_SECONDS": "1",
    "MINIRELEASE_MAX_HEADER_BYTES": str(MAX_HEAD),
}
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: test\r\n"

pytestmark = pytest.mark.slow  # a server process per test


@pytest.fixture
def server(empty_database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    migrate.upgrade(empty_database_url)
    served = ServerProcess(empty_database_url, tmp_path / "data", tmp_path / "server.log", env=ENV)
    try:
        served.wait_ready(timeout=120)  # a loaded CI machine starts it slowly
        yield served
    finally:
        served.stop()


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection((HOST, server.port), timeout=10)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response: status, headers (lower-case names), body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    headers = {name.lower(): value for name, value in headers.items()}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(lines[0].split()[1]), headers, body


def problem_of(response: tuple[int, dict[str, str], bytes], status: int, code: str) -> Any:
    got_status, headers, body = response
    assert got_status == status, response
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (status, code)
    return problem


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """The server closed the connection within ``seconds`` (nothing more was sent)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_request_heads_are_bounded(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(HEALTHZ + b"\r\n")
        status, headers, _ = read_response(sock)
        assert status == 200 and "server" not in headers and "date" in headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers
        # Behind a proxy on this machine (trusted by default): its scheme counts.
        sock.sendall(HEALTHZ + b"X-Forwarded-Proto: https\r\n\r\n")
        assert read_response(sock)[1]["strict-transport-security"] == "max-age=31536000"

    big_header = HEALTHZ + b"X-Big: " + b"a" * MAX_HEAD + b"\r\n\r\n"
    long_line = b"GET /healthz?q=" + b"a" * MAX_HEAD + b" HTTP/1.1\r\nHost: test\r\n\r\n"
    many_headers = HEALTHZ + b"".join(b"X-H%d: %s\r\n" % (n, b"b" * 50) for n in range(200))
    for head in (big_header, long_line, many_headers + b"\r\n"):
        with connect(server) as sock:
            sock.sendall(head)
            problem = problem_of(read_response(sock), 431, "headers_too_large")
            assert problem["max_bytes"] == MAX_HEAD
            assert closed_within(sock, 5)

    # One header value that never ends, sent in pieces: refused once past the limit,
    # not buffered until it ends.
    with connect(server) as sock:
        sock.sendall(HEALTHZ + b"X-Endless: ")
        for _ in range(2 * MAX_HEAD // 1024):
            sock.sendall(b"c" * 1024)
            time.sleep(0.02)
            if select.select([sock], [], [], 0)[0]:
                break
        problem_of(read_response(sock), 431, "headers_too_large")

    with connect(server) as sock:  # a head within the limit is served
        sock.sendall(HEALTHZ + b"X-Fine: " + b"d" * (MAX_HEAD // 2) + b"\r\n\r\n")
        assert read_response(sock)[0] == 200


def test_idle_and_slow_connections_are_closed(server: ServerProcess) -> None:
    with connect(server) as silent:
        started = time.monotonic()
        assert closed_within(silent, 5)  # nothing asked, nothing answered
        assert time.monotonic() - started < 4
    with connect(server) as slow:
        slow.sendall(HEALTHZ)  # and never the blank line that ends the head
        problem_of(read_response(slow), 408, "request_timeout")
        assert closed_within(slow, 5)
    with connect(server) as slow_body:
        slow_body.sendall(
            b"POST /api/v1/workspaces HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )  # and the other 99 bytes never
        problem_of(read_response(slow_body), 408, "request_timeout")
        assert closed_within(slow_body, 5)
    with connect(server) as idle:
        idle.sendall(HEALTHZ + b"\r\n")
        assert read_response(idle)[0] == 200
        started = time.monotonic()
        assert closed_within(idle, 5)  # kept alive for a second only
        assert time.monotonic() - started < 4


def test_bodies_are_refused_before_they_are_read(server: ServerProcess) -> None:
    declared = (
        b"POST /api/v1/workspaces HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 104857600\r\n\r\n"
    )
    with connect(server) as sock:
        sock.sendall(declared)  # and not one byte of the body: answered anyway
        problem = problem_of(read_response(sock), 413, "body_too_large")
        assert problem["max_bytes"] == 1024 * 1024
        assert closed_within(sock, 5)

    before = rss_kib(server.pid)
    chunked = (
        b"POST /api/v1/workspaces HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    sent = 0
    with connect(server) as sock:
        sock.sendall(chunked)
        try:
            while sent < 100 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 0x10000
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed by the server once it answered
        problem_of(read_response(sock), 413, "body_too_large")
    assert sent < 16 * 1024 * 1024, f"{sent} bytes went out before the server answered"
    assert rss_kib(server.pid) - before < 32 * 1024
