"""Use cases for workspace members: list, change (role, blocked, assignments) and remove,
as design §2 allows. Who may manage whom is ``rules.py``; this module applies it.

Every change first locks the workspace row, then reads the caller's role and the owners:
two concurrent requests cannot each demote one of the last two owners and leave the
workspace with none, nor act on a role revoked a moment before."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts.models import User
from minirelease.authz import Permission, Principal, Role
from minirelease.db import utcnow
from minirelease.errors import NotFound, ValidationFailed
from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram
from minirelease.pagination import Page, PageRequest, ascending, paginate_rows
from minirelease.workspaces import rules
from minirelease.workspaces.lookup import load_workspace
from minirelease.workspaces.models import DeveloperAssignment, Membership, Workspace

_ROLE_ORDER = case(
    {Role.OWNER.value: 0, Role.MASTER.value: 1, Role.DEVELOPER.value: 2},
    value=Membership.role,
    else_=3,
)


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    role: str
    blocked: bool
    mini_program_ids: list[str]


def list_members(
    session: Session, principal: Principal, *, workspace_id: str, page: PageRequest | None = None
) -> Page[Member]:
    """Owners, then masters, then developers, each by email."""
    load_workspace(session, principal, workspace_id, Permission.WORKSPACE_MEMBERS_READ)
    query = (
        select(Membership, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
    )
    order = [ascending(_ROLE_ORDER), ascending(User.email), ascending(Membership.id)]
    rows = paginate_rows(session, query, order, page)
    assignments = (
        select(DeveloperAssignment.membership_id, DeveloperAssignment.mini_program_id)
        .join(Membership, Membership.id == DeveloperAssignment.membership_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(DeveloperAssignment.mini_program_id)
    )
    if page is not None:  # only the page's members
        assignments = assignments.where(Membership.id.in_([row[0].id for row in rows]))
    assigned: dict[str, list[str]] = {}
    for membership_id, mini_program_id in session.execute(assignments):
        assigned.setdefault(membership_id, []).append(mini_program_id)
    return rows.map(lambda row: _member(row[0], row[1], assigned.get(row[0].id, [])))


def update_member(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str,
    user_id: str,
    role: str | None = None,
    blocked: bool | None = None,
    mini_program_ids: Iterable[str] | None = None,
) -> Member:
    """Change a member's role, blocked flag or (developers) assigned mini programs. Leaving
    a field None keeps it; a developer who changes role loses their assignments."""
    _lock_workspace(session, workspace_id)
    _, actor_roles = load_workspace(
        session, principal, workspace_id, Permission.WORKSPACE_MEMBERS_READ
    )
    membership = _membership(session, workspace_id, user_id)
    if role is None and blocked is None and mini_program_ids is None:
        raise ValidationFailed("nothing to change: give role, blocked or mini_program_ids")
    if blocked and user_id == principal.user_id:
        raise ValidationFailed("you cannot block yourself")
    current_role = Role(membership.role)
    new_role = rules.workspace_role(role) if role is not None else current_role
    rules.require_may_manage(actor_roles, current_role, action="change")
    if new_role != current_role:
        rules.require_may_manage(actor_roles, new_role, action="appoint")
    new_blocked = membership.blocked if blocked is None else blocked

    before = snapshot(session, membership)
    if mini_program_ids is not None:
        requested = list(mini_program_ids)
        rules.require_assignable(new_role, requested)
        new_assignments = validate_mini_program_ids(session, workspace_id, requested)
    elif new_role == Role.DEVELOPER:
        new_assignments = before["mini_program_ids"]
    else:
        new_assignments = []
    rules.require_keeps_an_owner(
        _active_owner_count(session, workspace_id),
        was_active_owner=_is_active_owner(current_role, blocked=membership.blocked),
        stays_active_owner=_is_active_owner(new_role, blocked=new_blocked),
        problem="the last active owner cannot be demoted or blocked",
    )

    membership.role = new_role.value
    membership.blocked = new_blocked
    _assign(session, membership, new_assignments)
    after = snapshot(session, membership)
    if after != before:
        audit.record(
            session,
            actor=principal.user_id,
            action="member.update",
            target_type="member",
            target_id=user_id,
            workspace_id=workspace_id,
            before=before,
            after=after,
        )
    user = session.get(User, user_id)
    assert user is not None  # memberships reference users
    return _member(membership, user.email, after["mini_program_ids"])


def remove_member(
    session: Session, principal: Principal, *, workspace_id: str, user_id: str
) -> None:
    """Remove a member, or leave when ``user_id`` is the caller's own."""
    _lock_workspace(session, workspace_id)
    _, actor_roles = load_workspace(
        session, principal, workspace_id, Permission.WORKSPACE_MEMBERS_READ
    )
    membership = _membership(session, workspace_id, user_id)
    role = Role(membership.role)
    leaving = user_id == principal.user_id
    if not leaving:
        rules.require_may_manage(actor_roles, role, action="remove")
    rules.require_keeps_an_owner(
        _active_owner_count(session, workspace_id),
        was_active_owner=_is_active_owner(role, blocked=membership.blocked),
        stays_active_owner=False,
        problem="the last owner cannot leave" if leaving else "the last owner cannot be removed",
    )
    before = snapshot(session, membership)
    _assign(session, membership, [])
    session.delete(membership)
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="member.remove",
        target_type="member",
        target_id=user_id,
        workspace_id=workspace_id,
        before=before,
    )


