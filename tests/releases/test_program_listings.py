"""Queries behind the console's mini program and listing pages: a mini program's listings
across partner apps, the versions a rollback may choose, and what the caller may do."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.authz import Permission, Principal
from minirelease.errors import NotFound
from minirelease.releases import listings
from minirelease.releases.program_listings import program_listings
from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, released, scenario


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


def _view(session: Session, s: Scenario, actor: Actor) -> listings.ListingView:
    return listings.read_listing(
        session, _principal(session, actor), mini_program_id=s.mini_program_id, code=s.partner
    )


def test_program_listings_one_row_per_partner_app(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    other = factory.partner_app(code="zz-wallet")
    s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/releases",
        json={"version": "1.0.0", "partner_app": other.code},
    )
    with session_factory() as session:
        rows = program_listings(
            session, _principal(session, s.developer), mini_program_id=s.mini_program_id
        )
        assert [(r.code, r.online_version, r.removal_status) for r in rows] == [
            (s.partner, "1.0.0", "none"),
            ("zz-wallet", None, "none"),
        ]
        admin = program_listings(
            session, _principal(session, s.admin), mini_program_id=s.mini_program_id
        )
        assert len(admin) == 2
        for outsider in (s.platform_reviewer, s.partner_reviewer, factory.user()):
            with pytest.raises(NotFound):
                program_listings(
                    session, _principal(session, outsider), mini_program_id=s.mini_program_id
                )


def test_rollback_targets_are_the_distinct_earlier_versions(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    with session_factory() as session:
        assert listings.rollback_targets(session, _view(session, s, s.developer)) == []
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        released(s, version)
    s.ok("POST", f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/rollback")
    with session_factory() as session:
        view = _view(session, s, s.developer)
        assert view.online is not None and view.online.version == "1.1.0"
        targets = listings.rollback_targets(session, view)
        assert [r.version for r in targets] == ["1.2.0", "1.0.0"]


def test_the_view_says_what_the_caller_may_do(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    with session_factory() as session:
        team = _view(session, s, s.developer).permissions
        reviewer = _view(session, s, s.partner_reviewer).permissions
        admin = _view(session, s, s.admin).permissions
    assert Permission.RELEASE_MANAGE in team and Permission.REMOVAL_REVIEW not in team
    assert Permission.REMOVAL_REVIEW in reviewer and Permission.RELEASE_MANAGE not in reviewer
    assert Permission.FORCE_REMOVE in admin and Permission.FORCE_REMOVE not in team
