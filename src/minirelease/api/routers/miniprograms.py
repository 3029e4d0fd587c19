"""Mini programs: creation in a workspace, basic info, whitelists, testers and the icon."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from minirelease.api.deps import CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.miniprograms import rules, service
from minirelease.miniprograms.models import MiniProgram
from minirelease.miniprograms.schemas import MiniProgramCreate, MiniProgramRead, MiniProgramUpdate

router = APIRouter(tags=["miniprograms"])


async def read_icon_body(request: Request) -> bytes:
    """The raw request body, read up to one byte past the icon limit and no further, so an
    oversized upload is refused by the icon rules without ever being held in memory."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > rules.MAX_ICON_BYTES:
            break
    return bytes(body[: rules.MAX_ICON_BYTES + 1])


IconBody = Annotated[bytes, Depends(read_icon_body)]

_ICON_REQUEST_BODY = {
    "required": True,
    "description": f"The icon's bytes: PNG or JPEG, at most {rules.MAX_ICON_BYTES:,} bytes.",
    "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}
        for content_type in rules.ICON_CONTENT_TYPES
    },
}


def _read(request: Request, mp: MiniProgram) -> MiniProgramRead:
    icon_url = request.url_for("get_mini_program_icon", mini_program_id=mp.id).path
    return MiniProgramRead.of(mp, icon_url=icon_url)


@router.post(
    "/workspaces/{workspace_id}/mini-programs", status_code=201, response_model=MiniProgramRead
)
def create_mini_program(
    workspace_id: str,
    body: MiniProgramCreate,
    request: Request,
    principal: CurrentUser,
    uow: Uow,
) -> MiniProgramRead:
    mp = service.create_mini_program(
        uow.session,
        principal,
        workspace_id=workspace_id,
        name=body.name,
        description=body.description,
        category=body.category,
        release_target=body.release_target,
    )
    uow.commit()
    return _read(request, mp)


@router.get("/workspaces/{workspace_id}/mini-programs", response_model=PageRead[MiniProgramRead])
def list_mini_programs(
    workspace_id: str, request: Request, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[MiniProgramRead]:
    programs = service.list_mini_programs(session, principal, workspace_id=workspace_id, page=page)
    return page_read(programs, lambda mp: _read(request, mp))


@router.get("/mini-programs/{mini_program_id}", response_model=MiniProgramRead)
def get_mini_program(
    mini_program_id: str, request: Request, principal: CurrentUser, session: DbSession
) -> MiniProgramRead:
    mp = service.get_mini_program(session, principal, mini_program_id=mini_program_id)
    return _read(request, mp)


@router.patch("/mini-programs/{mini_program_id}", response_model=MiniProgramRead)
def update_mini_program(
    mini_program_id: str,
    body: MiniProgramUpdate,
    request: Request,
    principal: CurrentUser,
    uow: Uow,
) -> MiniProgramRead:
    mp = service.update_mini_program(
        uow.session, principal, mini_program_id=mini_program_id, **body.changes()
    )
    uow.commit()
    return _read(request, mp)


@router.put(
    "/mini-programs/{mini_program_id}/icon",
    response_model=MiniProgramRead,
    openapi_extra={"requestBody": _ICON_REQUEST_BODY},
)
def set_mini_program_icon(
    mini_program_id: str,
    request: Request,
    principal: CurrentUser,
    icon: IconBody,
    uow: Uow,
) -> MiniProgramRead:
    mp = service.set_icon(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        data=icon,
        content_type=request.headers.get("content-type", ""),
    )
    uow.commit()
    return _read(request, mp)


@router.get(
    "/mini-programs/{mini_program_id}/icon",
    response_class=Response,
    responses={200: {"content": {t: {} for t in rules.ICON_CONTENT_TYPES}}},
)
def get_mini_program_icon(
    mini_program_id: str, principal: CurrentUser, session: DbSession
) -> Response:
    data, content_type, sha256 = service.get_icon(
        session, principal, mini_program_id=mini_program_id
    )
    headers = {
        "ETag": f'"{sha256}"',
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content=data, media_type=content_type, headers=headers)


@router.delete("/mini-programs/{mini_program_id}", status_code=204, response_class=Response)
def delete_mini_program(mini_program_id: str, principal: CurrentUser, uow: Uow) -> Response:
    service.delete_mini_program(uow.session, principal, mini_program_id=mini_program_id)
    uow.commit()
    return Response(status_code=204)
