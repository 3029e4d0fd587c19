"""Per version, "Release": Choose App (the partner apps with their package limits, and the
version's sizes) then Confirm, which starts one release per chosen partner app through
``releases.service.create_release``, all in one transaction: if one is refused, none is
created."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Permission, Principal, granted
from minirelease.miniprograms import versions as versions_service
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.pagination import MAX_LIMIT, PageRequest
from minirelease.partners import service as partners
from minirelease.releases import service as releases
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.routes.miniprogram_context import Abilities
from minirelease.web.templating import render

router = console_router()

PATH = "/mini-programs/{mini_program_id}/versions/{version}/release"
NONE_CHOSEN = "Choose at least one partner app, then Confirm."


def choose_app_page(
    request: Request,
    session: Session,
    viewer: Principal,
    mini_program_id: str,
    version: str,
    *,
    cursor: str | None = None,
    chosen: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    mp, roles = load_mini_program(session, viewer, mini_program_id)
    row = versions_service.get_version(session, viewer, mini_program_id=mp.id, version=version)
    apps = partners.list_partner_apps(
        session, viewer, page=PageRequest(cursor=cursor, limit=MAX_LIMIT)
    )
    path = PATH.format(mini_program_id=mp.id, version=quote(row.version, safe=""))
    return render(
        request,
        "miniprogram/choose_app.html",
        {
            "mp": mp,
            "version": row,
            "subpackages": len(row.app_json.get("subPackages", [])),
            "can": Abilities.of(granted(roles)),
            "apps": apps,
            "next_url": f"{path}?cursor={apps.next_cursor}" if apps.next_cursor else None,
            "action": path,
            "chosen": set(chosen or []),
            "error": error,
        },
        status_code=status_code,
    )


@router.get(PATH)
def choose_app(
    mini_program_id: str,
    version: str,
    request: Request,
    viewer: Viewer,
    session: DbSession,
    cursor: str | None = None,
) -> Response:
    return choose_app_page(request, session, viewer, mini_program_id, version, cursor=cursor)


@router.post(PATH)
def confirm(
    mini_program_id: str,
    version: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    partner_app: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = list(dict.fromkeys(partner_app or []))  # once each, in the order shown
    if not chosen:
        # Only for who may start releases: the same 404/403 as Confirm itself.
        load_mini_program(uow.session, viewer, mini_program_id, Permission.RELEASE_MANAGE)
        return choose_app_page(
            request,
            uow.session,
            viewer,
            mini_program_id,
            version,
            error=NONE_CHOSEN,
            status_code=422,
        )
    created = [
        releases.create_release(
            uow.session, viewer, mini_program_id=mini_program_id, version=version, partner_app=code
        )
        for code in chosen
    ]
    uow.commit()
    if len(created) == 1:
        return RedirectResponse(f"/releases/{created[0].id}", status_code=303)
    return RedirectResponse(f"/mini-programs/{mini_program_id}?saved=confirmed", status_code=303)
