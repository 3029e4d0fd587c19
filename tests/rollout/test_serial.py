"""The rollout serial (issue 5, item 1): one counter that grows, in the same transaction,
with every change a launch answer or a manifest could show, and only with those; its
commits tell this process's listeners."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from minirelease import migrate
from minirelease.db import make_engine, make_session_factory
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.rollout import serial as rollout_serial
from minirelease.rollout.serial import WATCHED, current_serial
from minirelease.rollout.state import COLUMNS_READ
from tests.factories import Factory
from tests.rollout.rows import Rows

Change = Callable[[Session], object]


def _serial(sessions: sessionmaker[Any]) -> int:
    with sessions() as session:
        return current_serial(session)


def _commit(sessions: sessionmaker[Any], change: Change) -> int:
    """Commit ``change`` in its own unit of work; by how much the serial grew."""
    before = _serial(sessions)
    with sessions() as session:
        change(session)
        session.commit()
    return _serial(sessions) - before


@pytest.fixture
def commits() -> Iterator[list[str]]:
    """One entry per call of a commit listener: the thread it was called on."""
    seen: list[str] = []

    def listener() -> None:
        seen.append(threading.current_thread().name)

    rollout_serial.add_commit_listener(listener)
    yield seen
    rollout_serial.remove_commit_listener(listener)


def test_every_column_the_snapshot_reads_is_watched() -> None:
    for column in COLUMNS_READ:
        if column.key == "id":
            continue  # primary keys never change; new and deleted rows always count
        model: Any = column.class_
        assert column.key in WATCHED[model], column


def test_watched_changes_bump_it_once_per_transaction(
    session_factory: sessionmaker[Any], factory: Factory, commits: list[str]
) -> None:
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    release = rows.release(mp, partner, "1.0.0", "released")
    listing = rows.listing(mp, partner, release)
    commits.clear()

    def grayscale_step(session: Session) -> None:
        row = session.get(Release, release.id)
        assert row is not None
        row.basis_points = 500
        session.flush()
        row.halted = True  # a second flush in the same transaction
        row.pilot_tester_ids = ["qa"]

    watched: list[Change] = [
        grayscale_step,
        lambda s: setattr(s.get(Listing, listing.id), "removal_status", "removed"),
        lambda s: setattr(s.get(Listing, listing.id), "online_release_id", None),
        lambda s: setattr(s.get(PartnerApp, partner.id), "code", f"{partner.code}-renamed"),
        lambda s: setattr(s.get(MiniProgram, mp.id), "app_id", "2099000000000001"),
        lambda s: s.execute(update(Release).where(Release.id == release.id).values(status="x")),
        lambda s: s.delete(s.get(Listing, listing.id)),
    ]
    for change in watched:
        assert _commit(session_factory, change) == 1
    assert len(commits) == len(watched)
    # New rows count: a partner app, a mini program (the factory commits each on its own).
    before = _serial(session_factory)
    factory.partner_app()
    rows.program()
    assert _serial(session_factory) == before + 2


def test_other_changes_do_not_bump_it(
    session_factory: sessionmaker[Any], factory: Factory, commits: list[str]
) -> None:
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    release = rows.release(mp, partner, "1.0.0", "released")
    listing = rows.listing(mp, partner, release)
    commits.clear()
    unwatched: list[Change] = [
        lambda s: setattr(s.get(Release, release.id), "build_log", [{"line": "built"}]),
        lambda s: setattr(s.get(Release, release.id), "paused", True),
        lambda s: setattr(s.get(Listing, listing.id), "removal_reason", "asked for it"),
        lambda s: setattr(s.get(PartnerApp, partner.id), "name", "Renamed Wallet"),
        lambda s: setattr(s.get(MiniProgram, mp.id), "description", "new words"),
        # Set to the value it has: no change.
        lambda s: setattr(s.get(Release, release.id), "basis_points", release.basis_points),
        lambda s: None,
    ]
    for change in unwatched:
        assert _commit(session_factory, change) == 0
    assert commits == []


def test_a_rolled_back_change_does_not_bump_it_and_tells_nobody(
    session_factory: sessionmaker[Any], factory: Factory, commits: list[str]
) -> None:
    partner = factory.partner_app()
    commits.clear()
    before = _serial(session_factory)
    with session_factory() as session:
        row = session.get(PartnerApp, partner.id)
        assert row is not None
        row.code = "rolled-back"
        session.flush()
        session.rollback()
        # The same session's next transaction starts clean.
        assert session.get(PartnerApp, partner.id) is not None
        session.commit()
    assert _serial(session_factory) == before
    assert commits == []


def test_savepoints_inside_a_transaction_bump_it_once_at_the_end(
    session_factory: sessionmaker[Any], factory: Factory, commits: list[str]
) -> None:
    partner = factory.partner_app()
    commits.clear()

    def two_savepoints(session: Session) -> None:
        row = session.get(PartnerApp, partner.id)
        assert row is not None
        for code in ("first", "second"):
            with session.begin_nested():
                row.code = f"{partner.code}-{code}"
        assert commits == []  # nothing is told before the real commit

    assert _commit(session_factory, two_savepoints) == 1
    assert len(commits) == 1


@pytest.mark.parametrize("threads", [4])
def test_concurrent_writers_each_count_from_a_database_without_the_row(
    empty_database_url: str, threads: int
) -> None:
    """The first bump creates the row; concurrent first bumps and later ones never
    conflict and never lose a count, on either database."""
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    try:
        assert _serial(sessions) == 0
        rounds = 10
        barrier = threading.Barrier(threads)
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                barrier.wait()
                for _ in range(rounds):
                    with sessions() as session:
                        rollout_serial.mark_changed(session)
                        session.commit()
            except BaseException as exc:  # reported below, with the thread's number
                errors.append(exc)

        workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert errors == []
        assert _serial(sessions) == threads * rounds
    finally:
        engine.dispose()


def test_only_status_moves_into_or_out_of_pilot_or_grayscale_bump_it(
    session_factory: sessionmaker[Any], factory: Factory
) -> None:
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    release = rows.release(mp, partner, "1.1.0", "building")

    def to(status: str) -> Change:
        return lambda s: setattr(s.get(Release, release.id), "status", status)

    moves = [
        ("awaiting_test", 0),
        ("testing", 0),
        ("tested", 0),
        ("approved", 0),
        ("pilot", 1),
        ("approved", 1),
        ("grayscale", 1),
        ("released", 1),
        ("archived", 0),
    ]
    assert [(status, _commit(session_factory, to(status))) for status, _ in moves] == moves
