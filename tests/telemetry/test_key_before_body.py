"""``POST /telemetry`` checks the partner key before it reads the body (issue 13, item 7):
without a valid key the answer is 401 whatever the body is, and not a byte of it is read.
A body declared larger than the route's limit is refused 413 before the key is looked at,
by the body limit (tests/http/test_body_limits.py): neither reads it. With a valid key, the
body is still bounded, then parsed and validated."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from minirelease.api.body_limits import TELEMETRY_MAX_BYTES
from tests.factories import Factory
from tests.http.test_body_limits import assert_too_large, chunks

URL = "/api/v1/telemetry"
JSON = {"content-type": "application/json"}
NOT_JSON = b'{"events": [{"app_id": '


def _key(factory: Factory) -> str:
    return factory.partner_key(factory.partner_app())[1]


@pytest.mark.parametrize("key", [None, "mrk_not-a-key", "not-even-a-partner-key"])
def test_a_caller_without_a_valid_key_hears_401_before_its_json_is_parsed(
    client: TestClient, key: str | None
) -> None:
    headers = JSON | ({"Authorization": f"Bearer {key}"} if key else {})
    response = client.post(URL, content=NOT_JSON, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthenticated"


def test_with_a_valid_key_bad_json_is_a_validation_error(
    client: TestClient, factory: Factory
) -> None:
    headers = JSON | {"Authorization": f"Bearer {_key(factory)}"}
    response = client.post(URL, content=NOT_JSON, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


def _post_streamed(client: TestClient, key: str) -> tuple[int, int]:
    """POST a chunked body with no end (the rest of it is always coming) straight to the
    app; its status, and how many parts of the body were asked for."""
    asked = 0

    async def receive() -> Message:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b" " * 65536, "more_body": True}

    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", f"Bearer {key}".encode()),
        ],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
    }

    async def post() -> None:
        await client.app(scope, receive, send)

    portal = client.portal
    assert portal is not None
    portal.call(post)
    (status,) = statuses
    return status, asked


def test_a_wrong_key_with_an_endless_body_is_refused_without_reading_it(
    client: TestClient, factory: Factory
) -> None:
    assert _post_streamed(client, "mrk_wrong") == (401, 0)
    # With a valid key, the body is read, up to the route's limit and no further.
    status, asked = _post_streamed(client, _key(factory))
    assert status == 413
    assert asked == TELEMETRY_MAX_BYTES // 65536 + 1


def test_a_keyed_body_past_the_limit_is_still_refused(client: TestClient, factory: Factory) -> None:
    headers = JSON | {"Authorization": f"Bearer {_key(factory)}"}
    over = client.post(URL, content=chunks(TELEMETRY_MAX_BYTES + 1), headers=headers)
    assert_too_large(over, TELEMETRY_MAX_BYTES)
