"""A closed-loop HTTP load generator that is not itself the bottleneck: the clients run as
threads spread over several processes (so no one interpreter's lock paces them), each
with one keep-alive connection (``http.client``: little work per request), and each sends
its next request as soon as the previous one is answered.

Used by benchmarks/transitions_load.py. Client ``i`` talks to server ``i % len(ports)``,
as a load balancer spreading connections over API processes would. All clients start at
the same wall-clock instant and stop sending at the end of the window; a request's
latency is measured around the request alone."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from typing import Literal

Kind = Literal["transition", "read"]


@dataclass(frozen=True)
class Load:
    ports: tuple[int, ...]
    token: str
    releases: tuple[str, ...]  # one per client
    kind: Kind
    seconds: float


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the client processes' own CPU time

    def merge(self, other: Outcome) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.errors.extend(other.errors)
        self.cpu_seconds += other.cpu_seconds


@dataclass(frozen=True)
class Summary:
    requests: int
    seconds: float
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: list[str]
    client_cpu_seconds: float


def summarize(outcome: Outcome, seconds: float) -> Summary:
    cuts = statistics.quantiles(outcome.latencies_ms, n=100)
    return Summary(
        requests=len(outcome.latencies_ms),
        seconds=seconds,
        per_second=len(outcome.latencies_ms) / seconds,
        p50=cuts[49],
        p95=cuts[94],
        p99=cuts[98],
        errors=outcome.errors,
        client_cpu_seconds=outcome.cpu_seconds,
    )


class _Client:
    """One closed-loop client: its connection opened and its release read (where its
    pause/resume cycle stands) before the window, untimed."""

    def __init__(self, port: int, token: str, release_id: str, kind: Kind) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Length": "0"}
        self.path = f"/api/v1/releases/{release_id}"
        self.kind = kind
        status, body = self._send("GET", self.path)
        if status != 200:
            raise SystemExit(f"GET {self.path}: {status} {body[:200]!r}")
        self.paused = bool(json.loads(body)["paused"])

    def _send(self, method: str, path: str) -> tuple[int, bytes]:
        self.connection.request(method, path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def run(self, start: float, end: float) -> Outcome:
        outcome = Outcome()
        time.sleep(max(0.0, start - time.time()))
        while time.time() < end:
            if self.kind == "read":
                method, path = "GET", self.path
            else:
                method, path = "POST", f"{self.path}/{'resume' if self.paused else 'pause'}"
            began = time.perf_counter()
            status, body = self._send(method, path)
            outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
            if status != 200:
                outcome.errors.append(f"{status} {body[:200].decode(errors='replace')}")
            elif self.kind == "transition":
                self.paused = not self.paused
        self.connection.close()
        return outcome


_BARRIER_SECONDS = 300.0  # a loaded machine may take long to start Python processes


def _process(load: Load, clients: list[int], gate: _Gate, results: Queue[Outcome]) -> None:
    """One process's share of the clients, one thread each, started together with every
    other process's (``gate``); its outcome goes to ``results``."""
    cpu_before = time.process_time()
    mine = [
        _Client(load.ports[i % len(load.ports)], load.token, load.releases[i], load.kind)
        for i in clients
    ]
    start = gate.pass_through()
    end = start + load.seconds
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def run(client: _Client) -> None:
        outcome = client.run(start, end)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(client,)) for client in mine]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = Outcome()
    for outcome in outcomes:
        merged.merge(outcome)
    merged.cpu_seconds = time.process_time() - cpu_before
    results.put(merged)


class _Gate:
    """Every client process ready (imported, connected, its releases read), then one
    start time for all: two barriers, the start time set by the parent between them."""

    def __init__(self, context: SpawnContext, parties: int) -> None:
        self.ready = context.Barrier(parties + 1)
        self.go = context.Barrier(parties + 1)
        self.start = context.Value("d", 0.0)

    def pass_through(self) -> float:
        self.ready.wait(_BARRIER_SECONDS)
        self.go.wait(_BARRIER_SECONDS)
        return float(self.start.value)

    def open(self, lead_seconds: float) -> float:
        self.ready.wait(_BARRIER_SECONDS)
        start = time.time() + lead_seconds
        self.start.value = start
        self.go.wait(_BARRIER_SECONDS)
        return start


def drive(
    load: Load,
    processes: int,
    *,
    at_edges: Callable[[], None] | None = None,
    lead_seconds: float = 0.2,
) -> Summary:
    """Run ``load`` with its clients spread over ``processes`` processes, all starting at
    once when every one is ready. ``at_edges`` is called in this process when the window
    opens and when it closes (to read CPU counters)."""
    shares = [list(range(len(load.releases)))[p::processes] for p in range(processes)]
    shares = [share for share in shares if share]
    # spawn: a fresh interpreter per process, whatever threads the parent runs.
    context = multiprocessing.get_context("spawn")
    gate = _Gate(context, len(shares))
    results: Queue[Outcome] = context.Queue()
    workers = [
        context.Process(target=_process, args=(load, share, gate, results), daemon=True)
        for share in shares
    ]
    for worker in workers:
        worker.start()
    start = gate.open(lead_seconds)
    timers = [
        threading.Timer(at - time.time(), at_edges)
        for at in (start, start + load.seconds)
        if at_edges is not None
    ]
    for timer in timers:
        timer.start()
    merged = Outcome()
    for _ in workers:
        merged.merge(results.get(timeout=load.seconds + _BARRIER_SECONDS))
    for worker in workers:
        worker.join()
    for timer in timers:
        timer.join()
    return summarize(merged, load.seconds)
