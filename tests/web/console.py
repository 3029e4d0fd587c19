"""A test client signed in to the console as an actor: a session opened directly (no
argon2 per test), its cookie set, and unsafe requests sent with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from minirelease.accounts import console_sessions
from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.models import User
from minirelease.web.auth import SESSION_COOKIE
from tests.factories import Actor, Factory

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has a CSRF field"
    return match.group(1)


class Console:
    """Its own client (its own cookie jar) on the test's app, so several people can be
    signed in side by side."""

    def __init__(self, client: TestClient, secret: str) -> None:
        self.client = TestClient(client.app, raise_server_exceptions=True)
        self.client.cookies.set(SESSION_COOKIE, secret)
        self.secret = secret
        self.csrf = console_sessions.csrf_token(secret)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        """A form post as the page's form sends it, CSRF token included."""
        return self.client.post(
            path,
            data={"csrf_token": self.csrf, **(data or {})},
            follow_redirects=kwargs.pop("follow_redirects", False),
            **kwargs,
        )

    def htmx(self, method: str, path: str, **kwargs: Any) -> Response:
        """A request as htmx sends it: the token in the header."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


def sign_in(client: TestClient, factory: Factory, actor: Actor) -> Console:
    with factory.session_factory() as session:
        user = session.get(User, actor.id)
        assert user is not None
        _, secret = console_sessions.open_session(session, user, SessionLifetimes())
        session.commit()
    return Console(client, secret)
