"""Authorization in one place: permissions named ``scope:resource:action``, the table of
which role grants which, and the one check every use case calls.

A caller who holds no permission to *read* a resource gets ``NotFound`` (no existence
leak); one who can read it but not act on it gets ``PermissionDenied``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from minirelease.errors import NotFound, PermissionDenied


class Role(StrEnum):
    OWNER = "owner"
    MASTER = "master"
    DEVELOPER = "developer"
    PLATFORM_ADMIN = "platform_admin"
    PLATFORM_REVIEWER = "platform_reviewer"
    PARTNER_REVIEWER = "partner_reviewer"


WORKSPACE_ROLES = (Role.OWNER, Role.MASTER, Role.DEVELOPER)


class Permission(StrEnum):
    WORKSPACE_READ = "workspace:workspace:read"
    WORKSPACE_MEMBERS_READ = "workspace:members:read"
    WORKSPACE_OWNERS_MANAGE = "workspace:owners:manage"
    WORKSPACE_MASTERS_MANAGE = "workspace:masters:manage"
    WORKSPACE_DEVELOPERS_MANAGE = "workspace:developers:manage"
    WORKSPACE_AUDIT_READ = "workspace:audit:read"
    WORKSPACE_WEBHOOKS_MANAGE = "workspace:webhooks:manage"

    MINI_PROGRAM_CREATE = "workspace:mini-program:create"
    MINI_PROGRAM_READ = "mini-program:mini-program:read"
    MINI_PROGRAM_EDIT = "mini-program:mini-program:edit"
    MINI_PROGRAM_DELETE = "mini-program:mini-program:delete"
    MINI_PROGRAM_AUDIT_READ = "mini-program:audit:read"
    VERSION_READ = "mini-program:version:read"
    VERSION_UPLOAD = "mini-program:version:upload"

    PARTNER_APP_READ = "platform:partner-app:read"
    PARTNER_APP_MANAGE = "platform:partner-app:manage"
    PLATFORM_REVIEWERS_MANAGE = "platform:reviewers:manage"
    # Scoped: a partner reviewer holds it only on the partner app they review.
    PARTNER_REVIEWERS_READ = "partner-app:reviewers:read"
    # Scoped like the above: the keys a partner app's backend sends telemetry with.
    PARTNER_KEYS_MANAGE = "partner-app:keys:manage"
    USERS_MANAGE = "platform:users:manage"
    PLATFORM_AUDIT_READ = "platform:audit:read"

    RELEASE_READ = "mini-program:release:read"
    RELEASE_MANAGE = "mini-program:release:manage"
    # Reviewer roles attach to a release only once it is under or after review, and the
    # partner reviewer's only for releases to their own partner app (releases/access.py).
    RELEASE_REVIEW_PLATFORM = "release:platform-review:decide"
    RELEASE_REVIEW_PARTNER = "release:partner-review:decide"
    REMOVAL_REVIEW = "listing:removal:review"
    FORCE_REMOVE = "listing:removal:force"


P = Permission

_MEMBER_READS = {P.WORKSPACE_READ, P.WORKSPACE_MEMBERS_READ, P.PARTNER_APP_READ}
_MINI_PROGRAM_WORK = {
    P.MINI_PROGRAM_READ,
    P.MINI_PROGRAM_EDIT,
    P.VERSION_READ,
    P.VERSION_UPLOAD,
    P.RELEASE_READ,
    P.RELEASE_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(
        _MEMBER_READS
        | _MINI_PROGRAM_WORK
        | {
            P.WORKSPACE_OWNERS_MANAGE,
            P.WORKSPACE_MASTERS_MANAGE,
            P.WORKSPACE_DEVELOPERS_MANAGE,
            P.WORKSPACE_AUDIT_READ,
            P.WORKSPACE_WEBHOOKS_MANAGE,
            P.MINI_PROGRAM_CREATE,
            P.MINI_PROGRAM_DELETE,
            P.MINI_PROGRAM_AUDIT_READ,
        }
    ),
    Role.MASTER: frozenset(
        _MEMBER_READS
        | _MINI_PROGRAM_WORK
        | {
            P.WORKSPACE_DEVELOPERS_MANAGE,
            P.WORKSPACE_AUDIT_READ,
            P.WORKSPACE_WEBHOOKS_MANAGE,
            P.MINI_PROGRAM_CREATE,
            P.MINI_PROGRAM_AUDIT_READ,
        }
    ),
    # Within the mini programs assigned to them; see roles_for_mini_program.
    Role.DEVELOPER: frozenset(_MEMBER_READS | _MINI_PROGRAM_WORK),
    Role.PLATFORM_ADMIN: frozenset(
        {
            P.PARTNER_APP_READ,
            P.PARTNER_APP_MANAGE,
            P.PARTNER_REVIEWERS_READ,
            P.PARTNER_KEYS_MANAGE,
            P.PLATFORM_REVIEWERS_MANAGE,
            P.USERS_MANAGE,
            P.PLATFORM_AUDIT_READ,
            # Platform admins see every workspace's mini programs (force removal).
            P.WORKSPACE_READ,
            P.WORKSPACE_AUDIT_READ,
            P.MINI_PROGRAM_READ,
            P.MINI_PROGRAM_AUDIT_READ,
            P.VERSION_READ,
            P.RELEASE_READ,
            P.FORCE_REMOVE,
        }
    ),
    Role.PLATFORM_REVIEWER: frozenset(
        {P.PARTNER_APP_READ, P.RELEASE_READ, P.RELEASE_REVIEW_PLATFORM}
    ),
    Role.PARTNER_REVIEWER: frozenset(
        {
            P.PARTNER_APP_READ,
            P.PARTNER_REVIEWERS_READ,
            P.PARTNER_KEYS_MANAGE,
            P.RELEASE_READ,
            P.RELEASE_REVIEW_PARTNER,
            P.REMOVAL_REVIEW,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling, with their platform-wide roles. Workspace roles depend on the
    resource and are looked up by the service that owns it."""

    user_id: str
    email: str
    is_platform_admin: bool = False
    is_platform_reviewer: bool = False
    partner_reviewer_of: frozenset[str] = field(default_factory=frozenset)

    def platform_roles(self) -> set[Role]:
        roles: set[Role] = set()
        if self.is_platform_admin:
            roles.add(Role.PLATFORM_ADMIN)
        if self.is_platform_reviewer:
            roles.add(Role.PLATFORM_REVIEWER)
        if self.partner_reviewer_of:
            roles.add(Role.PARTNER_REVIEWER)
        return roles


