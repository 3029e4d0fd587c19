"""A mini program on a partner app: state, rollback, removal (design §7)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from minirelease.api.deps import CurrentUser, Now, Uow
from minirelease.authz import Principal
from minirelease.releases import listings
from minirelease.releases.schemas import ReleaseRead, release_read
from minirelease.schemas import Body

router = APIRouter(tags=["listings"])

PAIR = "/mini-programs/{mini_program_id}/partner-apps/{code}"


class RollbackRequest(Body):
    version: str | None = Field(default=None, max_length=64)


class RemovalRequest(Body):
    reason: str = Field(default="", max_length=2000)


class RemovalReview(Body):
    decision: str = Field(pattern="^(approve|reject)$")
    comment: str = Field(default="", max_length=2000)


class ListingRead(BaseModel):
    mini_program_id: str
    app_id: str
    partner_app: str
    online: ReleaseRead | None
    active_release: ReleaseRead | None
    removal: dict[str, str | None]
    recent_releases: list[dict[str, str | None]]


def _read(
    uow: Uow, view: listings.ListingView, principal: Principal, now: dt.datetime
) -> ListingRead:
    session = uow.session
    return ListingRead(
        mini_program_id=view.mini_program.id,
        app_id=view.mini_program.app_id,
        partner_app=view.partner.code,
        online=release_read(session, view.online, principal, now=now) if view.online else None,
        active_release=(
            release_read(session, view.active, principal, now=now) if view.active else None
        ),
        removal={"status": view.listing.removal_status, "reason": view.listing.removal_reason},
        recent_releases=[
            {
                "release_id": r.id,
                "version": r.version,
                "status": r.status,
                "released_at": r.released_at.isoformat() if r.released_at else None,
            }
            for r in view.released_history
        ],
    )


def _state(
    uow: Uow, principal: CurrentUser, mini_program_id: str, code: str, now: dt.datetime
) -> ListingRead:
    view = listings.read_listing(uow.session, principal, mini_program_id=mini_program_id, code=code)
    read = _read(uow, view, principal, now)
    uow.commit()  # a listing row may have been created on first look
    return read


@router.get(PAIR)
def get_listing(
    mini_program_id: str, code: str, principal: CurrentUser, uow: Uow, now: Now
) -> ListingRead:
    return _state(uow, principal, mini_program_id, code, now)


@router.post(f"{PAIR}/rollback")
def rollback(
    mini_program_id: str,
    code: str,
    principal: CurrentUser,
    uow: Uow,
    now: Now,
    body: RollbackRequest | None = None,
) -> ListingRead:
    listings.rollback(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        code=code,
        version=body.version if body else None,
    )
    return _state(uow, principal, mini_program_id, code, now)


@router.post(f"{PAIR}/removal")
def request_removal(
    mini_program_id: str,
    code: str,
    principal: CurrentUser,
    uow: Uow,
    now: Now,
    body: RemovalRequest | None = None,
) -> ListingRead:
    listings.request_removal(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        code=code,
        reason=body.reason if body else "",
    )
    return _state(uow, principal, mini_program_id, code, now)


@router.post(f"{PAIR}/removal/review")
def review_removal(
    mini_program_id: str, code: str, body: RemovalReview, principal: CurrentUser, uow: Uow, now: Now
) -> ListingRead:
    listings.review_removal(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        code=code,
        decision=body.decision,
        comment=body.comment,
    )
    return _state(uow, principal, mini_program_id, code, now)


@router.post(f"{PAIR}/force-removal")
def force_removal(
    mini_program_id: str,
    code: str,
    principal: CurrentUser,
    uow: Uow,
    now: Now,
    body: RemovalRequest | None = None,
) -> ListingRead:
    listings.force_removal(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        code=code,
        reason=body.reason if body else "",
    )
    return _state(uow, principal, mini_program_id, code, now)
