"""Reading the audit log: who may read which slice of it, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.authz import Permission, Principal, granted, require
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.releases.access import load_release
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
    """Events matching every given filter. Workspace, mini program and release slices are
    for that workspace's owners and masters (and platform admins); a release's slice needs
    no other filter. The whole log is for platform admins.
    ``action`` matches the action or the family it starts (``release`` matches
    ``release.grayscale``); ``actor`` is a user id or a system actor."""
    query = select(AuditEvent)
    if workspace_id is not None:
        load_workspace(session, principal, workspace_id, Permission.WORKSPACE_AUDIT_READ)
        query = query.where(AuditEvent.workspace_id == workspace_id)
    if mini_program_id is not None:
        load_mini_program(session, principal, mini_program_id, Permission.MINI_PROGRAM_AUDIT_READ)
        query = query.where(AuditEvent.mini_program_id == mini_program_id)
    scoped = workspace_id is not None or mini_program_id is not None
    if release_id is not None and not scoped and not _reads_whole_log(principal):
        # A release's events are a slice of its mini program's: the same readers.
        load_release(session, principal, release_id, Permission.MINI_PROGRAM_AUDIT_READ)
        scoped = True
    if not scoped:
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


def _reads_whole_log(principal: Principal) -> bool:
    return Permission.PLATFORM_AUDIT_READ in granted(principal.platform_roles())
