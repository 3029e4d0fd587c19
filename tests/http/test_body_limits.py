"""Request bodies bounded by route before anything reads them (issue 12, item 2): a
declared length over the limit is refused at once, before authentication, without the
app running; a body without a length is cut off as it streams in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from minirelease.api.body_limits import TELEMETRY_MAX_BYTES
from minirelease.http.body_limit import BodyLimit, BodyRule
from minirelease.miniprograms.rules import MAX_ICON_BYTES
from tests.factories import Factory

API = "/api/v1"
MIB = 1024 * 1024
JSON = {"content-type": "application/json"}


def assert_too_large(response: Any, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["connection"] == "close"
    body = response.json()
    assert (body["code"], body["status"], body["max_bytes"]) == ("body_too_large", 413, limit)


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body of ``total`` bytes with no Content-Length (sent chunked)."""
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b" " * part


@pytest.mark.parametrize(
    "path",
    [
        "/workspaces",  # JSON
        "/telemetry",  # JSON, larger limit
        "/mini-programs/mp_x/versions",  # the upload, larger still
        "/mini-programs/mp_x/icon",  # raw bytes
    ],
)
def test_a_declared_100_mb_body_is_refused_before_authentication(
    client: TestClient, path: str
) -> None:
    method = "PUT" if path.endswith("/icon") else "POST"
    headers = {**JSON, "content-length": str(100 * MIB)}
    # The TestClient sends the declared length as it is; the body itself is small.
    response = client.request(method, f"{API}{path}", content=b"{}", headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "body_too_large"


def test_the_json_limit_is_the_setting_and_a_body_within_it_goes_on(
    client: TestClient, factory: Factory
) -> None:
    _, owner = factory.workspace()
    limit = client.app.state.settings.max_json_bytes  # type: ignore[attr-defined]
    assert limit == MIB
    padded = b'{"name": "Padded"' + b" " * (limit - 100) + b"}"
    created = client.post(f"{API}/workspaces", content=padded, headers={**JSON, **owner.headers})
    assert created.status_code == 201, created.text
    over = b'{"name": "Padded"' + b" " * limit + b"}"
    assert_too_large(
        client.post(f"{API}/workspaces", content=over, headers={**JSON, **owner.headers}), limit
    )

    client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"max_json_bytes": 1000}
    )
    small = client.post(f"{API}/workspaces", content=padded[:2000], headers=owner.headers)
    assert_too_large(small, 1000)


def test_a_streamed_body_is_cut_off_past_the_limit(client: TestClient, factory: Factory) -> None:
    _, owner = factory.workspace()
    refused = client.post(
        f"{API}/workspaces", content=chunks(3 * MIB), headers={**JSON, **owner.headers}
    )
    assert_too_large(refused, MIB)
    # Without credentials too: the body's size is settled before who is asking.
    assert_too_large(client.post(f"{API}/workspaces", content=chunks(3 * MIB), headers=JSON), MIB)


def test_file_routes_keep_their_own_limits(client: TestClient, factory: Factory) -> None:
    """Between the JSON limit and a file route's backstop, the route answers itself: the
    caller first (401), then its own rule."""
    _, owner = factory.workspace()
    settings = client.app.state.settings  # type: ignore[attr-defined]
    upload = bytes(settings.max_upload_bytes // 2)
    unauthenticated = client.post(
        f"{API}/mini-programs/mp_x/versions",
        content=upload,
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert unauthenticated.status_code == 401, unauthenticated.text
    icon = client.put(
        f"{API}/mini-programs/mp_x/icon",
        content=bytes(MAX_ICON_BYTES + 1),
        headers={"content-type": "image/png", **owner.headers},
    )
    assert icon.status_code == 404, icon.text  # no such mini program: not a 413
    far_beyond = client.put(
        f"{API}/mini-programs/mp_x/icon",
        content=bytes(3 * MAX_ICON_BYTES),
        headers={"content-type": "image/png", **owner.headers},
    )
    assert_too_large(far_beyond, MAX_ICON_BYTES + MIB)
    telemetry = client.post(f"{API}/telemetry", content=b" " * (TELEMETRY_MAX_BYTES - 1))
    assert telemetry.status_code == 401, telemetry.text


# The middleware alone, with an app that records what it was given: "not read" is seen
# directly, as the number of times the body was asked for.


class RecordingApp:
    def __init__(self) -> None:
        self.called = False
        self.received = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.received += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})


def run(
    app: Any, headers: list[tuple[bytes, bytes]], parts: int, part_size: int, pause: float = 0
) -> Any:
    """Send a body of ``parts`` messages through ``app`` (``pause`` seconds before each
    but the first); what was sent back, and how many body messages were taken."""
    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    sent: list[dict[str, Any]] = []
    taken = 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        if taken:
            await anyio.sleep(pause)
        taken += 1
        return {"type": "http.request", "body": b"x" * part_size, "more_body": taken < parts}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    return sent, taken


def test_a_declared_length_over_the_limit_never_reaches_the_app() -> None:
    inner = RecordingApp()
    limited = BodyLimit(inner, rule_for=lambda scope: BodyRule(1000, 5))
    sent, taken = run(limited, [(b"content-length", str(100 * MIB).encode())], 1600, 65536)
    assert (inner.called, taken) == (False, 0)
    assert sent[0]["status"] == 413 and (b"connection", b"close") in sent[0]["headers"]


def test_a_chunked_body_is_not_read_past_the_chunk_that_passes_the_limit() -> None:
    inner = RecordingApp()
    limited = BodyLimit(inner, rule_for=lambda scope: BodyRule(200_000, 5))
    sent, taken = run(limited, [(b"transfer-encoding", b"chunked")], 1600, 65536)
    assert taken == 4 and inner.received == 3 * 65536  # the fourth passes 200,000
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert b"body_too_large" in sent[-1]["body"]


def test_a_body_within_the_limit_and_a_request_without_one_pass_untouched() -> None:
    inner = RecordingApp()
    limited = BodyLimit(inner, rule_for=lambda scope: BodyRule(200_000, 5))
    sent, taken = run(limited, [(b"content-length", b"196608")], 3, 65536)
    assert (sent[0]["status"], taken, inner.received) == (200, 3, 196608)
    no_body = RecordingApp()
    sent, _ = run(BodyLimit(no_body, rule_for=lambda scope: BodyRule(0, 5)), [], 1, 0)
    assert sent[0]["status"] == 200 and no_body.called


def test_a_body_that_stops_arriving_is_given_up() -> None:
    inner = RecordingApp()
    limited = BodyLimit(inner, rule_for=lambda scope: BodyRule(200_000, 0.05))
    sent, taken = run(limited, [(b"content-length", b"3000")], 3, 1000, pause=0.5)
    assert taken == 1 and inner.received == 1000  # the second part never came in time
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [408]
    assert b"request_timeout" in sent[-1]["body"]
    # Slow but steady is fine.
    steady = BodyLimit(RecordingApp(), rule_for=lambda scope: BodyRule(200_000, 1))
    assert run(steady, [(b"content-length", b"3000")], 3, 1000, pause=0.05)[0][0]["status"] == 200
