"""Firing requests at one server at the same instant, and checking what came out against
the audit log: every request either succeeded or got a 409 problem, and the audit
events of the release, in commit order, are the successful requests one for one, each
a legal step of the state machine from where the previous one left the release."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx2
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.releases.state import Action, Params, ReleaseFacts, Status, decide
from tests.factories import Actor

API = "/api/v1"
TRACKED = ("status", "basis_points", "paused", "halted")
REFUSALS = ("conflict", "invalid_transition")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    actor: Actor
    json: dict[str, Any] | None = None
    label: str = ""  # what the call does, e.g. the audit action it should record


@dataclass(frozen=True)
class Outcome:
    call: Call
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status == 200


def at_once(base_url: str, calls: Sequence[Call]) -> list[Outcome]:
    """Send every call from a thread of its own, all released by one barrier once each
    thread has its connection open, so the requests reach the server together."""
    barrier = threading.Barrier(len(calls))

    def send(call: Call) -> Outcome:
        with httpx2.Client(base_url=base_url, timeout=60) as client:
            assert client.get("/healthz").status_code == 200  # connection open and warm
            barrier.wait(timeout=30)
            response = client.request(
                call.method, f"{API}{call.path}", headers=call.actor.headers, json=call.json
            )
        return Outcome(call, response.status_code, response.json())

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def assert_succeeded_or_refused(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Each outcome is a success or a 409 ``conflict``/``invalid_transition``; returns the
    successes."""
    for outcome in outcomes:
        if outcome.ok:
            continue
        assert outcome.status == 409, (outcome.call, outcome.status, outcome.body)
        assert outcome.body["code"] in REFUSALS, outcome.body
    return [outcome for outcome in outcomes if outcome.ok]


def audit_mark(sessions: sessionmaker[Any]) -> str:
    """The newest audit event id now: events recorded later sort after it."""
    with sessions() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or ""


def release_events(sessions: sessionmaker[Any], release_id: str, after: str) -> list[AuditEvent]:
    """The release's audit events since ``after``, in commit order: transitions of one
    release are serialized by its row lock and ids increase within the server process."""
    with sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.target_id == release_id, AuditEvent.id > after)
                .order_by(AuditEvent.id)
            )
        )


def assert_events_match(successes: Sequence[Outcome], events: Sequence[AuditEvent]) -> None:
    """One audit event per successful request, with the action the request asked for."""
    assert Counter(event.action for event in events) == Counter(o.call.label for o in successes)


def tracked(state: dict[str, Any]) -> dict[str, Any]:
    return {name: state[name] for name in TRACKED}


def facts_state(facts: ReleaseFacts) -> dict[str, Any]:
    return {
        "status": facts.status.value,
        "basis_points": facts.basis_points,
        "paused": facts.paused,
        "halted": facts.halted,
    }


def replay(start: ReleaseFacts, events: Sequence[AuditEvent]) -> ReleaseFacts:
    """Walk the events through the state machine from ``start``: each must begin exactly
    where the previous one ended (no lost update) and be a step ``decide`` allows from
    there, to the status it recorded. Returns the facts after the last one."""
    facts = start
    for event in events:
        before, after = event.before or {}, event.after or {}
        assert tracked(before) == facts_state(facts), (event.action, before, facts)
        action = Action(event.action.removeprefix("release."))
        params = Params(
            side=after.get("side"),
            basis_points=after["basis_points"] if action is Action.GRAYSCALE else None,
        )
        assert decide(facts, action, params).value == after["status"], (event.action, after)
        facts = dataclasses.replace(
            facts,
            status=Status(after["status"]),
            basis_points=after["basis_points"],
            paused=after["paused"],
            halted=after["halted"],
            platform_approved=_approved(after, "platform", facts.platform_approved),
            partner_approved=_approved(after, "partner", facts.partner_approved),
        )
    return facts


def _approved(after: dict[str, Any], side: str, was: bool) -> bool:
    key = f"{side}_decision"
    return after[key] == "approve" if key in after else was
