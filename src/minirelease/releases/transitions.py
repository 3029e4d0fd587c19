"""Moving a release through the state machine: decide, apply, audit — one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.db import utcnow
from minirelease.releases import ramp
from minirelease.releases.facts import facts_for
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.state import Action, Params, Status, decide

_TRACKED = ("status", "basis_points", "paused", "halted")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def snapshot(release: Release, *extra: str) -> dict[str, Any]:
    return {name: _jsonable(getattr(release, name)) for name in (*_TRACKED, *extra)}


def _abandon_work(session: Session, release: Release) -> None:
    """A canceled release's queued or running build and test will never finish (their jobs
    find the release canceled and stop): say so, rather than show them pending forever."""
    if release.build_status in ("queued", "running"):
        release.build_status = "canceled"
    run = session.get(CompatibilityRun, release.compat_run_id) if release.compat_run_id else None
    if run is not None and run.status in ("queued", "running"):
        run.status = "canceled"
        run.finished_at = utcnow()


def transition(
    session: Session,
    release: Release,
    action: Action,
    *,
    actor: str,
    workspace_id: str,
    params: Params | None = None,
    partner_app: str | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Status:
    """Apply ``action`` (refused with ``InvalidTransition`` by the guards), set the given
    field ``changes`` with it, keep the release's ramp plan in step (``now``: the caller's
    clock, the app's or a periodic tick's; the system's when not given), and record the
    audit event ``release.<action>``."""
    target = decide(facts_for(session, release, action), action, params)
    changes = changes or {}
    before = snapshot(release, *changes)
    release.status = target.value
    for name, value in changes.items():
        setattr(release, name, value)
    if target == Status.CANCELED:
        _abandon_work(session, release)
    release.updated_at = utcnow()
    session.flush()  # the optimistic row_version check happens here
    ramp.follow(session, release, action, now or utcnow())
    audit.record(
        session,
        actor=actor,
        action=f"release.{action.value}",
        target_type="release",
        target_id=release.id,
        workspace_id=workspace_id,
        mini_program_id=release.mini_program_id,
        release_id=release.id,
        partner_app=partner_app,
        before=before,
        after={**snapshot(release, *changes), **(details or {})},
    )
    return target
