"""Every database test runs twice: on SQLite and on PostgreSQL, each schema built by
``alembic upgrade head``, each test inside a transaction rolled back at its end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.compat.lab import CompatibilityLab
from minirelease.config import Settings
from minirelease.db import make_engine
from tests.databases import own_database_url, postgres_engine
from tests.engines import REPLAYING_LAB, close_shared
from tests.factories import Factory

# Fixtures shared across test packages: a live server scenario for concurrency tests, and
# real server processes for restarts, crashes and engine isolation.
pytest_plugins = ["tests.releases.live_scenario", "tests.releases.stack"]

# argon2id's real cost (about 0.1 s a hash) is for real passwords; the suite hashes many.
# Set before the app is imported by a test, and inherited by the servers tests start.
os.environ.setdefault("MINIRELEASE_PASSWORD_HASHING", "cheapest")
# Rate-limit counters per app (and per server process the tests start), so that one
# test's uploads or failed tokens never throttle the next; tests/ratelimits exercises
# the shared stores (the database, a SQLite file, Redis).
os.environ.setdefault("MINIRELEASE_RATE_LIMIT_STORAGE", "memory://")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        eng = make_engine(f"sqlite:///{path}")
        with eng.connect() as conn:
            migrate.upgrade(connection=conn)
            conn.commit()
        yield eng
        eng.dispose()
        return
    eng, schema = postgres_engine()
    with eng.connect() as conn:
        migrate.upgrade(connection=conn)
        conn.commit()
    yield eng
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a database of its own, empty, for tests whose code commits for real
    (CLI commands, separate server processes, concurrency)."""
    with own_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Any]:
    # Each unit of work commits into a savepoint; the outer transaction is rolled back.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Any]) -> Iterator[Any]:
    with session_factory() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=str(engine.url))


@pytest.fixture
def compat_lab() -> CompatibilityLab:
    """The lab the ``client`` fixture's app runs compatibility runs in: the real lab's
    replays of what it already ran (tests/replaying_lab.py). Modules about the runs
    themselves import ``tests.engines.real_compat_lab``, the real lab, over it."""
    return REPLAYING_LAB


@pytest.fixture
def client(
    settings: Settings, session_factory: sessionmaker[Any], compat_lab: CompatibilityLab
) -> Iterator[TestClient]:
    app = create_app(settings, session_factory=session_factory, run_jobs=False, lab=compat_lab)
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def factory(session_factory: sessionmaker[Any], settings: Settings) -> Factory:
    return Factory(session_factory, settings)


def pytest_sessionfinish() -> None:
    close_shared()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (each takes from ten seconds to two minutes, mostly real
    server processes): the two workers start them while the thousands of short tests are
    still queued, so that none of them starts last and holds the run open alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
