"""The job tests commit for real from several threads (and processes), so each runs on
a database of its own (``empty_database_url``), migrated here, instead of inside the
rolled-back transaction the other tests share. Pools made through ``make_pool`` are
stopped at the end of the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import JobHandler, WorkerPool

MakePool = Callable[..., WorkerPool]


@pytest.fixture
def jobs_db(empty_database_url: str) -> Iterator[sessionmaker[Any]]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_pool(jobs_db: sessionmaker[Any]) -> Iterator[MakePool]:
    pools: list[WorkerPool] = []

    def make(handlers: dict[str, JobHandler], *, start: bool = True, **options: Any) -> WorkerPool:
        options.setdefault("poll_interval", 0.05)
        pool = WorkerPool(jobs_db, handlers, **options)
        pools.append(pool)
        if start:
            pool.start()
        return pool

    yield make
    for pool in pools:
        pool.stop(timeout=5)
