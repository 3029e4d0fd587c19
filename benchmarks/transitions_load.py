"""Release transitions under load (issue 11, Measures): C concurrent clients (default 32)
each drive their own grayscale release through pause and resume against real
``minirelease serve --no-jobs`` processes for D seconds. Target on PostgreSQL: p99 at most
50 ms per transition, and no errors.

    .venv/bin/python -m benchmarks.transitions_load [--postgres URL] [--clients 32]
        [--seconds 20] [--servers 2] [--client-processes 4]

What runs. ``--servers`` API processes (default 2), started as the README's "Running in
production" runs them: ``minirelease serve --no-jobs`` on one database, each its own
uvicorn process; client ``i`` talks to server ``i % servers``, as a load balancer would
spread connections. The clients are threads spread over ``--client-processes`` processes
(benchmarks/load_clients.py), so the load generator's own interpreter lock does not pace
them. Without ``--postgres`` the database is a SQLite file; with it, a schema of its own
in that PostgreSQL database, dropped afterwards (benchmarks/manifest_rebuild.py).

A transition is a write with everything a real one does: the token lookup, the row lock
and optimistic row-version check, the state machine's guards, the audit event (and any
webhook outbox rows), the ramp plan kept in step, the rollout serial bump when a launch
answer can change (pause and resume do not change one), the commit and the response.
The peer, measured in the same run at the same concurrency, is a read of the same release
(``GET /releases/{id}``). The world is the console benchmark's, written with bulk inserts:
5 mini programs in grayscale per 25, so 160 programs give 32 grayscale releases.

How to read it.

- ``req/s``, ``p50/p95/p99``: throughput and latency per request over the window.
- ``Little ms``: the mean latency Little's law gives a closed loop (each client sends its
  next request as soon as the previous one is answered): clients / throughput, which is
  the measured mean up to the window's edges. p99 lies above the mean, so p99 ≤ 50 ms
  with 32 clients needs well over 32 / 0.05 s = 640 requests/s: latency here is
  throughput, and throughput is CPU.
- ``CPU ms per request``: CPU time spent in the window divided by the requests served:
  by the API processes; by PostgreSQL (``postgres`` processes alive for the whole
  window: the servers' pooled connections, and any other database work of this
  machine); by the clients; and by everything else on the machine (other work sharing
  the cores, which the latencies above had to share them with). ``cores / (server +
  postgres + clients)`` is the throughput this machine could reach were nothing else
  running: the ceiling the target line compares with what the target needs.
- The target line prints PASS or FAIL; a FAIL says which floor it hit.

Measured (2 cores shared with other work, PostgreSQL 15 on the same machine): before
issue 11's work, 63 transitions/s, p99 843 ms, 16 SQL statements and about 13-17 ms of
server CPU per transition; after it, 8 statements and about 8-9.5 ms (reads: 7 → 4
statements). At that cost 2 whole cores give at most about 200 transitions/s, under
the 640/s the target needs: FAIL, for the reason printed."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from subprocess import Popen

from benchmarks import cpu_use
from benchmarks.console_world import World, populate
from benchmarks.launch import free_port, serve
from benchmarks.load_clients import Kind, Load, Summary, drive
from benchmarks.manifest_rebuild import database
from minirelease import migrate
from minirelease.db import make_engine, make_session_factory

TARGET_P99_MS = 50.0
NAMES: dict[Kind, str] = {"transition": "transition (pause/resume)", "read": "read (GET release)"}


def _world(url: str, clients: int) -> World:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        # Every fifth program is in grayscale on the super app.
        world = populate(make_session_factory(engine), programs=clients * 5, releases_per_program=3)
    finally:
        engine.dispose()
    return world


def _start_servers(url: str, data_dir: Path, count: int) -> tuple[list[Popen[bytes]], list[int]]:
    """``count`` API processes, one after the other: the first records the signing key it
    creates in the data directory, the others find it there."""
    servers: list[Popen[bytes]] = []
    ports: list[int] = []
    try:
        for _ in range(count):
            port = free_port()
            servers.append(serve(url, data_dir, port))
            ports.append(port)
    except BaseException:
        _stop(servers)
        raise
    return servers, ports


def _stop(servers: list[Popen[bytes]]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(30)


class Window:
    """CPU readings at the opening and the closing of a measured window."""

    def __init__(self, server_pids: list[int]) -> None:
        self.server_pids = server_pids
        self.readings: list[cpu_use.Reading | None] = []

    def __call__(self) -> None:
        self.readings.append(cpu_use.read(self.server_pids))

    def spent(self) -> cpu_use.Spent | None:
        if len(self.readings) != 2:
            return None
        return cpu_use.Spent.between(*self.readings)


def _measure(
    load: Load, processes: int, server_pids: list[int]
) -> tuple[Summary, cpu_use.Spent | None]:
    window = Window(server_pids)
    summary = drive(load, processes, at_edges=window)
    return summary, window.spent()


def _cpu_line(name: str, summary: Summary, spent: cpu_use.Spent | None) -> str:
    if spent is None:
        return f"{name:<28} (no /proc: CPU time not measured)"
    n = summary.requests
    ours = spent.servers + spent.postgres + summary.client_cpu_seconds
    others = max(0.0, spent.machine_busy - ours)
    idle = spent.machine_total - spent.machine_busy
    return (
        f"{name:<28} {1000 * spent.servers / n:>8.2f} {1000 * spent.postgres / n:>8.2f}"
        f" {1000 * summary.client_cpu_seconds / n:>8.2f} {1000 * others / n:>8.2f}"
        f" {100 * idle / spent.machine_total:>6.0f}%"
    )


def _ceiling(summary: Summary, spent: cpu_use.Spent | None, cores: int) -> float | None:
    """Requests per second if this work had every core to itself."""
    if spent is None:
        return None
    per_request = (spent.servers + spent.postgres + summary.client_cpu_seconds) / summary.requests
    return cores / per_request if per_request > 0 else None


def report(
    args: argparse.Namespace,
    results: dict[Kind, tuple[Summary, cpu_use.Spent | None]],
) -> bool:
    database_kind = "PostgreSQL" if args.postgres else "SQLite"
    cores = os.cpu_count() or 1
    print(
        f"{args.clients} clients in {args.client_processes} processes, {args.servers} x"
        f" `minirelease serve --no-jobs`, {database_kind}, {args.seconds:.0f} s each,"
        f" {cores} cores"
    )
    print(
        f"{'':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'Little ms':>9}"
    )
    for kind, (r, _) in results.items():
        little = 1000 * args.clients / r.per_second
        print(
            f"{NAMES[kind]:<28} {r.per_second:>8.0f} {r.p50:>8.1f} {r.p95:>8.1f}"
            f" {r.p99:>8.1f} {len(r.errors):>7} {little:>9.1f}"
        )
    columns = ("server", "postgres", "clients", "others")
    print(f"{'CPU ms per request':<28} {' '.join(f'{c:>8}' for c in columns)} {'idle':>7}")
    for kind, (r, spent) in results.items():
        print(_cpu_line(NAMES[kind], r, spent))
    transitions, transition_cpu = results["transition"]
    read, _ = results["read"]
    print(f"transition p99 / read p99: {transitions.p99 / read.p99:.1f}x")
    for error in transitions.errors[:5] + read.errors[:5]:
        print(f"  error: {error}")

    needed = args.clients / (TARGET_P99_MS / 1000)
    ceiling = _ceiling(transitions, transition_cpu, cores)
    print(
        f"Little's law: p99 ≤ {TARGET_P99_MS:.0f} ms with {args.clients} clients needs more"
        f" than {needed:.0f} transitions/s; measured {transitions.per_second:.0f}/s"
        + (
            f", at most {ceiling:.0f}/s on {cores} cores at this CPU cost per transition"
            if ceiling is not None
            else ""
        )
    )
    ok = transitions.p99 <= TARGET_P99_MS and not transitions.errors and not read.errors
    if ok:
        verdict = "PASS"
    elif transitions.errors or read.errors:
        verdict = "FAIL: requests failed"
    elif ceiling is not None and ceiling < needed:
        verdict = (
            f"FAIL: the CPU one transition costs caps this machine at {ceiling:.0f}/s,"
            f" under the {needed:.0f}/s the target needs"
        )
    else:
        verdict = f"FAIL: {transitions.per_second:.0f} transitions/s, under {needed:.0f}/s"
    print(f"target p99 ≤ {TARGET_P99_MS:.0f} ms, no errors: {verdict}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default=None)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--servers", type=int, default=2, help="API processes")
    parser.add_argument("--client-processes", type=int, default=4)
    args = parser.parse_args(argv)
    with database(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
        world = _world(url, args.clients)
        releases = tuple(world.grayscale_release_ids[: args.clients])
        assert len(releases) == args.clients, f"{len(releases)} grayscale releases seeded"
        servers, ports = _start_servers(url, Path(tmp), args.servers)
        pids = [server.pid for server in servers]
        token = world.tokens["owner"]

        def load(kind: Kind, seconds: float) -> Load:
            return Load(tuple(ports), token, releases, kind, seconds)

        try:
            drive(load("transition", 2.0), args.client_processes)  # warm up
            kinds: tuple[Kind, ...] = ("transition", "read")
            results = {
                kind: _measure(load(kind, args.seconds), args.client_processes, pids)
                for kind in kinds
            }
        finally:
            _stop(servers)
    return 0 if report(args, results) else 1


if __name__ == "__main__":
    sys.exit(main())
