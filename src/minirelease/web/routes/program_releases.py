"""A mini program's releases, newest first a page at a time: version, partner app, status
and grayscale percentage, each linking to its release page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from minirelease.api.deps import DbSession
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.pagination import PageRequest
from minirelease.releases import service as releases
from minirelease.releases.program_listings import program_listings
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.routes.miniprogram_context import release_rows
from minirelease.web.templating import render

router = console_router()

PAGE_SIZE = 25


@router.get("/mini-programs/{mini_program_id}/releases")
def program_releases(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    session: DbSession,
    cursor: str | None = None,
) -> Response:
    mp, _ = load_mini_program(session, viewer, mini_program_id)
    page = releases.list_releases(
        session, viewer, mini_program_id=mp.id, page=PageRequest(cursor=cursor, limit=PAGE_SIZE)
    )
    codes = {
        listing.partner_app_id: listing.code
        for listing in program_listings(session, viewer, mini_program_id=mp.id)
    }
    next_url = (
        f"/mini-programs/{mp.id}/releases?cursor={page.next_cursor}" if page.next_cursor else None
    )
    return render(
        request,
        "miniprogram/releases.html",
        {"mp": mp, "releases": release_rows(list(page), codes), "next_url": next_url},
    )
