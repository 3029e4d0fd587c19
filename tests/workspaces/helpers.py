"""Shared helpers for the workspace tests: typed read-back callables, the invitation
requests, and a team with two members of each role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces.models import Invitation, Membership, Workspace
from tests.factories import Actor, Factory

AuditLog = Callable[..., list[AuditEvent]]
MembershipOf = Callable[[str, str], Membership | None]
Assignments = Callable[[str, str], set[str]]
InvitationRows = Callable[[str], list[Invitation]]
# (role, blocked, assigned mini program ids) of a team member, None once removed.
MemberState = Callable[[str], tuple[str, bool, set[str]] | None]


@dataclass
class Team:
    workspace: Workspace
    mp: MiniProgram
    people: dict[str, Actor]

    def url(self, name: str) -> str:
        return f"/api/v1/workspaces/{self.workspace.id}/members/{self.people[name].id}"


def build_team(factory: Factory) -> Team:
    """Two of each role; the developers are assigned the one mini program."""
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    people = {
        "owner": owner,
        "owner2": factory.member(workspace, "owner"),
        "master": factory.member(workspace, "master"),
        "master2": factory.member(workspace, "master"),
        "developer": factory.member(workspace, "developer", mini_programs=(mp,)),
        "developer2": factory.member(workspace, "developer", mini_programs=(mp,)),
    }
    return Team(workspace, mp, people)


def as_state(snapshot: dict[str, Any] | None) -> tuple[str, bool, set[str]]:
    """A member's audit snapshot in the shape of ``MemberState``."""
    assert snapshot is not None
    return snapshot["role"], snapshot["blocked"], set(snapshot["mini_program_ids"])


def invite(
    client: TestClient, workspace: Workspace, inviter: Actor, email: str, role: str, **extra: Any
) -> httpx2.Response:
    return client.post(
        f"/api/v1/workspaces/{workspace.id}/invitations",
        json={"email": email, "role": role, **extra},
        headers=inviter.headers,
    )


def accept(client: TestClient, token: str, actor: Actor | None = None) -> httpx2.Response:
    headers = actor.headers if actor is not None else {}
    return client.post("/api/v1/invitations/accept", json={"token": token}, headers=headers)


def move_expiry(session_factory: sessionmaker[Any], invitation_id: str, when: dt.datetime) -> None:
    with session_factory() as session:
        session.execute(
            update(Invitation).where(Invitation.id == invitation_id).values(expires_at=when)
        )
        session.commit()


def with_mp(patch: dict[str, Any], mp_id: str) -> dict[str, Any]:
    """Patches are written with "MP" for the team's mini program, whose id is random."""
    if "mini_program_ids" not in patch:
        return patch
    return {
        **patch,
        "mini_program_ids": [mp_id if i == "MP" else i for i in patch["mini_program_ids"]],
    }
