"""Users (created by platform admins) and the caller's own API tokens."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import Field

from minirelease.accounts import service
from minirelease.accounts.models import User
from minirelease.api.deps import CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.schemas import Body, Read

router = APIRouter(tags=["accounts"])


class UserCreate(Body):
    email: str = Field(max_length=320)
    platform_admin: bool = False


class UserRead(Read):
    id: str
    email: str
    is_platform_admin: bool
    is_platform_reviewer: bool
    created_at: dt.datetime


class MeRead(UserRead):
    partner_reviewer_of: list[str]


class TokenCreate(Body):
    name: str = Field(min_length=1, max_length=100)


class TokenRead(Read):
    id: str
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown this once and never again.")


class UserCreated(UserRead):
    token: str = Field(description="The new user's API token; shown this once.")


@router.post("/users", status_code=201, response_model=UserCreated)
def create_user(body: UserCreate, principal: CurrentUser, uow: Uow) -> UserCreated:
    user = service.create_user_as(
        uow.session, principal, email=body.email, platform_admin=body.platform_admin
    )
    _, secret = service.issue_token(uow.session, user=user, name="default", actor=principal.user_id)
    uow.commit()
    return UserCreated(**UserRead.model_validate(user).model_dump(), token=secret)


@router.get("/me", response_model=MeRead)
def me(principal: CurrentUser, session: DbSession) -> MeRead:
    user = session.get(User, principal.user_id)
    return MeRead(
        **UserRead.model_validate(user).model_dump(),
        partner_reviewer_of=sorted(principal.partner_reviewer_of),
    )


@router.get("/me/tokens", response_model=PageRead[TokenRead])
def list_tokens(principal: CurrentUser, session: DbSession, page: Paging) -> PageRead[TokenRead]:
    return page_read(service.list_tokens(session, principal, page=page), TokenRead.model_validate)


@router.post("/me/tokens", status_code=201, response_model=TokenCreated)
def create_token(body: TokenCreate, principal: CurrentUser, uow: Uow) -> TokenCreated:
    user = uow.session.get(User, principal.user_id)
    assert user is not None  # authenticated a moment ago in this transaction
    token, secret = service.issue_token(
        uow.session, user=user, name=body.name, actor=principal.user_id
    )
    uow.commit()
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/me/tokens/{token_id}", response_model=TokenRead)
def revoke_token(token_id: str, principal: CurrentUser, uow: Uow) -> TokenRead:
    token = service.revoke_token(uow.session, principal, token_id=token_id)
    uow.commit()
    return TokenRead.model_validate(token)