def add_member(
    session: Session,
    *,
    workspace_id: str,
    user_id: str,
    role: Role,
    mini_program_ids: Iterable[str],
    actor: str,
    via_invitation: str,
) -> Membership:
    """Make ``user_id`` a member (the caller has checked they are not one already)."""
    membership = new_membership(session, workspace_id=workspace_id, user_id=user_id, role=role)
    _assign(session, membership, list(mini_program_ids))
    audit.record(
        session,
        actor=actor,
        action="member.add",
        target_type="member",
        target_id=user_id,
        workspace_id=workspace_id,
        after={**snapshot(session, membership), "invitation_id": via_invitation},
    )
    return membership


def new_membership(session: Session, *, workspace_id: str, user_id: str, role: Role) -> Membership:
    membership = Membership(
        id=new_id("mem"),
        workspace_id=workspace_id,
        user_id=user_id,
        role=role.value,
        blocked=False,
        created_at=utcnow(),
    )
    session.add(membership)
    session.flush()
    return membership


def validate_mini_program_ids(
    session: Session, workspace_id: str, mini_program_ids: Iterable[str]
) -> list[str]:
    """The ids, deduplicated in order, or ``ValidationFailed`` naming the first that is not
    a mini program of this workspace."""
    wanted, found = _in_workspace(session, workspace_id, mini_program_ids)
    for mini_program_id in wanted:
        if mini_program_id not in found:
            raise ValidationFailed(
                f"mini program {mini_program_id!r} is not a mini program of this workspace",
                mini_program_id=mini_program_id,
            )
    return wanted


def existing_mini_program_ids(
    session: Session, workspace_id: str, mini_program_ids: Iterable[str]
) -> list[str]:
    """Those of the ids still naming a mini program of this workspace (others were deleted)."""
    wanted, found = _in_workspace(session, workspace_id, mini_program_ids)
    return [mini_program_id for mini_program_id in wanted if mini_program_id in found]


def _in_workspace(
    session: Session, workspace_id: str, mini_program_ids: Iterable[str]
) -> tuple[list[str], set[str]]:
    """The ids deduplicated in order, and the set of those in this workspace."""
    wanted = list(dict.fromkeys(mini_program_ids))
    if not wanted:
        return [], set()
    found = session.scalars(
        select(MiniProgram.id).where(
            MiniProgram.workspace_id == workspace_id, MiniProgram.id.in_(wanted)
        )
    )
    return wanted, set(found)


def snapshot(session: Session, membership: Membership) -> dict[str, Any]:
    return {
        "role": membership.role,
        "blocked": membership.blocked,
        "mini_program_ids": _assigned(session, membership.id),
    }


def _assign(session: Session, membership: Membership, mini_program_ids: list[str]) -> None:
    session.execute(
        delete(DeveloperAssignment).where(DeveloperAssignment.membership_id == membership.id)
    )
    session.add_all(
        DeveloperAssignment(membership_id=membership.id, mini_program_id=mini_program_id)
        for mini_program_id in mini_program_ids
    )
    session.flush()


def _assigned(session: Session, membership_id: str) -> list[str]:
    return list(
        session.scalars(
            select(DeveloperAssignment.mini_program_id)
            .where(DeveloperAssignment.membership_id == membership_id)
            .order_by(DeveloperAssignment.mini_program_id)
        )
    )


def find_membership(session: Session, workspace_id: str, user_id: str) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )


def _membership(session: Session, workspace_id: str, user_id: str) -> Membership:
    membership = find_membership(session, workspace_id, user_id)
    if membership is None:
        raise NotFound("member not found")
    return membership


def _lock_workspace(session: Session, workspace_id: str) -> None:
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())


def _active_owner_count(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.workspace_id == workspace_id,
                Membership.role == Role.OWNER.value,
                Membership.blocked.is_(False),
            )
        )
        or 0
    )


def _is_active_owner(role: Role, *, blocked: bool) -> bool:
    return role == Role.OWNER and not blocked


def _member(membership: Membership, email: str, mini_program_ids: list[str]) -> Member:
    return Member(
        user_id=membership.user_id,
        email=email,
        role=membership.role,
        blocked=membership.blocked,
        mini_program_ids=mini_program_ids,
    )
