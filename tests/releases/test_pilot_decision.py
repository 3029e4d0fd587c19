"""``rollout_actions.pilot`` (issue 13, item 7): the service, not the API or the console,
decides whether "Pilot" starts a pilot or replaces a running pilot's testers, from the
status read under the release's lock; and in the order the routes answered before: 404
for who cannot see the release, then the tester ids, then 403 for who may only read it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.audit import AuditEvent
from minirelease.authz import Principal
from minirelease.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minirelease.releases import rollout_actions
from minirelease.releases.models import Release
from tests.factories import Actor, Factory
from tests.releases.rows import ReleaseRows


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


@pytest.fixture
def team(factory: Factory, session_factory: sessionmaker[Any]) -> tuple[Actor, Factory, Any]:
    """The owner of a mini program with an approved release: (owner, factory, release)."""
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    release = ReleaseRows(session_factory).release(mp, factory.partner_app(), "1.0.0", "approved")
    return owner, factory, release


def _pilot(session: Session, who: Principal, release_id: str, testers: list[str]) -> Release:
    release = rollout_actions.pilot(session, who, release_id=release_id, tester_user_ids=testers)
    session.commit()
    return release


def _actions(session: Session, release_id: str) -> list[str]:
    rows = session.query(AuditEvent).filter_by(target_id=release_id).order_by(AuditEvent.seq)
    return [row.action for row in rows]


def test_pilot_starts_a_pilot_then_replaces_its_testers(
    team: tuple[Actor, Factory, Any], session: Session
) -> None:
    owner, _, release = team
    who = _principal(session, owner)
    started = _pilot(session, who, release.id, ["qa-1", "qa-2"])
    assert (started.status, list(started.pilot_tester_ids)) == ("pilot", ["qa-1", "qa-2"])
    updated = _pilot(session, who, release.id, ["qa-3"])
    assert (updated.status, list(updated.pilot_tester_ids)) == ("pilot", ["qa-3"])
    assert _actions(session, release.id)[-2:] == ["release.pilot", "release.update_testers"]


def test_pilot_is_refused_in_order_404_then_the_testers_then_403(
    team: tuple[Actor, Factory, Any], session: Session
) -> None:
    _, factory, release = team
    stranger = _principal(session, factory.user())
    with pytest.raises(NotFound):
        _pilot(session, stranger, release.id, [])
    session.rollback()
    admin = _principal(session, factory.user(platform_admin=True))  # reads, may not manage
    with pytest.raises(ValidationFailed):
        _pilot(session, admin, release.id, [])
    session.rollback()
    with pytest.raises(PermissionDenied):
        _pilot(session, admin, release.id, ["qa-1"])
    session.rollback()
    unchanged = session.get(Release, release.id, populate_existing=True)
    assert unchanged is not None and unchanged.status == "approved"


def test_pilot_of_a_release_past_its_pilot_is_an_invalid_transition(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    rows = ReleaseRows(session_factory)
    release = rows.release(mp, factory.partner_app(), "1.0.0", "grayscale", basis_points=500)
    with pytest.raises(InvalidTransition):
        _pilot(session, _principal(session, owner), release.id, ["qa-1"])
