"""Two real ``minirelease serve`` processes sharing one metrics directory
(``MINIRELEASE_METRICS_DIR``, the Prometheus client's multiprocess mode): each one's
/metrics sums the launches both answered, and counts a build once, whichever process ran
it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from tests.jobs.processes import WorkerProcess
from tests.observability.scrape import value
from tests.packages.zips import project, zip_bytes
from tests.releases.live import wait_until
from tests.releases.stack import API, Stack, read


@pytest.mark.slow
def test_two_processes_sum_into_one_view(stack: Stack, tmp_path: Path) -> None:
    shared = {"MINIRELEASE_METRICS_DIR": str(tmp_path / "metrics")}
    first, second = stack.serve(shared), stack.serve(shared)
    clients = [stack.client(first), stack.client(second)]
    try:
        release_id = stack.release(clients[0], zip_bytes(project()))
        wait_until(
            lambda: read(clients[1], f"/releases/{release_id}")["status"] == "awaiting_test",
            timeout=60,
            interval=0.05,
        )
        launches = {0: 7, 1: 5}
        for index, count in launches.items():
            for n in range(count):
                answer = clients[index].get(
                    f"{API}/launch/{stack.partner}/2099000000000000?user_id=u{n}"
                )
                assert answer.status_code == 404
        pages = [
            httpx2.get(f"{server.base_url}/metrics", timeout=10).text for server in (first, second)
        ]
    finally:
        for client in clients:
            client.close()

    refused = {"partner_app": stack.partner, "outcome": "not_released"}
    for page in pages:
        assert value(page, "minirelease_launches_total", **refused) == 12
        assert value(page, "minirelease_launch_duration_seconds_count") == 12
        assert value(page, "minirelease_builds_finished_total", outcome="succeeded") == 1
        assert (
            value(page, "minirelease_job_duration_seconds_count", kind="build", outcome="succeeded")
            == 1
        )
    # Each process wrote its own files, and the build ran in exactly one of them.
    files = sorted(p.name for p in (tmp_path / "metrics").iterdir())
    assert f"counter_{first.pid}.db" in files and f"counter_{second.pid}.db" in files
    assert f"histogram_{first.pid}.db" in files and f"histogram_{second.pid}.db" in files


def test_a_worker_process_work_shows_in_the_api_process_metrics(
    stack: Stack, tmp_path: Path
) -> None:
    """``serve --no-jobs`` and ``minirelease worker`` on one machine: the build runs in the
    worker, and the API process's /metrics shows it; the worker logs it as a JSON line."""
    shared = {
        "MINIRELEASE_METRICS_DIR": str(tmp_path / "metrics"),
        "MINIRELEASE_RUN_JOBS": "0",
        # On SQLite the worker finds the job by polling: every 0.1 s rather than every 1 s.
        "MINIRELEASE_JOB_POLL_SECONDS": "0.1",
    }
    api = stack.serve(shared)
    worker = WorkerProcess(stack.url, stack.data_dir, tmp_path / "worker.log", env=shared)
    try:
        worker.wait_started()
        with stack.client(api) as client:
            release_id = stack.release(client, zip_bytes(project()))
            wait_until(
                lambda: read(client, f"/releases/{release_id}")["status"] == "awaiting_test",
                timeout=60,
                interval=0.05,
            )
            page = client.get("/metrics").text
    finally:
        worker.stop()
    assert value(page, "minirelease_builds_finished_total", outcome="succeeded") == 1
    assert value(page, "minirelease_job_duration_seconds_count", kind="build") == 1
    jobs = [json.loads(line) for line in worker.log().splitlines() if '"event": "job"' in line]
    assert [(j["kind"], j["outcome"], j["subject_id"]) for j in jobs] == [
        ("build", "succeeded", release_id)
    ]
