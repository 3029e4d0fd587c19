"""Accepting an invitation: the code is typed or pasted into a form, never put in a URL.

Signed in, the invitation is accepted for the signed-in account. Not signed in, the form
also asks for a password: the account for the invited email is created with it and
signed in, in the same transaction as the acceptance (a refused password leaves no
account behind). When that email has an account already, its owner signs in first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.accounts import console_sessions, passwords, signin
from minirelease.accounts.models import User
from minirelease.api import rate_limits
from minirelease.api.deps import AppSettings, Uow
from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.errors import DomainError, Unauthenticated, ValidationFailed
from minirelease.ratelimits import LimitName
from minirelease.web import auth
from minirelease.web.router import console_router
from minirelease.web.templating import render
from minirelease.web.workspace_view import error_status
from minirelease.workspaces import invitations
from minirelease.workspaces.invitations import Acceptance

router = console_router()

PATH = "/invitations/accept"
MAX_CODE = 200


def _form(
    request: Request,
    viewer: Principal | None,
    *,
    code: str = "",
    error: str | None = None,
    errors: dict[str, str] | None = None,
    sign_in_first: bool = False,
    status_code: int = 200,
) -> Response:
    """The form; before sign-in its CSRF token is the pre-session one, as on /login."""
    fresh = False
    if viewer is None:
        token, fresh = auth.pre_session_token(request)
        request.state.csrf_token = token
    context: dict[str, Any] = {
        "code": code,
        "error": error,
        "errors": errors or {},
        "sign_in_first": sign_in_first,
        "login_url": auth.login_url(PATH),
        "min_password": passwords.MIN_LENGTH,
    }
    response = render(request, "invitations/accept.html", context, status_code=status_code)
    if fresh:
        auth.set_cookie(request, response, auth.PRE_SESSION_COOKIE, token)
    return response


@router.get(PATH)
def accept_page(request: Request, viewer: auth.MaybeViewer) -> Response:
    return _form(request, viewer)


@router.post(PATH)
def accept(
    request: Request,
    viewer: auth.MaybeViewer,
    uow: Uow,
    settings: AppSettings,
    code: Annotated[str, Form(max_length=MAX_CODE)] = "",
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
    password_again: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
) -> Response:
    code = code.strip()
    try:
        if not code:
            raise ValidationFailed("enter the invitation code you were sent")
        account = viewer.user_id if viewer is not None else None
        with rate_limits.guarding_guesses(request, LimitName.INVITATION_GUESS, account):
            acceptance = invitations.accept_invitation(uow.session, viewer, token=code)
        if viewer is not None:
            uow.commit()
            return _to_workspace(acceptance)
        secret = _new_account(uow.session, acceptance, password, password_again, settings)
    except Unauthenticated:
        uow.session.rollback()
        return _form(request, viewer, code=code, sign_in_first=True, status_code=401)
    except _PasswordRefused as exc:
        uow.session.rollback()
        errors = {"password": exc.detail}
        return _form(request, viewer, code=code, errors=errors, status_code=422)
    except DomainError as exc:
        uow.session.rollback()
        return _form(request, viewer, code=code, error=exc.detail, status_code=error_status(exc))
    uow.commit()
    response = _to_workspace(acceptance)
    auth.set_cookie(request, response, auth.SESSION_COOKIE, secret)
    auth.clear_cookie(request, response, auth.PRE_SESSION_COOKIE)
    return response


class _PasswordRefused(ValidationFailed):
    """The new account's password: the form shows it next to the password fields."""


def _new_account(
    session: Session, acceptance: Acceptance, password: str, again: str, settings: Settings
) -> str:
    """Give the account the acceptance just created its password, and sign it in: the new
    session's secret, for the cookie."""
    if password != again:
        raise _PasswordRefused("the two passwords are not the same")
    try:
        passwords.check_policy(password)
    except ValidationFailed as exc:
        raise _PasswordRefused(exc.detail) from None
    user = session.get(User, acceptance.user_id)
    assert user is not None  # the acceptance created it
    signin.set_password(session, email=user.email, password=password, actor=user.id)
    _, secret = console_sessions.open_session(session, user, settings.session_lifetimes)
    return secret


def _to_workspace(acceptance: Acceptance) -> Response:
    return RedirectResponse(f"/workspaces/{acceptance.workspace_id}", status_code=303)
