"""One member read alone, and the mini programs a developer can be assigned."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.authz import Principal
from minirelease.errors import NotFound, PermissionDenied
from minirelease.workspaces import members
from minirelease.workspaces.member_view import assignable_mini_programs, get_member
from tests.factories import Actor, Factory


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


def test_a_member_reads_as_in_the_list(factory: Factory, session: Session) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    developer = factory.member(ws, "developer", mini_programs=(mp,), blocked=True)
    viewer = _principal(session, owner)
    one = get_member(session, viewer, workspace_id=ws.id, user_id=developer.id)
    listed = members.list_members(session, viewer, workspace_id=ws.id)
    assert one in listed
    assert (one.role, one.blocked, one.mini_program_ids) == ("developer", True, [mp.id])


def test_a_member_of_another_workspace_or_an_unseen_workspace_is_not_found(
    factory: Factory, session: Session
) -> None:
    ws, owner = factory.workspace()
    other, stranger = factory.workspace()
    with pytest.raises(NotFound):
        get_member(session, _principal(session, owner), workspace_id=ws.id, user_id=stranger.id)
    with pytest.raises(NotFound):
        get_member(session, _principal(session, owner), workspace_id=other.id, user_id=stranger.id)


def test_assignable_programs_for_owners_and_masters_only(
    factory: Factory, session: Session
) -> None:
    ws, owner = factory.workspace()
    zeta = factory.mini_program(ws, owner, name="Zeta")
    alpha = factory.mini_program(ws, owner, name="Alpha")
    factory.mini_program(factory.workspace()[0], owner, name="Elsewhere")
    master = factory.member(ws, "master")
    expected = [(alpha.id, "Alpha"), (zeta.id, "Zeta")]
    for actor in (owner, master):
        assert (
            assignable_mini_programs(session, _principal(session, actor), workspace_id=ws.id)
            == expected
        )
    developer = factory.member(ws, "developer", mini_programs=(alpha,))
    admin = factory.user(platform_admin=True)
    for actor in (developer, admin):
        with pytest.raises(PermissionDenied):
            assignable_mini_programs(session, _principal(session, actor), workspace_id=ws.id)
    with pytest.raises(NotFound):
        assignable_mini_programs(session, _principal(session, factory.user()), workspace_id=ws.id)
