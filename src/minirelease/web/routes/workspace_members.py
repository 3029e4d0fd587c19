"""A workspace's members and invitations, for its owners and masters: change a member's
role, block or unblock, assign mini programs to developers, remove; invite, revoke.

Every rule (who may manage whom, the last owner) is the service's: a refused action
re-renders the page it came from with the service's message and status, after rolling
back anything the attempt touched. A new invitation's code is shown once, in the page
answering the POST; it never appears in a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import WORKSPACE_ROLES, Principal, Role
from minirelease.errors import DomainError, NotFound, ValidationFailed
from minirelease.pagination import MAX_CURSOR_CHARS, PageRequest
from minirelease.uow import UnitOfWork
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render
from minirelease.web.workspace_view import error_status, workspace_header
from minirelease.workspaces import invitations, members, rules
from minirelease.workspaces.member_view import assignable_mini_programs, get_member
from minirelease.workspaces.models import Invitation
from minirelease.workspaces.schemas import MAX_ASSIGNMENTS

router = console_router()

T = TypeVar("T")

Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
# Which page a member form was sent from, to go back to (or re-render with an error).
Back = Annotated[Literal["members", "member"], Form()]
ProgramIds = Annotated[list[str], Form()]
EMPTY_INVITE = {"email": "", "role": Role.DEVELOPER.value, "mini_program_ids": []}


def _members_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}/members"


def _member_url(workspace_id: str, user_id: str) -> str:
    return f"{_members_url(workspace_id)}/{user_id}"


def _manage_context(session: Session, viewer: Principal, workspace_id: str) -> dict[str, Any]:
    header = workspace_header(session, viewer, workspace_id)
    roles: set[Role] = header["roles"]
    choices = assignable_mini_programs(session, viewer, workspace_id=workspace_id)
    return {
        **header,
        "viewer_id": viewer.user_id,
        "program_choices": choices,
        "program_names": dict(choices),
        # Offered in the forms; the service decides again on every change.
        "appointable": [r.value for r in WORKSPACE_ROLES if rules.may_manage(roles, r)],
        "invitable": [r.value for r in rules.INVITABLE_ROLES if rules.may_manage(roles, r)],
        "manageable": {r.value for r in WORKSPACE_ROLES if rules.may_manage(roles, r)},
    }


def _members_page(
    request: Request,
    session: Session,
    viewer: Principal,
    workspace_id: str,
    *,
    cursor: str | None = None,
    invitations_cursor: str | None = None,
    error: str | None = None,
    invite: dict[str, Any] | None = None,
    created: tuple[Invitation, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _manage_context(session, viewer, workspace_id)
    listed = members.list_members(
        session, viewer, workspace_id=workspace_id, page=PageRequest(cursor=cursor)
    )
    pending = invitations.list_invitations(
        session, viewer, workspace_id=workspace_id, page=PageRequest(cursor=invitations_cursor)
    )
    base = _members_url(workspace_id)
    context.update(
        members=listed,
        members_next=f"{base}?cursor={listed.next_cursor}" if listed.next_cursor else None,
        invitations=pending,
        invitations_next=(
            f"{base}?invitations_cursor={pending.next_cursor}" if pending.next_cursor else None
        ),
        error=error,
        invite=invite or EMPTY_INVITE,
        created=created,
        accept_url=str(request.base_url).rstrip("/") + "/invitations/accept",
    )
    return render(request, "workspace/members.html", context, status_code=status_code)


def _member_page(
    request: Request,
    session: Session,
    viewer: Principal,
    workspace_id: str,
    user_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = _manage_context(session, viewer, workspace_id)
    context.update(
        member=get_member(session, viewer, workspace_id=workspace_id, user_id=user_id),
        error=error,
    )
    return render(request, "workspace/member.html", context, status_code=status_code)


@router.get("/workspaces/{workspace_id}/members")
def members_page(
    request: Request,
    workspace_id: str,
    viewer: Viewer,
    session: DbSession,
    cursor: Cursor = None,
    invitations_cursor: Cursor = None,
) -> Response:
    return _members_page(
        request,
        session,
        viewer,
        workspace_id,
        cursor=cursor,
        invitations_cursor=invitations_cursor,
    )


@router.get("/workspaces/{workspace_id}/members/{user_id}")
def member_page(
    request: Request, workspace_id: str, user_id: str, viewer: Viewer, session: DbSession
) -> Response:
    return _member_page(request, session, viewer, workspace_id, user_id)


def _attempt(
    uow: UnitOfWork,
    change: Callable[[], T],
    *,
    done: Callable[[T], Response],
    refused: Callable[[DomainError], Response],
) -> Response:
    """Apply ``change`` and commit, then answer with ``done``; on a refusal, roll back
    whatever the attempt touched and answer with ``refused`` (the page the form was on,
    with the service's message). What the viewer may not even see stays a 404 page, and a
    page the viewer may not open shows the refusal alone."""
    try:
        result = change()
    except NotFound:
        raise
    except DomainError as exc:
        uow.session.rollback()
        try:
            return refused(exc)
        except DomainError:
            raise exc from None
    uow.commit()
    return done(result)


def _change(
    request: Request,
    uow: UnitOfWork,
    viewer: Principal,
    workspace_id: str,
    user_id: str,
    back: str,
    change: Callable[[], object],
    *,
    done_url: str | None = None,
) -> Response:
    """A member form's action: back to its page (303), or that page with the refusal."""

    def refused(exc: DomainError) -> Response:
        if back == "member":
            return _member_page(
                request,
                uow.session,
                viewer,
                workspace_id,
                user_id,
                error=exc.detail,
                status_code=error_status(exc),
            )
        return _members_page(
            request,
            uow.session,
            viewer,
            workspace_id,
            error=exc.detail,
            status_code=error_status(exc),
        )

    back_url = _member_url(workspace_id, user_id) if back == "member" else None
    target = done_url or back_url or _members_url(workspace_id)
    return _attempt(
        uow,
        change,
        done=lambda _: RedirectResponse(target, status_code=303),
        refused=refused,
    )


@router.post("/workspaces/{workspace_id}/members/{user_id}/role")
def change_role(
    request: Request,
    workspace_id: str,
    user_id: str,
    viewer: Viewer,
    uow: Uow,
    role: Annotated[str, Form(max_length=40)],
    back: Back = "members",
) -> Response:
    def change() -> object:
        return members.update_member(
            uow.session, viewer, workspace_id=workspace_id, user_id=user_id, role=role
        )

    return _change(request, uow, viewer, workspace_id, user_id, back, change)


@router.post("/workspaces/{workspace_id}/members/{user_id}/blocked")
def set_blocked(
    request: Request,
    workspace_id: str,
    user_id: str,
    viewer: Viewer,
    uow: Uow,
    blocked: Annotated[bool, Form()],
    back: Back = "members",
) -> Response:
    def change() -> object:
        return members.update_member(
            uow.session, viewer, workspace_id=workspace_id, user_id=user_id, blocked=blocked
        )

    return _change(request, uow, viewer, workspace_id, user_id, back, change)


@router.post("/workspaces/{workspace_id}/members/{user_id}/mini-programs")
def assign_mini_programs(
    request: Request,
    workspace_id: str,
    user_id: str,
    viewer: Viewer,
    uow: Uow,
    mini_program_ids: ProgramIds = [],  # noqa: B006 - FastAPI copies defaults
    back: Back = "member",
) -> Response:
    """Replace a developer's assigned mini programs with the ones checked (none: none)."""

    def change() -> object:
        _bounded(mini_program_ids)
        return members.update_member(
            uow.session,
            viewer,
            workspace_id=workspace_id,
            user_id=user_id,
            mini_program_ids=mini_program_ids,
        )

    return _change(request, uow, viewer, workspace_id, user_id, back, change)


@router.post("/workspaces/{workspace_id}/members/{user_id}/remove")
def remove_member(
    request: Request,
    workspace_id: str,
    user_id: str,
    viewer: Viewer,
    uow: Uow,
    back: Back = "members",
) -> Response:
    """Remove a member; with the viewer's own id, leave the workspace (then go home)."""

    def change() -> object:
        members.remove_member(uow.session, viewer, workspace_id=workspace_id, user_id=user_id)
        return None

    # Leaving the workspace (one's own id) ends on the home page.
    done_url = "/" if user_id == viewer.user_id else _members_url(workspace_id)
    return _change(request, uow, viewer, workspace_id, user_id, back, change, done_url=done_url)


@router.post("/workspaces/{workspace_id}/invitations")
def invite(
    request: Request,
    workspace_id: str,
    viewer: Viewer,
    uow: Uow,
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    mini_program_ids: ProgramIds = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Invite; the answer is the members page showing the invitation code this once."""
    values = {"email": email, "role": role, "mini_program_ids": mini_program_ids}

    def change() -> tuple[Invitation, str]:
        _bounded(mini_program_ids)
        return invitations.create_invitation(
            uow.session,
            viewer,
            workspace_id=workspace_id,
            email=email,
            role=role,
            mini_program_ids=mini_program_ids,
        )

    def done(created: tuple[Invitation, str]) -> Response:
        return _members_page(request, uow.session, viewer, workspace_id, created=created)

    def refused(exc: DomainError) -> Response:
        return _members_page(
            request,
            uow.session,
            viewer,
            workspace_id,
            error=exc.detail,
            invite=values,
            status_code=error_status(exc),
        )

    return _attempt(uow, change, done=done, refused=refused)


@router.post("/workspaces/{workspace_id}/invitations/{invitation_id}/revoke")
def revoke(
    request: Request, workspace_id: str, invitation_id: str, viewer: Viewer, uow: Uow
) -> Response:
    def change() -> object:
        invitations.revoke_invitation(
            uow.session, viewer, workspace_id=workspace_id, invitation_id=invitation_id
        )
        return None

    return _change(request, uow, viewer, workspace_id, "", "members", change)


def _bounded(mini_program_ids: list[str]) -> None:
    """The same bound as the API's body: one request cannot ask for unbounded work."""
    if len(mini_program_ids) > MAX_ASSIGNMENTS:
        raise ValidationFailed(f"at most {MAX_ASSIGNMENTS} mini programs can be assigned")
