"""Reading the audit log: who may read which slice of it, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.authz import Permission, Principal, require
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.workspaces.lookup import load_workspace


def list_events(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str | None = None,
    mini_program_id: str | None = None,
    release_id: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    page: PageRequest | None = None,
) -> Page[AuditEvent]:
    """Events matching every given filter. Workspace and mini program slices are for that
    workspace's owners and masters (and platform admins); the whole log for platform admins.
    ``action`` matches the action or the family it starts (``release`` matches
    ``release.grayscale``); ``actor`` is a user id or a system actor."""
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
    if action:
        family = action.rstrip(".")
        query = query.where(
            or_(
                AuditEvent.action == family,
                AuditEvent.action.startswith(f"{family}.", autoescape=True),
            )
        )
    if actor:
        query = query.where(AuditEvent.actor == actor)
    # Ids are time-ordered, so ordering by id is ordering by time with a stable tiebreak.
    return paginate(session, query, [descending(AuditEvent.id)], page)
