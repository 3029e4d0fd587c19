"""A restart never leaves a release stuck in building or testing (issue 3, item 2): a real
``minirelease serve`` is killed with SIGKILL in the middle of a build (and of a
compatibility run); the next server on the same database picks the work up at start-up
and finishes it exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from minirelease.jobs import Job, JobStatus
from minirelease.jobs.workerid import WorkerId
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.storage.local import LocalBlobStore
from tests.releases.heavy_package import heavy_zip
from tests.releases.live import ServerProcess, wait_until
from tests.releases.stack import API, Stack, read

# From the second server's start to the finished work; measured at 6 to 10 s on a quiet
# machine (3 s of start-up, then about 3 s of build or 5 s of compatibility run), and up
# to three times that beside a full parallel test run on two cores.
RECOVERY_TIMEOUT = 60


def _read(client: httpx2.Client, release_id: str) -> dict[str, Any]:
    return read(client, f"/releases/{release_id}")


def _kill_while_running(stack: Stack, server: ServerProcess, subject_id: str) -> Job:
    """SIGKILL the server once it has claimed the subject's job and is working on it;
    returns the job as the dead server left it."""

    def running() -> Job | None:
        job = stack.job(subject_id)
        return job if job.status == JobStatus.RUNNING else None

    job = wait_until(running, timeout=30)
    server.kill()
    owner = WorkerId.parse(job.claimed_by or "")
    assert owner is not None and owner.pid == server.pid
    left = stack.job(subject_id)
    assert (left.status, left.attempts, left.claimed_by) == ("running", 1, job.claimed_by)
    return left


@pytest.mark.slow
def test_a_build_killed_mid_way_is_finished_once_by_the_next_server(stack: Stack) -> None:
    first = stack.serve()
    with stack.client(first) as client:
        release_id = stack.release(client, heavy_zip(modules=4900, blocks_per_module=115))
        wait_until(lambda: _read(client, release_id)["build"]["status"] == "running", timeout=30)
    _kill_while_running(stack, first, release_id)
    with stack.sessions() as session:
        stuck = session.get(Release, release_id)
        assert stuck is not None
        assert (stuck.status, stuck.build_status, stuck.build_sha256) == (
            "building",
            "running",
            None,
        )
    assert stack.events(release_id, "release.build_succeeded") == 0

    started = time.monotonic()
    second = stack.serve()
    with stack.client(second) as client:
        wait_until(
            lambda: _read(client, release_id)["status"] == "awaiting_test",
            timeout=RECOVERY_TIMEOUT,
            interval=0.1,
        )
        release = _read(client, release_id)
    recovered_in = time.monotonic() - started
    assert recovered_in < RECOVERY_TIMEOUT
    assert release["build"]["status"] == "succeeded" and release["build"]["number"] == 1
    package = LocalBlobStore(stack.data_dir / "blobs").path(release["build"]["sha256"])
    assert package.stat().st_size == release["build"]["size"]
    assert stack.events(release_id, "release.build_succeeded") == 1
    # The job is marked done in the outcome's own transaction.
    job = stack.job(release_id)
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    assert job.error is not None and "its process is gone" in job.error


@pytest.mark.slow
def test_a_compatibility_run_killed_mid_way_is_finished_once_by_the_next_server(
    stack: Stack,
) -> None:
    first = stack.serve()
    with stack.client(first) as client:
        release_id = stack.release(client, heavy_zip(modules=1500, blocks_per_module=20))
        wait_until(lambda: _read(client, release_id)["status"] == "awaiting_test", timeout=30)
        started = client.post(f"{API}/releases/{release_id}/compatibility-runs")
        assert started.status_code == 202, started.text
        run_id = str(started.json()["id"])
        wait_until(
            lambda: _read(client, release_id)["compatibility"]["status"] == "running", timeout=30
        )
    _kill_while_running(stack, first, run_id)
    with stack.sessions() as session:
        run = session.get(CompatibilityRun, run_id)
        release = session.get(Release, release_id)
        assert run is not None and release is not None
        assert (release.status, run.status, run.report) == ("testing", "running", None)

    second = stack.serve()
    with stack.client(second) as client:
        wait_until(
            lambda: _read(client, release_id)["status"] == "tested",
            timeout=RECOVERY_TIMEOUT,
            interval=0.1,
        )
        run_read = client.get(f"{API}/releases/{release_id}/compatibility-runs/{run_id}").json()
    assert run_read["status"] == "finished"
    # Tens of megabytes of code is legitimately slow to download on the slow networks and
    # heavy on the small devices; those size rules are the only findings a complete run has.
    summary = run_read["summary"]
    assert summary["cells"] == len(run_read["report"]["cells"]) > 0
    assert set(summary["findings_by_rule"]) <= {"slow-first-download", "memory-risk"}
    assert run_read["report"]["summary"] == run_read["summary"]
    assert stack.events(release_id, "release.test_finished") == 1
    # The job is marked done in the outcome's own transaction.
    assert (stack.job(run_id).status, stack.job(run_id).attempts) == (JobStatus.SUCCEEDED, 2)
