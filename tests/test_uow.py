"""A unit of work whose rollback meets a connection PostgreSQL closed (a restart, an idle
timeout, an operator's pg_terminate_backend): nothing is lost, so nothing is raised, and
a request whose response was already sent does not end in "Exception in ASGI
application"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.api.deps import DbSession
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.uow import UnitOfWork
from tests.engines import SHARED_LAB

# Only PostgreSQL closes a client's connection from its side; SQLite is a file.
pytestmark = pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)


@pytest.fixture
def postgres(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def _terminate(engine: Engine, pid: int) -> None:
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_rollback_on_a_closed_connection_is_logged_and_the_next_one_works(
    postgres: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = make_session_factory(postgres)
    undone: list[str] = []
    with caplog.at_level(logging.WARNING, logger="minirelease.uow"), UnitOfWork(sessions) as uow:
        uow.on_rollback(lambda: undone.append("upload file removed"))
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _terminate(postgres, pid)
    assert undone == ["upload file removed"]
    assert "rollback found the database connection closed" in caplog.text
    with UnitOfWork(sessions) as uow:  # the pool noticed: a fresh connection
        assert uow.session.execute(text("SELECT 1")).scalar_one() == 1


def test_other_rollback_errors_still_raise(postgres: Engine) -> None:
    sessions = make_session_factory(postgres)

    class Broken(Exception):
        pass

    def fail() -> None:
        raise Broken

    with pytest.raises(Broken), UnitOfWork(sessions) as uow:
        uow.on_rollback(fail)
        uow.session.execute(text("SELECT 1"))


def test_a_request_whose_connection_closed_after_its_query_ends_cleanly(
    postgres: Engine, empty_database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migrate.upgrade(empty_database_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, make_session_factory(postgres), run_jobs=False, lab=SHARED_LAB)

    # Stands in for PostgreSQL closing the connection while the response goes out.
    @app.get("/closes-its-connection")
    def closes_its_connection(session: DbSession) -> Response:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _terminate(postgres, pid)
        return Response("ok")

    with caplog.at_level(logging.WARNING), TestClient(app, raise_server_exceptions=True) as client:
        response = client.get("/closes-its-connection")
        assert (response.status_code, response.text) == (200, "ok")
        assert client.get("/api/v1/partner-apps").status_code == 401  # the app goes on
    assert "Exception in ASGI application" not in caplog.text
    assert "rollback found the database connection closed" in caplog.text
