"""Release transitions under load (issue 11, Measures): C concurrent clients (default 32)
each drive their own grayscale release through pause and resume against a real
``minirelease serve`` process for D seconds. Target on PostgreSQL: p99 at most 50 ms per
transition, and no errors.

    .venv/bin/python -m benchmarks.transitions_load [--postgres URL] [--clients 32] [--seconds 20]

A transition is a write with everything a real one does: the optimistic row-version
check, the state machine's guards, the audit event (and any webhook outbox rows), and
the rollout serial bump that every server process follows. The peer, measured in the
same run at the same concurrency, is a read of the same release (``GET /releases/{id}``).
The world is the console benchmark's, written with bulk inserts: 5 mini programs in
grayscale per 25, so 160 programs give 32 grayscale releases."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

from benchmarks.console_world import World, populate
from benchmarks.launch import free_port, serve
from benchmarks.manifest_rebuild import database
from minirelease import migrate
from minirelease.db import make_engine, make_session_factory

TARGET_P99_MS = 50.0
Step = Callable[[httpx2.Client, str, int], httpx2.Response]


class PauseResume:
    """Each release's next transition: pause when running, resume when paused (kept
    across runs, so the measured run carries on where the warm-up stopped)."""

    def __init__(self) -> None:
        self.paused: dict[str, bool] = {}

    def __call__(self, client: httpx2.Client, release_id: str, n: int) -> httpx2.Response:
        paused = self.paused.get(release_id, False)
        response = client.post(f"/api/v1/releases/{release_id}/{'resume' if paused else 'pause'}")
        if response.status_code == 200:
            self.paused[release_id] = not paused
        return response


def _read(client: httpx2.Client, release_id: str, n: int) -> httpx2.Response:
    return client.get(f"/api/v1/releases/{release_id}")


def _drive(
    base: str, token: str, releases: list[str], step: Step, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(releases))

    def client(release_id: str) -> None:
        mine: list[float] = []
        with httpx2.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            start.wait()
            deadline, n = time.monotonic() + seconds, 0
            while time.monotonic() < deadline:
                began = time.perf_counter()
                response = step(http, release_id, n)
                mine.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    with lock:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(r,)) for r in releases]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "errors": errors,
    }


def _world(url: str, clients: int) -> World:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        # Every fifth program is in grayscale on the super app.
        world = populate(make_session_factory(engine), programs=clients * 5, releases_per_program=3)
    finally:
        engine.dispose()
    return world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default=None)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    with database(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
        world = _world(url, args.clients)
        releases = world.grayscale_release_ids[: args.clients]
        assert len(releases) == args.clients, f"{len(releases)} grayscale releases seeded"
        port = free_port()
        server = serve(url, Path(tmp), port)
        try:
            base, token = f"http://127.0.0.1:{port}", world.tokens["owner"]
            transition = PauseResume()
            _drive(base, token, releases, transition, 2.0)  # warm up
            results = {
                "transition (pause/resume)": _drive(
                    base, token, releases, transition, args.seconds
                ),
                "read (GET release)": _drive(base, token, releases, _read, args.seconds),
            }
        finally:
            server.terminate()
            server.wait(30)
    database_kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.clients} clients for {args.seconds:.0f} s each, {database_kind}")
    print(f"{'':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(
            f"{name:<28} {r['per_second']:>8.0f} {r['p50']:>8.1f} {r['p95']:>8.1f}"
            f" {r['p99']:>8.1f} {len(r['errors']):>7}"
        )
    transitions = results["transition (pause/resume)"]
    read = results["read (GET release)"]
    print(f"transition p99 / read p99: {transitions['p99'] / read['p99']:.1f}x")
    for error in transitions["errors"][:5] + read["errors"][:5]:
        print(f"  error: {error}")
    ok = transitions["p99"] <= TARGET_P99_MS and not transitions["errors"] and not read["errors"]
    print(f"target p99 ≤ {TARGET_P99_MS:.0f} ms, no errors: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
