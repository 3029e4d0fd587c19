"""``minirelease worker`` beside ``minirelease serve --no-jobs`` (issue 11, item 1), both
real processes on one database and data directory, on SQLite and PostgreSQL: the API
process only enqueues, the worker builds and tests; SIGTERM stops a busy worker within
its allowed time, handing its job back to the queue for another worker."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping

import pytest
from sqlalchemy import select

from minirelease.jobs import JobStatus
from minirelease.jobs.leases import PeriodicLease
from minirelease.jobs.workerid import WorkerId
from tests.jobs.processes import WorkerProcess
from tests.releases.heavy_package import heavy_zip
from tests.releases.live import ServerProcess, wait_until
from tests.releases.stack import API, Stack, read

# On PostgreSQL the worker's queue poll is set far longer than the test may take: only
# the enqueue's NOTIFY can wake it in time. SQLite has no notifications: polling it is.
LONG_POLL_SECONDS = 120.0


def _postgres(stack: Stack) -> bool:
    return stack.url.startswith("postgresql")


def _poll_seconds(stack: Stack) -> str:
    return str(LONG_POLL_SECONDS) if _postgres(stack) else "0.2"


# Periodic work every half second, so a test sees who runs it.
FAST_PERIODIC = {
    "MINIRELEASE_DEADLINE_CHECK_SECONDS": "0.5",
    "MINIRELEASE_RAMP_CHECK_SECONDS": "0.5",
    "MINIRELEASE_PRUNE_SECONDS": "0.5",
}


def _api_only_server(stack: Stack) -> ServerProcess:
    server = ServerProcess(
        stack.url,
        stack.data_dir,
        stack.logs / f"api{len(stack.servers)}.log",
        env=FAST_PERIODIC,
        command=("serve", "--no-jobs"),
    )
    stack.servers.append(server)
    server.wait_ready()
    return server


@pytest.fixture
def workers(stack: Stack) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def _worker(
    stack: Stack, workers: list[WorkerProcess], env: Mapping[str, str], concurrency: int = 1
) -> WorkerProcess:
    worker = WorkerProcess(
        stack.url,
        stack.data_dir,
        stack.logs / f"worker{len(workers)}.log",
        concurrency=concurrency,
        env=env,
    )
    workers.append(worker)
    worker.wait_started()
    return worker


def _claimed_by_pid(stack: Stack, subject_id: str) -> int:
    owner = WorkerId.parse(stack.job(subject_id).claimed_by or "")
    assert owner is not None
    return owner.pid


@pytest.mark.slow
def test_a_release_uploaded_through_an_api_only_server_is_built_and_tested_by_the_worker(
    stack: Stack, workers: list[WorkerProcess]
) -> None:
    server = _api_only_server(stack)
    worker = _worker(
        stack,
        workers,
        {"MINIRELEASE_JOB_POLL_SECONDS": _poll_seconds(stack), **FAST_PERIODIC},
        concurrency=2,
    )
    time.sleep(0.5)  # the worker's first look at the (empty) queue is over: it idles
    with stack.client(server) as client:
        uploaded = time.monotonic()
        release_id = stack.release(client, heavy_zip(modules=3, blocks_per_module=2))
        wait_until(
            lambda: read(client, f"/releases/{release_id}")["status"] == "awaiting_test",
            timeout=30,
            interval=0.05,
        )
        built_in = time.monotonic() - uploaded
        started = client.post(f"{API}/releases/{release_id}/compatibility-runs")
        assert started.status_code == 202, started.text
        run_id = str(started.json()["id"])
        asked = time.monotonic()
        wait_until(lambda: stack.job(run_id).status != JobStatus.QUEUED, timeout=30, interval=0.05)
        run_started_in = time.monotonic() - asked
        wait_until(
            lambda: read(client, f"/releases/{release_id}")["status"] == "tested",
            timeout=60,
            interval=0.1,
        )
        run = read(client, f"/releases/{release_id}/compatibility-runs/{run_id}")
    assert run["status"] == "finished" and run["summary"]["cells"] > 0
    # The API process ran nothing: both jobs were the worker's.
    assert _claimed_by_pid(stack, release_id) == worker.pid
    assert _claimed_by_pid(stack, run_id) == worker.pid
    assert stack.events(release_id, "release.build_succeeded") == 1
    assert stack.events(release_id, "release.test_finished") == 1
    if _postgres(stack):  # woken by NOTIFY, not by a poll that would take two minutes
        assert built_in < 15 and run_started_in < 5, (built_in, run_started_in)
    assert "LISTEN/NOTIFY" in worker.log() if _postgres(stack) else "polling" in worker.log()
    # The periodic work ran, in the worker only.
    with stack.sessions() as session:
        leases = session.scalars(select(PeriodicLease)).all()
    assert {lease.name for lease in leases} == {"grayscale-deadlines", "ramp-plans", "pruning"}
    assert {(lease.last_run_by or "").rsplit("/", 1)[1] for lease in leases} == {str(worker.pid)}


def _busy_worker(
    stack: Stack, workers: list[WorkerProcess], stop_seconds: float
) -> tuple[WorkerProcess, str]:
    """A worker in the middle of a build that takes seconds; returns it and the release."""
    server = _api_only_server(stack)
    env = {
        "MINIRELEASE_JOB_POLL_SECONDS": _poll_seconds(stack),
        "MINIRELEASE_WORKER_STOP_SECONDS": str(stop_seconds),
    }
    worker = _worker(stack, workers, env)
    with stack.client(server) as client:
        release_id = stack.release(client, heavy_zip(modules=4900, blocks_per_module=115))
    wait_until(lambda: stack.job(release_id).status == JobStatus.RUNNING, timeout=30)
    assert _claimed_by_pid(stack, release_id) == worker.pid
    return worker, release_id


@pytest.mark.slow
def test_sigterm_hands_a_busy_workers_job_back_and_another_worker_finishes_it(
    stack: Stack, workers: list[WorkerProcess]
) -> None:
    first, release_id = _busy_worker(stack, workers, stop_seconds=0.5)
    asked = time.monotonic()
    assert first.terminate(timeout=20) == 0
    # Half a second for the job, then the hand-back and the exit.
    assert time.monotonic() - asked < 10
    job = stack.job(release_id)
    assert (job.status, job.attempts, job.claimed_by) == ("queued", 0, None)
    log = first.log()
    assert "SIGTERM received" in log
    assert f"released unfinished job {job.id} on shutdown" in log
    assert "0 job(s) finished, 1 handed back to the queue" in log
    assert stack.events(release_id, "release.build_succeeded") == 0

    second = _worker(stack, workers, {"MINIRELEASE_JOB_POLL_SECONDS": _poll_seconds(stack)})
    wait_until(lambda: stack.job(release_id).status == JobStatus.SUCCEEDED, timeout=60)
    job = stack.job(release_id)
    assert job.attempts == 1 and _claimed_by_pid(stack, release_id) == second.pid
    assert stack.events(release_id, "release.build_succeeded") == 1


@pytest.mark.slow
def test_sigterm_lets_a_busy_worker_finish_its_job_within_the_time_allowed(
    stack: Stack, workers: list[WorkerProcess]
) -> None:
    worker, release_id = _busy_worker(stack, workers, stop_seconds=60)
    assert worker.terminate(timeout=70) == 0
    job = stack.job(release_id)
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert stack.events(release_id, "release.build_succeeded") == 1
    assert "1 job(s) finished, 0 handed back to the queue" in worker.log()


def test_a_worker_whose_signing_key_is_not_the_active_one_refuses_to_start(
    stack: Stack, workers: list[WorkerProcess]
) -> None:
    first = _worker(stack, workers, {})  # records its data directory's key as the active one
    assert first.terminate() == 0
    other = WorkerProcess(stack.url, stack.data_dir.parent / "other-data", stack.logs / "w.log")
    workers.append(other)
    assert other.process.wait(60) == 1
    assert "[signing_key_mismatch]" in other.log()
    assert "worker started" not in other.log()
