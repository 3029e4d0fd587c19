"""Issue 12, item 8: a launch that will be served is answered in front of the middleware
stack, with the headers the stack would have given it; refusals and everything else go
through the whole stack, which renders them as problem+json. Issue 15: so is a manifest
poll whose answer is held (tests/http/test_manifest_lane.py has the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from minirelease.api.launch_fast_path import LaunchFastPath
from tests.factories import Factory
from tests.releases.flow import API, Scenario, problem, released, scenario
from tests.rollout.test_manifest_compression import Partner


class _Counting:
    """The stack behind the fast path, counting the requests that reach it."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await self.stack(scope, receive, send)


@pytest.fixture
def stack(client: TestClient) -> Iterator[_Counting]:
    fast_path = client.app.middleware_stack  # type: ignore[attr-defined]
    assert isinstance(fast_path, LaunchFastPath)
    counting = _Counting(fast_path.stack)
    fast_path.stack = counting
    yield counting
    fast_path.stack = counting.stack


@pytest.fixture
def online(client: TestClient, factory: Factory, stack: _Counting) -> tuple[Scenario, _Counting]:
    s = scenario(client, factory)
    released(s, "1.0.0")
    stack.paths.clear()  # the release flow's requests
    return s, stack


def test_a_served_launch_never_reaches_the_stack_and_has_its_headers(
    online: tuple[Scenario, _Counting],
) -> None:
    s, stack = online
    answer = s.client.get(
        f"{API}/launch/{s.partner}/{s.app_id}",
        params={"user_id": "alice"},
        headers={"X-Request-ID": "trace-7"},
    )
    assert answer.status_code == 200
    assert answer.json()["version"] == "1.0.0"
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-request-id"] == "trace-7"
    assert "cache-control" not in answer.headers  # as the stack would: a public GET
    assert stack.paths == []
    # A generated request id when none is sent; credentials make it private; https adds HSTS.
    assert len(s.client.get(f"{API}/launch/{s.partner}/{s.app_id}").headers["x-request-id"]) == 16
    private = s.client.get(
        f"https://testserver{API}/launch/{s.partner}/{s.app_id}", headers=s.developer.headers
    )
    assert private.headers["cache-control"] == "no-store"
    assert private.headers["strict-transport-security"] == "max-age=31536000"
    assert private.json()["package"]["url"].startswith("https://testserver/")
    assert stack.paths == []


def test_refusals_and_other_paths_go_through_the_whole_stack(
    online: tuple[Scenario, _Counting],
) -> None:
    s, stack = online
    refused = s.client.get(f"{API}/launch/{s.partner}/9999999999999999")
    problem(refused, 404, "not_released")
    assert refused.headers["x-content-type-options"] == "nosniff"
    too_long = s.client.get(f"{API}/launch/{s.partner}/{s.app_id}", params={"user_id": "u" * 2000})
    problem(too_long, 422, "validation_error")
    problem(s.client.get(f"{API}/launch/{s.partner}"), 404, "not_found")
    problem(s.client.get(f"{API}/launch/{s.partner}/{s.app_id}/more"), 404, "not_found")
    assert s.client.post(f"{API}/launch/{s.partner}/{s.app_id}").status_code == 405
    assert stack.paths == [
        f"{API}/launch/{s.partner}/9999999999999999",
        f"{API}/launch/{s.partner}/{s.app_id}",
        f"{API}/launch/{s.partner}",
        f"{API}/launch/{s.partner}/{s.app_id}/more",
        f"{API}/launch/{s.partner}/{s.app_id}",
    ]


def test_a_held_manifest_poll_never_reaches_the_stack(
    client: TestClient, factory: Factory, stack: _Counting
) -> None:
    partner = Partner(factory)
    first = client.get(partner.url, headers={"X-Request-ID": "poll-7"})
    assert stack.paths == [partner.url]  # built by the route
    again = client.get(partner.url, headers={"X-Request-ID": "poll-7"})
    assert again.content == first.content and again.headers == first.headers
    assert again.headers["x-content-type-options"] == "nosniff"
    tag = {"If-None-Match": first.headers["etag"]}
    assert client.get(partner.url, headers=tag).status_code == 304
    https = client.get(f"https://testserver{partner.url}", headers=tag)
    assert https.headers["strict-transport-security"] == "max-age=31536000"
    assert stack.paths == [partner.url]
