"""Real servers for tests that need real commits and real connections: the app served by
uvicorn on a thread of the test process (many client threads against one server), and
``minirelease serve`` as a process of its own (killed with SIGKILL to test recovery)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.02) -> Any:
    """Poll ``condition`` until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition}")
        time.sleep(interval)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


def free_port() -> int:
    with _listening_socket() as sock:
        return int(sock.getsockname()[1])


@contextmanager
def serving_in_thread(app: Any, **options: Any) -> Iterator[str]:
    """Serve ``app`` (lifespan included, unless ``options`` say otherwise) on a free port of
    127.0.0.1; yields its base URL. ``options`` are more of uvicorn's. The socket is bound
    before uvicorn starts, so no other process can take the port."""
    sock = _listening_socket()
    port = int(sock.getsockname()[1])
    defaults = {"log_level": "warning", "lifespan": "on", "timeout_graceful_shutdown": 5}
    config = uvicorn.Config(app, **{**defaults, **options})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn")
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), timeout=15)
        assert server.started, "uvicorn did not start"
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def spawn_minirelease(
    args: list[str],
    database_url: str,
    data_dir: Path,
    log_path: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``minirelease ARGS`` as a process of its own on a database and data directory,
    stdout and stderr appended to ``log_path``."""
    full_env = {
        **os.environ,
        "MINIRELEASE_DATABASE_URL": database_url,
        "MINIRELEASE_DATA_DIR": str(data_dir),
        **(env or {}),
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "minirelease.cli.main", *args],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


class ServerProcess:
    """``minirelease serve`` (or ``command``, e.g. ``demo``) on its own database and data
    directory, output in a log file."""

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        command: tuple[str, ...] = ("serve",),
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log_path = log_path
        self.process = spawn_minirelease(
            [*command, "--port", str(self.port)], database_url, data_dir, log_path, env
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log()}")
            try:
                return httpx2.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx2.TransportError:
                return False

        wait_until(ready, timeout=timeout, interval=0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is given back to the queue."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)  # reaped, so its pid is gone for the next server's reconciler
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]
