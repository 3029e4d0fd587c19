"""Creating, listing and reading workspaces, and who may see them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.workspaces.helpers import AuditLog, MembershipOf


def test_creator_becomes_owner(
    client: TestClient, factory: Factory, audit_log: AuditLog, membership_of: MembershipOf
) -> None:
    alice = factory.user()
    created = client.post("/api/v1/workspaces", json={"name": "  Acme  "}, headers=alice.headers)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Acme"
    assert body["role"] == "owner"
    assert body["id"].startswith("ws_")
    assert "created_at" in body
    membership = membership_of(body["id"], alice.id)
    assert membership is not None
    assert membership.role == "owner"
    assert not membership.blocked
    [event] = audit_log("workspace.create")
    assert event.actor == alice.id
    assert event.target_id == body["id"]
    assert event.workspace_id == body["id"]
    assert event.after == {"name": "Acme", "owner_id": alice.id}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_workspace_name_is_1_to_100_characters(
    client: TestClient, factory: Factory, audit_log: AuditLog, name: str
) -> None:
    alice = factory.user()
    refused = client.post("/api/v1/workspaces", json={"name": name}, headers=alice.headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert audit_log("workspace.create") == []
    assert client.get("/api/v1/workspaces", headers=alice.headers).json()["items"] == []


def test_a_100_character_name_is_accepted(client: TestClient, factory: Factory) -> None:
    alice = factory.user()
    made = client.post("/api/v1/workspaces", json={"name": "x" * 100}, headers=alice.headers)
    assert made.status_code == 201


def test_create_refuses_unknown_fields_and_anonymous_callers(
    client: TestClient, factory: Factory
) -> None:
    alice = factory.user()
    extra = client.post(
        "/api/v1/workspaces", json={"name": "A", "owner": "x"}, headers=alice.headers
    )
    assert extra.status_code == 422
    assert client.post("/api/v1/workspaces", json={"name": "A"}).status_code == 401


def test_list_shows_the_callers_active_memberships_with_roles(
    client: TestClient, factory: Factory
) -> None:
    alice = factory.user()
    mine, _ = factory.workspace(alice, name="Mine")
    theirs, _ = factory.workspace(name="Theirs")
    factory.member(theirs, "developer", actor=alice)
    blocked_in, _ = factory.workspace(name="Blocked")
    factory.member(blocked_in, "master", actor=alice, blocked=True)
    factory.workspace(name="Unrelated")

    listed = client.get("/api/v1/workspaces", headers=alice.headers)
    assert listed.status_code == 200
    roles = {w["id"]: (w["name"], w["role"]) for w in listed.json()["items"]}
    assert roles == {mine.id: ("Mine", "owner"), theirs.id: ("Theirs", "developer")}


@pytest.mark.parametrize("role", ["owner", "master", "developer"])
def test_members_read_their_workspace_with_their_role(
    client: TestClient, factory: Factory, role: str
) -> None:
    workspace, owner = factory.workspace()
    caller = owner if role == "owner" else factory.member(workspace, role)
    got = client.get(f"/api/v1/workspaces/{workspace.id}", headers=caller.headers)
    assert got.status_code == 200
    assert got.json()["id"] == workspace.id
    assert got.json()["role"] == role


def test_platform_admin_reads_any_workspace_without_a_role(
    client: TestClient, factory: Factory
) -> None:
    workspace, _ = factory.workspace()
    admin = factory.user(platform_admin=True)
    got = client.get(f"/api/v1/workspaces/{workspace.id}", headers=admin.headers)
    assert got.status_code == 200
    assert got.json()["role"] is None
    assert client.get("/api/v1/workspaces", headers=admin.headers).json()["items"] == []


def test_outsiders_blocked_members_and_reviewers_get_404(
    client: TestClient, factory: Factory
) -> None:
    workspace, _ = factory.workspace()
    callers = [
        factory.user(),
        factory.member(workspace, "master", blocked=True),
        factory.user(platform_reviewer=True),
        factory.partner_reviewer(factory.partner_app()),
    ]
    for caller in callers:
        got = client.get(f"/api/v1/workspaces/{workspace.id}", headers=caller.headers)
        assert got.status_code == 404
        assert got.json()["code"] == "not_found"
    assert client.get(f"/api/v1/workspaces/{workspace.id}").status_code == 401


def test_unknown_workspace_is_404(client: TestClient, factory: Factory) -> None:
    alice = factory.user()
    got = client.get("/api/v1/workspaces/ws_nope", headers=alice.headers)
    assert got.status_code == 404
