"""Fixtures for the workspace tests. The read-back fixtures each open a fresh session, so
they see what the API committed rather than a stale identity map."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.workspaces.models import DeveloperAssignment, Invitation, Membership
from tests.factories import Factory
from tests.workspaces.helpers import (
    Assignments,
    AuditLog,
    InvitationRows,
    MembershipOf,
    MemberState,
    Team,
    build_team,
)


@pytest.fixture
def audit_log(session_factory: sessionmaker[Any]) -> AuditLog:
    def events(action: str | None = None, *, workspace_id: str | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.occurred_at, AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        if workspace_id is not None:
            query = query.where(AuditEvent.workspace_id == workspace_id)
        with session_factory() as session:
            return list(session.scalars(query))

    return events


@pytest.fixture
def membership_of(session_factory: sessionmaker[Any]) -> MembershipOf:
    def find(workspace_id: str, user_id: str) -> Membership | None:
        with session_factory() as session:
            membership: Membership | None = session.scalar(
                select(Membership).where(
                    Membership.workspace_id == workspace_id, Membership.user_id == user_id
                )
            )
            return membership

    return find


@pytest.fixture
def assignments_of(session_factory: sessionmaker[Any]) -> Assignments:
    def find(workspace_id: str, user_id: str) -> set[str]:
        with session_factory() as session:
            return set(
                session.scalars(
                    select(DeveloperAssignment.mini_program_id)
                    .join(Membership, Membership.id == DeveloperAssignment.membership_id)
                    .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
                )
            )

    return find


@pytest.fixture
def invitation_rows(session_factory: sessionmaker[Any]) -> InvitationRows:
    def find(workspace_id: str) -> list[Invitation]:
        with session_factory() as session:
            return list(
                session.scalars(select(Invitation).where(Invitation.workspace_id == workspace_id))
            )

    return find


@pytest.fixture
def team(factory: Factory) -> Team:
    """Two of each role; the developers are assigned the one mini program."""
    return build_team(factory)


@pytest.fixture
def member_state(
    team: Team, membership_of: MembershipOf, assignments_of: Assignments
) -> MemberState:
    def state(name: str) -> tuple[str, bool, set[str]] | None:
        user_id = team.people[name].id
        membership = membership_of(team.workspace.id, user_id)
        if membership is None:
            return None
        return membership.role, membership.blocked, assignments_of(team.workspace.id, user_id)

    return state
