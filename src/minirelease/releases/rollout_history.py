"""A release's grayscale percentage over time, read back from its audit events: every
transition records the release's percentage, pause and halt flags before and after it
(releases/transitions.py), so the audit log is the history the release page charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.authz import Principal
from minirelease.releases.access import load_release
from minirelease.releases.state import FULL, Action, Status

# The transitions that change who gets the version, and so the chart's line.
CHARTED = tuple(
    f"release.{action.value}"
    for action in (
        Action.PILOT,
        Action.COMPLETE_PILOT,
        Action.GRAYSCALE,
        Action.PAUSE,
        Action.RESUME,
        Action.HALT,
        Action.FULL_RELEASE,
        Action.COMPLETE_AT_DEADLINE,
        Action.CANCEL,
        Action.ARCHIVE,
        Action.ROLL_BACK,
    )
)
# Far more than a grayscale makes (a plan has at most 20 steps); bounds the read.
MAX_CHANGES = 500
# After these the version is served to nobody through this release.
_GONE = frozenset({Status.CANCELED, Status.ARCHIVED, Status.ROLLED_BACK})


@dataclass(frozen=True)
class PercentageChange:
    """One transition: the share of users the release served before and after it."""

    at: dt.datetime
    action: str  # the state machine's action: grayscale, pause, halt, …
    actor: str
    before: float  # percent, 0 … 100
    after: float
    paused: bool  # after the change
    halted: bool


def _percent(snapshot: dict[str, Any] | None) -> float:
    """The share a snapshot served: a released release serves everyone, even where its
    event was written before it was marked 100 % (a full release goes online after)."""
    if not snapshot:
        return 0.0
    status = snapshot.get("status")
    if status == Status.RELEASED:
        return FULL / 100
    if status in _GONE:
        return 0.0
    return int(snapshot.get("basis_points") or 0) / 100


def _change(event: AuditEvent) -> PercentageChange:
    after = event.after or {}
    return PercentageChange(
        at=event.occurred_at,
        action=event.action.removeprefix("release."),
        actor=event.actor,
        before=_percent(event.before),
        after=_percent(after),
        paused=bool(after.get("paused")),
        halted=bool(after.get("halted")),
    )


def percentage_history(
    session: Session, principal: Principal, *, release_id: str
) -> list[PercentageChange]:
    """The release's rollout transitions, oldest first (the latest ``MAX_CHANGES``), for
    whoever may read the release."""
    load_release(session, principal, release_id)
    return changes_of(session, release_id=release_id)


def changes_of(session: Session, *, release_id: str) -> list[PercentageChange]:
    """``percentage_history`` for a caller that has already checked that the release may
    be read (a page that loaded it for its viewer)."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.release_id == release_id,
            AuditEvent.target_type == "release",
            AuditEvent.action.in_(CHARTED),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(MAX_CHANGES)
    )
    return [_change(event) for event in reversed(list(events))]
