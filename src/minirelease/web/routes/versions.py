"""A mini program's versions, newest first a page at a time, and "Upload version".

The upload is received exactly as the API receives it (api/version_upload.py: streamed,
size-limited, nothing kept on refusal). Its CSRF token comes in the ``X-CSRF-Token``
header (static/upload.js, checked before the body is read) or as the form's
``csrf_token`` field (a plain form without JavaScript, checked once the body is in and
before the version is stored). A refused upload shows the page again with the reason (a
package's rule and entry); the script's request gets the alert fragment with the same
status instead."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from minirelease.api.deps import AppSettings, DbSession, Uow
from minirelease.api.errors import STATUS_BY_CODE
from minirelease.api.version_upload import accept_version_upload
from minirelease.authz import Principal, granted
from minirelease.errors import Conflict, PackageInvalid, ValidationFailed
from minirelease.miniprograms import versions as service
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.packages.receive import ReceivedUpload
from minirelease.pagination import PageRequest
from minirelease.web.auth import CSRF_FIELD, Viewer
from minirelease.web.form_input import check_form_token
from minirelease.web.router import console_router
from minirelease.web.routes.miniprogram_context import Abilities
from minirelease.web.templating import is_htmx, render

router = console_router()

PAGE_SIZE = 20
UPLOADED = "The version was uploaded."


def versions_page(
    request: Request,
    session: Session,
    viewer: Principal,
    mini_program_id: str,
    *,
    cursor: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
    refusal: Any = None,
    status_code: int = 200,
) -> Response:
    mp, roles = load_mini_program(session, viewer, mini_program_id)
    versions = service.list_versions(
        session, viewer, mini_program_id=mp.id, page=PageRequest(cursor=cursor, limit=PAGE_SIZE)
    )
    next_url = (
        f"/mini-programs/{mp.id}/versions?cursor={versions.next_cursor}"
        if versions.next_cursor
        else None
    )
    return render(
        request,
        "miniprogram/versions.html",
        {
            "mp": mp,
            "can": Abilities.of(granted(roles)),
            "versions": versions,
            "next_url": next_url,
            "first_page": cursor is None,
            "notice": notice,
            "values": values or {"version": "", "description": ""},
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.get("/mini-programs/{mini_program_id}/versions")
def list_versions(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    session: DbSession,
    cursor: str | None = None,
    uploaded: str | None = None,
) -> Response:
    return versions_page(
        request,
        session,
        viewer,
        mini_program_id,
        cursor=cursor,
        notice=UPLOADED if uploaded is not None else None,
    )


def _refusal(exc: ValidationFailed | PackageInvalid | Conflict) -> dict[str, Any]:
    """What the page says about a refused upload: the reason, a package's rule and entry,
    and the form field at fault."""
    field = None
    for error in exc.extra.get("errors") or []:
        loc = error.get("loc") or []
        field = loc[-1] if loc else None
    if isinstance(exc, Conflict) and "version" in exc.extra:
        field = "version"
    return {
        "detail": exc.detail,
        "rule": exc.extra.get("rule"),
        "entry": exc.extra.get("entry"),
        "field": field,
    }


@router.post("/mini-programs/{mini_program_id}/versions")
async def upload_version(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    settings: AppSettings,
) -> Response:
    typed: dict[str, str] = {}

    def check(upload: ReceivedUpload) -> None:
        typed.update(
            version=upload.fields.get("version", ""),
            description=upload.fields.get("description", ""),
        )
        check_form_token(request, upload.fields.get(CSRF_FIELD))

    try:
        version = await accept_version_upload(
            request,
            uow,
            viewer,
            settings,
            mini_program_id=mini_program_id,
            extra_fields=(CSRF_FIELD,),
            check=check,
        )
    except (ValidationFailed, PackageInvalid, Conflict) as exc:
        if is_htmx(request):
            raise  # the alert fragment, with the status (web/errors.py)
        return await run_in_threadpool(
            _refused_page, request, uow.session, viewer, mini_program_id, typed, exc
        )
    target = f"/mini-programs/{mini_program_id}/versions?uploaded={version.version}"
    if is_htmx(request):
        # static/upload.js goes where HX-Redirect says, as htmx would.
        notice = f'<p class="notice">{UPLOADED}</p>'
        return HTMLResponse(notice, headers={"HX-Redirect": target, "Cache-Control": "no-store"})
    return RedirectResponse(target, status_code=303)


# The body streams through accept_version_upload; check() above verifies the token.
upload_version.csrf_in_body = True  # type: ignore[attr-defined]


def _refused_page(
    request: Request,
    session: Session,
    viewer: Principal,
    mini_program_id: str,
    typed: dict[str, str],
    exc: ValidationFailed | PackageInvalid | Conflict,
) -> Response:
    session.rollback()
    return versions_page(
        request,
        session,
        viewer,
        mini_program_id,
        values={"version": typed.get("version", ""), "description": typed.get("description", "")},
        refusal=_refusal(exc),
        status_code=STATUS_BY_CODE[exc.code],
    )
