"""What a database error means for the request that met it, read from the driver's own
error code: PostgreSQL's SQLSTATE (psycopg's ``sqlstate``) and SQLite's extended result
code (``sqlite_errorname``, Python 3.11+).

Only the errors a correct program meets under load or an outage are named: a unique key
lost to a concurrent insert, a lock not obtained in time, a serialization failure or a
deadlock, a database that cannot be reached. Everything else (a NOT NULL, foreign-key or
check constraint, a missing table or column, bad SQL) is a bug, and must look like one."""

from __future__ import annotations

import enum


class DatabaseFault(enum.Enum):
    # A unique or primary key taken by a concurrent request: nothing was written.
    LOST_RACE = "lost_race"
    # A lock not obtained in time, a serialization failure, a deadlock: a retry may work.
    BUSY = "busy"
    # The connection lost or refused, the server shutting down or starting up.
    UNREACHABLE = "unreachable"
    # Anything else: the program's fault, or a schema that is not the code's.
    BUG = "bug"


POSTGRES_LOST_RACE = frozenset({"23505"})  # unique_violation
POSTGRES_BUSY = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
    }
)
POSTGRES_UNREACHABLE = frozenset(
    {
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, shutting down)
        "53300",  # too_many_connections: the server's slots are taken, for now
    }
)
POSTGRES_CONNECTION_CLASS = "08"  # connection_exception and its subclasses

SQLITE_LOST_RACE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
# SQLITE_BUSY and SQLITE_LOCKED with their extended codes (SQLITE_BUSY_SNAPSHOT, ...).
SQLITE_BUSY_PREFIXES = ("SQLITE_BUSY", "SQLITE_LOCKED")
# SQLite's outage: the file cannot be opened (moved, its directory gone or unreadable).
SQLITE_UNREACHABLE = frozenset({"SQLITE_CANTOPEN"})

# PEP 249's names for a driver's own failures, raised without a server's code: psycopg's
# "connection failed: ..." and "the connection is closed".
_CLIENT_SIDE_CONNECTION_ERRORS = frozenset({"OperationalError", "InterfaceError"})


def classify(error: BaseException, *, connection_invalidated: bool = False) -> DatabaseFault:
    """``error`` is the driver's exception (SQLAlchemy's ``exc.orig``);
    ``connection_invalidated`` is SQLAlchemy's own verdict that the connection died."""
    if connection_invalidated:
        return DatabaseFault.UNREACHABLE
    if hasattr(error, "sqlstate"):
        return _postgres(error, error.sqlstate)
    if hasattr(error, "sqlite_errorname"):
        return _sqlite(str(error.sqlite_errorname))
    # Another driver, or a SQLite error raised without a result code.
    if "database is locked" in str(error).lower():
        return DatabaseFault.BUSY
    return DatabaseFault.BUG


def _postgres(error: BaseException, sqlstate: str | None) -> DatabaseFault:
    if sqlstate is None:
        # No server answered with a code: the driver's own, about the connection, or a bug.
        names = {cls.__name__ for cls in type(error).__mro__}
        if names & _CLIENT_SIDE_CONNECTION_ERRORS:
            return DatabaseFault.UNREACHABLE
        return DatabaseFault.BUG
    if sqlstate in POSTGRES_LOST_RACE:
        return DatabaseFault.LOST_RACE
    if sqlstate in POSTGRES_BUSY:
        return DatabaseFault.BUSY
    if sqlstate in POSTGRES_UNREACHABLE or sqlstate.startswith(POSTGRES_CONNECTION_CLASS):
        return DatabaseFault.UNREACHABLE
    return DatabaseFault.BUG


def _sqlite(name: str) -> DatabaseFault:
    if name in SQLITE_LOST_RACE:
        return DatabaseFault.LOST_RACE
    if name.startswith(SQLITE_BUSY_PREFIXES):
        return DatabaseFault.BUSY
    if name in SQLITE_UNREACHABLE:
        return DatabaseFault.UNREACHABLE
    return DatabaseFault.BUG
