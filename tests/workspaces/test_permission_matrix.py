"""Every kind of caller against every workspace endpoint: 404 for who may not see the
workspace, 403 for who sees it but may not act, 401 without credentials. The team is built
once per module and database; each case (its caller made, its requests sent) runs in a
savepoint rolled back after it (tests/api/worlds.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api import worlds
from tests.api.worlds import Case, World
from tests.factories import Actor, Factory
from tests.workspaces.helpers import Team, build_team, invite

CALLERS = [
    "owner",
    "master",
    "developer",
    "blocked",
    "outsider",
    "platform_admin",
    "platform_reviewer",
    "partner_reviewer",
    "anonymous",
]

# Expected status per endpoint, in the order of CALLERS.
MATRIX = {
    "read workspace": [200, 200, 200, 404, 404, 200, 404, 404, 401],
    "list members": [200, 200, 200, 404, 404, 403, 404, 404, 401],
    "invite developer": [201, 201, 403, 404, 404, 403, 404, 404, 401],
    "invite master": [201, 403, 403, 404, 404, 403, 404, 404, 401],
    "list invitations": [200, 200, 403, 404, 404, 403, 404, 404, 401],
    "revoke developer invitation": [204, 204, 403, 404, 404, 403, 404, 404, 401],
    "change developer": [200, 200, 403, 404, 404, 403, 404, 404, 401],
    "remove developer": [204, 204, 403, 404, 404, 403, 404, 404, 401],
}

Call = Callable[[TestClient, Team, dict[str, str]], httpx2.Response]


def _revoke(client: TestClient, team: Team, headers: dict[str, str]) -> httpx2.Response:
    made = invite(client, team.workspace, team.people["owner"], "r@example.com", "developer")
    url = f"/api/v1/workspaces/{team.workspace.id}/invitations/{made.json()['id']}"
    return client.delete(url, headers=headers)


def _workspace_url(team: Team) -> str:
    return f"/api/v1/workspaces/{team.workspace.id}"


CALLS: dict[str, Call] = {
    "read workspace": lambda c, t, h: c.get(_workspace_url(t), headers=h),
    "list members": lambda c, t, h: c.get(f"{_workspace_url(t)}/members", headers=h),
    "invite developer": lambda c, t, h: c.post(
        f"{_workspace_url(t)}/invitations",
        json={"email": "new-dev@example.com", "role": "developer"},
        headers=h,
    ),
    "invite master": lambda c, t, h: c.post(
        f"{_workspace_url(t)}/invitations",
        json={"email": "new-master@example.com", "role": "master"},
        headers=h,
    ),
    "list invitations": lambda c, t, h: c.get(f"{_workspace_url(t)}/invitations", headers=h),
    "revoke developer invitation": _revoke,
    "change developer": lambda c, t, h: c.patch(
        t.url("developer2"), json={"blocked": True}, headers=h
    ),
    "remove developer": lambda c, t, h: c.delete(t.url("developer2"), headers=h),
}


def _caller(factory: Factory, team: Team, kind: str) -> Actor | None:
    if kind in ("owner", "master", "developer"):
        return team.people[kind]
    makers: dict[str, Callable[[], Actor | None]] = {
        "blocked": lambda: factory.member(team.workspace, "owner", blocked=True),
        "outsider": factory.user,
        "platform_admin": lambda: factory.user(platform_admin=True),
        "platform_reviewer": lambda: factory.user(platform_reviewer=True),
        "partner_reviewer": lambda: factory.partner_reviewer(factory.partner_app()),
        "anonymous": lambda: None,
    }
    return makers[kind]()


@pytest.fixture(scope="module")
def team_world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World[Team]]:
    """The team, built once per module and database; each case runs in a savepoint of it
    (tests/api/worlds.py)."""
    with worlds.world(engine, tmp_path_factory.mktemp("team"), build_team) as built:
        yield built


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for the module's cases, pointed at each in turn (``worlds.serve``)."""
    return worlds.unbound_app(tmp_path_factory.mktemp("team-app"))


@pytest.fixture
def team_case(team_world: World[Team]) -> Iterator[Case]:
    with worlds.case(team_world) as case:
        yield case


@pytest.mark.parametrize("endpoint", list(MATRIX))
@pytest.mark.parametrize("kind", CALLERS)
def test_permission_matrix(
    team_world: World[Team], team_app: FastAPI, team_case: Case, endpoint: str, kind: str
) -> None:
    team = team_world.built
    caller = _caller(team_case.factory, team, kind)
    headers = caller.headers if caller is not None else {}
    with worlds.serve(team_app, team_case.settings, team_case.session_factory) as client:
        response = CALLS[endpoint](client, team, headers)
    expected = MATRIX[endpoint][CALLERS.index(kind)]
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
