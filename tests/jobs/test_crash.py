"""A real crash: a worker process is killed with SIGKILL in the middle of a job; the next
pool on the same database picks the job up at once (not after the 30 s lease) and
completes it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.jobs import JobContext, JobHandler, JobStatus
from minirelease.jobs.workerid import WorkerId
from tests.jobs.conftest import MakePool
from tests.jobs.helpers import Runs, enqueue_committed, has_status, load_job, wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_job_whose_process_was_killed_completes_once_in_the_next_pool(
    jobs_db: sessionmaker[Any], empty_database_url: str, make_pool: MakePool, tmp_path: Path
) -> None:
    job_id = enqueue_committed(jobs_db)
    crashed = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.crash_worker", empty_database_url, str(tmp_path)],
        cwd=ROOT,
    )
    try:
        wait_until(lambda: (tmp_path / f"{job_id}.1.started").exists(), timeout=20)
        running = load_job(jobs_db, job_id)
        owner = WorkerId.parse(running.claimed_by or "")
        assert running.status == JobStatus.RUNNING
        assert owner is not None and owner.pid == crashed.pid
    finally:
        os.kill(crashed.pid, signal.SIGKILL)
        crashed.wait()
    assert crashed.returncode == -signal.SIGKILL

    runs = Runs()

    def finish(ctx: JobContext) -> None:
        runs.record(ctx)
        (tmp_path / f"{ctx.job.id}.{ctx.attempt}.done").write_text(ctx.worker_id)

    make_pool({"build": JobHandler(finish)})  # default 30 s lease, far beyond the wait
    wait_until(has_status(jobs_db, job_id, JobStatus.SUCCEEDED), timeout=5)
    assert runs.calls == [(job_id, 2)]
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(job_id)) == [
        f"{job_id}.1.started",
        f"{job_id}.2.done",
    ]
