"""The rollout cache (issue 5, item 1): launches answered from memory with no database
query; this process's own changes seen when their commit returns; another process's seen
by the watcher within its poll interval; one tiny query per poll when nothing changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, delete, event, text
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.releases.models import Release
from minirelease.rollout.bucketing import bucket
from minirelease.rollout.cache import RolloutCache
from minirelease.rollout.changes import RolloutChange
from minirelease.rollout.serial import current_serial
from tests.factories import Factory
from tests.releases.live import wait_until
from tests.rollout.rows import Rows

API = "/api/v1"


def _selects(target: Connection | Engine) -> list[str]:
    """The SELECT statements sent through ``target`` from now on."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(target, "before_cursor_execute", record)
    return statements


def test_launches_send_no_query_and_see_this_process_changes_at_once(
    client: TestClient, factory: Factory, connection: Connection, session_factory: Any
) -> None:
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    online = rows.release(mp, partner, "1.0.0", "released")
    candidate = rows.release(mp, partner, "1.1.0", "grayscale", basis_points=1)
    rows.listing(mp, partner, online)
    users = [f"user-{n}" for n in range(200)]
    url = f"{API}/launch/{partner.code}/{mp.app_id}"

    statements = _selects(connection)
    answers = {user: client.get(url, params={"user_id": user}).json() for user in users}
    assert statements == []
    at_1 = {u: candidate.id if bucket(candidate.id, u) < 1 else online.id for u in users}
    assert {u: a["release_id"] for u, a in answers.items()} == at_1  # 0.01 %: nearly nobody

    # Raised to 50 % by a commit in this process: the very next launch follows it.
    with session_factory() as session:
        row = session.get(Release, candidate.id)
        row.basis_points = 5000
        session.commit()
    expected = {u: candidate.id if bucket(candidate.id, u) < 5000 else online.id for u in users}
    statements.clear()
    answers = {user: client.get(url, params={"user_id": user}).json() for user in users}
    assert {u: a["release_id"] for u, a in answers.items()} == expected
    assert statements == []
    assert len(set(expected.values())) == 2


def test_a_cache_on_one_shared_connection_runs_no_watcher(client: TestClient) -> None:
    rollout: RolloutCache = client.app.state.rollout  # type: ignore[attr-defined]
    assert not rollout.watching
    assert rollout.snapshot.serial >= 0  # loaded at start-up all the same


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Any]
    rows: Rows
    release: Release  # a grayscale at 1 basis point


