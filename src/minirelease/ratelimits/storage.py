"""Where the rate-limit counters live, from ``MINIRELEASE_RATE_LIMIT_STORAGE``:

- unset: the database, so every process on it shares them. On PostgreSQL, the
  ``rate_limit_counters`` table; on SQLite, a SQLite file of its own beside it
  (``rate-limits.sqlite3`` in the data directory), since counting must never wait for the
  database's one write lock, which the request being counted may hold.
- ``redis://`` (or ``rediss://``, ``redis+sentinel://``, ``redis+cluster://``): Redis,
  through the ``limits`` library's own stores.
- ``memory://``: this process's memory (one process, or tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from limits.storage import Storage, storage_from_string
from sqlalchemy import Engine, Table

from minirelease.db import Base, make_engine
from minirelease.ratelimits.models import RateLimitCounter
from minirelease.ratelimits.sql_storage import SqlStorage

SQLITE_FILE = "rate-limits.sqlite3"
# The stores MINIRELEASE_RATE_LIMIT_STORAGE may name (the library's URI schemes).
STORES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "memory://")
# Counting is one short statement per hit: a few connections are plenty.
_POOL = {"pool_size": 2, "max_overflow": 8}


@dataclass
class OpenStorage:
    storage: Storage
    engine: Engine | None = None  # the store's own engine, to close with the app

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def open_storage(configured: str | None, *, database_url: str, data_dir: Path) -> OpenStorage:
    if configured:
        storage = storage_from_string(configured, wrap_exceptions=True)
        if not isinstance(storage, Storage):  # an asyncio store: counting here is blocking
            raise ValueError(f"{configured!r} is not a store minirelease can count in")
        return OpenStorage(storage)
    if database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{data_dir / SQLITE_FILE}", **_POOL)
        Base.metadata.create_all(engine, tables=[cast(Table, RateLimitCounter.__table__)])
    else:
        engine = make_engine(database_url, **_POOL)
    return OpenStorage(SqlStorage(engine), engine)
