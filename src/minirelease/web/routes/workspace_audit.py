"""A workspace's audit log, newest first, a page at a time, filtered by mini program,
release, action (or action family) and actor; for owners, masters and platform admins, as
the API."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from minirelease import audit_query
from minirelease.accounts.service import user_by_email
from minirelease.api.deps import DbSession
from minirelease.audit import AuditEvent
from minirelease.errors import NotFound, ValidationFailed
from minirelease.pagination import MAX_CURSOR_CHARS, Page, PageRequest
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render
from minirelease.web.workspace_view import workspace_header
from minirelease.workspaces.audit_labels import AuditLabels, audit_labels

router = console_router()

Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
Filter = Annotated[str, Query(max_length=80)]


@router.get("/workspaces/{workspace_id}/audit")
def audit_page(
    request: Request,
    workspace_id: str,
    viewer: Viewer,
    session: DbSession,
    mini_program_id: Filter = "",
    release_id: Filter = "",
    action: Filter = "",
    actor: Filter = "",
    cursor: Cursor = None,
) -> Response:
    header = workspace_header(session, viewer, workspace_id)
    filters = {
        "mini_program_id": mini_program_id.strip(),
        "release_id": release_id.strip(),
        "action": action.strip(),
        "actor": actor.strip(),
    }
    error = None
    try:
        actor_id = user_by_email(session, filters["actor"]).id if filters["actor"] else None
    except (NotFound, ValidationFailed):
        error = "No user with this email."
        actor_id = None
    events: Page[AuditEvent] = Page([])
    if error is None:
        try:
            events = audit_query.list_events(
                session,
                viewer,
                workspace_id=workspace_id,
                mini_program_id=filters["mini_program_id"] or None,
                release_id=filters["release_id"] or None,
                action=filters["action"] or None,
                actor=actor_id,
                page=PageRequest(cursor=cursor),
            )
        except NotFound:
            # The workspace is visible (read above): what is missing is the filter's program.
            error = "No mini program with this id is visible to you."
    labels = (
        audit_labels(session, viewer, workspace_id=workspace_id, events=events)
        if events
        else AuditLabels({}, {})
    )
    next_url = None
    if events.next_cursor:
        kept = {key: value for key, value in filters.items() if value}
        query = urlencode({**kept, "cursor": events.next_cursor})
        next_url = f"/workspaces/{workspace_id}/audit?{query}"
    context = {
        **header,
        "events": events,
        "labels": labels,
        "filters": filters,
        "filter_error": error,
        "next_url": next_url,
    }
    return render(request, "workspace/audit.html", context, status_code=404 if error else 200)
