"""Annotated dependencies shared by the routers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from minirelease.accounts import console_sessions
from minirelease.accounts import service as accounts
from minirelease.api import database_slots
from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.jobs.clock import Clock
from minirelease.uow import UnitOfWork

# Opened once a database slot is free, read-only for GETs (database_slots.py).
get_uow = database_slots.unit_of_work


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def get_session(uow: Uow) -> Session:
    return uow.session


DbSession = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


async def get_now(request: Request) -> dt.datetime:
    """The app's clock (``create_app``'s ``clock``) read once for the request: the "now"
    release actions move ramp plans at and release reads show them at. Async, so that it
    takes no worker thread of its own (routers/releases.py)."""
    clock: Clock = request.app.state.clock
    return clock.now()


Now = Annotated[dt.datetime, Depends(get_now)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


# The security schemes the OpenAPI document declares ("Authorize" in /docs). They only
# read the header (auto_error=False): a missing or unknown token is refused by the
# services, as a problem+json 401, like every other error.
_USER_TOKEN = HTTPBearer(
    scheme_name="bearerAuth",
    description="A user's API token: `Authorization: Bearer <token>`.",
    auto_error=False,
)
_PARTNER_KEY = HTTPBearer(
    scheme_name="partnerKey",
    bearerFormat="mrk_…",
    description="A partner app key, for partner apps' backends: "
    "`Authorization: Bearer mrk_…` (not a user's token).",
    auto_error=False,
)


def _credentials(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else credentials.credentials


def user_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_USER_TOKEN)],
) -> str | None:
    """The bearer token sent, if any, as ``bearer_token`` reads it."""
    return _credentials(credentials)


def partner_key(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_PARTNER_KEY)],
) -> str | None:
    """The partner app key sent, if any."""
    return _credentials(credentials)


UserToken = Annotated[str | None, Depends(user_token)]
PartnerKey = Annotated[str | None, Depends(partner_key)]

# For an operation that takes a user's token but also answers without one: appended to
# the security requirement the token's scheme adds (openapi_extra concatenates lists),
# it reads "bearerAuth, or nothing".
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}


def get_current_principal(token: UserToken, session: DbSession) -> Principal:
    return accounts.authenticate(session, token)


CurrentUser = Annotated[Principal, Depends(get_current_principal)]


# The console's session cookie (web/auth.py sets it; that package imports this module, so
# the name is repeated here, and a test keeps the two equal). Declared as a scheme of its
# own so the document reads "a bearer token, or the console's session" where both do.
CONSOLE_SESSION_COOKIE = "mr_session"
_CONSOLE_SESSION = APIKeyCookie(
    name=CONSOLE_SESSION_COOKIE,
    scheme_name="consoleSession",
    description="The console's sign-in session, for pages a browser opens from the console.",
    auto_error=False,
)


def get_user_or_session(
    token: UserToken,
    session_secret: Annotated[str | None, Depends(_CONSOLE_SESSION)],
    session: DbSession,
    settings: AppSettings,
) -> Principal:
    """The bearer token when one is sent, else the console's session cookie (a link from
    a console page carries no header); neither is a 401 as for ``CurrentUser``."""
    if token is None and session_secret:
        user = console_sessions.resume_session(session, session_secret, settings.session_lifetimes)
        if user is not None:
            return accounts.principal_for(session, user)
    return accounts.authenticate(session, token)


CurrentUserOrSession = Annotated[Principal, Depends(get_user_or_session)]
