"""Partner apps (the catalog developers choose from), their reviewers, and the platform
reviewers. Reads are open to any authenticated user; changes are for platform admins."""

from __future__ import annotations

from fastapi import APIRouter, Response

from minirelease.accounts.models import User
from minirelease.api.deps import CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.partners import service
from minirelease.partners.schemas import (
    PartnerAppCreate,
    PartnerAppRead,
    PartnerAppUpdate,
    PartnerReviewerRead,
    PlatformReviewerRead,
    ReviewerAdd,
)

router = APIRouter(tags=["partners"])


@router.post("/partner-apps", status_code=201, response_model=PartnerAppRead)
def create_partner_app(body: PartnerAppCreate, principal: CurrentUser, uow: Uow) -> PartnerAppRead:
    app = service.create_partner_app(uow.session, principal, **body.model_dump())
    uow.commit()
    return PartnerAppRead.model_validate(app)


@router.get("/partner-apps", response_model=PageRead[PartnerAppRead])
def list_partner_apps(
    principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[PartnerAppRead]:
    apps = service.list_partner_apps(session, principal, page=page)
    return page_read(apps, PartnerAppRead.model_validate)


@router.get("/partner-apps/{code}", response_model=PartnerAppRead)
def read_partner_app(code: str, principal: CurrentUser, session: DbSession) -> PartnerAppRead:
    return PartnerAppRead.model_validate(service.read_partner_app(session, principal, code=code))


@router.patch("/partner-apps/{code}", response_model=PartnerAppRead)
def update_partner_app(
    code: str, body: PartnerAppUpdate, principal: CurrentUser, uow: Uow
) -> PartnerAppRead:
    app = service.update_partner_app(
        uow.session, principal, code=code, changes=body.model_dump(exclude_unset=True)
    )
    uow.commit()
    return PartnerAppRead.model_validate(app)


@router.post("/partner-apps/{code}/reviewers", status_code=201, response_model=PartnerReviewerRead)
def add_partner_reviewer(
    code: str, body: ReviewerAdd, principal: CurrentUser, uow: Uow
) -> PartnerReviewerRead:
    user, app = service.add_partner_reviewer(
        uow.session, principal, code=code, user_id=body.user_id
    )
    uow.commit()
    return PartnerReviewerRead(user_id=user.id, email=user.email, partner_app=app.code)


@router.get("/partner-apps/{code}/reviewers", response_model=PageRead[PartnerReviewerRead])
def list_partner_reviewers(
    code: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[PartnerReviewerRead]:
    users = service.list_partner_reviewers(session, principal, code=code, page=page)
    return page_read(
        users, lambda u: PartnerReviewerRead(user_id=u.id, email=u.email, partner_app=code)
    )


@router.delete("/partner-apps/{code}/reviewers/{user_id}", status_code=204, response_class=Response)
def remove_partner_reviewer(code: str, user_id: str, principal: CurrentUser, uow: Uow) -> None:
    service.remove_partner_reviewer(uow.session, principal, code=code, user_id=user_id)
    uow.commit()


@router.post("/platform/reviewers", status_code=201, response_model=PlatformReviewerRead)
def add_platform_reviewer(
    body: ReviewerAdd, principal: CurrentUser, uow: Uow
) -> PlatformReviewerRead:
    user = service.add_platform_reviewer(uow.session, principal, user_id=body.user_id)
    uow.commit()
    return _platform_reviewer(user)


@router.get("/platform/reviewers", response_model=PageRead[PlatformReviewerRead])
def list_platform_reviewers(
    principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[PlatformReviewerRead]:
    users = service.list_platform_reviewers(session, principal, page=page)
    return page_read(users, _platform_reviewer)


@router.delete("/platform/reviewers/{user_id}", status_code=204, response_class=Response)
def remove_platform_reviewer(user_id: str, principal: CurrentUser, uow: Uow) -> None:
    service.remove_platform_reviewer(uow.session, principal, user_id=user_id)
    uow.commit()


def _platform_reviewer(user: User) -> PlatformReviewerRead:
    return PlatformReviewerRead(user_id=user.id, email=user.email)
