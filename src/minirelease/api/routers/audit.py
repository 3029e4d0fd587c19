"""The audit log over HTTP: ``GET /audit`` filtered by workspace, mini program or release,
newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from minirelease import audit_query
from minirelease.api.deps import CurrentUser, DbSession
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.schemas import Read

router = APIRouter(tags=["audit"])


class AuditEventRead(Read):
    id: str
    occurred_at: dt.datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    workspace_id: str | None
    mini_program_id: str | None
    release_id: str | None
    partner_app: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/audit", response_model=PageRead[AuditEventRead])
def list_audit_events(
    principal: CurrentUser,
    session: DbSession,
    page: Paging,
    workspace_id: str | None = None,
    mini_program_id: str | None = None,
    release_id: str | None = None,
    action: Annotated[
        str | None,
        Query(max_length=80, description="An action, or a family: `release` matches `release.*`"),
    ] = None,
    actor: Annotated[str | None, Query(max_length=80, description="A user id")] = None,
) -> PageRead[AuditEventRead]:
    events = audit_query.list_events(
        session,
        principal,
        workspace_id=workspace_id,
        mini_program_id=mini_program_id,
        release_id=release_id,
        action=action,
        actor=actor,
        page=page,
    )
    return page_read(events, AuditEventRead.model_validate)
