"""The classification of database errors by the driver's own code, for the codes a test
cannot easily make a real database raise (a deadlock, a serialization failure, a server
shutting down); tests/api/test_database_errors.py meets the others for real."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg

from minirelease.db_errors import DatabaseFault, classify


def _sqlite(name: str, message: str = "error") -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (pg.UniqueViolation("duplicate key"), DatabaseFault.LOST_RACE),
        (pg.SerializationFailure("could not serialize"), DatabaseFault.BUSY),
        (pg.DeadlockDetected("deadlock detected"), DatabaseFault.BUSY),
        (pg.LockNotAvailable("lock timeout"), DatabaseFault.BUSY),
        (pg.QueryCanceled("statement timeout"), DatabaseFault.BUSY),
        (pg.ConnectionFailure("connection failure"), DatabaseFault.UNREACHABLE),
        (pg.AdminShutdown("terminating connection"), DatabaseFault.UNREACHABLE),
        (pg.CrashShutdown("crash"), DatabaseFault.UNREACHABLE),
        (pg.CannotConnectNow("starting up"), DatabaseFault.UNREACHABLE),
        (pg.TooManyConnections("too many clients"), DatabaseFault.UNREACHABLE),
        (psycopg.OperationalError("connection failed: refused"), DatabaseFault.UNREACHABLE),
        (psycopg.InterfaceError("the connection is closed"), DatabaseFault.UNREACHABLE),
        (pg.NotNullViolation("null value"), DatabaseFault.BUG),
        (pg.ForeignKeyViolation("violates foreign key"), DatabaseFault.BUG),
        (pg.CheckViolation("violates check"), DatabaseFault.BUG),
        (pg.UndefinedTable("relation does not exist"), DatabaseFault.BUG),
        (pg.UndefinedColumn("column does not exist"), DatabaseFault.BUG),
        (pg.SyntaxError("syntax error"), DatabaseFault.BUG),
        (pg.InFailedSqlTransaction("current transaction is aborted"), DatabaseFault.BUG),
        (psycopg.ProgrammingError("wrong number of parameters"), DatabaseFault.BUG),
        (_sqlite("SQLITE_CONSTRAINT_UNIQUE"), DatabaseFault.LOST_RACE),
        (_sqlite("SQLITE_CONSTRAINT_PRIMARYKEY"), DatabaseFault.LOST_RACE),
        (_sqlite("SQLITE_BUSY", "database is locked"), DatabaseFault.BUSY),
        (_sqlite("SQLITE_BUSY_SNAPSHOT", "database is locked"), DatabaseFault.BUSY),
        (_sqlite("SQLITE_LOCKED", "database table is locked"), DatabaseFault.BUSY),
        (_sqlite("SQLITE_CANTOPEN", "unable to open database file"), DatabaseFault.UNREACHABLE),
        (_sqlite("SQLITE_CONSTRAINT_NOTNULL"), DatabaseFault.BUG),
        (_sqlite("SQLITE_CONSTRAINT_FOREIGNKEY"), DatabaseFault.BUG),
        (_sqlite("SQLITE_CONSTRAINT_CHECK"), DatabaseFault.BUG),
        (_sqlite("SQLITE_ERROR", "no such table: t"), DatabaseFault.BUG),
        (_sqlite("SQLITE_FULL", "database or disk is full"), DatabaseFault.BUG),
        # Another driver: only the lock message is recognised.
        (RuntimeError("database is locked"), DatabaseFault.BUSY),
        (RuntimeError("something else"), DatabaseFault.BUG),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value.name,
)
def test_each_error_means_what_its_code_says(error: Exception, fault: DatabaseFault) -> None:
    assert classify(error) is fault


def test_a_connection_sqlalchemy_found_dead_is_unreachable_whatever_the_error() -> None:
    error = pg.UndefinedTable("relation does not exist")
    assert classify(error, connection_invalidated=True) is DatabaseFault.UNREACHABLE
