"""Periodic work under a lease runs once per interval however many threads and processes
run it (issue 11, item 1), on SQLite and PostgreSQL: consecutive runs are never closer
than the interval, the work keeps its pace when the process that ran it dies, and a
failed tick leaves the lease due for the next one. Threads of one process run on an
injected clock, to the exact instant; processes run on the real one."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs.leases import PeriodicLease
from minirelease.jobs.periodic import Periodic
from tests.clock import FakeClock
from tests.releases.live import ROOT, wait_until

INTERVAL = 0.3


def _gaps(times: list[dt.datetime]) -> list[float]:
    ordered = sorted(times)
    return [(b - a).total_seconds() for a, b in itertools.pairwise(ordered)]


def test_threads_of_one_process_run_the_work_once_per_interval(
    jobs_db: sessionmaker[Any],
) -> None:
    runs: list[tuple[dt.datetime, str]] = []
    lock = threading.Lock()

    def tick(_session: Session, now: dt.datetime) -> None:
        with lock:
            runs.append((now, threading.current_thread().name))

    clock = FakeClock()
    start = clock.now()
    tickers = [
        Periodic(jobs_db, tick, interval=60, clock=clock, name=f"ticker-{n}", lease="test-work")
        for n in range(4)
    ]
    for ticker in tickers:
        ticker.start()
    try:
        wait_until(clock.settled(4), timeout=10)
        clock.advance(seconds=59.999)
        wait_until(clock.settled(4), timeout=10)
        assert runs == [], "no ticker looks before its interval"
        clock.advance(seconds=0.001)
        for _ in range(9):
            wait_until(clock.settled(4), timeout=10)  # all four looked
            clock.advance(seconds=60)
        wait_until(clock.settled(4), timeout=10)
    finally:
        for ticker in tickers:
            ticker.stop()
    # Four tickers, each looking every interval: exactly one run per interval, on time.
    assert [at for at, _ in runs] == [start + dt.timedelta(minutes=n) for n in range(1, 11)]


def test_a_failed_tick_leaves_the_lease_due_and_a_lowered_interval_applies(
    jobs_db: sessionmaker[Any],
) -> None:
    clock = FakeClock()
    calls: list[dt.datetime] = []

    def failing_once(_session: Session, now: dt.datetime) -> None:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("first tick fails")

    ticker = Periodic(jobs_db, failing_once, interval=60, clock=clock, lease="flaky")
    with pytest.raises(RuntimeError):
        ticker.run_once()
    assert ticker.run_once() is True  # still due: the failed run moved nothing
    assert ticker.run_once() is False  # now ran: not due before a minute
    clock.advance(seconds=59)
    assert ticker.run_once() is False
    clock.advance(seconds=1)
    assert ticker.run_once() is True
    assert len(calls) == 3
    # Run with a shorter interval (the setting was lowered): its due time, not the old one.
    shorter = Periodic(jobs_db, failing_once, interval=20, clock=clock, lease="flaky")
    assert shorter.run_once() is True and len(calls) == 4
    assert ticker.run_once() is False and shorter.run_once() is False
    clock.advance(seconds=20)
    assert ticker.run_once() is True and len(calls) == 5
    with jobs_db() as session:
        lease = session.get(PeriodicLease, "flaky")
        assert lease is not None
        assert lease.last_run_at == clock.now() and lease.next_due_at == clock.now() + dt.timedelta(
            seconds=60
        )


class Tickers:
    def __init__(self, url: str, logs: Path) -> None:
        self.url = url
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"ticker{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.lease_ticker", self.url, "work", str(INTERVAL)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process


@pytest.fixture
def tickers(
    empty_database_url: str, jobs_db: sessionmaker[Any], tmp_path: Path
) -> Iterator[Tickers]:
    with jobs_db.begin() as session:
        session.execute(text("CREATE TABLE tick_log (at VARCHAR(40), pid INTEGER)"))
    made = Tickers(empty_database_url, tmp_path)
    yield made
    for process in made.processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _ticks(sessions: sessionmaker[Any]) -> list[tuple[dt.datetime, int]]:
    with sessions() as session:
        rows = session.execute(text("SELECT at, pid FROM tick_log")).all()
    return sorted((dt.datetime.fromisoformat(at), int(pid)) for at, pid in rows)


# On the real clock: proves ``Periodic``'s default clock paces the work across processes.
@pytest.mark.slow
def test_real_clock_processes_run_the_work_once_per_interval_and_go_on_when_the_runner_dies(
    tickers: Tickers, jobs_db: sessionmaker[Any]
) -> None:
    processes = [tickers.start() for _ in range(3)]
    wait_until(lambda: len(_ticks(jobs_db)) >= 8, timeout=30)
    # Kill the process that ran the work last: another takes over within an interval or so.
    last_pid = _ticks(jobs_db)[-1][1]
    victim = next(p for p in processes if p.pid == last_pid)
    victim.kill()
    victim.wait(10)
    killed_at = len(_ticks(jobs_db))
    wait_until(lambda: len(_ticks(jobs_db)) >= killed_at + 6, timeout=30)
    ticks = _ticks(jobs_db)
    gaps = _gaps([at for at, _ in ticks])
    assert all(gap >= INTERVAL for gap in gaps), gaps
    # Nothing was skipped for long either: the survivors kept the pace.
    assert max(gaps) < 4 * INTERVAL + 1.0, gaps
    assert {pid for _, pid in ticks[killed_at:]} <= {p.pid for p in processes} - {last_pid}
