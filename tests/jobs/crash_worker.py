"""Run by test_crash.py as a process of its own: a worker pool whose build handler
leaves a marker file, then blocks until the process is killed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import JobContext, JobHandler, WorkerPool


def main(database_url: str, marker_dir: str) -> None:
    def start_and_hang(ctx: JobContext) -> None:
        (Path(marker_dir) / f"{ctx.job.id}.{ctx.attempt}.started").write_text(ctx.worker_id)
        time.sleep(600)

    sessions = make_session_factory(make_engine(database_url))
    pool = WorkerPool(sessions, {"build": JobHandler(start_and_hang)}, poll_interval=0.05)
    pool.start()
    time.sleep(600)


if __name__ == "__main__":
    main(*sys.argv[1:])
