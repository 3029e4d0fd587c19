"""Sign-in and sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from minirelease.accounts import console_sessions, signin
from minirelease.api.deps import AppSettings, Uow
from minirelease.errors import RateLimited
from minirelease.web import auth
from minirelease.web.router import console_router
from minirelease.web.templating import render

router = console_router()


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form(
    request: Request,
    *,
    email: str = "",
    next_path: str = "/",
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token, fresh = auth.pre_session_token(request)
    request.state.csrf_token = token
    response = render(
        request,
        "login.html",
        {"email": email, "next_path": next_path, "error": error},
        status_code=status_code,
        headers=headers,
    )
    if fresh:
        auth.set_cookie(request, response, auth.PRE_SESSION_COOKIE, token)
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _form(request, next_path=auth.safe_next(next))


@router.post("/login")
def login(
    request: Request,
    uow: Uow,
    settings: AppSettings,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        signed_in = signin.sign_in(
            uow.session,
            email=email,
            password=password,
            client=_client(request),
            limits=settings.sign_in_limits,
            lifetimes=settings.session_lifetimes,
        )
    except RateLimited as exc:
        wait = str(exc.extra["retry_after"])
        return _form(
            request,
            email=email,
            next_path=auth.safe_next(next),
            error=f"Too many failed sign-ins. Try again in {wait} seconds.",
            status_code=429,
            headers={"Retry-After": wait},
        )
    # Committed either way: a failed sign-in counts towards the throttle.
    uow.commit()
    if signed_in is None:
        return _form(
            request,
            email=email,
            next_path=auth.safe_next(next),
            error="The email or password is wrong.",
            status_code=401,
        )
    response = RedirectResponse(auth.safe_next(next), status_code=303)
    auth.set_cookie(request, response, auth.SESSION_COOKIE, signed_in.secret)
    auth.clear_cookie(request, response, auth.PRE_SESSION_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, uow: Uow) -> Response:
    console_sessions.close_session(uow.session, request.cookies.get(auth.SESSION_COOKIE))
    uow.commit()
    response = RedirectResponse("/login", status_code=303)
    auth.clear_cookie(request, response, auth.SESSION_COOKIE)
    return response
