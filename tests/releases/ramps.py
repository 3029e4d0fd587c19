"""Driving ramp plans in tests: starting a grayscale with a plan over HTTP, running the
ramp tick with an injected clock, reading the plan back, and reporting telemetry with a
partner app key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs.periodic import run_tick
from minirelease.releases.ramp_tick import RampMove, advance_ramps
from minirelease.rollout.bucketing import bucket
from tests.releases.flow import Scenario

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
USERS = [f"user-{n}" for n in range(2000)]


def plan(*steps: tuple[float, int | None], gate: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plan body: (percentage, hold minutes) per step, the last with None."""
    body: dict[str, Any] = {
        "steps": [
            {"percentage": pct} | ({} if hold is None else {"hold_minutes": hold})
            for pct, hold in steps
        ]
    }
    if gate is not None:
        body["gate"] = gate
    return body


def start_with_plan(s: Scenario, version: str, body: dict[str, Any]) -> str:
    """Upload ``version``, take it to release preparation and start its grayscale with the
    plan ``body`` (a version must be online already)."""
    s.upload(version)
    release_id = s.approved(version)
    started = s.ok("POST", f"/releases/{release_id}/grayscale", json={"plan": body})
    assert started["status"] == "grayscale", started
    assert started["ramp"]["status"] == "active"
    return release_id


def tick(sessions: sessionmaker[Any], now: dt.datetime) -> list[RampMove]:
    """One ramp tick at ``now``, in a unit of work of its own, as the server runs it."""
    moves: list[RampMove] = []

    def run(session: Session, at: dt.datetime) -> None:
        moves.extend(advance_ramps(session, at))

    run_tick(sessions, run, now)
    return moves


def ramp(s: Scenario, release_id: str) -> dict[str, Any]:
    read: dict[str, Any] = s.ok("GET", f"/releases/{release_id}")["ramp"]
    assert read is not None
    return read


def at(value: str | None) -> dt.datetime:
    assert value is not None
    return dt.datetime.fromisoformat(value)


def next_step_at(s: Scenario, release_id: str) -> dt.datetime:
    return at(ramp(s, release_id)["next_step_at"])


def percentage(s: Scenario, release_id: str) -> float:
    return float(s.ok("GET", f"/releases/{release_id}")["percentage"])


def cohort(release_id: str, points: int, users: list[str] = USERS) -> list[str]:
    return [user for user in users if bucket(release_id, user) < points]


def events_by(s: Scenario, release_id: str, actor: str) -> list[dict[str, Any]]:
    """The release's audit events by ``actor``, oldest first."""
    page = s.ok("GET", "/audit", s.admin, params={"release_id": release_id})
    return [e for e in reversed(page["items"]) if e["actor"] == actor]


def partner_key(s: Scenario) -> str:
    """A new key of the scenario's partner app, made by a platform admin."""
    created = s.ok("POST", f"/partner-apps/{s.partner}/keys", s.admin, json={"name": "backend"})
    return str(created["key"])


def report(s: Scenario, key: str, release_id: str, version: str, **outcomes: int) -> Any:
    """Report launch outcomes (outcome name → count) of one release with ``key``."""
    events = [
        {
            "app_id": s.app_id,
            "version": version,
            "release_id": release_id,
            "outcome": outcome,
            "count": count,
        }
        for outcome, count in outcomes.items()
    ]
    return s.client.post(
        "/api/v1/telemetry",
        json={"events": events},
        headers={"Authorization": f"Bearer {key}"},
    )


def reported(s: Scenario, key: str, release_id: str, version: str, **outcomes: int) -> None:
    response = report(s, key, release_id, version, **outcomes)
    assert response.status_code == 202, response.text
