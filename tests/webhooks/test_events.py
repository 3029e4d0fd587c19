"""The one table that turns audit events into webhook events: it names only audit actions
the code writes, covers every event type, and fills each event's data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.releases.state import Action
from minirelease.webhooks import events

SRC = Path(__file__).resolve().parents[2] / "src" / "minirelease"


def _event(action: str, after: dict[str, Any] | None = None, **scope: Any) -> AuditEvent:
    return AuditEvent(
        id="aud_1",
        occurred_at=dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC),
        actor="usr_1",
        action=action,
        target_type="release",
        target_id="x",
        workspace_id=scope.get("workspace_id", "ws_1"),
        mini_program_id="mp_1",
        release_id=None,
        partner_app="wallet",
        before=None,
        after=after,
    )


def test_every_release_action_in_the_table_is_an_action_of_the_state_machine() -> None:
    actions = {a.value for a in Action}
    for name in events.DERIVATIONS:
        if name.startswith("release."):
            assert name.removeprefix("release.") in actions, name


def test_every_other_audit_action_in_the_table_is_written_by_the_code() -> None:
    source = "\n".join(p.read_text() for p in SRC.rglob("*.py") if "webhooks" not in p.parts)
    written = {
        "version.upload": '"version.upload"',
        "listing.removal.approve": '"removal.{decision}"',
        "listing.removal.force": '"removal.force"',
    }
    for name in events.DERIVATIONS:
        if not name.startswith("release."):
            assert written[name] in source, name
    assert 'f"listing.{action}"' in source and 'f"release.{action.value}"' in source


def test_every_event_type_comes_from_the_table_or_is_the_ping() -> None:
    produced = {
        d.event_type if isinstance(d.event_type, str) else d.event_type(_event("x", {}))
        for d in events.DERIVATIONS.values()
    } | {"release.released"}
    assert produced | {events.PING} == set(events.EVENT_TYPES)


@pytest.mark.parametrize(
    ("action", "after", "event_type", "expected"),
    [
        (
            "release.halt",
            {"basis_points": 500, "health_gate": {"reason": "crash rate 3% over 1%"}},
            "release.halted",
            {"reason": "health gate failed: crash rate 3% over 1%", "percentage": 5},
        ),
        (
            "release.grayscale",
            {"status": "released", "basis_points": 10_000},
            "release.released",
            {"percentage": 100},
        ),
        (
            "release.grayscale",
            {"status": "grayscale", "basis_points": 2_550, "ramp_plan": "rmp_1"},
            "release.grayscale",
            {"percentage": 25.5, "ramp_plan": "rmp_1"},
        ),
        (
            "release.reject",
            {"side": "partner", "partner_comment": "no", "status": "rejected"},
            "review.rejected",
            {"side": "partner", "reason": "no"},
        ),
        (
            "listing.removal.force",
            {"removal_status": "removed", "reason": "fraud"},
            "release.removed",
            {"reason": "fraud"},
        ),
        ("release.build_failed", {"error": "syntax"}, "build.failed", {"error": "syntax"}),
    ],
)
def test_derived_data(
    session: Session, action: str, after: dict[str, Any], event_type: str, expected: dict[str, Any]
) -> None:
    derived = events.derive(session, _event(action, after))
    assert derived is not None
    found_type, payload = derived
    assert found_type == event_type == payload["type"]
    assert payload["timestamp"] == "2026-12-07T08:00:00Z"
    data = payload["data"]
    assert (data["workspace_id"], data["mini_program_id"], data["partner_app"]) == (
        "ws_1",
        "mp_1",
        "wallet",
    )
    assert {k: data[k] for k in expected} == expected


def test_what_is_not_in_the_table_is_no_event(session: Session) -> None:
    assert events.derive(session, _event("release.configure", {})) is None
    assert events.derive(session, _event("webhook.create", {})) is None
    assert events.derive(session, _event("release.pause", {}, workspace_id=None)) is None


def test_subscriptions() -> None:
    assert events.subscribed(["*"], "build.failed")
    assert events.subscribed(["build.failed"], "build.failed")
    assert not events.subscribed(["build.succeeded"], "build.failed")
