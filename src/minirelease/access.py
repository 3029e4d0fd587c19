"""Which roles a principal holds on a workspace or a mini program, read from membership
rows. Blocked members hold none; developers hold theirs only on assigned mini programs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Principal, Role
from minirelease.workspaces.models import DeveloperAssignment, Membership


def active_membership(
    session: Session, principal: Principal, workspace_id: str
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id,
            Membership.user_id == principal.user_id,
            Membership.blocked.is_(False),
        )
    )


def workspace_roles(session: Session, principal: Principal, workspace_id: str) -> set[Role]:
    roles = principal.platform_roles()
    membership = active_membership(session, principal, workspace_id)
    if membership is not None:
        roles.add(Role(membership.role))
    return roles


def mini_program_roles(
    session: Session, principal: Principal, *, workspace_id: str, mini_program_id: str
) -> set[Role]:
    roles = principal.platform_roles()
    membership = active_membership(session, principal, workspace_id)
    if membership is None:
        return roles
    if membership.role != Role.DEVELOPER:
        roles.add(Role(membership.role))
    elif session.get(DeveloperAssignment, (membership.id, mini_program_id)) is not None:
        roles.add(Role.DEVELOPER)
    return roles
