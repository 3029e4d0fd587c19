"""A ``limits`` storage on a SQL database (PostgreSQL, or a SQLite file of its own), so
that every process of a deployment counts against the same limits without Redis.

Each counter is one row, counted up by one upsert in a transaction of its own: the count
a hit returns is exact with any number of processes. Rows of past windows are deleted as
new ones are counted (a few at a time), so the table holds about one row per active key."""

from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from minirelease.ratelimits.models import RateLimitCounter

# One statement on both databases (SQLite 3.35+ and PostgreSQL): a new window starts at
# the count's first hit, as in the library's own stores.
_INCREMENT = text(
    """
    INSERT INTO rate_limit_counters (key, count, expires_at)
    VALUES (:key, :amount, :expires_at)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit_counters.expires_at <= :now
                   THEN :amount ELSE rate_limit_counters.count + :amount END,
      expires_at = CASE WHEN rate_limit_counters.expires_at <= :now
                        THEN :expires_at ELSE rate_limit_counters.expires_at END
    RETURNING count
    """
)
_ROW = RateLimitCounter
# Expired rows removed per increment: enough to keep up with the hits that made them.
_SWEEP = 20


class SqlStorage(Storage):
    STORAGE_SCHEME = None  # made from an engine (storage.py), not from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__(uri=None, wrap_exceptions=True)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as connection:
            count = connection.execute(
                _INCREMENT,
                {"key": key, "amount": amount, "now": now, "expires_at": now + expiry},
            ).scalar_one()
            expired = select(_ROW.key).where(_ROW.expires_at <= now).limit(_SWEEP).scalar_subquery()
            connection.execute(delete(_ROW).where(_ROW.key.in_(expired)))
        return int(count)

    def get(self, key: str) -> int:
        now = time.time()
        with self.engine.connect() as connection:
            count = connection.scalar(
                select(_ROW.count).where(_ROW.key == key, _ROW.expires_at > now)
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self.engine.connect() as connection:
            expires_at = connection.scalar(
                select(_ROW.expires_at).where(_ROW.key == key, _ROW.expires_at > now)
            )
        return float(expires_at) if expires_at is not None else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.scalar(select(func.count()).select_from(_ROW))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(_ROW)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_ROW).where(_ROW.key == key))
