"""Database errors answer for what they are (issue 13, item 3): a unique key lost to a
concurrent request is 409 ``conflict``, a lock not obtained in time 503 ``database_busy``,
a database that cannot be reached 503 ``unavailable``; a NOT NULL or foreign-key
violation, a missing table (a bug, or a bad migration) is a 500 whose ``error_id`` is in
the log line that has the traceback. Real errors from real databases, raised by a route
that runs the SQL it is given."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, text

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.api.deps import Uow
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from tests.engines import SHARED_LAB

SQL_ROUTE = "/test-only/sql"


def add_sql_route(app: FastAPI) -> None:
    """A throwaway route running the statements of its body in the request's unit of work,
    committed when they all succeed."""

    @app.post(SQL_ROUTE)
    def run_sql(statements: list[str], uow: Uow) -> dict[str, str]:
        for statement in statements:
            uow.session.execute(text(statement))
        uow.commit()
        return {"ran": str(len(statements))}


@pytest.fixture
def sql(client: TestClient, connection: Connection) -> TestClient:
    # Rolled back with the test's transaction, like everything the requests write.
    connection.execute(
        text("CREATE TABLE t_parents (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL UNIQUE)")
    )
    connection.execute(
        text("CREATE TABLE t_children (parent_id INTEGER NOT NULL REFERENCES t_parents (id))")
    )
    add_sql_route(client.app)  # type: ignore[arg-type]
    return client


def assert_internal_error(response: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    body = response.json()
    assert body["code"] == "internal_error"
    error_id = body["error_id"]
    assert len(error_id) == 16 and error_id in body["detail"]
    logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR
    assert error_id in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("INSERT INTO t_parents (id, name) VALUES (1, NULL)", id="not-null"),
        pytest.param("INSERT INTO t_children (parent_id) VALUES (42)", id="foreign-key"),
        pytest.param("SELECT * FROM t_no_such_table", id="no-such-table"),
        pytest.param("SELECT no_such_column FROM t_parents", id="no-such-column"),
    ],
)
def test_a_bug_is_a_500_with_an_error_id_in_the_body_and_the_log(
    sql: TestClient, caplog: pytest.LogCaptureFixture, statement: str
) -> None:
    response = sql.post(SQL_ROUTE, json=[statement])
    assert_internal_error(response, caplog)


def test_two_500s_have_two_error_ids(sql: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    ids = {sql.post(SQL_ROUTE, json=["SELECT * FROM t_nothing"]).json()["error_id"] for _ in "ab"}
    assert len(ids) == 2


@pytest.mark.parametrize(
    "duplicate",
    [
        pytest.param("INSERT INTO t_parents (id, name) VALUES (2, 'first')", id="unique"),
        pytest.param("INSERT INTO t_parents (id, name) VALUES (1, 'second')", id="primary-key"),
    ],
)
def test_a_lost_uniqueness_race_is_a_409_conflict(sql: TestClient, duplicate: str) -> None:
    assert sql.post(SQL_ROUTE, json=["INSERT INTO t_parents VALUES (1, 'first')"]).is_success
    response = sql.post(SQL_ROUTE, json=[duplicate])
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "conflict"
    assert "error_id" not in response.json()


def test_an_unexpected_exception_is_a_500_with_an_error_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @client.app.get("/test-only/boom")  # type: ignore[attr-defined, misc]
    def boom() -> None:
        raise RuntimeError("boom")

    # Answered by Starlette's outermost middleware, which raises again after answering.
    with TestClient(client.app, raise_server_exceptions=False) as errors:
        response = errors.get("/test-only/boom", headers={"X-Request-ID": "req-boom-1"})
    assert_internal_error(response, caplog)
    assert response.headers["x-request-id"] == "req-boom-1"


# Databases of their own: these tests hold locks and lose connections for real.


@pytest.fixture
def own_database(empty_database_url: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    if engine.dialect.name == "sqlite":
        # A writer gives up on the write lock after 0.1 s rather than the usual 10 s.
        @event.listens_for(engine, "connect")
        def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=100")

    try:
        yield empty_database_url, engine
    finally:
        engine.dispose()


@pytest.fixture
def own_client(own_database: tuple[str, Engine], tmp_path: Path) -> Iterator[TestClient]:
    url, engine = own_database
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    app = create_app(settings, make_session_factory(engine), run_jobs=False, lab=SHARED_LAB)
    add_sql_route(app)
    with TestClient(app) as client:
        yield client


def test_a_lock_not_obtained_in_time_is_a_503_database_busy(
    own_client: TestClient, own_database: tuple[str, Engine]
) -> None:
    url, _ = own_database
    postgres = url.startswith("postgresql")
    holder = make_engine(url)
    try:
        with holder.connect() as held:
            held.begin()  # on SQLite: BEGIN IMMEDIATE, the write lock
            if postgres:
                held.execute(text("LOCK TABLE compat_profiles"))
            wait_briefly = ["SET LOCAL lock_timeout = '100ms'"] if postgres else []
            response = own_client.post(
                SQL_ROUTE, json=[*wait_briefly, "UPDATE compat_profiles SET kind = kind"]
            )
            held.rollback()
    finally:
        holder.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "database_busy"


def test_a_database_that_cannot_be_reached_is_a_503_unavailable(
    own_client: TestClient, own_database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, _ = own_database
    if url.startswith("postgresql"):
        # The server ends this very connection, as at a restart (57P01 admin_shutdown).
        lost = "SELECT pg_terminate_backend(pg_backend_pid())"
    else:
        # A database file SQLite cannot open (SQLITE_CANTOPEN), as when it is moved away.
        lost = f"ATTACH DATABASE '{tmp_path / 'no-such-dir' / 'gone.db'}' AS gone"
    response = own_client.post(SQL_ROUTE, json=[lost])
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unavailable"
