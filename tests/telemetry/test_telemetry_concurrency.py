"""Telemetry from many connections at once (issue 5, item 5), against a real server on a
database of its own, SQLite and PostgreSQL: concurrent batches adding to the same
counters lose no count, and a batch sent many times at once (retries racing) is counted
exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
from sqlalchemy import func, select

from minirelease.telemetry.models import TelemetryCount
from tests.releases.live_scenario import LiveScenario
from tests.releases.ramps import partner_key

THREADS = 12
POSTS = 5


def _grayscale(s: LiveScenario) -> str:
    s.upload("1.0.0")
    online = s.approved("1.0.0")
    s.ok("POST", f"/releases/{online}/full-release")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 5})
    return release_id


def _fire(base_url: str, key: str, bodies: list[dict[str, Any]]) -> list[Any]:
    """Each body from a thread of its own, all released together."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, Any]) -> list[Any]:
        with httpx2.Client(base_url=base_url, timeout=60) as client:
            assert client.get("/healthz").status_code == 200
            barrier.wait(timeout=30)
            answers = []
            for _ in range(int(body.pop("_repeat", 1))):
                response = client.post(
                    "/api/v1/telemetry", json=body, headers={"Authorization": f"Bearer {key}"}
                )
                assert response.status_code == 202, response.text
                answers.append(response.json())
            return answers

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return [answer for answers in pool.map(send, bodies) for answer in answers]


def _totals(s: LiveScenario, release_id: str) -> dict[str, int]:
    assert s.sessions is not None
    with s.sessions() as session:
        rows = session.execute(
            select(TelemetryCount.outcome, func.sum(TelemetryCount.count))
            .where(TelemetryCount.release_id == release_id)
            .group_by(TelemetryCount.outcome)
        )
        return {outcome: int(total) for outcome, total in rows}


def _events(s: LiveScenario, release_id: str, **outcomes: int) -> list[dict[str, Any]]:
    return [
        {"app_id": s.app_id, "version": "1.1.0", "release_id": release_id, "outcome": o, "count": n}
        for o, n in outcomes.items()
    ]


def test_concurrent_batches_lose_no_count(live: LiveScenario) -> None:
    release_id = _grayscale(live)
    key = partner_key(live)
    bodies = [
        {"events": _events(live, release_id, ok=3, crash=1), "_repeat": POSTS}
        for _ in range(THREADS)
    ]
    answers = _fire(live.base_url, key, bodies)
    assert len(answers) == THREADS * POSTS and all(a["count"] == 4 for a in answers)
    assert _totals(live, release_id) == {"ok": 3 * THREADS * POSTS, "crash": THREADS * POSTS}


def test_a_batch_racing_its_retries_is_counted_once(live: LiveScenario) -> None:
    release_id = _grayscale(live)
    key = partner_key(live)
    body = {"events": _events(live, release_id, js_error=7), "batch_id": "retry-me"}
    answers = _fire(live.base_url, key, [dict(body) for _ in range(THREADS)])
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * (THREADS - 1)
    assert all((a["events"], a["count"]) == (1, 7) for a in answers)
    assert _totals(live, release_id) == {"js_error": 7}
