"""Signing in and out of the console: passwords, sessions, CSRF, throttling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from minirelease.accounts import signin
from minirelease.accounts.models import ConsoleSession
from minirelease.db import utcnow
from minirelease.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.factories import Actor, Factory
from tests.web.console import Console, csrf_from

PASSWORD = "correct horse battery"


def _with_password(factory: Factory, actor: Actor) -> Actor:
    with factory.session_factory() as session:
        signin.set_password(session, email=actor.email, password=PASSWORD, actor="test")
        session.commit()
    return actor


def _login_form(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return csrf_from(page.text)


def test_pages_send_visitors_to_sign_in_and_back(client: TestClient) -> None:
    response = client.get("/?tab=members", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Ftab%3Dmembers"


def test_sign_in_sets_a_locked_down_cookie_and_opens_home(
    client: TestClient, factory: Factory
) -> None:
    actor = _with_password(factory, factory.user())
    token = _login_form(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": actor.email.upper(), "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; https sets it (test below)
    home = client.get("/")
    assert home.status_code == 200 and actor.email in home.text
    assert home.headers["cache-control"] == "no-store"


def test_the_database_keeps_only_a_digest_of_the_session(
    client: TestClient, factory: Factory
) -> None:
    actor = _with_password(factory, factory.user())
    client.post(
        "/login",
        data={"csrf_token": _login_form(client), "email": actor.email, "password": PASSWORD},
    )
    secret = client.cookies[SESSION_COOKIE]
    with factory.session_factory() as session:
        rows = session.query(ConsoleSession).filter_by(user_id=actor.id).all()
    assert len(rows) == 1 and secret not in rows[0].secret_hash and len(rows[0].secret_hash) == 64


def test_secure_cookie_behind_https(client: TestClient, factory: Factory) -> None:
    actor = _with_password(factory, factory.user())
    https = TestClient(client.app, base_url="https://console.example")
    page = https.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    response = https.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "email": actor.email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_email_look_the_same(
    client: TestClient, factory: Factory
) -> None:
    actor = _with_password(factory, factory.user())
    token = _login_form(client)
    wrong = client.post(
        "/login", data={"csrf_token": token, "email": actor.email, "password": "nope nope nope"}
    )
    unknown = client.post(
        "/login",
        data={"csrf_token": token, "email": "nobody@example.com", "password": "nope nope nope"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is wrong." in wrong.text
    assert "The email or password is wrong." in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_sign_in_without_its_csrf_token_is_refused(client: TestClient, factory: Factory) -> None:
    actor = _with_password(factory, factory.user())
    client.get("/login")
    response = client.post(
        "/login", data={"email": actor.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert SESSION_COOKIE not in client.cookies


def test_an_unsafe_request_without_its_csrf_token_is_refused(
    console: Callable[[Actor], Console], factory: Factory
) -> None:
    page = console(factory.user())
    without = page.client.post("/logout", follow_redirects=False)
    assert without.status_code == 403
    forged = page.client.post("/logout", data={"csrf_token": "x" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert page.get("/").status_code == 200  # still signed in
    assert page.post("/logout").status_code == 303
    assert page.get("/", follow_redirects=False).status_code == 303


def test_sign_out_revokes_the_session_for_every_copy_of_the_cookie(
    console: Callable[[Actor], Console], factory: Factory, client: TestClient
) -> None:
    page = console(factory.user())
    copy = TestClient(client.app)
    copy.cookies.set(SESSION_COOKIE, page.secret)
    assert copy.get("/").status_code == 200
    page.post("/logout")
    assert copy.get("/", follow_redirects=False).headers["location"] == "/login"


def test_an_idle_session_goes_back_to_sign_in(
    console: Callable[[Actor], Console], factory: Factory
) -> None:
    page = console(factory.user())
    with factory.session_factory() as session:
        for row in session.query(ConsoleSession).all():
            row.last_seen_at = utcnow() - dt.timedelta(hours=3)
        session.commit()
    response = page.get("/?page=2", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Fpage%3D2"


def test_a_session_ends_at_its_absolute_limit_however_active(
    console: Callable[[Actor], Console], factory: Factory
) -> None:
    page = console(factory.user())
    with factory.session_factory() as session:
        for row in session.query(ConsoleSession).all():
            row.expires_at = utcnow() - dt.timedelta(seconds=1)
        session.commit()
    assert page.get("/", follow_redirects=False).status_code == 303


def test_htmx_requests_without_a_session_are_redirected_by_header(client: TestClient) -> None:
    response = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.headers["HX-Redirect"] == "/login"


def test_failed_sign_ins_are_throttled_per_email(client: TestClient, factory: Factory) -> None:
    actor = _with_password(factory, factory.user())
    token = _login_form(client)
    for _ in range(5):
        client.post(
            "/login", data={"csrf_token": token, "email": actor.email, "password": "wrong guess"}
        )
    blocked = client.post(
        "/login", data={"csrf_token": token, "email": actor.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in blocked.text
    assert SESSION_COOKIE not in client.cookies


def test_failed_sign_ins_are_throttled_per_client(client: TestClient, factory: Factory) -> None:
    token = _login_form(client)
    for n in range(20):
        client.post(
            "/login",
            data={"csrf_token": token, "email": f"guess{n}@example.com", "password": "x" * 10},
        )
    actor = _with_password(factory, factory.user())
    blocked = client.post(
        "/login", data={"csrf_token": token, "email": actor.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_next_never_leaves_the_site(client: TestClient, factory: Factory) -> None:
    actor = _with_password(factory, factory.user())
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={
                "csrf_token": _login_form(client),
                "email": actor.email,
                "password": PASSWORD,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_the_pre_session_cookie_is_http_only(client: TestClient) -> None:
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(PRE_SESSION_COOKIE) and "HttpOnly" in cookie
