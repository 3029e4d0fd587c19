"""``minirelease worker --metrics-port`` (issue 11, Observability): a worker, which serves no
API, serves ``GET /metrics`` and ``GET /healthz`` on a port of its own. Real processes on
SQLite and PostgreSQL: beside ``serve --no-jobs`` on one metrics directory, the worker's
page shows the job it ran and the same sums as the API process's page; alone, it shows
its own counters; SIGTERM closes the port; a port in use stops it before any work."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from prometheus_client import CollectorRegistry, Counter

from minirelease.observability.exposition import MetricsBindError, MetricsServer
from tests.jobs.processes import WorkerProcess
from tests.observability.scrape import value
from tests.packages.zips import project, zip_bytes
from tests.releases.live import HOST, free_port, spawn_minirelease, wait_until
from tests.releases.stack import Stack, read

# On SQLite a worker finds a job by polling: every 0.1 s rather than every 1 s.
FAST_POLL = {"MINIRELEASE_JOB_POLL_SECONDS": "0.1"}
# The counters a build leaves behind, each with the labels to read it by.
BUILD_COUNTERS: list[tuple[str, dict[str, str]]] = [
    ("minirelease_builds_finished_total", {"outcome": "succeeded"}),
    ("minirelease_job_duration_seconds_count", {"kind": "build", "outcome": "succeeded"}),
]


def _build_one(stack: Stack, api_env: dict[str, str]) -> tuple[str, str]:
    """An API-only process takes a release, a worker builds it; returns the release id and
    the API process's /metrics page after the build."""
    api = stack.serve({**api_env, "MINIRELEASE_RUN_JOBS": "0"})
    with stack.client(api) as client:
        release_id = stack.release(client, zip_bytes(project()))
        wait_until(
            lambda: read(client, f"/releases/{release_id}")["status"] == "awaiting_test",
            timeout=60,
            interval=0.05,
        )
        return release_id, client.get("/metrics").text


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_worker_serves_the_machines_metrics_and_closes_its_port_on_sigterm(
    stack: Stack, tmp_path: Path
) -> None:
    shared = {"MINIRELEASE_METRICS_DIR": str(tmp_path / "metrics")}
    port = free_port()
    worker = WorkerProcess(
        stack.url,
        stack.data_dir,
        tmp_path / "worker.log",
        env={**shared, **FAST_POLL, "MINIRELEASE_WORKER_METRICS_PORT": str(port)},
    )
    try:
        worker.wait_started()
        _, api_page = _build_one(stack, shared)
        worker_page = httpx2.get(f"http://{HOST}:{port}/metrics", timeout=10)
        healthz = httpx2.get(f"http://{HOST}:{port}/healthz", timeout=10)
        elsewhere = httpx2.get(f"http://{HOST}:{port}/", timeout=10)
        assert worker.terminate() == 0
    finally:
        worker.stop()

    assert worker_page.status_code == 200
    assert worker_page.headers["content-type"].startswith("text/plain")
    for name, labels in BUILD_COUNTERS:
        assert value(worker_page.text, name, **labels) == 1, name
        # One machine, one sum: whichever process Prometheus scrapes.
        assert value(api_page, name, **labels) == 1, name
    assert value(worker_page.text, "minirelease_database_up") == 1
    assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
    assert elsewhere.status_code == 404
    log = worker.log()
    assert f"metrics served at http://127.0.0.1:{port}/metrics" in log
    assert "worker stopped" in log
    assert _refused(port)


def test_a_lone_worker_counts_its_own_jobs_at_its_metrics_port_option(
    stack: Stack, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    """No metrics directory: the worker's page shows its own registry, and the API
    process (which ran nothing) shows no build."""
    port = free_port()
    log_path = tmp_path / "worker.log"
    worker = spawn_minirelease(
        ["worker", "--concurrency", "1", "--metrics-port", str(port), "--metrics-host", HOST],
        stack.url,
        stack.data_dir,
        log_path,
        {"MINIRELEASE_RUN_JOBS": "0", **FAST_POLL},
    )
    processes.append(worker)
    wait_until(lambda: "worker started" in log_path.read_text(), timeout=30, interval=0.05)
    _, api_page = _build_one(stack, {})
    page = httpx2.get(f"http://{HOST}:{port}/metrics", timeout=10).text
    for name, labels in BUILD_COUNTERS:
        assert value(page, name, **labels) == 1, name
        assert value(api_page, name, **labels) == 0, name


def test_a_worker_whose_metrics_port_is_taken_refuses_to_start(
    stack: Stack, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        log_path = tmp_path / "worker.log"
        worker = spawn_minirelease(
            ["worker", "--metrics-port", str(port)], stack.url, stack.data_dir, log_path
        )
        processes.append(worker)
        assert worker.wait(60) == 1
    log = log_path.read_text()
    assert f"error: cannot serve metrics on 127.0.0.1:{port}" in log
    assert "worker started" not in log


def test_the_metrics_server_answers_its_two_paths_and_frees_its_port_when_stopped() -> None:
    registry = CollectorRegistry()
    Counter("bench_things", "Things.", registry=registry).inc(3)
    server = MetricsServer(registry, HOST, 0)
    host, port = server.address
    server.start()
    try:
        page = httpx2.get(f"http://{host}:{port}/metrics?name=x", timeout=10)
        unknown = httpx2.get(f"http://{host}:{port}/metrics/more", timeout=10)
        with pytest.raises(MetricsBindError, match=f"{host}:{port}"):
            MetricsServer(registry, host, port)
    finally:
        server.stop()
    assert page.status_code == 200 and value(page.text, "bench_things_total") == 3
    assert unknown.status_code == 404
    assert _refused(port)
