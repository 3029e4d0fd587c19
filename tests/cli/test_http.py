"""The client's HTTP behaviour against a real local server that misbehaves on purpose:
idempotent calls retry on 503 (honouring Retry-After) and on refused connections, a POST
is never repeated, and problem bodies become one error with the server's code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.http import ApiClient
from minirelease.cli.profiles import Profile
from tests.releases.live import free_port


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 (Retry-After: 0) to the first ``busy`` requests, then 200 or a problem."""

    busy = 0
    seen: list[str] = []
    url = ""

    def _answer(self) -> None:
        type(self).seen.append(self.command)
        if len(type(self).seen) <= type(self).busy:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            body = b'{"code": "database_busy", "detail": "busy"}'
        elif self.path.endswith("/missing"):
            self.send_response(404)
            body = b'{"code": "not_found", "detail": "no such release"}'
        else:
            self.send_response(200)
            body = json.dumps({"method": self.command}).encode()
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def flaky() -> Iterator[type[_Flaky]]:
    handler = type("Handler", (_Flaky,), {"busy": 0, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def _client(url: str) -> ApiClient:
    return ApiClient(Profile(name="test", server=url, token="mr_test"))


def test_a_get_is_retried_while_the_server_is_busy(
    flaky: type[_Flaky], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIRELEASE_CLI_RETRIES", "3")
    flaky.busy = 2
    with _client(flaky.url) as api:
        assert api.get("/me") == {"method": "GET"}
    assert flaky.seen == ["GET", "GET", "GET"]


def test_a_post_is_sent_once(flaky: type[_Flaky], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIRELEASE_CLI_RETRIES", "3")
    flaky.busy = 1
    with _client(flaky.url) as api, pytest.raises(CliError) as refused:
        api.post("/releases/r/apply")
    assert (refused.value.code, refused.value.status, refused.value.exit_code) == (
        "database_busy",
        503,
        Exit.FAILED,
    )
    assert flaky.seen == ["POST"]


def test_a_problem_becomes_its_code_and_detail(flaky: type[_Flaky]) -> None:
    with _client(flaky.url) as api, pytest.raises(CliError) as refused:
        api.get("/releases/missing")
    assert (refused.value.code, refused.value.detail) == ("not_found", "no such release")


def test_an_unreachable_server_is_retried_then_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIRELEASE_CLI_RETRIES", "1")
    with _client(f"http://127.0.0.1:{free_port()}") as api, pytest.raises(CliError) as failed:
        api.get("/me")
    assert (failed.value.code, failed.value.exit_code) == (
        "server_unreachable",
        Exit.UNREACHABLE_OR_AUTH,
    )
