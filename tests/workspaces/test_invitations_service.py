"""Invitation expiry with an injected clock: valid for exactly 3 days after creation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.accounts import service as accounts
from minirelease.accounts.models import User
from minirelease.authz import Principal
from minirelease.errors import Conflict
from minirelease.workspaces import invitations
from minirelease.workspaces.models import Membership
from tests.factories import Actor, Factory

T0 = dt.datetime(2030, 1, 1, 9, 30, tzinfo=dt.UTC)
JUST_IN_TIME = T0 + dt.timedelta(days=2, hours=23)
TOO_LATE = T0 + dt.timedelta(days=3, seconds=1)


def principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return accounts.principal_for(session, user)


def invite_at(session: Session, factory: Factory, email: str) -> tuple[str, str, Actor]:
    workspace, owner = factory.workspace()
    invitation, token = invitations.create_invitation(
        session,
        principal(session, owner),
        workspace_id=workspace.id,
        email=email,
        role="developer",
        now=T0,
    )
    assert invitation.created_at == T0
    assert invitation.expires_at == T0 + dt.timedelta(days=3)
    return workspace.id, token, owner


def test_accepted_at_2_days_23_hours(session: Session, factory: Factory) -> None:
    bob = factory.user()
    workspace_id, token, _ = invite_at(session, factory, bob.email)
    acceptance = invitations.accept_invitation(
        session, principal(session, bob), token=token, now=JUST_IN_TIME
    )
    assert (acceptance.workspace_id, acceptance.role, acceptance.user_id) == (
        workspace_id,
        "developer",
        bob.id,
    )


@pytest.mark.parametrize("signed_in", [True, False])
def test_refused_at_3_days_and_1_second(
    session: Session, factory: Factory, signed_in: bool
) -> None:
    email = "late@example.com"
    late = factory.user(email) if signed_in else None
    workspace_id, token, owner = invite_at(session, factory, email)
    caller = principal(session, late) if late is not None else None
    with pytest.raises(Conflict, match="expired"):
        invitations.accept_invitation(session, caller, token=token, now=TOO_LATE)
    members = session.scalars(
        select(Membership.user_id).where(Membership.workspace_id == workspace_id)
    )
    assert list(members) == [owner.id]
    users = session.scalars(select(User).where(User.email == email)).all()
    assert len(users) == (1 if signed_in else 0)


def test_pending_list_follows_the_clock(session: Session, factory: Factory) -> None:
    workspace_id, _, owner = invite_at(session, factory, "someone@example.com")
    caller = principal(session, owner)

    def pending(now: dt.datetime) -> int:
        return len(
            invitations.list_invitations(session, caller, workspace_id=workspace_id, now=now)
        )

    assert pending(JUST_IN_TIME) == 1
    assert pending(T0 + dt.timedelta(days=3)) == 0
    assert pending(TOO_LATE) == 0