@pytest.fixture
def database(empty_database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A database of its own: commits are real, as between server processes."""
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    factory = Factory(sessions, Settings(data_dir=tmp_path, database_url=empty_database_url))
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    online = rows.release(mp, partner, "1.0.0", "released")
    release = rows.release(mp, partner, "1.1.0", "grayscale", basis_points=1)
    rows.listing(mp, partner, online)
    yield Database(engine, sessions, rows, release)
    engine.dispose()


@pytest.fixture
def cache(database: Database) -> Iterator[RolloutCache]:
    rollout = RolloutCache(lambda: database.sessions, poll_seconds=0.05)
    rollout.start()
    yield rollout
    rollout.stop()


def _points(cache: RolloutCache, release: Release) -> int | None:
    for pairs in cache.snapshot.partners.values():
        for pair in pairs.values():
            if pair.candidate is not None and pair.candidate.release_id == release.id:
                return pair.basis_points
    return None


def _has_points(cache: RolloutCache, release: Release, points: int) -> bool:
    return _points(cache, release) == points


def _as_another_process(engine: Engine, release: Release, points: int) -> None:
    """A change as another server process commits it: through a connection of its own and
    without this process's session events, the counter bumped in the same transaction."""
    with engine.connect() as conn:
        conn.execute(
            text("UPDATE releases SET basis_points = :points WHERE id = :id"),
            {"points": points, "id": release.id},
        )
        conn.execute(text("UPDATE rollout_serial SET serial = serial + 1"))
        conn.commit()


def test_the_watcher_sees_another_process_change_within_its_interval(
    database: Database, cache: RolloutCache
) -> None:
    assert cache.watching
    assert _points(cache, database.release) == 1
    for points in (300, 7000):
        changed = time.monotonic()
        _as_another_process(database.engine, database.release, points)
        wait_until(partial(_has_points, cache, database.release, points), timeout=1, interval=0.005)
        assert time.monotonic() - changed < 1
    with database.sessions() as session:
        assert cache.snapshot.serial == current_serial(session)


def test_own_commits_are_seen_when_the_commit_returns(database: Database) -> None:
    rollout = RolloutCache(lambda: database.sessions, poll_seconds=3600)  # never polls here
    rollout.start()
    try:
        for points in (50, 10_000):
            with database.sessions() as session:
                row = session.get(Release, database.release.id)
                assert row is not None
                row.basis_points = points
                session.commit()
            assert _points(rollout, database.release) == points
    finally:
        rollout.stop()
    # A stopped cache no longer follows.
    with database.sessions() as session:
        row = session.get(Release, database.release.id)
        assert row is not None
        row.basis_points = 20
        session.commit()
    assert _points(rollout, database.release) == 10_000
    assert not rollout.watching


def test_a_poll_with_nothing_new_is_one_small_query(
    database: Database, cache: RolloutCache
) -> None:
    cache.stop()  # polls by hand from here
    statements = _selects(database.engine)
    assert cache.refresh() is False
    assert len(statements) == 1 and "rollout_serial" in statements[0]
    _as_another_process(database.engine, database.release, 4000)
    statements.clear()
    assert cache.refresh() is True
    # The serial, the changes since (none recorded by raw SQL: a full rebuild), then the
    # four set-based reads.
    assert len(statements) == 6 and "rollout_changes" in statements[1]
    assert _points(cache, database.release) == 4000


def test_another_process_change_is_read_from_the_change_table(database: Database) -> None:
    """Two caches on one database; the second follows no commit of this process (stopped:
    no listener, no watcher), so it learns what changed only from the change table."""
    other = RolloutCache(lambda: database.sessions, poll_seconds=3600)
    other.start()
    other.stop()
    for points in (10, 20, 30):
        with database.sessions() as session:
            row = session.get(Release, database.release.id)
            assert row is not None
            row.basis_points = points
            session.commit()
    statements = _selects(database.engine)
    assert other.refresh() is True
    assert _points(other, database.release) == 30
    assert (other.full_rebuilds, other.updates) == (1, 1)  # three changes in one update
    # The serial, the changes, the partner apps, then three reads of the one mini program.
    assert len(statements) == 6
    assert all("IN (" in statement for statement in statements[3:]), statements
    # Changes no longer kept (pruned, or older than the table): a full rebuild.
    with database.sessions() as session:
        row = session.get(Release, database.release.id)
        assert row is not None
        row.basis_points = 40
        session.commit()
    with database.sessions() as session:
        session.execute(delete(RolloutChange))
        session.commit()
    assert other.refresh() is True
    assert _points(other, database.release) == 40
    assert (other.full_rebuilds, other.updates) == (2, 1)


def test_a_restarted_cache_loads_afresh_even_at_the_same_serial(database: Database) -> None:
    """A serial names one state along one history only: the API suites start one app on
    each test's rolled-back transaction, where the same serial comes back with other data."""
    rollout = RolloutCache(lambda: database.sessions, poll_seconds=3600)
    rollout.start()
    rollout.stop()
    with database.engine.connect() as conn:  # other data, the counter untouched
        conn.execute(
            text("UPDATE releases SET basis_points = 9999 WHERE id = :id"),
            {"id": database.release.id},
        )
        conn.commit()
    serial = rollout.snapshot.serial
    rollout.start()
    rollout.stop()
    assert rollout.snapshot.serial == serial
    assert _points(rollout, database.release) == 9999
