"""Review queues: the platform's and each partner app's, oldest first, and the review
sheet where a reviewer Approves or Rejects."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Principal
from minirelease.miniprograms.models import MiniProgram
from minirelease.pagination import PageRequest
from minirelease.partners.models import PartnerApp
from minirelease.releases import queries, review, review_queues
from minirelease.releases.models import Release
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render

router = console_router()

PAGE_SIZE = 25


def _queue_choice(viewer: Principal, queue: str | None, session: DbSession) -> tuple[str, str]:
    """The queue shown: (side, partner app code or "")."""
    available = review_queues.queues(session, viewer)
    for q in available:
        if queue in (q.partner_app, q.side if q.partner_app is None else None):
            return q.side, q.partner_app or ""
    first = available[0] if available else None
    if first is None:
        return "platform", ""
    return first.side, first.partner_app or ""


@router.get("/reviews")
def queue_page(
    request: Request,
    viewer: Viewer,
    session: DbSession,
    queue: Annotated[str | None, Query(max_length=40)] = None,
    mini_program_id: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    available = review_queues.queues(session, viewer)
    side, code = _queue_choice(viewer, queue, session)
    releases = queries.list_releases(
        session,
        viewer,
        awaiting_review=side,
        partner_app=code or None,
        mini_program_id=mini_program_id or None,
        order="oldest",
        page=PageRequest(cursor=cursor, limit=PAGE_SIZE),
    )
    programs = _programs(session, releases)
    partners = {p.id: p for p in session.scalars(select(PartnerApp))}
    next_url = None
    if releases.next_cursor:
        params = {"queue": code or side, "cursor": releases.next_cursor}
        if mini_program_id:
            params["mini_program_id"] = mini_program_id
        next_url = "/reviews?" + urlencode(params)
    return render(
        request,
        "reviews/queue.html",
        {
            "queues": available,
            "side": side,
            "code": code,
            "releases": releases,
            "programs": programs,
            "partners": partners,
            "mini_program_id": mini_program_id or "",
            "removals": review_queues.removal_requests(session, viewer),
            "next_url": next_url,
        },
    )


def _programs(session: DbSession, releases: list[Release]) -> dict[str, MiniProgram]:
    ids = sorted({r.mini_program_id for r in releases})
    if not ids:
        return {}
    return {mp.id: mp for mp in session.scalars(select(MiniProgram).where(MiniProgram.id.in_(ids)))}


@router.get("/reviews/{release_id}")
def review_page(release_id: str, request: Request, viewer: Viewer, session: DbSession) -> Response:
    sheet = review_queues.review_sheet(session, viewer, release_id=release_id)
    return render(request, "reviews/sheet.html", {"sheet": sheet, "errors": {}})


@router.post("/reviews/{release_id}")
def decide(
    release_id: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    side: Annotated[str, Form(max_length=20)],
    decision: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve, or Reject with a comment saying what to change."""
    review.review(
        uow.session,
        viewer,
        release_id=release_id,
        side=side,
        decision=decision,
        comment=comment.strip(),
    )
    uow.commit()
    return RedirectResponse(f"/reviews/{release_id}?decided={decision}", status_code=303)
