"""Listing and changing members over HTTP (role, blocked, assignments), each change
allowed or refused as design §2 says, with an audit event exactly when something changed."""

from __future__ import annotations

from typing import Any

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
    with_mp,
)


def test_every_active_member_lists_the_members(
    client: TestClient, factory: Factory, team: Team
) -> None:
    blocked = factory.member(team.workspace, "developer", blocked=True)
    url = f"/api/v1/workspaces/{team.workspace.id}/members"
    for name in ("owner", "master", "developer"):
        listed = client.get(url, headers=team.people[name].headers)
        assert listed.status_code == 200
    rows = {m["user_id"]: m for m in listed.json()["items"]}
    roles = [m["role"] for m in listed.json()["items"]]
    assert roles == ["owner"] * 2 + ["master"] * 2 + ["developer"] * 3
    assert rows[team.people["developer"].id] == {
        "user_id": team.people["developer"].id,
        "email": team.people["developer"].email,
        "role": "developer",
        "blocked": False,
        "mini_program_ids": [team.mp.id],
    }
    assert rows[team.people["master"].id]["mini_program_ids"] == []
    assert rows[blocked.id]["blocked"] is True

    for hidden in (blocked, factory.user()):
        assert client.get(url, headers=hidden.headers).status_code == 404
    admin = factory.user(platform_admin=True)
    assert client.get(url, headers=admin.headers).status_code == 403


ALLOWED = [
    ("owner", "owner2", {"role": "master"}, ("master", False, set())),
    ("owner", "owner2", {"blocked": True}, ("owner", True, set())),
    ("owner", "master", {"role": "developer"}, ("developer", False, set())),
    (
        "owner",
        "master",
        {"role": "developer", "mini_program_ids": ["MP"]},
        ("developer", False, {"MP"}),
    ),
    ("owner", "master", {"blocked": True}, ("master", True, set())),
    ("owner", "developer", {"role": "owner"}, ("owner", False, set())),
    ("owner", "developer", {"role": "master"}, ("master", False, set())),
    ("master", "developer", {"mini_program_ids": []}, ("developer", False, set())),
    ("master", "developer", {"blocked": True}, ("developer", True, {"MP"})),
]


@pytest.mark.parametrize(("actor", "target", "patch", "expected"), ALLOWED)
def test_allowed_changes(
    client: TestClient,
    team: Team,
    audit_log: AuditLog,
    member_state: MemberState,
    actor: str,
    target: str,
    patch: dict[str, Any],
    expected: tuple[str, bool, set[str]],
) -> None:
    patch = with_mp(patch, team.mp.id)
    expected = (expected[0], expected[1], {team.mp.id if i == "MP" else i for i in expected[2]})
    before = member_state(target)

    changed = client.patch(team.url(target), json=patch, headers=team.people[actor].headers)
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["role"], body["blocked"], set(body["mini_program_ids"])) == expected
    assert member_state(target) == expected

    [event] = audit_log("member.update")
    assert event.actor == team.people[actor].id
    assert event.target_id == team.people[target].id
    assert event.workspace_id == team.workspace.id
    assert as_state(event.before) == before
    assert as_state(event.after) == expected


REFUSED = [
    ("master", "owner", {"blocked": True}),
    ("master", "owner", {"role": "developer"}),
    ("master", "master2", {"role": "developer"}),
    ("master", "master2", {"blocked": True}),
    ("master", "developer", {"role": "master"}),
    ("master", "developer", {"role": "owner"}),
    ("master", "master", {"role": "owner"}),
    ("developer", "developer2", {"blocked": True}),
    ("developer", "developer2", {"mini_program_ids": []}),
    ("developer", "developer", {"mini_program_ids": ["MP"], "role": "master"}),
    ("developer", "master", {"blocked": True}),
    ("developer", "owner", {"role": "developer"}),
]


