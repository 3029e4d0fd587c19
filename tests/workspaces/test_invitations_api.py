"""Making, listing and revoking invitations over HTTP: who may invite whom, and what an
invitation may carry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.db import utcnow
from tests.factories import Factory
from tests.workspaces.helpers import AuditLog, InvitationRows, accept, invite, move_expiry


def test_owner_invites_a_master_and_a_developer(
    client: TestClient, factory: Factory, audit_log: AuditLog
) -> None:
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    before = utcnow()
    master = invite(client, workspace, owner, "Mia@Example.com", "master")
    developer = invite(
        client, workspace, owner, "dev@example.com", "developer", mini_program_ids=[mp.id]
    )
    assert master.status_code == 201, master.json()
    assert developer.status_code == 201, developer.json()
    body = master.json()
    assert body["email"] == "mia@example.com"
    assert body["role"] == "master"
    assert body["mini_program_ids"] == []
    assert body["token"].startswith("mr_")
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert before + dt.timedelta(days=3) <= expires <= utcnow() + dt.timedelta(days=3)
    assert developer.json()["mini_program_ids"] == [mp.id]

    events = audit_log("invitation.create", workspace_id=workspace.id)
    assert [e.after["role"] for e in events if e.after] == ["master", "developer"]
    assert all(e.actor == owner.id for e in events)
    assert all(body["token"] not in str(e.after) for e in events)


def test_the_token_is_stored_only_hashed(
    client: TestClient, factory: Factory, invitation_rows: InvitationRows
) -> None:
    workspace, owner = factory.workspace()
    token = invite(client, workspace, owner, "a@example.com", "master").json()["token"]
    [row] = invitation_rows(workspace.id)
    assert token not in row.token_hash
    assert len(row.token_hash) == 64


def test_master_invites_developers_but_not_masters(
    client: TestClient,
    factory: Factory,
    audit_log: AuditLog,
    invitation_rows: InvitationRows,
) -> None:
    workspace, _ = factory.workspace()
    master = factory.member(workspace, "master")
    assert invite(client, workspace, master, "dev@example.com", "developer").status_code == 201
    refused = invite(client, workspace, master, "boss@example.com", "master")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert refused.json()["detail"] == "you may not invite a master"
    assert [row.role for row in invitation_rows(workspace.id)] == ["developer"]
    assert len(audit_log("invitation.create")) == 1


def test_who_may_not_invite_at_all(client: TestClient, factory: Factory) -> None:
    workspace, _ = factory.workspace()
    developer = factory.member(workspace, "developer")
    assert invite(client, workspace, developer, "x@example.com", "developer").status_code == 403
    admin = factory.user(platform_admin=True)
    assert invite(client, workspace, admin, "x@example.com", "developer").status_code == 403
    for hidden in (factory.user(), factory.member(workspace, "owner", blocked=True)):
        assert invite(client, workspace, hidden, "x@example.com", "developer").status_code == 404


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"email": "x@example.com", "role": "owner"}, "role"),
        ({"email": "not-an-email", "role": "master"}, "not a valid email"),
        ({"email": "x@example.com"}, "role"),
        ({"email": "x@example.com", "role": "master", "mini_program_ids": ["mp_1"]}, "developers"),
        ({"email": "x@example.com", "role": "developer", "expires_at": "x"}, "expires_at"),
    ],
)
def test_bad_invitations_are_refused_with_a_reason(
    client: TestClient,
    factory: Factory,
    audit_log: AuditLog,
    payload: dict[str, Any],
    fragment: str,
) -> None:
    workspace, owner = factory.workspace()
    refused = client.post(
        f"/api/v1/workspaces/{workspace.id}/invitations", json=payload, headers=owner.headers
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert fragment in refused.json()["detail"]
    assert audit_log("invitation.create") == []


def test_assignments_must_be_mini_programs_of_this_workspace(
    client: TestClient, factory: Factory, invitation_rows: InvitationRows
) -> None:
    workspace, owner = factory.workspace()
    ours = factory.mini_program(workspace, owner)
    other_workspace, other_owner = factory.workspace()
    theirs = factory.mini_program(other_workspace, other_owner)
    for bad in (theirs.id, "mp_does_not_exist"):
        refused = invite(
            client, workspace, owner, "d@example.com", "developer", mini_program_ids=[ours.id, bad]
        )
        assert refused.status_code == 422
        assert bad in refused.json()["detail"]
        assert refused.json()["mini_program_id"] == bad
    assert invitation_rows(workspace.id) == []


def test_inviting_a_member_is_a_conflict(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    member = factory.member(workspace, "developer")
    refused = invite(client, workspace, owner, member.email.upper(), "master")
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert "already a member" in refused.json()["detail"]
    blocked = factory.member(workspace, "developer", blocked=True)
    assert invite(client, workspace, owner, blocked.email, "developer").status_code == 409


def test_pending_invitations_are_listed_without_tokens(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    workspace, owner = factory.workspace()
    master = factory.member(workspace, "master")
    pending = invite(client, workspace, owner, "p@example.com", "master").json()
    used = invite(client, workspace, owner, "u@example.com", "developer").json()
    assert accept(client, used["token"]).status_code == 200
    expired = invite(client, workspace, owner, "e@example.com", "developer").json()
    move_expiry(session_factory, expired["id"], utcnow() - dt.timedelta(seconds=1))

    for reader in (owner, master):
        listed = client.get(
            f"/api/v1/workspaces/{workspace.id}/invitations", headers=reader.headers
        )
        assert listed.status_code == 200
        assert [i["id"] for i in listed.json()["items"]] == [pending["id"]]
        assert "token" not in listed.json()["items"][0]
        assert "token_hash" not in listed.json()["items"][0]
    developer = factory.member(workspace, "developer")
    refused = client.get(
        f"/api/v1/workspaces/{workspace.id}/invitations", headers=developer.headers
    )
    assert refused.status_code == 403


def test_revoking_an_invitation(client: TestClient, factory: Factory, audit_log: AuditLog) -> None:
    workspace, owner = factory.workspace()
    master = factory.member(workspace, "master")
    for_master = invite(client, workspace, owner, "m@example.com", "master").json()
    for_developer = invite(client, workspace, owner, "d@example.com", "developer").json()
    base = f"/api/v1/workspaces/{workspace.id}/invitations"

    refused = client.delete(f"{base}/{for_master['id']}", headers=master.headers)
    assert refused.status_code == 403
    assert audit_log("invitation.revoke") == []
    assert client.delete(f"{base}/{for_developer['id']}", headers=master.headers).status_code == 204
    assert client.delete(f"{base}/{for_master['id']}", headers=owner.headers).status_code == 204
    assert client.delete(f"{base}/{for_master['id']}", headers=owner.headers).status_code == 404

    assert accept(client, for_master["token"]).status_code == 404
    assert accept(client, for_developer["token"]).status_code == 404
    events = audit_log("invitation.revoke")
    assert [(e.actor, e.target_id) for e in events] == [
        (master.id, for_developer["id"]),
        (owner.id, for_master["id"]),
    ]


def test_an_accepted_invitation_cannot_be_revoked(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    made = invite(client, workspace, owner, "d@example.com", "developer").json()
    assert accept(client, made["token"]).status_code == 200
    refused = client.delete(
        f"/api/v1/workspaces/{workspace.id}/invitations/{made['id']}", headers=owner.headers
    )
    assert refused.status_code == 409
