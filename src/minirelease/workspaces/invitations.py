"""Use cases for invitations: invite by email with role master or developer, list the
pending ones, revoke, and accept. An invitation expires 3 days after it is made, is used
once, and only by the invited email; its token is random and stored only as a digest.

Accepting without signing in creates the account when none has that email yet: holding
the token proves the email, as with any emailed invitation. When an account exists, its
owner must sign in first, so a leaked token cannot be used to act as someone else. The
token is taken from a request body, never a URL (whose paths and queries end up in
access logs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts import service as accounts
from minirelease.accounts import tokens
from minirelease.accounts.models import User
from minirelease.authz import Permission, Principal, Role
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.workspaces import members, rules
from minirelease.workspaces.lookup import load_workspace
from minirelease.workspaces.models import Invitation, Membership, Workspace

# The audit actor for the account an invitation creates, which has no id until it exists.
INVITATION_ACTOR = "system:invitation"


@dataclass(frozen=True)
class Acceptance:
    workspace_id: str
    role: str
    user_id: str
    # The API token of an account created by this acceptance; None for a signed-in user.
    token: str | None


def create_invitation(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str,
    email: str,
    role: str,
    mini_program_ids: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email``; return the invitation and its token, which is never shown again."""
    now = now or utcnow()
    _, actor_roles = load_workspace(session, principal, workspace_id)
    invited_role = rules.workspace_role(role)
    rules.require_invitable(invited_role)
    rules.require_may_manage(actor_roles, invited_role, action="invite")
    email = accounts.normalize_email(email)
    requested = list(mini_program_ids)
    rules.require_assignable(invited_role, requested)
    assigned = members.validate_mini_program_ids(session, workspace_id, requested)
    _refuse_existing_member(session, workspace_id, email)

    secret = tokens.generate()
    invitation = Invitation(
        id=new_id("inv"),
        workspace_id=workspace_id,
        email=email,
        role=invited_role.value,
        mini_program_ids=assigned,
        token_hash=tokens.digest(secret),
        invited_by=principal.user_id,
        created_at=now,
        expires_at=rules.invitation_expires_at(now),
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="invitation.create",
        target_type="invitation",
        target_id=invitation.id,
        workspace_id=workspace_id,
        after=_snapshot(invitation),
    )
    return invitation, secret


def list_invitations(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str,
    now: dt.datetime | None = None,
    page: PageRequest | None = None,
) -> Page[Invitation]:
    """The pending invitations: neither accepted nor expired."""
    now = now or utcnow()
    load_workspace(session, principal, workspace_id, Permission.WORKSPACE_DEVELOPERS_MANAGE)
    query = select(Invitation).where(
        Invitation.workspace_id == workspace_id,
        Invitation.accepted_at.is_(None),
        Invitation.expires_at > now,
    )
    order = [ascending(Invitation.created_at), ascending(Invitation.id)]
    return paginate(session, query, order, page)


def revoke_invitation(
    session: Session, principal: Principal, *, workspace_id: str, invitation_id: str
) -> None:
    """Delete an unused invitation, so its token no longer works."""
    _, actor_roles = load_workspace(session, principal, workspace_id)
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.workspace_id != workspace_id:
        raise NotFound("invitation not found")
    rules.require_may_manage(actor_roles, Role(invitation.role), action="revoke an invitation for")
    if invitation.accepted_at is not None:
        raise Conflict("the invitation was already accepted; remove the member instead")
    before = _snapshot(invitation)
    session.delete(invitation)
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="invitation.revoke",
        target_type="invitation",
        target_id=invitation_id,
        workspace_id=workspace_id,
        before=before,
    )


def accept_invitation(
    session: Session,
    principal: Principal | None,
    *,
    token: str,
    now: dt.datetime | None = None,
) -> Acceptance:
    """Accept as the signed-in ``principal``, or, with None, as a new account for the
    invited email (whose API token the result carries)."""
    now = now or utcnow()
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == tokens.digest(token)).with_for_update()
    )
    if invitation is None:
        raise NotFound("invitation not found")
    if invitation.accepted_at is not None:
        raise Conflict("this invitation has already been used")
    if rules.is_expired(invitation.expires_at, now):
        raise Conflict(
            f"this invitation expired at {invitation.expires_at.isoformat()}; ask for a new one"
        )

    secret: str | None = None
    if principal is not None:
        if principal.email.lower() != invitation.email:
            raise PermissionDenied(f"this invitation is for {rules.mask_email(invitation.email)}")
        user_id = principal.user_id
        if members.find_membership(session, invitation.workspace_id, user_id) is not None:
            raise Conflict("you are already a member of this workspace")
    else:
        if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
            raise Unauthenticated(
                f"an account for {rules.mask_email(invitation.email)} exists: "
                "sign in and accept the invitation with your API token"
            )
        user = accounts.create_user(session, email=invitation.email, actor=INVITATION_ACTOR)
        _, secret = accounts.issue_token(session, user=user, name="invitation", actor=user.id)
        user_id = user.id

    role = Role(invitation.role)
    mini_program_ids = members.existing_mini_program_ids(
        session, invitation.workspace_id, invitation.mini_program_ids
    )
    members.add_member(
        session,
        workspace_id=invitation.workspace_id,
        user_id=user_id,
        role=role,
        mini_program_ids=mini_program_ids if role == Role.DEVELOPER else (),
        actor=user_id,
        via_invitation=invitation.id,
    )
    invitation.accepted_at = now
    invitation.accepted_by = user_id
    session.flush()
    audit.record(
        session,
        actor=user_id,
        action="invitation.accept",
        target_type="invitation",
        target_id=invitation.id,
        workspace_id=invitation.workspace_id,
        before={"accepted": False},
        after={"accepted": True, "accepted_by": user_id},
    )
    return Acceptance(
        workspace_id=invitation.workspace_id, role=role.value, user_id=user_id, token=secret
    )


def _refuse_existing_member(session: Session, workspace_id: str, email: str) -> None:
    blocked = session.scalar(
        select(Membership.blocked)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id, User.email == email)
    )
    if blocked is None:
        return
    if blocked:
        raise Conflict(f"{email} is a blocked member of this workspace; unblock them instead")
    raise Conflict(f"{email} is already a member of this workspace")


def _snapshot(invitation: Invitation) -> dict[str, Any]:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "mini_program_ids": list(invitation.mini_program_ids),
        "expires_at": invitation.expires_at.isoformat(),
    }


def pending_for(
    session: Session, principal: Principal, *, now: dt.datetime | None = None
) -> list[tuple[Invitation, str]]:
    """Invitations addressed to the caller's email, not yet accepted nor expired, with the
    name of the workspace each is for."""
    now = now or utcnow()
    rows = session.execute(
        select(Invitation, Workspace.name)
        .join(Workspace, Workspace.id == Invitation.workspace_id)
        .where(
            Invitation.email == principal.email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at, Invitation.id)
    )
    return [(invitation, name) for invitation, name in rows]
