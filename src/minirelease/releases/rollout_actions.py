"""Release preparation and release: pilot, grayscale (start, raise, pause, halt, resume),
full release, cancel, and completion at the partner app's grayscale deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, require
from minirelease.db import utcnow
from minirelease.errors import InvalidTransition, ValidationFailed
from minirelease.miniprograms.models import MiniProgram
from minirelease.miniprograms.rules import check_tester_user_ids
from minirelease.partners.models import PartnerApp
from minirelease.releases import ramp
from minirelease.releases.access import load_release
from minirelease.releases.facts import listing_for
from minirelease.releases.models import Release
from minirelease.releases.state import FULL, Action, Params, Status
from minirelease.releases.transitions import transition
from minirelease.rollout.bucketing import basis_points

SYSTEM_DEADLINE = "system:grayscale-deadline"


class _Managed(NamedTuple):
    """A release locked for a person's action, with what its transition records."""

    release: Release
    workspace_id: str
    code: str  # the partner app's


def _managed(session: Session, release: Release, mp: MiniProgram) -> _Managed:
    partner = session.get(PartnerApp, release.partner_app_id)
    return _Managed(release, mp.workspace_id, partner.code if partner else "")


def _manage(session: Session, principal: Principal, release_id: str) -> _Managed:
    release, mp, _ = load_release(
        session, principal, release_id, Permission.RELEASE_MANAGE, for_update=True
    )
    return _managed(session, release, mp)


def go_online(
    session: Session, release: Release, *, actor: str, workspace_id: str, code: str
) -> None:
    """The release became ``released``: it is now what the pair serves, the previous
    online release is archived, and a removed listing is listed again."""
    listing = listing_for(session, release, for_update=True)
    assert listing is not None, "every release has its listing from creation"
    previous = (
        session.get(Release, listing.online_release_id) if listing.online_release_id else None
    )
    if previous is not None and previous.id != release.id and previous.status == Status.RELEASED:
        transition(
            session,
            previous,
            Action.ARCHIVE,
            actor=actor,
            workspace_id=workspace_id,
            partner_app=code,
            details={"superseded_by": release.id},
        )
    listing.online_release_id = release.id
    listing.removal_status = "none"
    listing.removal_reason = None
    listing.removal_requested_by = None
    release.released_at = utcnow()
    release.basis_points = FULL
    session.flush()


def _act(
    session: Session,
    principal: Principal,
    release_id: str,
    action: Action,
    changes: dict[str, object] | None = None,
    params: Params | None = None,
    now: dt.datetime | None = None,
) -> Release:
    """Lock the release, apply ``action`` with ``changes``, and put it online when the
    action released it: the shape of every person-driven action below. ``now``: the
    caller's clock, which the ramp plan follows (the system's when not given)."""
    managed = _manage(session, principal, release_id)
    return _apply(session, principal, managed, action, changes, params, now)


def _apply(
    session: Session,
    principal: Principal,
    managed: _Managed,
    action: Action,
    changes: dict[str, object] | None = None,
    params: Params | None = None,
    now: dt.datetime | None = None,
) -> Release:
    release, workspace_id, code = managed
    transition(
        session,
        release,
        action,
        actor=principal.user_id,
        workspace_id=workspace_id,
        params=params,
        partner_app=code,
        changes=changes,
        now=now,
    )
    if release.status == Status.RELEASED:
        go_online(session, release, actor=principal.user_id, workspace_id=workspace_id, code=code)
    return release


def _testers(tester_user_ids: Sequence[str]) -> list[str]:
    testers = check_tester_user_ids(list(tester_user_ids))
    if not testers:
        raise ValidationFailed("a pilot needs at least one tester user id")
    return list(testers)


def pilot(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    tester_user_ids: Sequence[str],
    now: dt.datetime | None = None,
) -> Release:
    """Start a pilot (from release preparation), or replace the testers of a running one:
    the status, read under the release's lock, decides which. Who cannot see the release
    hears 404 before their tester ids are checked; who may only read it, 403 after."""
    release, mp, roles = load_release(session, principal, release_id, for_update=True)
    testers = _testers(tester_user_ids)
    require(roles, Permission.RELEASE_MANAGE, what="release")
    action = Action.UPDATE_TESTERS if release.status == Status.PILOT else Action.PILOT
    managed = _managed(session, release, mp)
    return _apply(session, principal, managed, action, {"pilot_tester_ids": testers}, now=now)


