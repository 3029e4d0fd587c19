"""The machines of the scale-out test, each a real process with a data directory and a
metrics directory of its own (as separate hosts would have), started with the README's
commands; and the load balancer in front of the API machines."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx2

from tests.releases.live import HOST, free_port, wait_until
from tests.scaleout.layout import on_machine

MINIRELEASE = str(Path(sys.executable).with_name("minirelease"))


class Machine:
    """One minirelease process: an API server or a worker, restartable in place."""

    def __init__(
        self, name: str, argv: list[str], env: Mapping[str, str], home: Path, port_option: str
    ) -> None:
        self.name = name
        self.home = home
        self.port = free_port()
        self.argv = on_machine(argv, **{port_option: str(self.port)})
        if "--host" in self.argv:
            self.argv = on_machine(self.argv, host=HOST)
        self.env = {
            **env,
            "MINIRELEASE_DATA_DIR": str(home / "data"),
            "MINIRELEASE_METRICS_DIR": str(home / "metrics"),
        }
        self.log_path = home / "process.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = f"http://{HOST}:{self.port}"

    def start(self) -> None:
        # A machine's metrics directory is emptied before its first process starts, as the
        # README asks (its files would otherwise add counts of processes long gone).
        metrics = Path(self.env["MINIRELEASE_METRICS_DIR"])
        metrics.mkdir(parents=True, exist_ok=True)
        for stale in metrics.iterdir():
            stale.unlink()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [MINIRELEASE, *self.argv[1:]],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, path: str = "/readyz", timeout: float = 120) -> None:
        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log()}")
            try:
                return httpx2.get(f"{self.base_url}{path}", timeout=2).status_code == 200
            except httpx2.TransportError:
                return False

        wait_until(ready, timeout=timeout, interval=0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return int(self.process.returncode)

    def metrics(self) -> str:
        response = httpx2.get(f"{self.base_url}/metrics", timeout=10)
        assert response.status_code == 200, response.text
        return str(response.text)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class Balancer:
    """Round robin over the API machines in rotation, as a load balancer does: a machine
    is taken out of rotation before it is stopped (draining: requests already sent to it
    finish there), and a request that could not connect goes to the next machine. Every
    answer's status is kept, so the test can say that no request got a 5xx."""

    def __init__(self, machines: list[Machine], headers: Mapping[str, str]) -> None:
        self.machines = machines
        self._in_rotation = {m.name: True for m in machines}
        self._in_flight = {m.name: 0 for m in machines}
        self._clients = {
            m.name: httpx2.Client(
                base_url=m.base_url,
                timeout=60,
                limits=httpx2.Limits(max_connections=64, max_keepalive_connections=32),
            )
            for m in machines
        }
        self._headers = dict(headers)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.statuses: list[tuple[str, str, int]] = []

    def _pick(self) -> list[Machine]:
        with self._lock:
            start = next(self._turn)
            live = [m for m in self.machines if self._in_rotation[m.name]]
            assert live, "no API machine in rotation"
            return live[start % len(live) :] + live[: start % len(live)]

    def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx2.Response:
        for machine in self._pick():
            with self._lock:
                if not self._in_rotation[machine.name]:
                    continue
                self._in_flight[machine.name] += 1
            try:
                response = self._clients[machine.name].request(
                    method,
                    f"/api/v1{path}",
                    headers={**self._headers, **(headers or {})},
                    **kwargs,
                )
            except httpx2.ConnectError:
                continue  # never reached the machine: safe to send elsewhere
            finally:
                with self._lock:
                    self._in_flight[machine.name] -= 1
            with self._lock:
                self.statuses.append((method, path, response.status_code))
            return response
        raise AssertionError(f"no API machine could be reached for {method} {path}")

    def drain(self, machine: Machine) -> None:
        with self._lock:
            self._in_rotation[machine.name] = False
        wait_until(lambda: self._in_flight[machine.name] == 0, timeout=60)
        # Kept-alive connections to a stopped server would fail their next use.
        self._clients[machine.name].close()

    def restore(self, machine: Machine) -> None:
        self._clients[machine.name] = httpx2.Client(base_url=machine.base_url, timeout=60)
        with self._lock:
            self._in_rotation[machine.name] = True

    def server_errors(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return [entry for entry in self.statuses if entry[2] >= 500]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
