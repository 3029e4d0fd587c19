"""Names for a page of a workspace's audit events: actors' emails, mini programs' names."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.authz import Principal
from minirelease.errors import NotFound, PermissionDenied
from minirelease.workspaces.audit_labels import audit_labels
from tests.factories import Actor, Factory


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


def test_labels_for_the_events_of_the_workspace(factory: Factory, session: Session) -> None:
    ws, owner = factory.workspace()
    other_ws, stranger = factory.workspace()
    mp = factory.mini_program(ws, owner, name="Shop")
    theirs = factory.mini_program(other_ws, stranger, name="Theirs")
    events = [
        audit.record(
            session,
            actor=owner.id,
            action="a",
            target_type="t",
            target_id="1",
            workspace_id=ws.id,
            mini_program_id=mp.id,
        ),
        audit.record(
            session,
            actor="system:reconciler",
            action="b",
            target_type="t",
            target_id="2",
            workspace_id=ws.id,
            mini_program_id="mp_deleted",
        ),
        # Not of this workspace: never labelled through it.
        audit.record(
            session,
            actor=stranger.id,
            action="c",
            target_type="t",
            target_id="3",
            workspace_id=other_ws.id,
            mini_program_id=theirs.id,
        ),
    ]
    labels = audit_labels(session, _principal(session, owner), workspace_id=ws.id, events=events)
    assert labels.actors == {owner.id: owner.email}
    assert labels.mini_programs == {mp.id: "Shop"}


def test_only_for_readers_of_the_workspace_audit_log(factory: Factory, session: Session) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    admin = factory.user(platform_admin=True)
    for actor in (owner, master, admin):
        audit_labels(session, _principal(session, actor), workspace_id=ws.id, events=[])
    developer = factory.member(ws, "developer")
    with pytest.raises(PermissionDenied):
        audit_labels(session, _principal(session, developer), workspace_id=ws.id, events=[])
    with pytest.raises(NotFound):
        audit_labels(session, _principal(session, factory.user()), workspace_id=ws.id, events=[])
