"""A job that kills its worker every time (issue 14, item 3): each restart spends one of
its attempts; once they are spent, the next start fails it for good with the reason,
says so in its log, and no later start runs it again."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from minirelease.jobs import JobStatus
from tests.jobs.helpers import enqueue_committed, load_job

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_job_that_kills_its_worker_fails_for_good_after_its_attempts(
    jobs_db: sessionmaker[Any], empty_database_url: str, tmp_path: Path
) -> None:
    job_id = enqueue_committed(jobs_db)  # three attempts, the default
    markers = tmp_path / "markers"
    markers.mkdir()
    command = [sys.executable, "-m", "tests.jobs.poison_worker", empty_database_url, str(markers)]
    ends = []
    logs = []
    for _ in range(5):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        ends.append(done.returncode)
        logs.append(done.stderr)

    # Three starts died running it; the fourth failed it at start-up; the fifth let it be.
    assert ends == [-signal.SIGKILL] * 3 + [0, 0]
    started = sorted(path.name for path in markers.iterdir())
    assert started == [f"{job_id}.{attempt}.started" for attempt in (1, 2, 3)]
    job = load_job(jobs_db, job_id)
    assert job.status == JobStatus.FAILED and job.attempts == 3
    assert job.error is not None
    assert "lost during attempt 3: its process is gone; no attempts left (3 of 3)" in job.error
    assert f"re-queued job {job_id} (build of" in logs[1]
    assert f"job {job_id} (build of" in logs[3] and "failed for good, not run again" in logs[3]
    assert job_id not in logs[4]