# Reviewer roles are contextual. Read from the principal (platform_roles) they hold
# everywhere; the functions below say where they do hold. Every adjustment of a role set
# to its context is here, so what a role grants where is read in this one module.
REVIEWER_ROLES = frozenset({Role.PLATFORM_REVIEWER, Role.PARTNER_REVIEWER})

# Roles that see every mini program of a workspace; a developer sees the assigned ones.
SEES_WHOLE_WORKSPACE = frozenset({Role.OWNER, Role.MASTER, Role.PLATFORM_ADMIN})


def without_reviewer_roles(roles: Iterable[Role]) -> set[Role]:
    """``roles`` where no reviewer role holds: on a mini program itself, as its team (or
    a platform admin), not on one of its releases."""
    return set(roles) - REVIEWER_ROLES


def release_reviewer_roles(
    principal: Principal, *, reviewed: bool, partner_app: str | None
) -> set[Role]:
    """The reviewer roles held on a release: none before it reached review; then the
    platform reviewer's, and the partner reviewer's on a release to ``partner_app`` when
    that is an app they review."""
    roles: set[Role] = set()
    if reviewed and principal.is_platform_reviewer:
        roles.add(Role.PLATFORM_REVIEWER)
    if reviewed and partner_app is not None and partner_app in principal.partner_reviewer_of:
        roles.add(Role.PARTNER_REVIEWER)
    return roles


def roles_on_partner_app(principal: Principal, code: str) -> set[Role]:
    """Platform roles, with partner_reviewer only if the caller reviews *this* app."""
    roles = principal.platform_roles()
    if code not in principal.partner_reviewer_of:
        roles.discard(Role.PARTNER_REVIEWER)
    return roles


def roles_on_listing(
    principal: Principal, mini_program_roles: Iterable[Role], code: str
) -> set[Role]:
    """On a mini program's listing on partner app ``code``: the team's roles and a platform
    admin's, and a partner reviewer's of that app (who decides its removals); reviewing
    some other partner app, or releases, is no role there."""
    roles = without_reviewer_roles(mini_program_roles) | roles_on_partner_app(principal, code)
    roles.discard(Role.PLATFORM_REVIEWER)
    return roles


def sees_whole_workspace(roles: Iterable[Role]) -> bool:
    return not SEES_WHOLE_WORKSPACE.isdisjoint(roles)


def granted(roles: Iterable[Role]) -> frozenset[Permission]:
    result: frozenset[Permission] = frozenset()
    for role in roles:
        result |= ROLE_PERMISSIONS[role]
    return result


def require(
    roles: Iterable[Role],
    permission: Permission,
    *,
    visible_with: Permission | None = None,
    what: str = "resource",
) -> None:
    """Raise unless ``roles`` grant ``permission``. When ``visible_with`` is given and not
    granted either, the caller may not even know the resource exists: ``NotFound``."""
    permissions = granted(roles)
    if permission in permissions:
        return
    if visible_with is not None and visible_with not in permissions:
        raise NotFound(f"{what} not found")
    raise PermissionDenied(f"you may not {permission.value.rsplit(':', 1)[-1]} this {what}")
