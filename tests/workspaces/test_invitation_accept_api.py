"""Accepting invitations over HTTP: signed in, anonymously (a new account), and every
refusal: wrong email, existing account, unknown token, reuse, membership, expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from minirelease.accounts.models import User
from minirelease.db import utcnow
from minirelease.miniprograms.models import MiniProgram
from tests.factories import Factory
from tests.workspaces.helpers import (
    Assignments,
    AuditLog,
    MembershipOf,
    accept,
    invite,
    move_expiry,
)


def test_invited_user_accepts_signed_in_and_gets_assignments(
    client: TestClient,
    factory: Factory,
    audit_log: AuditLog,
    membership_of: MembershipOf,
    assignments_of: Assignments,
) -> None:
    workspace, owner = factory.workspace()
    first = factory.mini_program(workspace, owner)
    second = factory.mini_program(workspace, owner)
    dana = factory.user("dana@example.com")
    token = invite(
        client,
        workspace,
        owner,
        "DANA@example.com",
        "developer",
        mini_program_ids=[first.id, second.id],
    ).json()["token"]

    accepted = accept(client, token, dana)
    assert accepted.status_code == 200
    assert accepted.json() == {
        "workspace_id": workspace.id,
        "role": "developer",
        "user_id": dana.id,
        "token": None,
    }
    membership = membership_of(workspace.id, dana.id)
    assert membership is not None
    assert membership.role == "developer"
    assert assignments_of(workspace.id, dana.id) == {first.id, second.id}
    listed = client.get("/api/v1/workspaces", headers=dana.headers).json()["items"]
    assert [(w["id"], w["role"]) for w in listed] == [(workspace.id, "developer")]

    [accept_event] = audit_log("invitation.accept")
    [add_event] = audit_log("member.add")
    assert accept_event.actor == dana.id
    assert accept_event.workspace_id == workspace.id
    assert add_event.target_id == dana.id
    assert add_event.after is not None
    assert add_event.after["role"] == "developer"
    assert set(add_event.after["mini_program_ids"]) == {first.id, second.id}


def test_assignments_skip_mini_programs_deleted_since_the_invitation(
    client: TestClient,
    factory: Factory,
    session_factory: sessionmaker[Any],
    assignments_of: Assignments,
) -> None:
    workspace, owner = factory.workspace()
    kept = factory.mini_program(workspace, owner)
    gone = factory.mini_program(workspace, owner)
    dev = factory.user()
    token = invite(
        client, workspace, owner, dev.email, "developer", mini_program_ids=[kept.id, gone.id]
    ).json()["token"]
    with session_factory() as session:
        session.execute(delete(MiniProgram).where(MiniProgram.id == gone.id))
        session.commit()
    assert accept(client, token, dev).status_code == 200
    assert assignments_of(workspace.id, dev.id) == {kept.id}


def test_wrong_email_is_refused_without_revealing_the_address(
    client: TestClient,
    factory: Factory,
    audit_log: AuditLog,
    membership_of: MembershipOf,
) -> None:
    workspace, owner = factory.workspace()
    intended = factory.user("alice@example.com")
    intruder = factory.user("mallory@example.com")
    token = invite(client, workspace, owner, intended.email, "master").json()["token"]

    refused = accept(client, token, intruder)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert refused.json()["detail"] == "this invitation is for a***@example.com"
    assert "alice@" not in refused.text
    assert membership_of(workspace.id, intruder.id) is None
    assert audit_log("invitation.accept") == []
    # The refusal did not use the invitation up.
    assert accept(client, token, intended).status_code == 200


def test_anonymous_acceptance_creates_the_account_and_a_working_token(
    client: TestClient, factory: Factory, audit_log: AuditLog
) -> None:
    workspace, owner = factory.workspace()
    token = invite(client, workspace, owner, "newbie@example.com", "master").json()["token"]

    accepted = accept(client, token)
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["role"] == "master"
    assert body["token"].startswith("mr_")
    bearer = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/api/v1/me", headers=bearer).json()
    assert me == {**me, "id": body["user_id"], "email": "newbie@example.com"}
    got = client.get(f"/api/v1/workspaces/{workspace.id}", headers=bearer)
    assert got.status_code == 200
    assert got.json()["role"] == "master"
    assert [e.target_id for e in audit_log("user.create")] == [body["user_id"]]
    assert len(audit_log("invitation.accept")) == 1
    assert len(audit_log("member.add")) == 1


def test_anonymous_acceptance_for_an_existing_account_asks_to_sign_in(
    client: TestClient, factory: Factory, audit_log: AuditLog, session_factory: sessionmaker[Any]
) -> None:
    workspace, owner = factory.workspace()
    existing = factory.user("bob@example.com")
    token = invite(client, workspace, owner, existing.email, "developer").json()["token"]

    refused = accept(client, token)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    assert "bob@" not in refused.text
    assert audit_log("invitation.accept") == []
    with session_factory() as session:
        assert session.query(User).filter_by(email="bob@example.com").count() == 1
    assert accept(client, token, existing).status_code == 200


def test_an_invalid_bearer_token_is_401_not_anonymous(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    token = invite(client, workspace, owner, "z@example.com", "developer").json()["token"]
    refused = client.post(
        "/api/v1/invitations/accept",
        json={"token": token},
        headers={"Authorization": "Bearer mr_wrong"},
    )
    assert refused.status_code == 401
    assert accept(client, token).status_code == 200


def test_unknown_token_is_404(client: TestClient, factory: Factory) -> None:
    assert accept(client, "mr_unknown").status_code == 404
    assert accept(client, "mr_unknown", factory.user()).json()["code"] == "not_found"


def test_an_invitation_is_used_once(
    client: TestClient, factory: Factory, audit_log: AuditLog
) -> None:
    workspace, owner = factory.workspace()
    carol = factory.user()
    token = invite(client, workspace, owner, carol.email, "developer").json()["token"]
    assert accept(client, token, carol).status_code == 200
    again = accept(client, token, carol)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert "already been used" in again.json()["detail"]
    assert len(audit_log("invitation.accept")) == 1


def test_accepting_when_already_a_member_is_a_conflict(
    client: TestClient, factory: Factory, audit_log: AuditLog
) -> None:
    workspace, owner = factory.workspace()
    erin = factory.user()
    token = invite(client, workspace, owner, erin.email, "master").json()["token"]
    factory.member(workspace, "developer", actor=erin)
    refused = accept(client, token, erin)
    assert refused.status_code == 409
    assert "already a member" in refused.json()["detail"]
    assert audit_log("member.add") == []


@pytest.mark.parametrize(
    ("remaining", "status"),
    [(dt.timedelta(hours=1), 200), (-dt.timedelta(seconds=1), 409)],
    ids=["at-2d23h", "at-3d+1s"],
)
def test_expiry_over_http(
    client: TestClient,
    factory: Factory,
    session_factory: sessionmaker[Any],
    audit_log: AuditLog,
    remaining: dt.timedelta,
    status: int,
) -> None:
    workspace, owner = factory.workspace()
    frank = factory.user()
    made = invite(client, workspace, owner, frank.email, "developer").json()
    move_expiry(session_factory, made["id"], utcnow() + remaining)
    response = accept(client, made["token"], frank)
    assert response.status_code == status
    if status == 409:
        assert response.json()["code"] == "conflict"
        assert "expired" in response.json()["detail"]
        assert audit_log("invitation.accept") == []
        assert client.get("/api/v1/workspaces", headers=frank.headers).json()["items"] == []
