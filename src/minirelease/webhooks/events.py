"""The events a webhook may subscribe to, each derived from an audit event in ONE table:
the audit log already records every state change, in the change's own transaction, so an
event exists exactly when its change does.

Each row maps an audit action to the event type (a function of the audit event where one
action means two things, e.g. a grayscale raised to 100 % is a release) and to what the
event's ``data`` carries beyond the common fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from minirelease.releases.models import CompatibilityRun, Release

if TYPE_CHECKING:
    from minirelease.audit import AuditEvent

PING = "webhook.ping"
ALL = "*"

Data = Callable[[Session, "AuditEvent"], dict[str, Any]]


def _after(event: AuditEvent) -> dict[str, Any]:
    return event.after or {}


def _nothing(_: Session, __: AuditEvent) -> dict[str, Any]:
    return {}


def _pick(*names: str) -> Data:
    def data(_: Session, event: AuditEvent) -> dict[str, Any]:
        after = _after(event)
        return {name: after.get(name) for name in names}

    return data


def _percentage(_: Session, event: AuditEvent) -> dict[str, Any]:
    after = _after(event)
    basis_points = int(after.get("basis_points") or 0)
    data: dict[str, Any] = {"percentage": basis_points / 100, "basis_points": basis_points}
    if "ramp_plan" in after:
        data["ramp_plan"] = after["ramp_plan"]
    return data


def _halted(session: Session, event: AuditEvent) -> dict[str, Any]:
    gate = _after(event).get("health_gate")
    reason = f"health gate failed: {gate.get('reason')}" if isinstance(gate, dict) else None
    return {**_percentage(session, event), "reason": reason, "health_gate": gate}


def _review(_: Session, event: AuditEvent) -> dict[str, Any]:
    after = _after(event)
    side = after.get("side")
    return {"side": side, "reason": after.get(f"{side}_comment"), "status": after.get("status")}


def _compatibility(session: Session, event: AuditEvent) -> dict[str, Any]:
    after = _after(event)
    run_id = after.get("run_id")
    run = session.get(CompatibilityRun, run_id) if run_id else None
    summary = (run.summary if run is not None else None) or {}
    return {
        "run_id": run_id,
        "result": after.get("result"),
        "summary": {
            "result": summary.get("status", after.get("result")),
            "cells": summary.get("cells", run.cells_total if run is not None else 0),
            "by_severity": {level: summary.get(level, 0) for level in ("pass", "warn", "fail")},
            "findings": summary.get("findings", 0),
        },
    }


def _rolled_back(_: Session, event: AuditEvent) -> dict[str, Any]:
    after = _after(event)
    return {"restored_release_id": after.get("restored"), "restored_version": after.get("version")}


def _grayscale_or_released(event: AuditEvent) -> str:
    return "release.released" if _after(event).get("status") == "released" else "release.grayscale"


@dataclass(frozen=True)
class Derivation:
    event_type: str | Callable[[AuditEvent], str]
    data: Data = _nothing

    def type_of(self, event: AuditEvent) -> str:
        return self.event_type if isinstance(self.event_type, str) else self.event_type(event)


def _everyone(_: Session, __: AuditEvent) -> dict[str, Any]:
    return {"percentage": 100, "basis_points": 10_000}


_released = Derivation("release.released", _everyone)

# audit action → event. Nothing else the audit log records is sent.
DERIVATIONS: dict[str, Derivation] = {
    "version.upload": Derivation(
        "version.uploaded", _pick("version", "description", "package_sha256", "package_size")
    ),
    "release.build_succeeded": Derivation("build.succeeded", _pick("build_sha256", "build_size")),
    "release.build_failed": Derivation("build.failed", _pick("error")),
    "release.test_finished": Derivation("compatibility_run.finished", _compatibility),
    "release.apply": Derivation("review.requested"),
    "release.approve": Derivation("review.approved", _review),
    "release.reject": Derivation("review.rejected", _review),
    "release.pilot": Derivation("release.pilot"),
    # Raised to 100 %, a grayscale is a release (the status says which it was).
    "release.grayscale": Derivation(_grayscale_or_released, _percentage),
    "release.pause": Derivation("release.paused", _percentage),
    "release.resume": Derivation("release.resumed", _percentage),
    "release.halt": Derivation("release.halted", _halted),
    "release.full_release": _released,
    "release.complete_at_deadline": _released,
    "release.roll_back": Derivation("release.rolled_back", _rolled_back),
    "listing.removal.approve": Derivation("release.removed", _pick("reason")),
    "listing.removal.force": Derivation("release.removed", _pick("reason")),
    "release.cancel": Derivation("release.canceled", _pick("reason", "superseded_by")),
}

EVENT_TYPES: tuple[str, ...] = (
    "version.uploaded",
    "build.succeeded",
    "build.failed",
    "compatibility_run.finished",
    "review.requested",
    "review.approved",
    "review.rejected",
    "release.pilot",
    "release.grayscale",
    "release.paused",
    "release.resumed",
    "release.halted",
    "release.released",
    "release.rolled_back",
    "release.removed",
    "release.canceled",
    PING,
)


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def derive(session: Session, event: AuditEvent) -> tuple[str, dict[str, Any]] | None:
    """The event type and payload an audit event stands for, or None: not an event."""
    derivation = DERIVATIONS.get(event.action)
    if derivation is None or event.workspace_id is None:
        return None
    event_type = derivation.type_of(event)
    data: dict[str, Any] = {
        "workspace_id": event.workspace_id,
        "mini_program_id": event.mini_program_id,
        "release_id": event.release_id,
        "partner_app": event.partner_app,
        "actor": event.actor,
    }
    after = _after(event)
    if event.release_id is not None:
        release = session.get(Release, event.release_id)
        data["version"] = release.version if release is not None else after.get("version")
        data["status"] = after.get("status", release.status if release is not None else None)
    data.update(derivation.data(session, event))
    return event_type, {"type": event_type, "timestamp": timestamp(event.occurred_at), "data": data}


def subscribed(events: list[Any], event_type: str) -> bool:
    return ALL in events or event_type in events
