"""``minirelease worker`` as a real process for the tests, beside ``serve --no-jobs``
processes (tests/releases/live.py): started on a database and data directory, output in
a log file, stopped with SIGTERM (gracefully) or SIGKILL."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.releases.live import spawn_minirelease, wait_until


class WorkerProcess:
    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        log_path: Path,
        *,
        concurrency: int = 1,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        # As deploy/minirelease.env.example sets it for every process: a worker runs the
        # jobs whatever it says.
        env = {"MINIRELEASE_RUN_JOBS": "0", **(env or {})}
        self.process = spawn_minirelease(
            ["worker", "--concurrency", str(concurrency)], database_url, data_dir, log_path, env
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_started(self, timeout: float = 30) -> None:
        def started() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log()}")
            return "worker started" in self.log()

        wait_until(started, timeout=timeout, interval=0.05)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
