"""No 500 for any bad input (issue 2, "errors"): every API route in scope, sent hostile
bodies, path ids and query values by a platform admin and by a workspace owner, answers
below 500, and every error is problem+json with a stable code of design §7. Unknown routes
and wrong methods too. Each test runs on the scenario as built (once per module and
database; each test in a savepoint rolled back after it: tests/api/worlds.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.api.app import API_PREFIX
from tests.api import calls
from tests.api.calls import Endpoint
from tests.api.hostile import Attack, attacks
from tests.api.routes import api_routes, in_scope_routes
from tests.api.scenario import OWNER, PLATFORM_ADMIN, Scenario
from tests.api.worlds import Case, World

STABLE_CODES = {
    "not_found": 404,
    "permission_denied": 403,
    "unauthenticated": 401,
    "validation_error": 422,
    "invalid_transition": 409,
    "conflict": 409,
    "package_invalid": 422,
    "rate_limited": 429,
    "not_released": 404,
    "removed": 410,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "webhook_url_refused": 422,
}
# FastAPI answers a body it cannot parse at all with 400; it is still a validation error.
BAD_REQUEST = 400


def _one_per_route() -> list[Endpoint]:
    chosen: dict[tuple[str, str], Endpoint] = {}
    for endpoint in calls.ENDPOINTS:
        chosen.setdefault(endpoint.route, endpoint)
    return list(chosen.values())


ROUTE_ENDPOINTS = _one_per_route()


def problem_of(response: Any) -> str | None:
    """What is wrong with the response to a bad input, or None."""
    if response.status_code >= 500:
        return f"server error {response.status_code}: {response.text[:300]}"
    if response.status_code < 400:
        return None
    if response.headers.get("content-type") != "application/problem+json":
        return f"{response.status_code} is not problem+json: {response.headers.get('content-type')}"
    body = response.json()
    code = body.get("code")
    if code not in STABLE_CODES:
        return f"unknown problem code {code!r}"
    allowed = {STABLE_CODES[code], BAD_REQUEST if code == "validation_error" else None}
    if response.status_code not in allowed or body.get("status") != response.status_code:
        return f"code {code} with status {response.status_code} (body says {body.get('status')})"
    return None


def send(client: TestClient, attack: Attack, headers: dict[str, str]) -> Any:
    if attack.content_type is not None:
        headers = headers | {"Content-Type": attack.content_type}
    return client.request(
        attack.method,
        attack.url,
        content=attack.content,
        headers=headers,
        params=list(attack.params),
    )


def query_parameters(client: TestClient, endpoint: Endpoint) -> list[str]:
    operation = client.app.openapi()["paths"][API_PREFIX + endpoint.template]  # type: ignore[attr-defined]
    parameters = operation[endpoint.method.lower()].get("parameters", [])
    return [p["name"] for p in parameters if p["in"] == "query"]


def test_every_route_in_scope_is_attacked() -> None:
    assert {endpoint.route for endpoint in ROUTE_ENDPOINTS} == in_scope_routes()


@pytest.mark.parametrize("caller", [PLATFORM_ADMIN, OWNER])
@pytest.mark.parametrize("endpoint", ROUTE_ENDPOINTS, ids=lambda e: e.name)
def test_hostile_inputs_never_cause_a_server_error(
    endpoint: Endpoint, caller: str, scenario_world: World[Scenario], case_client: TestClient
) -> None:
    scenario = scenario_world.built
    headers = scenario.headers(caller)
    failures = []
    count = 0
    for attack in attacks(
        endpoint, endpoint.build(scenario), query_parameters(case_client, endpoint)
    ):
        count += 1
        try:
            response = send(case_client, attack, headers)
        except Exception as exc:  # the test client re-raises what the app did not handle
            failures.append(f"{attack.what}: raised {exc!r}")
            continue
        problem = problem_of(response)
        if problem is None and attack.must_refuse and response.status_code < 400:
            problem = f"accepted with {response.status_code}"
        if problem is not None:
            failures.append(f"{attack.what}: {problem}")
    assert count >= 3
    assert not failures, "\n".join(failures)


def _paths_in_scope(scenario: Scenario) -> dict[str, str]:
    """Each in-scope path template with the scenario's ids filled in."""
    concrete = {}
    for endpoint in calls.ENDPOINTS:
        concrete[endpoint.template] = endpoint.url(endpoint.build(scenario))
    return concrete


def test_wrong_methods_are_405(scenario_world: World[Scenario], case_client: TestClient) -> None:
    scenario = scenario_world.built
    served = api_routes()
    checked = 0
    for template, url in _paths_in_scope(scenario).items():
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if (method, template) in served:
                continue
            response = case_client.request(method, url, headers=scenario.headers(PLATFORM_ADMIN))
            assert response.status_code == 405, f"{method} {template}"
            assert problem_of(response) is None, f"{method} {template}"
            assert response.json()["code"] == "method_not_allowed"
            checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/api/v2/me",
        f"{API_PREFIX}/nope",
        f"{API_PREFIX}/workspaces/x/y/z",
        f"{API_PREFIX}/mini-programs/x/versions/1.0.0/package/extra",
        f"{API_PREFIX}/%00",
        f"{API_PREFIX}/%FF%FE",
        f"{API_PREFIX}/{'x' * 5000}",
        f"{API_PREFIX}/%C3%BC%F0%9F%98%80",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_routes_are_404_problems(
    path: str, method: str, scenario_case: Case, case_client: TestClient
) -> None:
    admin = scenario_case.factory.user(platform_admin=True)
    response = case_client.request(method, path, headers=admin.headers, content=b"{")
    assert response.status_code == 404
    assert problem_of(response) is None
    assert response.json()["code"] == "not_found"
