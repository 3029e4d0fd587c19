"""Models and migrations must not drift: autogenerate against the migrated schema finds
nothing to do, on both databases. A server or worker whose database is behind (or ahead
of) its migrations refuses to start, naming the revisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.models import Base
from minirelease.worker import Worker
from tests.engines import SHARED_LAB


def test_models_match_migrations(connection: Connection) -> None:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


# A process whose code and database schema differ refuses to start (issue 13, item 3).


def _one_behind(url: str) -> tuple[str, str]:
    """The database upgraded to the revision before head; (head, that revision)."""
    (head,) = migrate.scripts().get_heads()
    previous = migrate.scripts().get_revision(head).down_revision
    assert isinstance(previous, str)
    migrate.upgrade(url, revision=previous)
    return head, previous


@contextmanager
def _app(url: str, tmp_path: Path) -> Iterator[FastAPI]:
    """An app on its own engine, disposed at the end: a refused start does not get to."""
    engine = make_engine(url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    try:
        yield create_app(settings, make_session_factory(engine), run_jobs=False, lab=SHARED_LAB)
    finally:
        engine.dispose()


def test_an_app_one_migration_behind_refuses_to_start(
    empty_database_url: str, tmp_path: Path
) -> None:
    head, previous = _one_behind(empty_database_url)
    with _app(empty_database_url, tmp_path) as app:
        with pytest.raises(migrate.SchemaNotCurrent) as refusal, TestClient(app):
            pass
        message = str(refusal.value)
        assert f"at {previous}, not at head {head}: migration(s) {head} missing" in message
        assert "run `minirelease db upgrade`" in message
        # /readyz says the same.
        readiness = TestClient(app).get("/readyz").json()
        assert readiness["checks"]["migrations"]["detail"] == message

        migrate.upgrade(empty_database_url)
        with TestClient(app) as client:
            assert client.get("/readyz").status_code == 200


def test_an_empty_database_names_every_missing_migration(
    empty_database_url: str, tmp_path: Path
) -> None:
    revisions = [revision.revision for revision in migrate.scripts().walk_revisions()]
    with (
        _app(empty_database_url, tmp_path) as app,
        pytest.raises(migrate.SchemaNotCurrent) as refusal,
        TestClient(app),
    ):
        pass
    assert f"no migrations applied (missing {', '.join(reversed(revisions))})" in str(refusal.value)


def test_a_database_ahead_of_the_code_refuses_to_start(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with (
        _app(empty_database_url, tmp_path) as app,
        pytest.raises(migrate.SchemaNotCurrent) as refusal,
        TestClient(app),
    ):
        pass
    assert "at revision 9999_from_the_future, which this release does not know" in str(
        refusal.value
    )


def test_a_worker_one_migration_behind_refuses_to_start(
    empty_database_url: str, tmp_path: Path
) -> None:
    head, _ = _one_behind(empty_database_url)
    engine = make_engine(empty_database_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    worker = Worker(settings, 1, make_session_factory(engine))
    try:
        with pytest.raises(migrate.SchemaNotCurrent, match=f"migration\\(s\\) {head} missing"):
            worker.start()
    finally:
        worker.stop()
        engine.dispose()
