"""Run by test_poison.py as a process of its own: a worker pool whose build handler kills
the process it runs in (a job that takes its worker down, every time), leaving a marker
file first. Without such a job to run, the process stops after a moment."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import JobContext, JobHandler, WorkerPool


def main(database_url: str, marker_dir: str) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    def kill_my_worker(ctx: JobContext) -> None:
        (Path(marker_dir) / f"{ctx.job.id}.{ctx.attempt}.started").write_text(ctx.worker_id)
        os.kill(os.getpid(), signal.SIGKILL)

    sessions = make_session_factory(make_engine(database_url))
    pool = WorkerPool(sessions, {"build": JobHandler(kill_my_worker)}, poll_interval=0.05)
    pool.start()
    time.sleep(1.0)
    pool.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
