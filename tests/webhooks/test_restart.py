"""A server restart between attempts loses no delivery: the retry is a durable job, so
the next server process makes it. Real ``minirelease serve`` processes, a real receiver
that is down for the first attempt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.webhooks.models import WebhookDelivery
from tests.factories import Factory
from tests.releases.live import ServerProcess, free_port, wait_until
from tests.webhooks.receiver import receiving

API = "/api/v1"
ALLOW_PRIVATE = {"MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE": "1"}


def _delivery(sessions: sessionmaker[Any], delivery_id: str) -> WebhookDelivery:
    with sessions() as session:
        found = session.get(WebhookDelivery, delivery_id)
        assert found is not None
        return found


def test_a_restart_between_attempts_loses_no_delivery(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    data_dir = tmp_path / "data"
    factory = Factory(sessions, Settings(data_dir=data_dir, database_url=empty_database_url))
    workspace, owner = factory.workspace()
    port = free_port()  # the receiver's, not listening yet
    servers: list[ServerProcess] = []
    try:
        first = ServerProcess(empty_database_url, data_dir, tmp_path / "s1.log", env=ALLOW_PRIVATE)
        servers.append(first)
        first.wait_ready()
        with httpx2.Client(base_url=first.base_url, headers=owner.headers, timeout=30) as api:
            created = api.post(
                f"{API}/workspaces/{workspace.id}/webhooks",
                json={"url": f"http://127.0.0.1:{port}/hook", "events": ["*"]},
            )
            assert created.status_code == 201, created.text
            webhook = created.json()
            pinged = api.post(f"{API}/webhooks/{webhook['id']}/ping")
            assert pinged.status_code == 202, pinged.text
        delivery_id = pinged.json()["id"]
        wait_until(lambda: _delivery(sessions, delivery_id).attempts == 1, timeout=30)
        failed_once = _delivery(sessions, delivery_id)
        assert failed_once.status == "pending" and "ConnectError" in (failed_once.last_error or "")
        assert failed_once.next_attempt_at is not None

        first.kill()  # no shutdown hook: only what the database holds survives
        with receiving(port=port, secrets=[webhook["secret"]]) as receiver:
            second = ServerProcess(
                empty_database_url, data_dir, tmp_path / "s2.log", env=ALLOW_PRIVATE
            )
            servers.append(second)
            second.wait_ready()
            wait_until(lambda: receiver.successes(), timeout=60, interval=0.1)
            wait_until(lambda: _delivery(sessions, delivery_id).status == "succeeded", timeout=30)
        [got] = receiver.received
        assert got.verified and got.msg_id == delivery_id
        assert got.payload["type"] == "webhook.ping"
        assert _delivery(sessions, delivery_id).attempts == 2
    finally:
        for server in servers:
            server.stop()
        engine.dispose()
