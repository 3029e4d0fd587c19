"""Launches while compatibility runs are going on (issue 14): the launch measurement of
benchmarks/launch.py (wrk, one thread, varying user ids, 10,000 mini programs on SQLite)
against one `minirelease serve` that runs its own jobs, first with its job threads idle,
then while two compatibility runs of a 1,000-file, 5 MB program follow one another on
them, their JavaScript in the server's engine processes. Prints requests per second and
p99 latency of both, and their ratios; the target is a launch p99 unchanged by the runs.

    .venv/bin/python -m benchmarks.launch_during_compat [--duration S] [--connections N]

Needs wrk (`apt-get install wrk`). On a 2-core machine wrk, the server and the runs share
the cores, so part of any change is plain CPU contention: the figures say how much."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2

from benchmarks import launch
from benchmarks.lab_releases import ok, program_zip, seed_releases

RUNS_AT_ONCE = 2


def admin_token(url: str, data_dir: Path) -> str:
    env = os.environ | {"MINIRELEASE_DATABASE_URL": url, "MINIRELEASE_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "minirelease.cli.main", "admin", "create-user"]
    done = subprocess.run(
        [*command, "lab-admin@example.com", "--platform-admin", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return str(json.loads(done.stdout)["token"])


def releases_to_test(api: httpx2.Client) -> list[str]:
    """A lab partner app, a mini program with RUNS_AT_ONCE versions, each chosen for it
    and built; returns the release ids."""
    ids = seed_releases(api, program_zip(1000), RUNS_AT_ONCE)
    for release_id in ids:
        while ok(api.get(f"/releases/{release_id}"))["status"] == "building":
            time.sleep(0.2)
    return ids


class KeepTesting:
    """Starts a compatibility run on each release as soon as the previous one ended."""

    def __init__(self, api: httpx2.Client, ids: list[str]) -> None:
        self._api = api
        self._ids = ids
        self._stop = threading.Event()
        self.finished = 0
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> KeepTesting:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        started: set[str] = set()
        while not self._stop.is_set():
            for release_id in self._ids:
                status = self._api.get(f"/releases/{release_id}").json()["status"]
                if status in ("awaiting_test", "tested"):
                    self.finished += release_id in started
                    self._api.post(f"/releases/{release_id}/compatibility-runs")
                    started.add(release_id)
            self._stop.wait(0.1)


def p99_ms(text: str) -> float:
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for unit in ("us", "ms", "s"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale[unit]
    raise ValueError(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = launch.seeded_database(data_dir, launch.PROGRAMS)
        token = admin_token(url, data_dir)
        script = data_dir / "launch.lua"
        script.write_text(launch._WRK_SCRIPT)
        port = launch.free_port()
        jobs = {"MINIRELEASE_RUN_JOBS": "1", "MINIRELEASE_JOB_THREADS": str(RUNS_AT_ONCE)}
        server = launch.serve(url, data_dir, port, jobs)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with httpx2.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60) as api:
                ids = releases_to_test(api)
                launch.wrk(base, script, 2, args.connections)  # warm up
                idle = launch.wrk(base, script, args.duration, args.connections)
                with KeepTesting(api, ids) as runs:
                    time.sleep(2)  # the runs are under way
                    busy = launch.wrk(base, script, args.duration, args.connections)
                    finished = runs.finished
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print(f"launches, {launch.PROGRAMS:,} mini programs, {args.connections} connections:")
    print(f"  job threads idle         {idle[0]:10,.0f} req/s   p99 {idle[1]}")
    print(f"  {RUNS_AT_ONCE} compatibility runs    {busy[0]:10,.0f} req/s   p99 {busy[1]}")
    print(f"  ({finished} runs finished during the measurement)")
    print(
        f"  with runs / idle: {busy[0] / idle[0]:.1%} of the rate, "
        f"p99 {p99_ms(busy[1]) / p99_ms(idle[1]):.2f}x"
    )


if __name__ == "__main__":
    main()
