"""What every workspace page shows above its content: the workspace, the viewer's role
there and the tabs they may open (decided by the one permission table in ``authz``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minirelease.access import workspace_roles
from minirelease.api.errors import STATUS_BY_CODE
from minirelease.authz import Permission, Principal, granted
from minirelease.errors import DomainError
from minirelease.workspaces import service as workspaces


def error_status(exc: DomainError) -> int:
    """The HTTP status of a domain error, as the API and the error pages answer it."""
    return STATUS_BY_CODE.get(exc.code, 400)


def workspace_header(session: Session, viewer: Principal, workspace_id: str) -> dict[str, Any]:
    """The workspace (``NotFound`` when the viewer cannot see it) and its tabs."""
    workspace = workspaces.get_workspace(session, viewer, workspace_id=workspace_id)
    roles = workspace_roles(session, viewer, workspace_id)
    allowed = granted(roles)
    return {
        "workspace": workspace,
        "roles": roles,
        "allowed": allowed,
        # The members page lists the pending invitations: owners and masters.
        "can_manage_members": Permission.WORKSPACE_DEVELOPERS_MANAGE in allowed,
        "can_audit": Permission.WORKSPACE_AUDIT_READ in allowed,
    }
