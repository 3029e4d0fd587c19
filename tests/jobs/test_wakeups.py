"""Wake-ups between processes (issue 11, item 1): on PostgreSQL an enqueue's NOTIFY, sent in
its transaction, wakes idle workers at once although their poll is long, and a rollout
change wakes the rollout caches of other processes; on SQLite there are no notifications
and polling is all."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.background import listener
from minirelease.jobs import JobContext, JobHandler, enqueue
from minirelease.rollout import serial
from minirelease.rollout.cache import RolloutCache
from minirelease.uow import UnitOfWork
from minirelease.wakeups import JOBS_CHANNEL, ROLLOUT_CHANNEL, Listener
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import enqueue_committed, wait_until

LONG_POLL = 60.0


def _postgres(sessions: sessionmaker[Any]) -> bool:
    return sessions.kw["bind"].dialect.name == "postgresql"


def _listening(sessions: sessionmaker[Any]) -> Listener:
    found = listener(sessions)
    if found is None:
        assert not _postgres(sessions)
        pytest.skip("SQLite has no LISTEN/NOTIFY: workers and caches poll")
    return found


def test_sqlite_has_no_listener_and_enqueue_sends_nothing(jobs_db: sessionmaker[Any]) -> None:
    if _postgres(jobs_db):
        assert listener(jobs_db) is not None
        return
    assert listener(jobs_db) is None
    enqueue_committed(jobs_db)  # notify() is a no-op there, not an error


def test_notifications_arrive_after_commit_and_never_after_rollback(
    jobs_db: sessionmaker[Any],
) -> None:
    wakeups = _listening(jobs_db)
    woken = threading.Event()
    wakeups.on(JOBS_CHANNEL, woken.set)
    wakeups.start()
    try:
        assert wakeups.listening.wait(10)
        woken.wait(2)  # the catch-up call made right after connecting
        woken.clear()
        with UnitOfWork(jobs_db) as uow:
            enqueue(uow.session, kind="build", subject_id="rel_rolled_back", payload={})
            uow.session.flush()
            assert not woken.wait(0.5)  # not before the commit
        assert not woken.wait(0.5)  # nor after a rollback
        with UnitOfWork(jobs_db) as uow:
            enqueue(uow.session, kind="build", subject_id="rel_committed", payload={})
            uow.commit()
        assert woken.wait(5)
    finally:
        wakeups.stop()


def test_an_idle_worker_with_a_long_poll_starts_a_job_at_once_when_notified(
    jobs_db: sessionmaker[Any], make_pool: MakePool
) -> None:
    wakeups = _listening(jobs_db)
    started: dict[str, float] = {}

    def record(ctx: JobContext) -> None:
        started[ctx.subject_id] = time.monotonic()

    pool = make_pool({"build": JobHandler(record)}, poll_interval=LONG_POLL)
    time.sleep(0.3)  # its first look at the empty queue is over: the workers idle
    # Without notifications, the job waits for the poll a minute away.
    enqueue_committed(jobs_db, subject_id="rel_unheard")
    time.sleep(1.0)
    assert "rel_unheard" not in started
    wakeups.on(JOBS_CHANNEL, pool.notify)
    wakeups.start()
    try:
        assert wakeups.listening.wait(10)
        wait_until(lambda: "rel_unheard" in started, timeout=5, what="catch-up on connect")
        time.sleep(0.3)
        enqueued = time.monotonic()
        enqueue_committed(jobs_db, subject_id="rel_heard")
        wait_until(lambda: "rel_heard" in started, timeout=5, what="the notified job")
        assert started["rel_heard"] - enqueued < 2.0
    finally:
        wakeups.stop()


def test_a_rollout_change_wakes_a_cache_with_a_long_poll(jobs_db: sessionmaker[Any]) -> None:
    wakeups = _listening(jobs_db)
    cache = RolloutCache(lambda: jobs_db, poll_seconds=LONG_POLL)
    cache.start()
    wakeups.on(ROLLOUT_CHANNEL, cache.wake)
    wakeups.start()
    try:
        assert wakeups.listening.wait(10)
        before = cache.snapshot.serial
        # Another process's change, as the cache sees it: a bump it did not commit itself.
        serial.remove_commit_listener(cache._on_local_commit)
        with UnitOfWork(jobs_db) as uow:
            serial.bump(uow.session)
            uow.commit()
        wait_until(lambda: cache.snapshot.serial == before + 1, timeout=3, what="the wake-up")
    finally:
        wakeups.stop()
        cache.stop()
