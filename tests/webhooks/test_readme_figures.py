"""The README's webhook figures, exactly: retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
and 6 h (eight attempts), 10 s per attempt, at most 1 KB of an answer kept, and two
signatures for 24 hours after a secret is rotated."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from minirelease.db import utcnow
from minirelease.webhooks import schedule, sender
from tests.factories import Factory

S, MIN, H = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)


def test_the_retry_schedule_is_the_documented_one() -> None:
    waits = [schedule.next_delay(n) for n in range(1, schedule.MAX_ATTEMPTS + 1)]
    assert waits == [5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 6 * H, None]
    assert schedule.MAX_ATTEMPTS == 8


def test_an_attempt_has_10_s_and_keeps_at_most_1_kb() -> None:
    assert sender.TIMEOUT_SECONDS == 10
    assert sender.MAX_BODY_BYTES == 1024


def test_a_rotated_secret_keeps_signing_for_24_hours(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    created = client.post(
        f"/api/v1/workspaces/{workspace.id}/webhooks",
        json={"url": "https://127.0.0.1/hook", "events": ["*"]},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    before = utcnow()
    rotated = client.post(
        f"/api/v1/webhooks/{created.json()['id']}/rotate-secret", headers=owner.headers
    )
    assert rotated.status_code == 200, rotated.text
    expires = dt.datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    assert before + 24 * H <= expires <= utcnow() + 24 * H
