"""Unknown query parameters are a 422 on every API route (design §9): a misspelt filter
must not quietly widen a list. The partner apps' runtime routes (launch, manifest, built
packages, signing key, telemetry) keep taking whatever they are sent, as they always did."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from minirelease.api.app import API_PREFIX, create_app
from minirelease.config import Settings
from minirelease.miniprograms.models import MiniProgram
from tests.api.scenario import OWNER, PLATFORM_ADMIN, build_scenario
from tests.factories import Factory

Route = tuple[str, str, bool]  # (method, path template under /api/v1, is a runtime route)


def _routes() -> list[Route]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir}/unused.db")
        contexts = list(iter_route_contexts(create_app(settings, run_jobs=False).routes))
    routes = set()
    for context in contexts:
        path = context.path or ""
        if not path.startswith(API_PREFIX + "/"):
            continue
        runtime = "runtime" in (getattr(context, "tags", None) or ())
        for method in context.methods or ():
            if method != "HEAD":
                routes.add((method, path.removeprefix(API_PREFIX), runtime))
    return sorted(routes)


ROUTES = _routes()
API_ROUTES = [(method, path) for method, path, runtime in ROUTES if not runtime]


def _url(template: str) -> str:
    return API_PREFIX + re.sub(r"\{[^}]+\}", "x", template)


def test_the_runtime_routes_are_the_partner_apps() -> None:
    runtime = {(method, path) for method, path, is_runtime in ROUTES if is_runtime}
    assert runtime == {
        ("GET", "/launch/{partner_app}/{app_id}"),
        ("GET", "/partner-apps/{code}/manifest"),
        ("GET", "/partner-apps/{code}/mini-programs/{app_id}/manifest"),
        ("GET", "/packages/{sha256}"),
        ("GET", "/signing-key"),
        ("POST", "/telemetry"),
    }
    assert len(API_ROUTES) > 40


@pytest.mark.parametrize(("method", "template"), API_ROUTES, ids=lambda v: str(v))
def test_an_unknown_query_parameter_is_refused_before_anything_else(
    method: str, template: str, api_client: TestClient, factory: Factory
) -> None:
    admin = factory.user(platform_admin=True)
    response = api_client.request(
        method, _url(template), params={"no_such_filter": "1"}, headers=admin.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert "no_such_filter" in body["detail"]
    # Signed out too: which parameters a route takes is no secret (it is in /openapi.json).
    signed_out = api_client.request(method, _url(template), params={"no_such_filter": "1"})
    assert signed_out.status_code == 422


def test_the_detail_names_each_unknown_parameter_and_what_the_route_takes(
    api_client: TestClient, factory: Factory
) -> None:
    s = build_scenario(factory)
    response = api_client.get(
        f"{API_PREFIX}/audit",
        params={"workspace_id": s.workspace_id, "workspace": "x", "before": "y"},
        headers=s.headers(OWNER),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("query.before: unknown query parameter")
    assert "cursor, limit, mini_program_id, release_id, workspace_id" in body["detail"]
    assert [e["loc"] for e in body["errors"]] == [["query", "before"], ["query", "workspace"]]
    long_name = "x" * 5000
    response = api_client.get(f"{API_PREFIX}/me", params={long_name: "1"}, headers=s.headers(OWNER))
    assert response.status_code == 422 and len(response.json()["detail"]) < 500
    # Declared ones, the pagination's included, are taken as before.
    taken = api_client.get(
        f"{API_PREFIX}/audit",
        params={"workspace_id": s.workspace_id, "limit": "5"},
        headers=s.headers(OWNER),
    )
    assert taken.status_code == 200, taken.text
    assert api_client.get(f"{API_PREFIX}/me", headers=s.headers(OWNER)).status_code == 200


def test_the_runtime_routes_take_extra_parameters_as_before(
    api_client: TestClient, factory: Factory
) -> None:
    s = build_scenario(factory)
    extra = {"utm_source": "wallet", "cb": "123"}
    code = s.partner_app_code
    with factory.session_factory() as session:
        mp = session.get(MiniProgram, s.mini_program_id)
        assert mp is not None
        app_id = mp.app_id
    pairs = [
        (f"/launch/{code}/{app_id}", {"user_id": "alice"}),
        (f"/launch/{code}/no-such-app", {"user_id": "alice"}),
        (f"/partner-apps/{code}/manifest", {}),
        (f"/partner-apps/{code}/mini-programs/{app_id}/manifest", {}),
        (f"/packages/{'0' * 64}", {}),
        ("/signing-key", {}),
    ]
    for path, params in pairs:
        plain = api_client.get(f"{API_PREFIX}{path}", params=params)
        with_extra = api_client.get(f"{API_PREFIX}{path}", params=params | extra)
        assert with_extra.status_code == plain.status_code != 422, path
        assert with_extra.content == plain.content, path
    telemetry = api_client.post(f"{API_PREFIX}/telemetry", params=extra, json={"events": []})
    assert telemetry.status_code == 401  # no partner key: refused for that, not the params
    admin_view = api_client.get(f"{API_PREFIX}/signing-key", headers=s.headers(PLATFORM_ADMIN))
    assert admin_view.status_code == 200
