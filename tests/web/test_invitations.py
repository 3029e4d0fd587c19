"""Accepting an invitation on the console: the code typed into a form (never a URL),
signed in as the invited account, or as a new account given a password and signed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.accounts import signin
from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.accounts.signin import SignInLimits
from minirelease.db import utcnow
from minirelease.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from minirelease.workspaces import invitations
from minirelease.workspaces.models import Invitation, Membership, Workspace
from tests.factories import Actor, Factory
from tests.web.console import Console, csrf_from

Sign = Callable[[Actor], Console]
PASSWORD = "a long new password"


def _invite(
    factory: Factory,
    workspace: Workspace,
    owner: Actor,
    email: str,
    *,
    role: str = "developer",
    now: dt.datetime | None = None,
) -> str:
    with factory.session_factory() as session:
        user = session.get(User, owner.id)
        assert user is not None
        _, code = invitations.create_invitation(
            session,
            principal_for(session, user),
            workspace_id=workspace.id,
            email=email,
            role=role,
            now=now,
        )
        session.commit()
    return code


def _role(session_factory: sessionmaker[Any], workspace_id: str, email: str) -> str | None:
    with session_factory() as session:
        role: str | None = session.scalar(
            select(Membership.role)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace_id, User.email == email)
        )
        return role


def _user(session_factory: sessionmaker[Any], email: str) -> User | None:
    with session_factory() as session:
        user: User | None = session.scalar(select(User).where(User.email == email))
        return user


def _unused(session_factory: sessionmaker[Any], workspace_id: str) -> bool:
    with session_factory() as session:
        rows = session.scalars(select(Invitation).where(Invitation.workspace_id == workspace_id))
        return all(row.accepted_at is None for row in rows)


def _visitor_form(client: TestClient) -> str:
    page = client.get("/invitations/accept")
    assert page.status_code == 200
    assert 'method="post" action="/invitations/accept"' in page.text
    return csrf_from(page.text)


def test_a_visitor_accepts_with_a_new_password_and_is_signed_in(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace(name="Acme")
    code = _invite(factory, ws, owner, "newcomer@example.com")
    token = _visitor_form(client)
    assert PRE_SESSION_COOKIE in client.cookies
    response = client.post(
        "/invitations/accept",
        data={
            "csrf_token": token,
            "code": f"  {code}\n",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspaces/{ws.id}"
    assert code not in response.headers["location"]
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert any(c.startswith(f'{PRE_SESSION_COOKIE}=""') for c in cookies)
    assert _role(session_factory, ws.id, "newcomer@example.com") == "developer"
    assert not _unused(session_factory, ws.id)
    # Signed in: the workspace opens.
    page = client.get(f"/workspaces/{ws.id}")
    assert page.status_code == 200 and "<h1>Acme</h1>" in page.text
    # And the password works on the sign-in page from now on.
    fresh = TestClient(client.app)
    login = fresh.get("/login")
    signed = fresh.post(
        "/login",
        data={
            "csrf_token": csrf_from(login.text),
            "email": "newcomer@example.com",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and SESSION_COOKIE in fresh.cookies
    with session_factory() as session:
        assert signin.sign_in(
            session,
            email="newcomer@example.com",
            password=PASSWORD,
            client="test",
            limits=SignInLimits(),
            lifetimes=SessionLifetimes(),
        )


def test_a_visitor_whose_email_has_an_account_signs_in_first(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    existing = factory.user("known@example.com")
    code = _invite(factory, ws, owner, existing.email)
    response = client.post(
        "/invitations/accept",
        data={
            "csrf_token": _visitor_form(client),
            "code": code,
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "sign in first, then accept" in response.text
    assert 'href="/login?next=/invitations/accept"' in response.text
    assert SESSION_COOKIE not in client.cookies
    assert _role(session_factory, ws.id, existing.email) is None
    assert _unused(session_factory, ws.id)
    user = _user(session_factory, existing.email)
    assert user is not None and user.password_hash is None


def test_a_refused_password_creates_no_account(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    code = _invite(factory, ws, owner, "careful@example.com")
    token = _visitor_form(client)
    for first, second, message in (
        (PASSWORD, PASSWORD + "!", "the two passwords are not the same"),
        ("short", "short", "a password needs at least 10 characters"),
    ):
        response = client.post(
            "/invitations/accept",
            data={"csrf_token": token, "code": code, "password": first, "password_again": second},
            follow_redirects=False,
        )
        assert response.status_code == 422 and message in response.text
        assert 'id="password-error"' in response.text and f'value="{code}"' in response.text
        assert PASSWORD not in response.text
    assert _user(session_factory, "careful@example.com") is None
    assert _unused(session_factory, ws.id) and SESSION_COOKIE not in client.cookies


def test_wrong_used_and_expired_codes_say_why(
    client: TestClient, factory: Factory, console: Sign, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    expired = _invite(factory, ws, owner, "late@example.com", now=utcnow() - dt.timedelta(days=4))
    token = _visitor_form(client)

    def post(code: str) -> Any:
        return client.post(
            "/invitations/accept",
            data={
                "csrf_token": token,
                "code": code,
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
            follow_redirects=False,
        )

    wrong = post("not-a-code")
    assert wrong.status_code == 404 and "invitation not found" in wrong.text
    late = post(expired)
    assert late.status_code == 409 and "this invitation expired at" in late.text
    assert _user(session_factory, "late@example.com") is None
    empty = post("   ")
    assert empty.status_code == 422 and "enter the invitation code" in empty.text

    invited = factory.user("twice@example.com")
    code = _invite(factory, ws, owner, invited.email)
    page = console(invited)
    assert page.post("/invitations/accept", {"code": code}).status_code == 303
    used = page.post("/invitations/accept", {"code": code})
    assert used.status_code == 409 and "this invitation has already been used" in used.text


def test_signed_in_the_invitation_is_accepted_for_this_account(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    invited = factory.user("member@example.com")
    code = _invite(factory, ws, owner, invited.email, role="master")
    page = console(invited)
    form = page.get("/invitations/accept")
    assert form.status_code == 200 and invited.email in form.text
    assert 'name="password"' not in form.text
    response = page.post("/invitations/accept", {"code": code})
    assert response.status_code == 303 and response.headers["location"] == f"/workspaces/{ws.id}"
    assert _role(session_factory, ws.id, invited.email) == "master"
    assert page.get(f"/workspaces/{ws.id}").status_code == 200


def test_signed_in_as_someone_else_is_refused(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    code = _invite(factory, ws, owner, "intended@example.com")
    other = factory.user("other@example.com")
    response = console(other).post("/invitations/accept", {"code": code})
    assert (
        response.status_code == 403 and "this invitation is for i***@example.com" in response.text
    )
    assert _role(session_factory, ws.id, other.email) is None and _unused(session_factory, ws.id)


def test_the_accept_form_needs_its_csrf_token(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    code = _invite(factory, ws, owner, "forged@example.com")
    client.get("/invitations/accept")
    response = client.post(
        "/invitations/accept",
        data={"code": code, "password": PASSWORD, "password_again": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _user(session_factory, "forged@example.com") is None


def test_the_sign_in_page_comes_back_to_the_form(client: TestClient) -> None:
    login = client.get("/login?next=/invitations/accept")
    assert 'name="next" value="/invitations/accept"' in login.text
    assert 'href="/invitations/accept"' in login.text
