"""The workspace overview: each mini program with, per partner app, the online release
and the release under way, as ``listings.read_listing`` names them, batched."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.authz import Principal
from minirelease.errors import NotFound
from minirelease.pagination import PageRequest
from minirelease.releases import listings
from minirelease.releases.overview import workspace_overview
from tests.factories import Actor, Factory
from tests.releases.rows import ReleaseRows


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


def test_online_and_active_per_partner_app_as_the_listing_reads_them(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    shop = factory.mini_program(ws, owner, name="Shop")
    quiet = factory.mini_program(ws, owner, name="Quiet")
    wallet, other = factory.partner_app(name="A wallet"), factory.partner_app(name="B wallet")
    rows = ReleaseRows(session_factory)
    v1 = rows.release(shop, wallet, "1.0.0", "released", basis_points=10_000, online=True)
    rows.release(shop, wallet, "1.1.0", "building")  # older preparation, not the active one
    gray = rows.release(shop, wallet, "1.2.0", "grayscale", basis_points=500, paused=True)
    rows.release(shop, wallet, "1.3.0", "tested")  # newer, but grayscale is under way
    canceled = rows.release(shop, other, "1.0.0", "canceled")
    newest = rows.release(shop, other, "1.4.0", "awaiting_test")

    viewer = _principal(session, owner)
    overview = workspace_overview(session, viewer, workspace_id=ws.id, page=None)

    assert [row.mini_program.id for row in overview] == [shop.id, quiet.id]
    shop_row, quiet_row = overview
    assert quiet_row.partners == []
    first, second = shop_row.partners
    assert (first.code, first.name) == (wallet.code, "A wallet")
    assert first.online is not None and first.online.id == v1.id
    assert first.active is not None and first.active.id == gray.id
    assert first.active.percentage == 5 and first.active.paused and not first.removed
    assert second.online is None and second.active is not None
    assert second.active.id == newest.id != canceled.id
    # The same answers as the listing read of the API.
    read = listings.read_listing(session, viewer, mini_program_id=shop.id, code=wallet.code)
    assert read.online is not None and read.online.id == first.online.id
    assert read.active is not None and read.active.id == first.active.id


def test_a_removed_listing_says_so(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    wallet = factory.partner_app()
    rows = ReleaseRows(session_factory)
    rows.release(mp, wallet, "1.0.0", "released", basis_points=10_000, online=True)
    rows.removed(mp, wallet)
    (row,) = workspace_overview(session, _principal(session, owner), workspace_id=ws.id, page=None)
    assert row.partners[0].removed


def test_developers_get_their_assigned_programs_and_outsiders_nothing(
    factory: Factory, session: Session
) -> None:
    ws, owner = factory.workspace()
    mine = factory.mini_program(ws, owner)
    factory.mini_program(ws, owner)
    developer = factory.member(ws, "developer", mini_programs=(mine,))
    listed = workspace_overview(
        session, _principal(session, developer), workspace_id=ws.id, page=None
    )
    assert [row.mini_program.id for row in listed] == [mine.id]
    with pytest.raises(NotFound):
        workspace_overview(
            session, _principal(session, factory.user()), workspace_id=ws.id, page=None
        )


def test_a_page_costs_the_same_queries_however_many_programs_and_releases(
    factory: Factory,
    session: Session,
    session_factory: sessionmaker[Any],
    connection: Connection,
) -> None:
    ws, owner = factory.workspace()
    wallets = [factory.partner_app(), factory.partner_app()]
    rows = ReleaseRows(session_factory)
    programs = [factory.mini_program(ws, owner) for _ in range(12)]
    viewer = _principal(session, owner)

    def queries(limit: int) -> tuple[int, int]:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", count)
        try:
            page = workspace_overview(
                session, viewer, workspace_id=ws.id, page=PageRequest(limit=limit)
            )
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return len(statements), sum(len(row.partners) for row in page)

    for mp in programs:
        for wallet in wallets:
            rows.release(mp, wallet, "1.0.0", "released", basis_points=10_000, online=True)
            rows.release(mp, wallet, "1.1.0", "grayscale", basis_points=100)
    small, small_pairs = queries(2)
    large, large_pairs = queries(12)
    assert (small_pairs, large_pairs) == (4, 24)
    assert small == large
