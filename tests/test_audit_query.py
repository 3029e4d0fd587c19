from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease import audit
from tests.factories import Factory
from tests.releases.rows import ReleaseRows


def _events(session_factory: sessionmaker[Any], count: int, **scope: str) -> None:
    with session_factory() as session:
        for n in range(count):
            audit.record(
                session,
                actor="usr_x",
                action="test.event",
                target_type="t",
                target_id=str(n),
                **scope,
            )
        session.commit()


def test_workspace_slice_for_owners_masters_and_admins(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    other_ws, _ = factory.workspace()
    master = factory.member(ws, "master")
    developer = factory.member(ws, "developer")
    outsider = factory.user()
    admin = factory.user(platform_admin=True)
    _events(session_factory, 3, workspace_id=ws.id)
    _events(session_factory, 2, workspace_id=other_ws.id)
    url = f"/api/v1/audit?workspace_id={ws.id}"
    for actor in (owner, master, admin):
        response = client.get(url, headers=actor.headers)
        assert response.status_code == 200, response.text
        assert {e["workspace_id"] for e in response.json()["items"]} == {ws.id}
        assert len(response.json()["items"]) == 3
    assert client.get(url, headers=developer.headers).status_code == 403
    assert client.get(url, headers=outsider.headers).json()["code"] == "not_found"
    assert client.get(url).status_code == 401


def test_mini_program_slice_and_whole_log(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    developer = factory.member(ws, "developer", mini_programs=(mp,))
    _events(session_factory, 2, workspace_id=ws.id, mini_program_id=mp.id)
    _events(session_factory, 1, workspace_id=ws.id)
    url = f"/api/v1/audit?mini_program_id={mp.id}"
    assert len(client.get(url, headers=owner.headers).json()["items"]) == 2
    assert client.get(url, headers=developer.headers).status_code == 403
    assert client.get("/api/v1/audit", headers=owner.headers).status_code == 403
    admin = factory.user(platform_admin=True)
    assert len(client.get("/api/v1/audit", headers=admin.headers).json()["items"]) >= 3


def test_pages_follow_the_cursor_newest_first(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    _events(session_factory, 5, workspace_id=ws.id)
    url = f"/api/v1/audit?workspace_id={ws.id}&limit=2"
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get(url + cursor, headers=owner.headers).json()
        seen += [e["target_id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == ["4", "3", "2", "1", "0"]
    bad = client.get(url.replace("limit=2", "limit=0"), headers=owner.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


def test_action_family_and_actor_filters(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    admin = factory.user(platform_admin=True)
    with session_factory() as session:
        for action, actor in (
            ("release.apply", "usr_a"),
            ("release.review", "usr_b"),
            ("release_x.odd", "usr_a"),
            ("workspace.create", "usr_a"),
        ):
            audit.record(session, actor=actor, action=action, target_type="t", target_id="1")
        session.commit()

    def actions(**params: str) -> list[str]:
        response = client.get("/api/v1/audit", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        return sorted(e["action"] for e in response.json()["items"])

    assert actions(action="release") == ["release.apply", "release.review"]
    assert actions(action="release.apply") == ["release.apply"]
    assert actions(action="release", actor="usr_b") == ["release.review"]
    assert actions(action="release_%") == []  # a wildcard is a character, not a pattern


def test_release_slice_needs_no_other_filter(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    master = factory.member(ws, "master")
    release = ReleaseRows(session_factory).release(mp, factory.partner_app(), "1.0.0", "tested")
    other = ReleaseRows(session_factory).release(mp, factory.partner_app(), "1.0.1", "tested")
    scope = {"workspace_id": ws.id, "mini_program_id": mp.id}
    _events(session_factory, 2, release_id=release.id, **scope)
    _events(session_factory, 1, release_id=other.id, **scope)
    url = f"/api/v1/audit?release_id={release.id}"
    for actor in (owner, master, factory.user(platform_admin=True)):
        response = client.get(url, headers=actor.headers)
        assert response.status_code == 200, response.text
        assert [e["release_id"] for e in response.json()["items"]] == [release.id] * 2


def test_release_slice_refuses_who_may_not_read_the_audit_log(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    developer = factory.member(ws, "developer", mini_programs=(mp,))
    other_owner = factory.workspace()[1]
    release = ReleaseRows(session_factory).release(mp, factory.partner_app(), "1.0.0", "tested")
    _events(session_factory, 1, release_id=release.id, workspace_id=ws.id)
    url = f"/api/v1/audit?release_id={release.id}"
    # A developer reads the release but not its mini program's audit log: 403, as there.
    assert client.get(url, headers=developer.headers).status_code == 403
    for stranger in (other_owner, factory.user()):
        assert client.get(url, headers=stranger.headers).json()["code"] == "not_found"
    missing = client.get("/api/v1/audit?release_id=rel_nope", headers=owner.headers)
    assert missing.json()["code"] == "not_found"
