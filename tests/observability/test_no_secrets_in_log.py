"""Issue 12: no secret in a URL or a log. A real ``minirelease serve`` (JSON logs) goes
through a full scenario, API and console; then its whole log, and every URL the clients
sent (what a reverse proxy's access log holds), are searched for each secret met."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.accounts import signin
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.workspaces.models import Workspace
from tests.factories import Factory
from tests.observability.secrets_scenario import (
    API,
    NEWCOMER_PASSWORD,
    OWNER_PASSWORD,
    Book,
    People,
    api_scenario,
    bearer,
    console_scenario,
    expect,
    webhook_scenario,
)
from tests.releases.live import ServerProcess
from tests.webhooks.receiver import Receiver

PREFIXES = ("mr_", "mrk_", "whsec_")


@dataclass
class Served:
    server: ServerProcess
    sessions: sessionmaker[Any]
    factory: Factory


@pytest.fixture
def served(empty_database_url: str, tmp_path: Path) -> Iterator[Served]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    data_dir = tmp_path / "data"
    factory = Factory(sessions, Settings(data_dir=data_dir, database_url=empty_database_url))
    env = {"MINIRELEASE_LOG_FORMAT": "json", "MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE": "1"}
    server = ServerProcess(empty_database_url, data_dir, tmp_path / "server.log", env=env)
    try:
        server.wait_ready(timeout=60)
        yield Served(server, sessions, factory)
    finally:
        server.stop()
        engine.dispose()


def _forms(secret: str) -> set[str]:
    """The secret as it may be written: raw, URL-encoded, and without its prefix."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    forms |= {secret.removeprefix(p) for p in PREFIXES if secret.startswith(p)}
    return forms


def _request_lines(log: str) -> list[dict[str, Any]]:
    lines = []
    for text in log.splitlines():
        if text.startswith("{"):
            line = json.loads(text)
            if line.get("event") == "request":
                lines.append(line)
    return lines


def test_no_secret_of_a_full_scenario_is_in_the_log_or_a_url(
    served: Served, receiver: Receiver
) -> None:
    factory = served.factory
    owner = factory.user("owner@example.com")
    admin = factory.user(platform_admin=True)
    partner = factory.partner_app()
    with served.sessions() as session:
        signin.set_password(
            session, email=owner.email, password=OWNER_PASSWORD, actor="system:test"
        )
        session.commit()
    book = Book(served.server.base_url)
    book.keep("owner's API token", owner.token)
    book.keep("admin's API token", admin.token)
    book.keep("owner's password", OWNER_PASSWORD)
    book.keep("newcomer's password", NEWCOMER_PASSWORD)
    people = People(owner.email, owner.token, admin.token, partner.code)

    with book.client() as api:
        created = api.post(f"{API}/workspaces", headers=bearer(owner.token), json={"name": "Ws"})
        workspace_id = expect(created, 201)["id"]
    with served.sessions() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
    mini_program = factory.mini_program(workspace, owner)

    api_scenario(book, people, workspace_id, mini_program.id)
    webhook_scenario(book, people, workspace_id, receiver)
    console_scenario(book, people, workspace_id)

    assert len(book.secrets) == 20  # the scenario met every kind of secret it means to
    for name, secret in book.secrets.items():
        if name in book.in_url_on_purpose:
            continue
        for url in book.urls:
            assert not any(form in url for form in _forms(secret)), (
                f"the {name} was sent in a URL: a proxy's access log would hold it"
            )

    log = served.server.log_path.read_text(encoding="utf-8", errors="replace")
    # The log is the scenario's: its requests are there, secret-looking queries masked.
    seen = {(line["method"], line["path"], line["status"]) for line in _request_lines(log)}
    assert {
        ("POST", f"{API}/invitations/accept", 200),
        ("POST", f"{API}/mini-programs/{mini_program.id}/versions", 201),
        ("GET", f"{API}/me", 401),
        ("POST", "/login", 303),
        ("POST", "/invitations/accept", 303),
    } <= seen
    queries = {line["query"] for line in _request_lines(log)}
    assert {"token=***", "q=***"} <= queries
    for name, secret in book.secrets.items():
        for form in _forms(secret):
            assert form not in log, f"the server log holds the {name}"
