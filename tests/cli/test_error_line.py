"""The README's CLI error promise: "Errors are one line on standard error, `error: DETAIL
[CODE]`, with the server's problem code". A real `minirelease` process against a fake
server that refuses everything with a problem, and against no server at all."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PROBLEM = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "code": "not_found",
    "detail": "no release rel_missing",
}


class Refusing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(PROBLEM).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _cli(server: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "MINIRELEASE_CONFIG_DIR": str(home / "config"),
        "MINIRELEASE_SERVER": server,
        "MINIRELEASE_TOKEN": "mr_" + "x" * 43,
        "MINIRELEASE_CLI_RETRIES": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "minirelease.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=60,
        check=False,
    )


def test_a_refusal_is_one_error_line_with_the_servers_detail_and_code(
    refusing_server: str, tmp_path: Path
) -> None:
    done = _cli(refusing_server, tmp_path, "release", "status", "rel_missing")
    assert done.returncode == 1
    assert done.stderr == "error: no release rel_missing [not_found]\n"
    assert done.stdout == ""


def test_an_unreachable_server_is_one_error_line_too(tmp_path: Path) -> None:
    done = _cli("http://127.0.0.1:9", tmp_path, "whoami")
    assert done.returncode == 3
    assert done.stderr.startswith("error: ")
    assert done.stderr.endswith(" [server_unreachable]\n")
    assert done.stderr.count("\n") == 1
