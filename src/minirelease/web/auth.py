"""Who is signed in to the console, and the CSRF check on every unsafe request.

The session cookie holds a random secret (``HttpOnly``, ``SameSite=Lax``, ``Secure``
behind https); the database keeps only its digest. The CSRF token of a signed-in page is
derived from the session secret; before sign-in, a random ``mr_csrf`` cookie plays that
part (double submit), so the sign-in form itself cannot be forged either."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
from fastapi import Depends, Request, Response

from minirelease.accounts import console_sessions
from minirelease.accounts.service import principal_for
from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.errors import DomainError
from minirelease.uow import UnitOfWork

SESSION_COOKIE = "mr_session"
PRE_SESSION_COOKIE = "mr_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SignInRequired(DomainError):
    """No valid session: the console sends the browser to the sign-in page."""

    code = "unauthenticated"

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to continue")
        self.next_path = next_path


class CsrfFailed(DomainError):
    code = "permission_denied"


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=is_secure(request), path="/"
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax", secure=is_secure(request), path="/")


def expected_csrf(request: Request) -> str | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        return console_sessions.csrf_token(secret)
    return request.cookies.get(PRE_SESSION_COOKIE)


def pre_session_token(request: Request) -> tuple[str, bool]:
    """The sign-in form's token, and whether the cookie holding it must be set. With a
    session cookie (signing in again, or an expired session) the session's token is the
    one checked."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        return console_sessions.csrf_token(secret), False
    existing = request.cookies.get(PRE_SESSION_COOKIE)
    if existing and len(existing) >= 32:
        return existing, False
    return secrets.token_urlsafe(32), True


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(expected or "", given or "")


def checks_csrf_in_body(request: Request) -> bool:
    """Streamed uploads read their body themselves: the token is then checked by the
    handler, from the header or the form's ``csrf_token`` field, before anything is kept."""
    endpoint = request.scope.get("endpoint")
    return bool(getattr(endpoint, "csrf_in_body", False))


async def require_csrf(request: Request) -> None:
    """Every unsafe console request carries the token, in the ``X-CSRF-Token`` header
    (htmx and scripts) or the form's ``csrf_token`` field (plain HTML forms)."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and checks_csrf_in_body(request):
        return
    if given is None and content_type.startswith(FORM_TYPES):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(expected_csrf(request), given):
        raise CsrfFailed(
            "this form has expired or did not come from the console; reload the page and try again"
        )


def _resume(request: Request, secret: str) -> Principal | None:
    settings: Settings = request.app.state.settings
    with UnitOfWork(request.app.state.session_factory) as uow:
        user = console_sessions.resume_session(uow.session, secret, settings.session_lifetimes)
        if user is None:
            return None
        principal = principal_for(uow.session, user)
        uow.commit()
        return principal


async def optional_viewer(request: Request) -> Principal | None:
    """The signed-in user, or None: for the few pages that also serve visitors."""
    secret = request.cookies.get(SESSION_COOKIE)
    principal = await anyio.to_thread.run_sync(_resume, request, secret) if secret else None
    if principal is not None:
        request.state.viewer = principal
        request.state.csrf_token = console_sessions.csrf_token(secret or "")
    return principal


async def current_viewer(request: Request) -> Principal:
    """The signed-in user, or off to the sign-in page (and back here afterwards)."""
    principal = await optional_viewer(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method in SAFE_METHODS else "/")
    return principal


Viewer = Annotated[Principal, Depends(current_viewer)]
MaybeViewer = Annotated[Principal | None, Depends(optional_viewer)]


def login_url(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
