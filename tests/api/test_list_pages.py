"""Every list of the API is paginated alike (design §9): ``?cursor=&limit=`` in and
``{"items": [...], "next_cursor": ...}`` out; walked a page at a time it gives exactly the
items of one big page, in the same order; a cursor that is not one is a 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.api.app import API_PREFIX
from minirelease.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tests.api.scenario import OWNER, PARTNER_REVIEWER, PLATFORM_ADMIN, Scenario, build_scenario
from tests.factories import Factory


def _release_id(client: TestClient, s: Scenario) -> str:
    url = f"{API_PREFIX}/mini-programs/{s.mini_program_id}/releases"
    return str(client.get(url, headers=s.headers(OWNER)).json()["items"][0]["id"])


Lister = Callable[[TestClient, Scenario], tuple[str, str, dict[str, str]]]
# Each list (its path template), who reads it and the URL to read it at.
LISTS: dict[str, Lister] = {
    "/me/tokens": lambda c, s: (OWNER, "/me/tokens", {}),
    "/workspaces": lambda c, s: (OWNER, "/workspaces", {}),
    "/workspaces/{workspace_id}/invitations": lambda c, s: (
        OWNER,
        f"/workspaces/{s.workspace_id}/invitations",
        {},
    ),
    "/workspaces/{workspace_id}/members": lambda c, s: (
        OWNER,
        f"/workspaces/{s.workspace_id}/members",
        {},
    ),
    "/workspaces/{workspace_id}/mini-programs": lambda c, s: (
        OWNER,
        f"/workspaces/{s.workspace_id}/mini-programs",
        {},
    ),
    "/mini-programs/{mini_program_id}/versions": lambda c, s: (
        OWNER,
        f"/mini-programs/{s.mini_program_id}/versions",
        {},
    ),
    "/mini-programs/{mini_program_id}/releases": lambda c, s: (
        OWNER,
        f"/mini-programs/{s.mini_program_id}/releases",
        {},
    ),
    "/releases": lambda c, s: (PLATFORM_ADMIN, "/releases", {}),
    "/releases/{release_id}/compatibility-runs": lambda c, s: (
        OWNER,
        f"/releases/{_release_id(c, s)}/compatibility-runs",
        {},
    ),
    "/partner-apps": lambda c, s: (PLATFORM_ADMIN, "/partner-apps", {}),
    "/partner-apps/{code}/reviewers": lambda c, s: (
        PLATFORM_ADMIN,
        f"/partner-apps/{s.partner_app_code}/reviewers",
        {},
    ),
    "/partner-apps/{code}/keys": lambda c, s: (
        PARTNER_REVIEWER,
        f"/partner-apps/{s.partner_app_code}/keys",
        {},
    ),
    "/platform/reviewers": lambda c, s: (PLATFORM_ADMIN, "/platform/reviewers", {}),
    "/audit": lambda c, s: (OWNER, "/audit", {"workspace_id": s.workspace_id}),
    "/compat/profiles": lambda c, s: (OWNER, "/compat/profiles", {}),
    "/workspaces/{workspace_id}/webhooks": lambda c, s: (
        OWNER,
        f"/workspaces/{s.workspace_id}/webhooks",
        {},
    ),
    "/webhooks/{webhook_id}/deliveries": lambda c, s: (
        OWNER,
        f"/webhooks/{s.webhook_id}/deliveries",
        {},
    ),
}


def _openapi(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    return document


def _ok_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation["responses"]["200"]["content"]["application/json"]
    schema: dict[str, Any] = content.get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_list_is_a_page_and_takes_cursor_and_limit(api_client: TestClient) -> None:
    document = _openapi(api_client)
    paged = set()
    for path, item in document["paths"].items():
        operation = item.get("get")
        if not path.startswith(API_PREFIX) or operation is None:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = _ok_schema(document, operation)
        assert schema.get("type") != "array", f"{path} answers a bare array, not a page"
        if set(schema.get("properties", {})) != {"items", "next_cursor"}:
            continue
        paged.add(path.removeprefix(API_PREFIX))
        query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert query["cursor"]["required"] is False, path
        assert query["limit"]["schema"]["default"] == DEFAULT_LIMIT, path
        assert query["limit"]["schema"]["maximum"] == MAX_LIMIT, path
    assert paged == set(LISTS)


def _get(client: TestClient, s: Scenario, caller: str, url: str, params: dict[str, Any]) -> Any:
    response = client.get(f"{API_PREFIX}{url}", params=params, headers=s.headers(caller))
    assert response.status_code == 200, (url, response.text)
    return response.json()


@pytest.mark.parametrize("template", sorted(LISTS))
def test_walking_a_list_one_item_a_page_gives_each_item_once(
    template: str, api_client: TestClient, factory: Factory
) -> None:
    s = build_scenario(factory)
    caller, url, params = LISTS[template](api_client, s)
    whole = _get(api_client, s, caller, url, params | {"limit": MAX_LIMIT})
    assert set(whole) == {"items", "next_cursor"} and whole["next_cursor"] is None
    walked: list[Any] = []
    cursor = None
    for _ in range(len(whole["items"]) + 1):
        after = {} if cursor is None else {"cursor": cursor}
        page = _get(api_client, s, caller, url, params | {"limit": 1} | after)
        walked += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert walked == whole["items"]
    refused = api_client.get(
        f"{API_PREFIX}{url}",
        params=params | {"cursor": "bm90IGEgY3Vyc29y"},
        headers=s.headers(caller),
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "validation_error"
    assert "cursor" in refused.json()["detail"]
