"""Loading a workspace together with the caller's roles on it, hiding what the caller may
not see: the first step of every workspace-scoped use case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minirelease.access import workspace_roles
from minirelease.authz import Permission, Principal, Role, granted, require
from minirelease.errors import NotFound
from minirelease.workspaces.models import Workspace


def load_workspace(
    session: Session,
    principal: Principal,
    workspace_id: str,
    permission: Permission = Permission.WORKSPACE_READ,
) -> tuple[Workspace, set[Role]]:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace not found")
    roles = workspace_roles(session, principal, workspace_id)
    if Permission.WORKSPACE_READ not in granted(roles):
        raise NotFound("workspace not found")
    require(roles, permission, what="workspace")
    return workspace, roles
