"""The audit log over HTTP: ``GET /audit`` filtered by workspace, mini program or release."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from minirelease import audit_query
from minirelease.api.deps import CurrentUser, DbSession
from minirelease.api.schemas import Read

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


class AuditPage(Read):
    events: list[AuditEventRead]
    next_before: str | None


@router.get("/audit", response_model=AuditPage)
def list_audit_events(
    principal: CurrentUser,
    session: DbSession,
    workspace_id: str | None = None,
    mini_program_id: str | None = None,
    release_id: str | None = None,
    before: Annotated[str | None, Query(description="Cursor: next_before of the last page")] = None,
    limit: Annotated[int, Query(ge=1, le=audit_query.MAX_PAGE)] = 100,
) -> AuditPage:
    events = audit_query.list_events(
        session,
        principal,
        workspace_id=workspace_id,
        mini_program_id=mini_program_id,
        release_id=release_id,
        before=before,
        limit=limit,
    )
    next_before = events[-1].id if len(events) == limit else None
    return AuditPage(
        events=[AuditEventRead.model_validate(e) for e in events], next_before=next_before
    )