def complete_pilot(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    return _act(session, principal, release_id, Action.COMPLETE_PILOT, now=now)


def _grayscale_points(percentage: str | float | None, plan: ramp.PlanSpec | None) -> int:
    """The percentage asked for, in basis points; with a plan, its first step (a
    percentage given as well must be that step)."""
    try:
        points = None if percentage is None else basis_points(percentage)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    if plan is None:
        if points is None:
            raise ValidationFailed("percentage: required (or a plan, starting at its first step)")
        return points
    first = plan.steps[0].basis_points
    if points is not None and points != first:
        raise ValidationFailed(
            f"percentage: {points / 100:g} is not the plan's first step ({first / 100:g});"
            " leave it out or make them equal"
        )
    return first


def set_grayscale(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    percentage: str | float | None = None,
    plan: ramp.PlanSpec | None = None,
    now: dt.datetime | None = None,
) -> Release:
    """Start a grayscale from release preparation (optionally with a ramp ``plan``), or
    raise a running one; 100 % releases."""
    points = _grayscale_points(percentage, plan)
    now = now or utcnow()
    release = _act(
        session,
        principal,
        release_id,
        Action.GRAYSCALE,
        {"basis_points": points},
        Params(basis_points=points),
        now=now,
    )
    started = release.grayscale_started_at
    starting = started is None
    if started is None:  # the deadline counts from the first step
        started = release.grayscale_started_at = now
    if plan is not None:
        if not starting:
            raise InvalidTransition(
                release.status,
                Action.GRAYSCALE.value,
                "a ramp plan is given when the grayscale starts",
            )
        mp = session.get(MiniProgram, release.mini_program_id)
        partner = session.get(PartnerApp, release.partner_app_id)
        assert mp is not None and partner is not None
        ramp.start(
            session,
            release,
            plan,
            actor=principal.user_id,
            workspace_id=mp.workspace_id,
            partner_app=partner.code,
            deadline_days=partner.grayscale_deadline_days,
            now=started,
        )
    return release


def pause(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    return _act(session, principal, release_id, Action.PAUSE, {"paused": True}, now=now)


def halt(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    return _act(session, principal, release_id, Action.HALT, {"halted": True}, now=now)


def resume(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    """Clears a pause or a halt; a halted grayscale comes back with the same cohort."""
    changes: dict[str, object] = {"paused": False, "halted": False}
    return _act(session, principal, release_id, Action.RESUME, changes, now=now)


def full_release(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    return _act(session, principal, release_id, Action.FULL_RELEASE, {"paused": False}, now=now)


def cancel(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    """Everyone goes back to (or stays on) the online version; queued work is abandoned."""
    return _act(session, principal, release_id, Action.CANCEL, now=now)


def complete_due_grayscales(session: Session, now: dt.datetime) -> list[str]:
    """Complete every grayscale past its partner app's deadline (halted ones wait for a
    person). Returns the ids completed. Called periodically, with the clock injected."""
    rows = session.execute(
        select(Release, PartnerApp)
        .join(PartnerApp, PartnerApp.id == Release.partner_app_id)
        .where(Release.status == Status.GRAYSCALE.value, Release.halted.is_(False))
        # A release a person is changing right now is taken on the next tick.
        .with_for_update(of=Release, skip_locked=True)
    ).all()
    done: list[str] = []
    for release, partner in rows:
        started = release.grayscale_started_at
        if started is None or now < started + dt.timedelta(days=partner.grayscale_deadline_days):
            continue
        mp = session.get(MiniProgram, release.mini_program_id)
        workspace_id = mp.workspace_id if mp else ""
        transition(
            session,
            release,
            Action.COMPLETE_AT_DEADLINE,
            actor=SYSTEM_DEADLINE,
            workspace_id=workspace_id,
            partner_app=partner.code,
            changes={"paused": False},
            details={"deadline_days": partner.grayscale_deadline_days},
        )
        go_online(
            session, release, actor=SYSTEM_DEADLINE, workspace_id=workspace_id, code=partner.code
        )
        done.append(release.id)
    return done
