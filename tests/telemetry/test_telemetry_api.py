"""``POST /telemetry`` (issue 5, item 5): partner apps' backends report launch outcomes in
batches with a partner app key. Counted per release, outcome and minute; a batch is
checked whole (a bad event anywhere, named by its index, and nothing is counted); every
authentication failure is a problem+json; a batch id makes a retry count once; hostile
bodies never cause a server error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import utcnow
from minirelease.jobs.periodic import run_tick
from minirelease.releases import ramp_tick
from minirelease.telemetry.models import TelemetryCount
from tests.api.calls import Call, Endpoint
from tests.api.hostile import attacks
from tests.api.test_no_server_errors import problem_of, send
from tests.factories import Factory
from tests.releases.flow import Scenario, grayscale, problem, released, scenario
from tests.releases.ramps import partner_key

URL = "/api/v1/telemetry"


def _event(s: Scenario, release_id: str, version: str, outcome: str = "ok", count: int = 1) -> Any:
    return {
        "app_id": s.app_id,
        "version": version,
        "release_id": release_id,
        "outcome": outcome,
        "count": count,
    }


def _post(s: Scenario, key: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return s.client.post(URL, json=body, headers=headers)


def _counts(session: Session) -> dict[tuple[str, str], int]:
    """Every counter, summed over minutes: (release id, outcome) → count."""
    totals: dict[tuple[str, str], int] = {}
    for row in session.scalars(select(TelemetryCount)):
        totals[(row.release_id, row.outcome)] = totals.get((row.release_id, row.outcome), 0) + (
            row.count
        )
    return totals


@pytest.fixture
def world(client: TestClient, factory: Factory) -> tuple[Scenario, str, str, str]:
    """An online 1.0.0, a 1.1.0 in grayscale, and a key: (scenario, online, gray, key)."""
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    return s, online, grayscale(s, "1.1.0", 10), partner_key(s)


def test_a_batch_is_counted_per_release_and_outcome(
    world: tuple[Scenario, str, str, str], session: Session
) -> None:
    s, online, gray, key = world
    body = {
        "events": [
            _event(s, gray, "1.1.0", "ok", 40),
            _event(s, gray, "1.1.0", "crash", 3),
            _event(s, gray, "1.1.0", "ok", 2),
            _event(s, online, "1.0.0", "js_error", 5),
            _event(s, online, "1.0.0", "load_failure", 1_000_000),
        ],
        "partner_app": s.partner,
    }
    response = _post(s, key, body)
    assert response.status_code == 202, response.text
    assert response.json() == {"events": 5, "count": 1_000_050, "duplicate": False}
    assert _post(s, key, {"events": [_event(s, gray, "1.1.0", "ok", 8)]}).status_code == 202
    assert _counts(session) == {
        (gray, "ok"): 50,
        (gray, "crash"): 3,
        (online, "js_error"): 5,
        (online, "load_failure"): 1_000_000,
    }
    rows = session.scalars(select(TelemetryCount).where(TelemetryCount.release_id == gray)).all()
    assert len({row.minute for row in rows}) <= 2, "one counter per minute, not per post"


def test_authentication_failures_are_problems(
    world: tuple[Scenario, str, str, str], factory: Factory, session: Session
) -> None:
    s, _, gray, key = world
    body = {"events": [_event(s, gray, "1.1.0")]}
    for header in (None, s.developer.token, "mrk_not-a-key", "Basic x"):
        problem(_post(s, header, body), 401, "unauthenticated")
    problem(s.client.post(URL, json=body, headers={"Authorization": key}), 401, "unauthenticated")
    # A revoked key stops working at once.
    revoked = partner_key(s)
    (listed,) = [
        k
        for k in s.ok("GET", f"/partner-apps/{s.partner}/keys", s.admin)["items"]
        if k["hint"] == revoked[:8]
    ]
    s.ok("DELETE", f"/partner-apps/{s.partner}/keys/{listed['id']}", s.admin)
    problem(_post(s, revoked, body), 401, "unauthenticated")
    # Another partner app's key: refused for a batch that says whose it is (403), and its
    # events name no release of that app (422).
    other = scenario(s.client, factory)
    other_key = partner_key(other)
    problem(_post(s, other_key, body | {"partner_app": s.partner}), 403, "permission_denied")
    refused = problem(_post(s, other_key, body), 422, "validation_error")
    assert refused["errors"] == [
        {
            "loc": ["body", "events", "0", "release_id"],
            "msg": f"no release {gray!r} on {other.partner}",
        }
    ]
    assert _counts(session) == {}
    assert _post(s, key, body).status_code == 202


def test_a_batch_with_a_bad_event_counts_nothing_and_names_it(
    world: tuple[Scenario, str, str, str], session: Session
) -> None:
    s, online, gray, key = world
    good = _event(s, gray, "1.1.0", "ok", 5)
    bad = [
        ("release_id", _event(s, "rel_unknown", "1.1.0")),
        ("app_id", _event(s, gray, "1.1.0") | {"app_id": "2029999999999999"}),
        ("version", _event(s, online, "1.1.0")),
    ]
    for field, event in bad:
        refused = problem(_post(s, key, {"events": [good, good, event]}), 422, "validation_error")
        assert refused["detail"].startswith(f"events.2.{field}: ")
        assert [e["loc"] for e in refused["errors"]] == [["body", "events", "2", field]]
    everything = problem(
        _post(s, key, {"events": [event for _, event in bad]}), 422, "validation_error"
    )
    assert [e["loc"][2] for e in everything["errors"]] == ["0", "1", "2"]
    assert _counts(session) == {}


@pytest.mark.parametrize(
    "change",
    [
        {"count": 0},
        {"count": 1_000_001},
        {"count": -5},
        {"count": 1.5},
        {"count": "5"},
        {"count": True},
        {"outcome": "timeout"},
        {"outcome": None},
        {"app_id": ""},
        {"version": "x" * 65},
        {"release_id": None},
        {"extra": 1},
    ],
)
def test_events_are_checked(
    world: tuple[Scenario, str, str, str], session: Session, change: dict[str, Any]
) -> None:
    s, _, gray, key = world
    problem(_post(s, key, {"events": [_event(s, gray, "1.1.0") | change]}), 422, "validation_error")
    assert _counts(session) == {}


def test_a_batch_holds_1_to_1000_events(
    world: tuple[Scenario, str, str, str], session: Session
) -> None:
    s, _, gray, key = world
    problem(_post(s, key, {"events": []}), 422, "validation_error")
    problem(_post(s, key, {"events": [_event(s, gray, "1.1.0")] * 1001}), 422, "validation_error")
    accepted = _post(s, key, {"events": [_event(s, gray, "1.1.0", "crash", 2)] * 1000})
    assert accepted.status_code == 202 and accepted.json()["count"] == 2000
    assert _counts(session) == {(gray, "crash"): 2000}


def test_a_retried_batch_is_counted_once(
    world: tuple[Scenario, str, str, str], factory: Factory, session: Session
) -> None:
    s, _, gray, key = world
    body = {"events": [_event(s, gray, "1.1.0", "ok", 7)], "batch_id": "b-1"}
    first = _post(s, key, body)
    assert first.status_code == 202 and first.json()["duplicate"] is False
    again = _post(s, key, body | {"events": [_event(s, gray, "1.1.0", "crash", 99)]})
    assert again.status_code == 202
    assert again.json() == {"events": 1, "count": 7, "duplicate": True}
    assert _counts(session) == {(gray, "ok"): 7}
    # Batch ids are per partner app: another app's b-1 is its own.
    other = scenario(s.client, factory)
    other_online = released(other, "1.0.0")
    fresh = _post(
        other,
        partner_key(other),
        {"events": [_event(other, other_online, "1.0.0")], "batch_id": "b-1"},
    )
    assert fresh.status_code == 202 and fresh.json()["duplicate"] is False


def test_hostile_telemetry_never_causes_a_server_error(
    world: tuple[Scenario, str, str, str],
) -> None:
    s, _, gray, key = world
    endpoint = Endpoint("POST", "/telemetry", lambda _: Call())
    valid = {"events": [_event(s, gray, "1.1.0")], "partner_app": s.partner, "batch_id": "x"}
    failures = []
    count = 0
    for attack in attacks(endpoint, Call(json=valid), []):
        count += 1
        response = send(s.client, attack, {"Authorization": f"Bearer {key}"})
        problem_text = problem_of(response)
        if problem_text is None and attack.must_refuse and response.status_code < 400:
            problem_text = f"accepted with {response.status_code}"
        if problem_text is not None:
            failures.append(f"{attack.what}: {problem_text}")
    assert count > 100
    assert not failures, "\n".join(failures)


def test_batch_ids_are_forgotten_after_a_day(
    world: tuple[Scenario, str, str, str], session_factory: sessionmaker[Any], session: Session
) -> None:
    s, _, gray, key = world
    body = {"events": [_event(s, gray, "1.1.0", "ok", 1)], "batch_id": "daily"}
    assert _post(s, key, body).json()["duplicate"] is False
    now = utcnow()
    run_tick(session_factory, ramp_tick.tick, now + dt.timedelta(hours=23))
    assert _post(s, key, body).json()["duplicate"] is True
    # The server's periodic health tick forgets them after 24 hours.
    run_tick(session_factory, ramp_tick.tick, now + dt.timedelta(hours=24, minutes=1))
    assert _post(s, key, body).json()["duplicate"] is False
    assert _counts(session) == {(gray, "ok"): 2}
