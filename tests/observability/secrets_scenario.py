"""A full scenario over HTTP against a real server, keeping every secret it meets: API
tokens, invitation tokens and codes, passwords, console session cookies and CSRF
tokens, webhook secrets, a partner app key, credentials that fail. Every URL the clients
send is kept too, as a reverse proxy's access log would hold it."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2

from minirelease.accounts import console_sessions, tokens
from minirelease.cli import sample_app
from minirelease.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.packages.zips import zip_bytes
from tests.releases.live import wait_until
from tests.web.console import csrf_from
from tests.webhooks.receiver import Receiver

API = "/api/v1"
OWNER_PASSWORD = "owner's long password"
NEWCOMER_PASSWORD = "newcomer's long password"
_CODE_FIELD = re.compile(r'id="invitation-code"[^>]*value="([^"]+)"')


@dataclass
class Book:
    """The secrets met, by what they are, and every URL sent."""

    base_url: str
    secrets: dict[str, str] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    # Secrets the scenario itself puts in a query string, to see them masked in the log.
    in_url_on_purpose: set[str] = field(default_factory=set)

    def keep(self, name: str, value: str | None) -> str:
        assert value and len(value) >= 8, f"{name}: {value!r} is no secret"
        assert name not in self.secrets
        self.secrets[name] = value
        return value

    @contextmanager
    def client(self, **kwargs: Any) -> Iterator[httpx2.Client]:
        def sent(request: httpx2.Request) -> None:
            self.urls.append(str(request.url))

        with httpx2.Client(
            base_url=self.base_url, timeout=60, event_hooks={"request": [sent]}, **kwargs
        ) as made:
            yield made


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def expect(response: httpx2.Response, status: int) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text[:500]}"
    return response.json() if "json" in response.headers.get("content-type", "") else None


@dataclass
class People:
    owner_email: str
    owner_token: str
    admin_token: str
    partner_code: str


def api_scenario(book: Book, people: People, workspace_id: str, mini_program_id: str) -> None:
    """Invitation accepted with its token in the body, API tokens made, revoked and
    refused, an upload, a partner key used, requests with bad credentials."""
    owner = bearer(people.owner_token)
    with book.client() as api:
        invited = expect(
            api.post(
                f"{API}/workspaces/{workspace_id}/invitations",
                headers=owner,
                json={
                    "email": "invitee@example.com",
                    "role": "developer",
                    "mini_program_ids": [mini_program_id],
                },
            ),
            201,
        )
        invitation = book.keep("API invitation token", invited["token"])
        accepted = expect(api.post(f"{API}/invitations/accept", json={"token": invitation}), 200)
        invitee = bearer(book.keep("invitee's API token", accepted["token"]))

        files = {name: text.encode() for name, text in sample_app.FILES.items()}
        expect(
            api.post(
                f"{API}/mini-programs/{mini_program_id}/versions",
                headers=invitee,
                data={"version": "1.0.0", "description": "first"},
                files={"package": ("app.zip", zip_bytes(files), "application/zip")},
            ),
            201,
        )

        made = expect(api.post(f"{API}/me/tokens", headers=owner, json={"name": "ci"}), 201)
        revoked = book.keep("revoked API token", made["token"])
        expect(api.delete(f"{API}/me/tokens/{made['id']}", headers=owner), 200)
        expect(api.get(f"{API}/me", headers=bearer(revoked)), 401)
        guessed = book.keep("guessed API token", tokens.generate())
        expect(api.get(f"{API}/me", headers=bearer(guessed)), 401)
        basic = base64.b64encode(f"{people.owner_email}:{OWNER_PASSWORD}".encode()).decode()
        book.keep("basic credentials", basic)
        expect(api.get(f"{API}/me", headers={"Authorization": f"Basic {basic}"}), 401)

        admin = bearer(people.admin_token)
        key = expect(
            api.post(
                f"{API}/partner-apps/{people.partner_code}/keys",
                headers=admin,
                json={"name": "backend"},
            ),
            201,
        )
        partner_key = book.keep("partner app key", key["key"])
        # An empty batch is refused, after the key was checked.
        expect(api.post(f"{API}/telemetry", headers=bearer(partner_key), json={"events": []}), 422)

        # Secrets in query strings, as careless callers send them: masked in the log.
        book.in_url_on_purpose |= {"owner's API token", "partner app key"}
        api.get(f"{API}/me", params={"token": people.owner_token}, headers=owner)
        api.get(f"{API}/workspaces", params={"q": partner_key}, headers=owner)


def webhook_scenario(book: Book, people: People, workspace_id: str, receiver: Receiver) -> None:
    """A webhook made (its secret shown once), pinged and delivered, its secret rotated."""
    owner = bearer(people.owner_token)
    # Receivers often take a credential in their URL (a chat service's incoming hooks).
    credential = book.keep("webhook URL's credential", secrets.token_urlsafe(24))
    with book.client(headers=owner) as api:
        created = expect(
            api.post(
                f"{API}/workspaces/{workspace_id}/webhooks",
                json={"url": f"{receiver.url}/hook/{credential}", "events": ["*"]},
            ),
            201,
        )
        receiver.secrets.append(book.keep("webhook secret", created["secret"]))
        expect(api.post(f"{API}/webhooks/{created['id']}/ping"), 202)
        wait_until(lambda: receiver.received, timeout=60)
        assert receiver.received[0].verified
        rotated = expect(api.post(f"{API}/webhooks/{created['id']}/rotate-secret"), 200)
        book.keep("rotated webhook secret", rotated["secret"])


def console_scenario(book: Book, people: People, workspace_id: str) -> None:
    """The owner signs in with a password and invites on the console; the newcomer
    accepts with the code and a new password, is signed in, and signs out."""
    members = f"/workspaces/{workspace_id}/members"
    with book.client() as owner:
        login = owner.get("/login")
        book.keep("owner's pre-session CSRF token", owner.cookies.get(PRE_SESSION_COOKIE))
        signed_in = owner.post(
            "/login",
            data={
                "csrf_token": csrf_from(login.text),
                "email": people.owner_email,
                "password": OWNER_PASSWORD,
                "next": members,
            },
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        session = book.keep("owner's session", owner.cookies.get(SESSION_COOKIE))
        page = owner.get(members)
        csrf = book.keep("owner's session CSRF token", csrf_from(page.text))
        assert csrf == console_sessions.csrf_token(session)
        invited = owner.post(
            f"/workspaces/{workspace_id}/invitations",
            data={"csrf_token": csrf, "email": "newcomer@example.com", "role": "master"},
        )
        assert invited.status_code == 200, invited.text[:500]
        match = _CODE_FIELD.search(invited.text)
        assert match, "the members page shows the invitation code"
        code = book.keep("console invitation code", match.group(1))

    with book.client() as newcomer:
        form = newcomer.get("/invitations/accept")
        book.keep("newcomer's pre-session CSRF token", newcomer.cookies.get(PRE_SESSION_COOKIE))
        accepted = newcomer.post(
            "/invitations/accept",
            data={
                "csrf_token": csrf_from(form.text),
                "code": code,
                "password": NEWCOMER_PASSWORD,
                "password_again": NEWCOMER_PASSWORD,
            },
        )
        assert accepted.status_code == 303, accepted.text[:500]
        session = book.keep("newcomer's session", newcomer.cookies.get(SESSION_COOKIE))
        assert newcomer.get(f"/workspaces/{workspace_id}").status_code == 200
        csrf = book.keep("newcomer's session CSRF token", console_sessions.csrf_token(session))
        assert newcomer.post("/logout", data={"csrf_token": csrf}).status_code == 303
