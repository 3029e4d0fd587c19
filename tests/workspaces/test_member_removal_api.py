"""Removing members and leaving a workspace over HTTP: allowed or refused as design §2
says, with an audit event exactly when a member was removed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.workspaces.helpers import (
    Assignments,
    AuditLog,
    MembershipOf,
    MemberState,
    Team,
    as_state,
)

REMOVALS_ALLOWED = [
    ("owner", "owner2"),
    ("owner", "master"),
    ("owner", "developer"),
    ("master", "developer"),
    ("owner", "owner"),  # leaving while owner2 remains
    ("master", "master"),
    ("developer", "developer"),
]


@pytest.mark.parametrize(("actor", "target"), REMOVALS_ALLOWED)
def test_allowed_removals(
    client: TestClient,
    team: Team,
    audit_log: AuditLog,
    membership_of: MembershipOf,
    assignments_of: Assignments,
    member_state: MemberState,
    actor: str,
    target: str,
) -> None:
    before = member_state(target)
    removed = client.delete(team.url(target), headers=team.people[actor].headers)
    assert removed.status_code == 204
    assert removed.content == b""
    assert membership_of(team.workspace.id, team.people[target].id) is None
    assert assignments_of(team.workspace.id, team.people[target].id) == set()
    workspace_url = f"/api/v1/workspaces/{team.workspace.id}"
    assert client.get(workspace_url, headers=team.people[target].headers).status_code == 404

    [event] = audit_log("member.remove")
    assert (event.actor, event.target_id) == (team.people[actor].id, team.people[target].id)
    assert as_state(event.before) == before


REMOVALS_REFUSED = [
    ("master", "owner"),
    ("master", "master2"),
    ("developer", "developer2"),
    ("developer", "master"),
    ("developer", "owner"),
]


@pytest.mark.parametrize(("actor", "target"), REMOVALS_REFUSED)
def test_refused_removals_leave_the_member_and_no_event(
    client: TestClient,
    team: Team,
    audit_log: AuditLog,
    membership_of: MembershipOf,
    actor: str,
    target: str,
) -> None:
    refused = client.delete(team.url(target), headers=team.people[actor].headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert membership_of(team.workspace.id, team.people[target].id) is not None
    assert audit_log("member.remove") == []


def test_the_last_owner_cannot_leave(
    client: TestClient, factory: Factory, audit_log: AuditLog, membership_of: MembershipOf
) -> None:
    workspace, owner = factory.workspace()
    factory.member(workspace, "owner", blocked=True)
    refused = client.delete(
        f"/api/v1/workspaces/{workspace.id}/members/{owner.id}", headers=owner.headers
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the last owner cannot leave"
    assert membership_of(workspace.id, owner.id) is not None
    assert audit_log("member.remove") == []


def test_removing_hidden_or_unknown_members(
    client: TestClient, factory: Factory, team: Team
) -> None:
    owner = team.people["owner"].headers
    stranger = factory.user()
    url = f"/api/v1/workspaces/{team.workspace.id}/members/{stranger.id}"
    assert client.delete(url, headers=owner).status_code == 404
    assert client.delete(team.url("developer"), headers=stranger.headers).status_code == 404
    admin = factory.user(platform_admin=True)
    assert client.delete(team.url("developer"), headers=admin.headers).status_code == 403
