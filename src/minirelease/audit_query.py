"""Reading the audit log: who may read which slice of it, newest first, by cursor."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.authz import Permission, Principal, require
from minirelease.errors import ValidationFailed
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.workspaces.lookup import load_workspace

MAX_PAGE = 500


def list_events(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str | None = None,
    mini_program_id: str | None = None,
    release_id: str | None = None,
    before: str | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Events matching every given filter. Workspace and mini program slices are for that
    workspace's owners and masters (and platform admins); the whole log for platform admins."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE}")
    query = select(AuditEvent)
    if workspace_id is not None:
        load_workspace(session, principal, workspace_id, Permission.WORKSPACE_AUDIT_READ)
        query = query.where(AuditEvent.workspace_id == workspace_id)
    if mini_program_id is not None:
        load_mini_program(session, principal, mini_program_id, Permission.MINI_PROGRAM_AUDIT_READ)
        query = query.where(AuditEvent.mini_program_id == mini_program_id)
    if workspace_id is None and mini_program_id is None:
        require(principal.platform_roles(), Permission.PLATFORM_AUDIT_READ, what="audit log")
    if release_id is not None:
        query = query.where(AuditEvent.release_id == release_id)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    # Ids are time-ordered, so ordering by id is ordering by time with a stable tiebreak.
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
