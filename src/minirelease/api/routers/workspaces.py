"""Workspaces, their members and invitations (design §2 and §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from minirelease.accounts import service as accounts
from minirelease.api import rate_limits
from minirelease.api.deps import OPTIONAL_AUTH, CurrentUser, DbSession, Uow, UserToken
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.authz import Principal
from minirelease.ratelimits import LimitName
from minirelease.workspaces import invitations, members, service
from minirelease.workspaces.schemas import (
    InvitationAccept,
    InvitationAccepted,
    InvitationCreate,
    InvitationCreated,
    InvitationRead,
    MemberRead,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceRead,
)

router = APIRouter(tags=["workspaces"])


def optional_principal(secret: UserToken, session: DbSession) -> Principal | None:
    """The caller when they send a token (which must then be valid), else None."""
    return None if secret is None else accounts.authenticate(session, secret)


MaybeUser = Annotated[Principal | None, Depends(optional_principal)]


@router.post("/workspaces", status_code=201, response_model=WorkspaceRead)
def create_workspace(body: WorkspaceCreate, principal: CurrentUser, uow: Uow) -> WorkspaceRead:
    workspace = service.create_workspace(uow.session, principal, name=body.name)
    uow.commit()
    return WorkspaceRead.model_validate(workspace)


@router.get("/workspaces", response_model=PageRead[WorkspaceRead])
def list_workspaces(
    principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[WorkspaceRead]:
    listed = service.list_workspaces(session, principal, page=page)
    return page_read(listed, WorkspaceRead.model_validate)


@router.get("/workspaces/{workspace_id}", response_model=WorkspaceRead)
def get_workspace(workspace_id: str, principal: CurrentUser, session: DbSession) -> WorkspaceRead:
    workspace = service.get_workspace(session, principal, workspace_id=workspace_id)
    return WorkspaceRead.model_validate(workspace)


@router.post(
    "/workspaces/{workspace_id}/invitations", status_code=201, response_model=InvitationCreated
)
def create_invitation(
    workspace_id: str, body: InvitationCreate, principal: CurrentUser, uow: Uow
) -> InvitationCreated:
    invitation, secret = invitations.create_invitation(
        uow.session,
        principal,
        workspace_id=workspace_id,
        email=body.email,
        role=body.role,
        mini_program_ids=body.mini_program_ids,
    )
    uow.commit()
    return InvitationCreated(**InvitationRead.model_validate(invitation).model_dump(), token=secret)


@router.get("/workspaces/{workspace_id}/invitations", response_model=PageRead[InvitationRead])
def list_invitations(
    workspace_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[InvitationRead]:
    pending = invitations.list_invitations(session, principal, workspace_id=workspace_id, page=page)
    return page_read(pending, InvitationRead.model_validate)


@router.delete("/workspaces/{workspace_id}/invitations/{invitation_id}", status_code=204)
def revoke_invitation(
    workspace_id: str, invitation_id: str, principal: CurrentUser, uow: Uow
) -> Response:
    invitations.revoke_invitation(
        uow.session, principal, workspace_id=workspace_id, invitation_id=invitation_id
    )
    uow.commit()
    return Response(status_code=204)


# The token travels in the body: a URL holding it would end up in the access logs of every
# proxy on the way. The old ``/invitations/{token}/accept`` is gone, not redirected.
@router.post("/invitations/accept", response_model=InvitationAccepted, openapi_extra=OPTIONAL_AUTH)
def accept_invitation(
    body: InvitationAccept, principal: MaybeUser, uow: Uow, request: Request
) -> InvitationAccepted:
    account = principal.user_id if principal is not None else None
    with rate_limits.guarding_guesses(request, LimitName.INVITATION_GUESS, account):
        acceptance = invitations.accept_invitation(uow.session, principal, token=body.token)
    uow.commit()
    return InvitationAccepted.model_validate(acceptance)


@router.get("/workspaces/{workspace_id}/members", response_model=PageRead[MemberRead])
def list_members(
    workspace_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[MemberRead]:
    listed = members.list_members(session, principal, workspace_id=workspace_id, page=page)
    return page_read(listed, MemberRead.model_validate)


@router.patch("/workspaces/{workspace_id}/members/{user_id}", response_model=MemberRead)
def update_member(
    workspace_id: str, user_id: str, body: MemberUpdate, principal: CurrentUser, uow: Uow
) -> MemberRead:
    member = members.update_member(
        uow.session,
        principal,
        workspace_id=workspace_id,
        user_id=user_id,
        role=body.role,
        blocked=body.blocked,
        mini_program_ids=body.mini_program_ids,
    )
    uow.commit()
    return MemberRead.model_validate(member)


@router.delete("/workspaces/{workspace_id}/members/{user_id}", status_code=204)
def remove_member(workspace_id: str, user_id: str, principal: CurrentUser, uow: Uow) -> Response:
    members.remove_member(uow.session, principal, workspace_id=workspace_id, user_id=user_id)
    uow.commit()
    return Response(status_code=204)