@pytest.mark.parametrize(("actor", "target", "patch"), REFUSED)
def test_refused_changes_change_nothing(
    client: TestClient,
    team: Team,
    audit_log: AuditLog,
    member_state: MemberState,
    actor: str,
    target: str,
    patch: dict[str, Any],
) -> None:
    before = member_state(target)
    refused = client.patch(
        team.url(target), json=with_mp(patch, team.mp.id), headers=team.people[actor].headers
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert member_state(target) == before
    assert audit_log("member.update") == []


def test_refusal_says_what_was_not_allowed(client: TestClient, team: Team) -> None:
    master = team.people["master"].headers
    change_owner = client.patch(team.url("owner"), json={"blocked": True}, headers=master)
    assert change_owner.json()["detail"] == "you may not change an owner"
    promote = client.patch(team.url("developer"), json={"role": "master"}, headers=master)
    assert promote.json()["detail"] == "you may not appoint a master"


def test_changing_a_developers_role_clears_their_assignments(
    client: TestClient, team: Team, assignments_of: Assignments
) -> None:
    changed = client.patch(
        team.url("developer"), json={"role": "master"}, headers=team.people["owner"].headers
    )
    assert changed.json()["mini_program_ids"] == []
    assert assignments_of(team.workspace.id, team.people["developer"].id) == set()


@pytest.mark.parametrize(
    ("target", "patch"),
    [
        ("master", {"mini_program_ids": ["MP"]}),
        ("developer", {"role": "master", "mini_program_ids": ["MP"]}),
        ("owner2", {"mini_program_ids": ["MP"]}),
    ],
)
def test_assignments_only_for_developers(
    client: TestClient, team: Team, audit_log: AuditLog, target: str, patch: dict[str, Any]
) -> None:
    refused = client.patch(
        team.url(target), json=with_mp(patch, team.mp.id), headers=team.people["owner"].headers
    )
    assert refused.status_code == 422
    assert "only to developers" in refused.json()["detail"]
    assert audit_log("member.update") == []


def test_assignments_must_be_of_this_workspace(
    client: TestClient, factory: Factory, team: Team, assignments_of: Assignments
) -> None:
    other, other_owner = factory.workspace()
    foreign = factory.mini_program(other, other_owner)
    refused = client.patch(
        team.url("developer"),
        json={"mini_program_ids": [foreign.id]},
        headers=team.people["master"].headers,
    )
    assert refused.status_code == 422
    assert foreign.id in refused.json()["detail"]
    assert assignments_of(team.workspace.id, team.people["developer"].id) == {team.mp.id}


@pytest.mark.parametrize("who", ["owner", "master", "developer"])
def test_nobody_blocks_themselves(
    client: TestClient, team: Team, membership_of: MembershipOf, who: str
) -> None:
    refused = client.patch(team.url(who), json={"blocked": True}, headers=team.people[who].headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "you cannot block yourself"
    membership = membership_of(team.workspace.id, team.people[who].id)
    assert membership is not None
    assert not membership.blocked


def test_bad_patches(client: TestClient, factory: Factory, team: Team) -> None:
    owner = team.people["owner"].headers
    assert client.patch(team.url("master"), json={}, headers=owner).status_code == 422
    assert (
        client.patch(team.url("master"), json={"role": "admin"}, headers=owner).status_code == 422
    )
    assert client.patch(team.url("master"), json={"email": "x"}, headers=owner).status_code == 422
    stranger = f"/api/v1/workspaces/{team.workspace.id}/members/{factory.user().id}"
    assert client.patch(stranger, json={"blocked": True}, headers=owner).status_code == 404


def test_an_unchanged_member_records_no_event(
    client: TestClient, team: Team, audit_log: AuditLog
) -> None:
    same = client.patch(
        team.url("master"), json={"blocked": False}, headers=team.people["owner"].headers
    )
    assert same.status_code == 200
    assert audit_log("member.update") == []


def test_the_last_active_owner_cannot_be_demoted(
    client: TestClient, factory: Factory, audit_log: AuditLog, membership_of: MembershipOf
) -> None:
    workspace, owner = factory.workspace()
    factory.member(workspace, "owner", blocked=True)  # blocked owners do not count
    url = f"/api/v1/workspaces/{workspace.id}/members/{owner.id}"
    refused = client.patch(url, json={"role": "master"}, headers=owner.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert "last active owner" in refused.json()["detail"]
    membership = membership_of(workspace.id, owner.id)
    assert membership is not None
    assert membership.role == "owner"
    assert audit_log("member.update") == []


def test_an_owner_may_step_down_while_another_owner_remains(client: TestClient, team: Team) -> None:
    owner = team.people["owner"]
    stepped = client.patch(team.url("owner"), json={"role": "developer"}, headers=owner.headers)
    assert stepped.status_code == 200
    assert stepped.json()["role"] == "developer"
    last = team.people["owner2"]
    refused = client.patch(team.url("owner2"), json={"role": "master"}, headers=last.headers)
    assert refused.status_code == 409


def test_blocked_member_sees_nothing_until_unblocked(
    client: TestClient, team: Team, audit_log: AuditLog
) -> None:
    developer = team.people["developer"]
    workspace_url = f"/api/v1/workspaces/{team.workspace.id}"
    master = team.people["master"].headers
    assert (
        client.patch(team.url("developer"), json={"blocked": True}, headers=master).status_code
        == 200
    )

    assert client.get(workspace_url, headers=developer.headers).status_code == 404
    assert client.get(f"{workspace_url}/members", headers=developer.headers).status_code == 404
    assert client.get("/api/v1/workspaces", headers=developer.headers).json()["items"] == []
    listed = client.get(f"{workspace_url}/members", headers=master).json()["items"]
    assert {m["user_id"]: m["blocked"] for m in listed}[developer.id] is True

    assert (
        client.patch(team.url("developer"), json={"blocked": False}, headers=master).status_code
        == 200
    )
    back = client.get(workspace_url, headers=developer.headers)
    assert back.status_code == 200
    assert back.json()["role"] == "developer"
    events = audit_log("member.update")
    assert [(e.before, e.after) for e in events] == [
        (
            {"role": "developer", "blocked": False, "mini_program_ids": [team.mp.id]},
            {"role": "developer", "blocked": True, "mini_program_ids": [team.mp.id]},
        ),
        (
            {"role": "developer", "blocked": True, "mini_program_ids": [team.mp.id]},
            {"role": "developer", "blocked": False, "mini_program_ids": [team.mp.id]},
        ),
    ]
