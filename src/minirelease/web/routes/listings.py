"""A mini program on one partner app (the listing): what is online, the active release,
"Roll Back" to one of the last 5 released versions, removal (the team requests it, the
partner app's reviewers Approve or Reject, platform admins "Remove" at once) and "QR
Code". Each action is offered only to who may take it; the services decide anyway."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from minirelease.api.database_slots import writes
from minirelease.api.deps import Uow
from minirelease.api.errors import STATUS_BY_CODE
from minirelease.authz import Permission, Principal
from minirelease.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from minirelease.miniprograms.qrcodes import ImageFormat, Kind
from minirelease.releases import listings, qrcodes
from minirelease.uow import UnitOfWork
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.routes.qrcodes import image_url
from minirelease.web.templating import render

router = console_router()

PAIR = "/mini-programs/{mini_program_id}/partner-apps/{code}"
NOTICES = {
    "rollback": "Rolled back: the chosen version is online again.",
    "removal": "Removal requested: the partner app's reviewers decide.",
    "approve": "Removal approved: the mini program is removed from this partner app.",
    "reject": "Removal rejected: the mini program stays online.",
    "force": "Removed from this partner app.",
}
REASON = Annotated[str, Form(max_length=2000)]
# Refusals shown on the page itself; not found and not allowed get their own pages.
SHOWN_ON_PAGE = (InvalidTransition, ValidationFailed, Conflict)


def _qr_preview(
    uow: UnitOfWork, viewer: Principal, mini_program_id: str, code: str, asked: dict[str, str]
) -> dict[str, Any]:
    """The code the "QR Code" form asks for: its deep link and where its image is, or why
    it cannot be had. Issuing is audited when the image is served, so this look ahead is
    undone."""
    image_format = ImageFormat.SVG if asked["format"] == "svg" else ImageFormat.PNG
    try:
        with uow.session.begin_nested() as look_ahead:
            qr = qrcodes.qrcode_for(
                uow.session,
                viewer,
                mini_program_id=mini_program_id,
                kind=asked["kind"],
                partner_app=code,
                page=asked["page"] or None,
                query=asked["query"] or None,
            )
            look_ahead.rollback()
    except DomainError as exc:
        status = STATUS_BY_CODE.get(exc.code, 422)
        return {"error": exc.detail, "field": exc.extra.get("field"), "status": status}
    return {
        "code": qr,
        "image": image_url(qr, image_format),
        "download": image_url(qr, image_format, download=True),
        "filename": qr.filename(image_format),
    }


def listing_page(
    request: Request,
    uow: UnitOfWork,
    viewer: Principal,
    mini_program_id: str,
    code: str,
    *,
    notice: str | None = None,
    error: DomainError | None = None,
    qr_asked: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = listings.read_listing(uow.session, viewer, mini_program_id=mini_program_id, code=code)
    targets = listings.rollback_targets(uow.session, view)
    qr = (
        _qr_preview(uow, viewer, view.mini_program.id, view.partner.code, qr_asked)
        if qr_asked
        else None
    )
    uow.commit()  # the listing row is made on first look
    if qr is not None and "status" in qr and status_code == 200:
        status_code = qr["status"]  # a refused "QR Code" form, as the API would answer it
    allowed = view.permissions
    return render(
        request,
        "listing/page.html",
        {
            "view": view,
            "listing": view.listing,
            "mp": view.mini_program,
            "partner": view.partner,
            "targets": targets,
            "can": {
                "read_program": Permission.MINI_PROGRAM_READ in allowed,
                "manage": Permission.RELEASE_MANAGE in allowed,
                "review": Permission.REMOVAL_REVIEW in allowed,
                "force": Permission.FORCE_REMOVE in allowed,
            },
            "kinds": [kind.value for kind in Kind],
            "qr_asked": qr_asked or {"kind": "promo", "page": "", "query": "", "format": "png"},
            "qr": qr,
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
    )


@router.get(PAIR)
@writes  # the QR code look-ahead writes its audit event in a savepoint it rolls back
def listing(
    mini_program_id: str,
    code: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    done: str | None = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[str, Query(max_length=1000)] = "",
    query: Annotated[str, Query(max_length=1000)] = "",
    image_format: Annotated[str, Query(alias="format", max_length=10)] = "png",
) -> Response:
    asked = (
        {"kind": kind, "page": page, "query": query, "format": image_format}
        if kind is not None
        else None
    )
    return listing_page(
        request,
        uow,
        viewer,
        mini_program_id,
        code,
        notice=NOTICES.get(done or ""),
        qr_asked=asked,
    )


def _act(
    request: Request,
    uow: UnitOfWork,
    viewer: Principal,
    mini_program_id: str,
    code: str,
    done: str,
    action: Any,
    **arguments: Any,
) -> Response:
    """Run a listing action; back to the page when done, or the page with the refusal."""
    try:
        action(uow.session, viewer, mini_program_id=mini_program_id, code=code, **arguments)
    except SHOWN_ON_PAGE as exc:
        uow.session.rollback()
        return listing_page(
            request,
            uow,
            viewer,
            mini_program_id,
            code,
            error=exc,
            status_code=STATUS_BY_CODE[exc.code],
        )
    uow.commit()
    target = PAIR.format(mini_program_id=mini_program_id, code=code)
    return RedirectResponse(f"{target}?done={done}", status_code=303)


@router.post(f"{PAIR}/rollback")
def rollback(
    mini_program_id: str,
    code: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return _act(
        request,
        uow,
        viewer,
        mini_program_id,
        code,
        "rollback",
        listings.rollback,
        version=version or None,
    )


@router.post(f"{PAIR}/removal")
def request_removal(
    mini_program_id: str, code: str, request: Request, viewer: Viewer, uow: Uow, reason: REASON = ""
) -> Response:
    return _act(
        request,
        uow,
        viewer,
        mini_program_id,
        code,
        "removal",
        listings.request_removal,
        reason=reason,
    )


@router.post(f"{PAIR}/removal/review")
def review_removal(
    mini_program_id: str,
    code: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    decision: Annotated[str, Form(max_length=10)] = "",
    comment: REASON = "",
) -> Response:
    return _act(
        request,
        uow,
        viewer,
        mini_program_id,
        code,
        decision if decision in NOTICES else "",
        listings.review_removal,
        decision=decision,
        comment=comment,
    )


@router.post(f"{PAIR}/force-removal")
def force_removal(
    mini_program_id: str, code: str, request: Request, viewer: Viewer, uow: Uow, reason: REASON = ""
) -> Response:
    return _act(
        request,
        uow,
        viewer,
        mini_program_id,
        code,
        "force",
        listings.force_removal,
        reason=reason,
    )
