"""The database store: exact counts from many threads at once, windows that end, and old
windows swept away; on PostgreSQL (the table) and SQLite (the file beside the database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from minirelease.config import Settings
from minirelease.ratelimits.models import RateLimitCounter
from minirelease.ratelimits.sql_storage import SqlStorage
from minirelease.ratelimits.storage import open_storage


@pytest.fixture
def store(limited_settings: Settings) -> Iterator[SqlStorage]:
    opened = open_storage(
        None, database_url=limited_settings.database_url, data_dir=limited_settings.data_dir
    )
    assert isinstance(opened.storage, SqlStorage)
    yield opened.storage
    opened.close()


def _rows(store: SqlStorage) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(RateLimitCounter)) or 0)


def test_concurrent_hits_are_counted_exactly(store: SqlStorage) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def hits() -> None:
        for _ in range(20):
            count = store.incr("k", expiry=60)
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=hits) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 121))
    assert store.get("k") == 120


def test_a_window_ends_and_the_next_starts_from_its_first_hit(store: SqlStorage) -> None:
    started = time.time()
    assert store.incr("w", expiry=1) == 1
    assert store.incr("w", expiry=1, amount=2) == 3
    assert started < store.get_expiry("w") <= started + 1.5
    time.sleep(1.1)
    assert store.get("w") == 0
    assert store.incr("w", expiry=1) == 1


def test_clear_check_and_reset(store: SqlStorage) -> None:
    store.incr("a", expiry=60)
    store.incr("b", expiry=60)
    store.clear("a")
    assert (store.get("a"), store.get("b")) == (0, 1)
    assert store.check()
    assert store.reset() == 1
    assert store.get("b") == 0


def test_past_windows_are_swept_as_new_ones_are_counted(store: SqlStorage) -> None:
    for number in range(25):
        store.incr(f"old-{number}", expiry=1)
    assert _rows(store) == 25
    time.sleep(1.1)
    store.incr("new", expiry=60)
    assert _rows(store) == 25 + 1 - 20
    store.incr("new", expiry=60)
    assert _rows(store) == 1
