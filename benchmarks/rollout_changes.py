"""Launches while the rollout changes (issue 13, item 5): a real `minirelease serve` on
PostgreSQL with 10,000 mini programs (one in ten in grayscale), wrk measuring launch
requests per second and p99, once with no changes and once while another process commits
``--rate`` grayscale raises a second (each its own transaction, as the service commits
them). Each change reaches the server through the rollout serial (NOTIFY, or its poll) and
the change table, and the server updates the one pair instead of rebuilding 10,000.

    .venv/bin/python -m benchmarks.rollout_changes [--quick] [--rate 100] [--duration S]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

The database is a temporary schema of the given one, dropped at the end. Target: the rate
sustained, and launches keeping their p99 (within 1 ms or 50 % of the quiet run's; the
quiet run's own p99 target is benchmarks/launch.py's). The raises are made on the rows
directly (what ``set_grayscale`` changes, without its audit event and permission checks);
the server sees the same rows change. On two or more CPUs the server runs on one and wrk
and the changer share another (``--no-pin``: the scheduler places them). Needs wrk
(`apt-get install wrk`)."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from benchmarks import launch, manifest_rebuild
from minirelease import migrate
from minirelease.db import make_engine, make_session_factory
from minirelease.releases.models import Release
from minirelease.rollout.cache import RolloutCache
from minirelease.rollout.serial import current_serial
from minirelease.rollout.state import load_snapshot

PROGRAMS = 10_000
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


class Changer:
    """Raises grayscale percentages at ``rate`` commits a second, on a schedule shared by
    a few threads (each commit waits on the database, as concurrent requests would); a
    late commit is not made up by a burst beyond the schedule. Two changers with the same
    ``seed`` draw the same raises: the second would mostly set values the first set, which
    change nothing (no serial moves)."""

    def __init__(
        self,
        sessions: sessionmaker[Any],
        release_ids: list[str],
        rate: float,
        threads: int = 8,
        seed: int = 13,
    ) -> None:
        self._sessions, self._rate = sessions, rate
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._randomness = random.Random(seed)
        # Each thread raises its own share of the releases: two commits never race on one
        # row (a release's row version would refuse the second).
        self._threads = [
            threading.Thread(target=self._run, args=(release_ids[n::threads],), daemon=True)
            for n in range(threads)
        ]
        self._slots = 0
        self.changes = 0
        self.seconds = 0.0
        self._started = 0.0

    def start(self) -> None:
        self._started = time.perf_counter()
        for thread in self._threads:
            thread.start()

    def _run(self, release_ids: list[str]) -> None:
        while not self._stopping.is_set():
            with self._lock:
                due = self._started + self._slots / self._rate
                self._slots += 1
                release_id = self._randomness.choice(release_ids)
                points = self._randomness.randint(1, 10_000)
            if (wait := due - time.perf_counter()) > 0 and self._stopping.wait(wait):
                return
            with self._sessions() as session:
                row = session.get(Release, release_id)
                assert row is not None
                row.basis_points = points
                session.commit()
            with self._lock:
                self.changes += 1

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(30)
        self.seconds = time.perf_counter() - self._started


def seeded(url: str, programs: int) -> tuple[Engine, sessionmaker[Any], list[str]]:
    """The database at ``url`` migrated and seeded with ``programs`` mini programs
    (manifest_rebuild.populate): its engine, a session factory, and the ids of the
    releases in grayscale (what a ``Changer`` raises)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        manifest_rebuild.populate(session, programs)
        session.commit()
        grayscale = list(session.scalars(select(Release.id).where(Release.status == "grayscale")))
    return engine, sessions, grayscale


def update_cost(sessions: sessionmaker[Any], release_ids: list[str]) -> tuple[float, float]:
    """In this process, on the same database: the median milliseconds of a cache update
    after one change, and of a full rebuild."""
    cache = RolloutCache(lambda: sessions, poll_seconds=3600)
    cache.start()
    cache.stop()  # refreshed by hand below
    updates, rebuilds = [], []
    for release_id in release_ids[:30]:
        with sessions() as session:
            row = session.get(Release, release_id)
            assert row is not None
            row.basis_points = (row.basis_points % 10_000) + 1
            session.commit()
        started = time.perf_counter()
        cache.refresh()
        updates.append(time.perf_counter() - started)
    for _ in range(5):
        started = time.perf_counter()
        with sessions() as session:
            load_snapshot(session, current_serial(session))
        rebuilds.append(time.perf_counter() - started)
    assert cache.full_rebuilds == 1, "every change after the start should be an update"
    return statistics.median(updates) * 1000, statistics.median(rebuilds) * 1000


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(server: int, run: Callable[[], tuple[float, str]]) -> tuple[float, str, float]:
    """wrk's (rate, p99) and the server's CPU seconds over the run."""
    before = _cpu_seconds(server)
    rate, p99 = run()
    return rate, p99, _cpu_seconds(server) - before


