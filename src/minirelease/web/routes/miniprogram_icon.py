"""A mini program's icon on its page: served with the session from the same data as the
API's icon endpoint, and replaced by a plain multipart form (PNG or JPEG, at most 1 MB,
checked by ``miniprograms.service.set_icon``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Permission, Principal
from minirelease.errors import ValidationFailed
from minirelease.miniprograms import rules, service
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.uow import UnitOfWork
from minirelease.web.auth import CSRF_FIELD, Viewer
from minirelease.web.form_input import check_form_token, read_small_form
from minirelease.web.router import console_router
from minirelease.web.routes.miniprograms import back, refused

router = console_router()

ICON_FIELD = "icon"


@router.get("/mini-programs/{mini_program_id}/icon")
def mini_program_icon(mini_program_id: str, viewer: Viewer, session: DbSession) -> Response:
    data, content_type, sha256 = service.get_icon(session, viewer, mini_program_id=mini_program_id)
    headers = {
        "ETag": f'"{sha256}"',
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content=data, media_type=content_type, headers=headers)


async def _icon(request: Request) -> tuple[bytes, str]:
    """The icon's bytes and declared type, once the form's CSRF token is checked."""
    form = await read_small_form(
        request, file_field=ICON_FIELD, max_file_bytes=rules.MAX_ICON_BYTES
    )
    try:
        check_form_token(request, form.get(CSRF_FIELD))
        upload = form.get(ICON_FIELD)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed("icon: choose a PNG or JPEG file", field=ICON_FIELD)
        return await upload.read(rules.MAX_ICON_BYTES + 1), upload.content_type or ""
    finally:
        await form.close()


def _save(
    request: Request,
    uow: UnitOfWork,
    viewer: Principal,
    mini_program_id: str,
    icon: tuple[bytes, str] | ValidationFailed,
) -> Response:
    try:
        if isinstance(icon, ValidationFailed):
            # Refused before reaching the service: still only for who may change it.
            load_mini_program(uow.session, viewer, mini_program_id, Permission.MINI_PROGRAM_EDIT)
            raise icon
        data, content_type = icon
        service.set_icon(
            uow.session,
            viewer,
            mini_program_id=mini_program_id,
            data=data,
            content_type=content_type,
        )
    except ValidationFailed as exc:
        return refused(request, uow, viewer, mini_program_id, exc, errors={ICON_FIELD: exc.detail})
    uow.commit()
    return back(mini_program_id, "icon")


@router.post("/mini-programs/{mini_program_id}/icon")
async def upload_icon(mini_program_id: str, request: Request, viewer: Viewer, uow: Uow) -> Response:
    icon: tuple[bytes, str] | ValidationFailed
    try:
        icon = await _icon(request)
    except ValidationFailed as exc:
        icon = exc
    return await run_in_threadpool(_save, request, uow, viewer, mini_program_id, icon)


# The body is read here, with a cap, and its token checked above (web/auth.py).
upload_icon.csrf_in_body = True  # type: ignore[attr-defined]
