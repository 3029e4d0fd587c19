"""Use cases for workspaces themselves: create one (the caller becomes its owner), list the
caller's, read one. Members are in ``members.py``, invitations in ``invitations.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.access import active_membership
from minirelease.authz import Principal, Role
from minirelease.db import utcnow
from minirelease.errors import ValidationFailed
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate_rows
from minirelease.workspaces import members
from minirelease.workspaces.lookup import load_workspace
from minirelease.workspaces.models import Membership, Workspace

MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class WorkspaceView:
    """A workspace as the caller sees it: ``role`` is theirs (None for a platform admin
    reading a workspace they are not a member of)."""

    id: str
    name: str
    created_at: dt.datetime
    role: str | None


def create_workspace(session: Session, principal: Principal, *, name: str) -> WorkspaceView:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise ValidationFailed(f"workspace name must be 1 to {MAX_NAME_LENGTH} characters")
    workspace = Workspace(id=new_id("ws"), name=name, created_by=principal.user_id)
    workspace.created_at = utcnow()
    session.add(workspace)
    session.flush()
    members.new_membership(
        session, workspace_id=workspace.id, user_id=principal.user_id, role=Role.OWNER
    )
    audit.record(
        session,
        actor=principal.user_id,
        action="workspace.create",
        target_type="workspace",
        target_id=workspace.id,
        workspace_id=workspace.id,
        after={"name": workspace.name, "owner_id": principal.user_id},
    )
    return _view(workspace, Role.OWNER)


def list_workspaces(
    session: Session, principal: Principal, *, page: PageRequest | None = None
) -> Page[WorkspaceView]:
    """The workspaces where the caller is an active (unblocked) member."""
    query = (
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == principal.user_id, Membership.blocked.is_(False))
    )
    order = [ascending(Workspace.created_at), ascending(Workspace.id)]
    rows = paginate_rows(session, query, order, page)
    return rows.map(lambda row: _view(row[0], row[1]))


def get_workspace(session: Session, principal: Principal, *, workspace_id: str) -> WorkspaceView:
    workspace, _ = load_workspace(session, principal, workspace_id)
    membership = active_membership(session, principal, workspace_id)
    return _view(workspace, membership.role if membership is not None else None)


def _view(workspace: Workspace, role: str | None) -> WorkspaceView:
    return WorkspaceView(
        id=workspace.id, name=workspace.name, created_at=workspace.created_at, role=role
    )