def _for(seconds: float, changer: Changer) -> tuple[float, str]:
    changer.start()
    time.sleep(seconds)
    changer.stop()
    return changer.changes / changer.seconds, ""


def _served_serial(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/partner-apps/wallet/manifest") as response:
        return int(json.loads(response.read())["manifest"]["serial"])


def run(
    postgres: str, programs: int, rate: float, duration: int, connections: int, pinned: bool
) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with manifest_rebuild.database(postgres) as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        engine, sessions, grayscale = seeded(url, programs)
        script = data_dir / "launch.lua"
        script.write_text(launch._WRK_SCRIPT % launch._LAUNCH_PATH)
        port = launch.free_port()
        server = launch.serve(url, data_dir, port)
        base = f"http://127.0.0.1:{port}"
        split = launch.cpu_split() if pinned else None
        wrk_cpu = None
        if split is not None:
            # The server on a core of its own; wrk and the changer's threads (started from
            # this thread, so they inherit its CPU) share the other one.
            launch.pin(server, split[0])
            os.sched_setaffinity(0, {split[1]})
            wrk_cpu = split[1]
        try:
            launch.wrk(base, script, 2, connections, wrk_cpu)  # warm up
            measure = partial(launch.wrk, base, script, duration, connections, wrk_cpu)
            quiet = _measured(server.pid, measure)
            changer = Changer(sessions, grayscale, rate)
            changer.start()
            busy = _measured(server.pid, measure)
            changer.stop()
            # The server's own cost of following the changes, with no launches.
            alone = Changer(sessions, grayscale, rate, seed=14)
            idle_cpu = _measured(server.pid, lambda: _for(duration, alone))[2]
            update_ms, rebuild_ms = update_cost(sessions, grayscale)
            with sessions() as session:
                final = current_serial(session)
            deadline = time.monotonic() + 5
            while _served_serial(base) < final and time.monotonic() < deadline:
                time.sleep(0.01)
            caught_up = _served_serial(base) >= final
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            engine.dispose()
    achieved = changer.changes / changer.seconds
    quiet_p99, busy_p99 = (launch._milliseconds(run[1]) for run in (quiet, busy))
    kept = busy_p99 <= max(quiet_p99 + 1.0, quiet_p99 * 1.5)
    print(f"{programs:,} mini programs on PostgreSQL, {connections} connections, {duration} s")
    print(
        f"  no changes        {quiet[0]:10,.0f} launches/s   p99 {quiet_p99:7.2f} ms"
        f"   server CPU {quiet[2]:5.1f} s"
    )
    print(
        f"  {achieved:5.1f} changes/s  {busy[0]:10,.0f} launches/s   p99 {busy_p99:7.2f} ms"
        f"   server CPU {busy[2]:5.1f} s"
    )
    print(
        f"  changes: {changer.changes} in {changer.seconds:.1f} s (target {rate:g}/s: "
        f"{'met' if achieved >= rate * 0.98 else 'MISSED'}); the server "
        f"{'caught up with' if caught_up else 'DID NOT catch up with'} serial {final}; "
        f"launch p99 {'kept' if kept else 'NOT kept'}"
    )
    print(
        f"  changes alone ({alone.changes / alone.seconds:.1f}/s, no launches): server CPU "
        f"{idle_cpu:.1f} s in {alone.seconds:.1f} s, "
        f"{idle_cpu / max(alone.changes, 1) * 1000:.2f} ms per change"
    )
    print(
        f"  the snapshot after one change: updated in {update_ms:.1f} ms, "
        f"against {rebuild_ms:.1f} ms for a full rebuild (medians, in this process)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s runs, for a smoke check")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--programs", type=int, default=PROGRAMS)
    parser.add_argument("--rate", type=float, default=100.0, help="changes per second")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="let the scheduler place the server, wrk and the changer (default: the "
        "server on a core of its own)",
    )
    args = parser.parse_args(argv)
    duration = 5 if args.quick else args.duration
    run(args.postgres, args.programs, args.rate, duration, args.connections, not args.no_pin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
