"""A workspace: create one, its page (the mini programs with their state on each partner
app), and Create mini program. Members, invitations and the audit log have their own
modules (workspace_members.py, workspace_audit.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Permission, Principal
from minirelease.errors import Conflict, ValidationFailed
from minirelease.miniprograms import rules as program_rules
from minirelease.miniprograms import service as programs
from minirelease.pagination import MAX_CURSOR_CHARS, PageRequest
from minirelease.releases.overview import workspace_overview
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render
from minirelease.web.workspace_view import error_status, workspace_header
from minirelease.workspaces import service as workspaces

router = console_router()

Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
PROGRAM_FIELDS = ("name", "description", "category", "release_target")


@router.post("/workspaces")
def create_workspace(
    viewer: Viewer, uow: Uow, name: Annotated[str, Form(max_length=1000)] = ""
) -> Response:
    workspace = workspaces.create_workspace(uow.session, viewer, name=name)
    uow.commit()
    return RedirectResponse(f"/workspaces/{workspace.id}", status_code=303)


@router.get("/workspaces/{workspace_id}")
def workspace_page(
    request: Request, workspace_id: str, viewer: Viewer, session: DbSession, cursor: Cursor = None
) -> Response:
    return _page(request, session, viewer, workspace_id, cursor=cursor)


@router.post("/workspaces/{workspace_id}/mini-programs")
def create_mini_program(
    request: Request,
    workspace_id: str,
    viewer: Viewer,
    uow: Uow,
    name: Annotated[str, Form(max_length=1000)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    release_target: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    values = {
        "name": name,
        "description": description,
        "category": category,
        "release_target": release_target,
    }
    try:
        mp = programs.create_mini_program(uow.session, viewer, workspace_id=workspace_id, **values)
    except (ValidationFailed, Conflict) as exc:
        uow.session.rollback()
        field = exc.extra.get("field")
        errors = {field if field in PROGRAM_FIELDS else "form": exc.detail}
        return _page(
            request,
            uow.session,
            viewer,
            workspace_id,
            form=values,
            errors=errors,
            status_code=error_status(exc),
        )
    uow.commit()
    return RedirectResponse(f"/mini-programs/{mp.id}", status_code=303)


def _page(
    request: Request,
    session: Session,
    viewer: Principal,
    workspace_id: str,
    *,
    cursor: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    header = workspace_header(session, viewer, workspace_id)
    listed = workspace_overview(
        session, viewer, workspace_id=workspace_id, page=PageRequest(cursor=cursor)
    )
    next_url = None
    if listed.next_cursor:
        next_url = f"/workspaces/{workspace_id}?cursor={listed.next_cursor}"
    context: dict[str, Any] = {
        **header,
        "programs": listed,
        "next_url": next_url,
        "can_create": Permission.MINI_PROGRAM_CREATE in header["allowed"],
        "categories": program_rules.CATEGORIES,
        "release_targets": program_rules.RELEASE_TARGETS,
        "form": form or {"release_target": next(iter(program_rules.RELEASE_TARGETS))},
        "errors": errors or {},
    }
    return render(request, "workspace/show.html", context, status_code=status_code)
