"""Engine, declarative base and column helpers shared by every domain's models."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on both databases (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class RawJSON(str):
    """JSON text already encoded elsewhere (a compatibility report, made in the lab's
    process), stored in a JSON column as it is: re-encoding megabytes in the server would
    hold its interpreter while launches wait."""


def to_json(value: Any) -> str:
    """The JSON columns' encoder: ``json.dumps``, as SQLAlchemy's default, but a
    ``RawJSON`` goes through unchanged."""
    return str(value) if isinstance(value, RawJSON) else json.dumps(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Threads that may hold a connection at once: anyio's default thread limiter (FastAPI
# runs sync endpoints and dependencies there; api/app.py pins it to this), plus the
# job threads, the rollout cache, periodic work and the wakeup listener. A pool this
# size means a request thread does not wait on the pool; the overflow covers requests
# between their endpoint and their unit of work's exit, which runs outside the limiter.
REQUEST_THREADS = 40
BACKGROUND_CONNECTIONS = 10
POOL_OVERFLOW = 20
# A thread that still finds the pool empty waits this long, then the request is
# answered 503 ``database_busy`` (api/errors.py) rather than hanging.
POOL_TIMEOUT_SECONDS = 10.0
# How long a SQLite writer queues on the write lock before "database is locked" (503).
SQLITE_BUSY_TIMEOUT_MS = 10_000

# A connection execution option (set by ``UnitOfWork(read_only=True)``): on SQLite the
# transaction begins deferred, so reads share the database with the one writer.
READ_ONLY = "minirelease_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    kwargs.setdefault("json_serializer", to_json)
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, **kwargs.pop("connect_args", {})}
        if not _sqlite_in_memory(url):
            _pool_defaults(kwargs)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _sqlite_transactions(engine)
        return engine
    _pool_defaults(kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _pool_defaults(kwargs: dict[str, Any]) -> None:
    if kwargs.get("poolclass") is not None:
        return
    kwargs.setdefault("pool_size", REQUEST_THREADS + BACKGROUND_CONNECTIONS)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)


def _sqlite_in_memory(url: str) -> bool:
    # In-memory databases get SQLAlchemy's single-connection pools, which take no sizes.
    return url in ("sqlite://", "sqlite:///", "sqlite:///:memory:") or "mode=memory" in url


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, open transactions, so savepoints work. A transaction
    that may write takes the write lock up front (``BEGIN IMMEDIATE``: writers queue on
    the lock, no lost updates, no failed upgrade from a read); a read-only one begins
    deferred and, with WAL, reads its snapshot without waiting for the writer."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Durable at checkpoints rather than every commit: with WAL, still consistent
        # after a crash; a power loss may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
