"""Job throughput with more workers (issue 11, Measures): compatibility runs per second with
2 ``minirelease worker`` processes against 1, on PostgreSQL, the API process idle. Target:
2 workers give at least 1.7x the runs per second of 1.

    .venv/bin/python -m benchmarks.jobs_throughput [--postgres URL] [--runs N] [--repeat R]
                                                   [--lab-priority idle|low|normal]

One ``serve --no-jobs`` API process on a fresh schema of the database (default
postgresql://postgres@127.0.0.1:5432/test, dropped at the end) takes N releases of a mini
program of a few dozen files (benchmarks/compat.py's generator: page scripts, templates
and modules with requires, a few with findings), built by a worker beforehand. Then, once
with 1 worker and once with 2, N compatibility runs are asked for through the API (one
per release, on the shipped super-app profile's default matrix) and timed from the first
request until the last run's job has finished. Workers are started and idle before the
clock starts; each runs with ``--concurrency 1``: the machine this target was set for has
2 cores, so 2 single-threaded workers are what can use both (PostgreSQL, the idle API and
this script share them too).

Each round prints, from the jobs' rows, where the workers' time went: a worker's first run
(its lab and engine processes start with it), the mean of the other runs, and the mean
gap between a run's finish and the worker's next claim (the queue's latency). The lab
processes run at idle CPU priority by default: on a machine busy with anything else they
wait for it, and the figures say more about that load than about the workers."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
from sqlalchemy import func, select

from benchmarks.lab_releases import ok, program_zip, seed_releases
from benchmarks.launch import free_port, serve
from benchmarks.launch_during_compat import admin_token
from benchmarks.manifest_rebuild import database
from minirelease import migrate
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import Job, JobStatus

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 1.7
PROGRAM_FILES = 40
WORKER_COMMAND = (sys.executable, "-m", "minirelease.cli.main", "worker")
FINISHED = (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value)


class Workers:
    """``minirelease worker --concurrency 1`` processes on the benchmark's database."""

    def __init__(
        self, url: str, data_dir: Path, count: int, tag: str, env: Mapping[str, str]
    ) -> None:
        env = {
            **os.environ,
            **env,
            "MINIRELEASE_DATABASE_URL": url,
            "MINIRELEASE_DATA_DIR": str(data_dir),
            "MINIRELEASE_LOG_FORMAT": "text",
        }
        self.logs = [data_dir / f"worker-{tag}-{n}.log" for n in range(count)]
        self.processes = []
        for log_path in self.logs:
            with open(log_path, "wb") as log:
                self.processes.append(
                    subprocess.Popen(
                        [*WORKER_COMMAND, "--concurrency", "1"],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )

    def wait_started(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for process, log in zip(self.processes, self.logs, strict=True):
            while "worker started" not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"a worker did not start:\n{log.read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@contextmanager
def workers(
    url: str, data_dir: Path, count: int, tag: str, env: Mapping[str, str]
) -> Iterator[Workers]:
    running = Workers(url, data_dir, count, tag, env)
    try:
        running.wait_started()
        yield running
    finally:
        running.stop()


def wait_for_jobs(url: str, subject_ids: list[str], timeout: float) -> dict[str, int]:
    """Polls the job table (every 50 ms) until every job of ``subject_ids`` finished."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    query = (
        select(Job.status, func.count()).where(Job.subject_id.in_(subject_ids)).group_by(Job.status)
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            with sessions() as session:
                counts = {str(s): int(c) for s, c in session.execute(query).all()}
            if sum(counts.get(status, 0) for status in FINISHED) == len(subject_ids):
                return counts
            if time.monotonic() > deadline:
                raise SystemExit(f"jobs not finished after {timeout:.0f} s: {counts}")
            time.sleep(0.05)
    finally:
        engine.dispose()


@dataclass
class Phase:
    seconds: float
    counts: dict[str, int]
    first_run: float  # mean over the workers: their lab processes start with it
    run: float  # mean of the other runs, from claim to finish
    gap: float  # mean time a worker spent between one run's finish and the next's start


def timed_runs(api: httpx2.Client, url: str, release_ids: list[str]) -> Phase:
    """Asks for one compatibility run per release; seconds until all of them finished,
    and where the workers' time went (from the jobs' rows)."""
    started = time.perf_counter()
    run_ids = [
        str(ok(api.post(f"/releases/{release_id}/compatibility-runs"))["id"])
        for release_id in release_ids
    ]
    counts = wait_for_jobs(url, run_ids, timeout=60 * len(run_ids))
    seconds = time.perf_counter() - started
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            jobs = session.execute(
                select(Job.claimed_by, Job.started_at, Job.finished_at)
                .where(Job.subject_id.in_(run_ids))
                .order_by(Job.started_at)
            ).all()
    finally:
        engine.dispose()
    by_worker: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for claimed_by, began, ended in jobs:
        by_worker[str(claimed_by)].append((began, ended))
    firsts, runs, gaps = [], [], []
    for spans in by_worker.values():
        durations = [(end - begin).total_seconds() for begin, end in spans]
        firsts.append(durations[0])
        runs.extend(durations[1:])
        gaps.extend(
            (begin - previous_end).total_seconds()
            for (_, previous_end), (begin, _) in itertools.pairwise(spans)
        )
    return Phase(seconds, counts, _mean(firsts), _mean(runs), _mean(gaps))


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


# One account starts every run and uploads every version here: the per-account limits
# (120 an hour each by default) would refuse the benchmark's own traffic.
UNTHROTTLED = {
    f"MINIRELEASE_RATE_LIMIT_{name}_PER_{who}": "1000000/hour"
    for name in ("COMPAT_RUNS", "UPLOADS")
    for who in ("CLIENT", "ACCOUNT")
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--runs",
        type=int,
        default=80,
        help="runs per round (a worker's first run starts its lab and engine processes: "
        "40 runs left that start-up a tenth of the 2-worker round's time)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of (1 worker, 2 workers); best of each"
    )
    parser.add_argument(
        "--lab-priority",
        choices=("idle", "low", "normal"),
        default=None,
        help="MINIRELEASE_LAB_PRIORITY of the workers (default: the server's, idle)",
    )
    args = parser.parse_args(argv)
    env = {"MINIRELEASE_LAB_PRIORITY": args.lab_priority} if args.lab_priority else {}
    rounds: dict[int, list[Phase]] = {1: [], 2: []}
    with database(args.postgres) as url, tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        data_dir = Path(tmp)
        migrate.upgrade(url)
        token = admin_token(url, data_dir)
        port = free_port()
        server = serve(url, data_dir, port, UNTHROTTLED)
        stack.callback(lambda: (server.send_signal(signal.SIGTERM), server.wait(30)))
        api = stack.enter_context(
            httpx2.Client(
                base_url=f"http://127.0.0.1:{port}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
        )
        release_ids = seed_releases(api, program_zip(PROGRAM_FILES, flagged_every=10), args.runs)
        with workers(url, data_dir, 2, "build", env):
            builds = wait_for_jobs(url, release_ids, timeout=600)
        if builds != {JobStatus.SUCCEEDED.value: args.runs}:
            raise SystemExit(f"builds did not all succeed: {builds}")
        for n in range(args.repeat):
            for count in (1, 2):
                with workers(url, data_dir, count, f"{n}-{count}w", env):
                    rounds[count].append(timed_runs(api, url, release_ids))
    print(
        f"{args.runs} compatibility runs of a {PROGRAM_FILES}-file mini program, PostgreSQL, "
        f"{os.cpu_count()} CPUs; workers with --concurrency 1, lab priority "
        f"{args.lab_priority or 'idle (default)'}"
    )
    print("  round workers   wall s   runs/s   first run s   run s   gap s   jobs")
    for n in range(args.repeat):
        for count in (1, 2):
            phase = rounds[count][n]
            print(
                f"  {n + 1:>5} {count:>7} {phase.seconds:8.2f} {args.runs / phase.seconds:8.2f}"
                f" {phase.first_run:13.3f} {phase.run:7.3f} {phase.gap:7.3f}   {phase.counts}"
            )
    best = {count: min(phase.seconds for phase in phases) for count, phases in rounds.items()}
    ratio = best[1] / best[2]
    failed = any(
        set(phase.counts) != {JobStatus.SUCCEEDED.value}
        for phases in rounds.values()
        for phase in phases
    )
    ok = ratio >= TARGET_RATIO and not failed
    fastest = {
        count: min(phases, key=lambda phase: phase.seconds) for count, phases in rounds.items()
    }
    # Without the first runs (the lab's start-up) and the gaps: what the CPUs alone allow.
    steady = 2 * fastest[1].run / fastest[2].run if fastest[2].run else 0.0
    print(f"  steady state, first runs left out: 2 x run(1) / run(2) = {steady:.2f}x")
    print(
        f"  best: 1 worker {args.runs / best[1]:.2f} runs/s, 2 workers "
        f"{args.runs / best[2]:.2f} runs/s; 2 workers / 1 worker: {ratio:.2f}x "
        f"(target >= {TARGET_RATIO}x): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
