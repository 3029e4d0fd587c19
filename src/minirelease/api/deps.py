"""Annotated dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from minirelease.accounts import service as accounts
from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.uow import UnitOfWork


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    with UnitOfWork(request.app.state.session_factory) as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def get_session(uow: Uow) -> Session:
    return uow.session


DbSession = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def get_current_principal(request: Request, session: DbSession) -> Principal:
    return accounts.authenticate(session, bearer_token(request))


CurrentUser = Annotated[Principal, Depends(get_current_principal)]
