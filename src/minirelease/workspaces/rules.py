"""Pure workspace rules: who may manage (invite, change, block, remove) whom, when an
invitation expires, and the invariant that a workspace keeps an active owner.

Managing a member of role Y needs the permission MANAGE_PERMISSION[Y]; which actor roles
hold it is decided by the one role → permission table in ``authz``. Read together:

    actor \\ target   owner   master   developer
    owner              yes     yes      yes
    master             no      no       yes
    developer          no      no       no
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from minirelease.authz import Permission, Role, granted
from minirelease.errors import Conflict, PermissionDenied, ValidationFailed

MANAGE_PERMISSION: Mapping[Role, Permission] = {
    Role.OWNER: Permission.WORKSPACE_OWNERS_MANAGE,
    Role.MASTER: Permission.WORKSPACE_MASTERS_MANAGE,
    Role.DEVELOPER: Permission.WORKSPACE_DEVELOPERS_MANAGE,
}

# Owners are made by promotion, never by invitation.
INVITABLE_ROLES = (Role.MASTER, Role.DEVELOPER)

INVITATION_TTL = dt.timedelta(days=3)


def workspace_role(value: str) -> Role:
    """The workspace role named ``value``, or ``ValidationFailed`` naming the choices."""
    choices = [role.value for role in MANAGE_PERMISSION]
    if value not in choices:
        raise ValidationFailed(
            f"unknown workspace role {value!r}; expected one of {', '.join(choices)}"
        )
    return Role(value)


def may_manage(actor_roles: Iterable[Role], target_role: Role) -> bool:
    return MANAGE_PERMISSION[target_role] in granted(actor_roles)


def require_may_manage(actor_roles: Iterable[Role], target_role: Role, *, action: str) -> None:
    """Raise ``PermissionDenied`` unless the actor may ``action`` a member of ``target_role``."""
    if not may_manage(actor_roles, target_role):
        raise PermissionDenied(f"you may not {action} {_article(target_role)} {target_role}")


def require_invitable(role: Role) -> None:
    if role not in INVITABLE_ROLES:
        choices = " or ".join(r.value for r in INVITABLE_ROLES)
        raise ValidationFailed(f"invitations are for the role {choices}, not {role}")


def require_assignable(role: Role, mini_program_ids: Iterable[str]) -> None:
    """Mini program assignments scope a developer; other roles see every mini program."""
    if role != Role.DEVELOPER and any(True for _ in mini_program_ids):
        raise ValidationFailed(f"mini_program_ids apply only to developers, not to a {role}")


def loses_last_active_owner(
    active_owners: int, *, was_active_owner: bool, stays_active_owner: bool
) -> bool:
    """Whether a change would leave the workspace with no active (unblocked) owner."""
    return was_active_owner and not stays_active_owner and active_owners <= 1


def require_keeps_an_owner(
    active_owners: int, *, was_active_owner: bool, stays_active_owner: bool, problem: str
) -> None:
    if loses_last_active_owner(
        active_owners, was_active_owner=was_active_owner, stays_active_owner=stays_active_owner
    ):
        raise Conflict(problem)


def invitation_expires_at(created_at: dt.datetime) -> dt.datetime:
    return created_at + INVITATION_TTL


def is_expired(expires_at: dt.datetime, now: dt.datetime) -> bool:
    return now >= expires_at


def mask_email(email: str) -> str:
    """``alice@example.com`` → ``a***@example.com``: enough to recognise, not to harvest."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def _article(role: Role) -> str:
    return "an" if role.value[0] in "aeiou" else "a"
