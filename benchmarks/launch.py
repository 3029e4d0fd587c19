"""The launch path at scale (issue 5, item 6), each figure a ratio measured in this run:

(a) in-process decisions per second of the resolver SDK against GrowthBook's and Unleash's
    Python SDKs on the same 5 % rollout and the same user ids, and against a bare murmur3
    loop (the floor); targets: >= 1,000,000 decisions/s on one core, >= 10x GrowthBook
    (benchmarks/resolver_speed.py; GrowthBook and Unleash need `pip install -e '.[bench]'`);
(b) HTTP launch requests per second under wrk against a real `minirelease serve` (SQLite,
    10,000 mini programs, one in ten in grayscale), next to the floor: a bare Starlette
    app answering a constant body of the same size on the same uvicorn and options, no
    middleware, no access log (benchmarks/launch_floor.py); targets: launches >= 85 % of
    the floor's rate, p99 <= 5 ms (serve answers launches in its HTTP protocol, the floor
    runs on the same protocol class without that lane, see the README); on a machine with
    two or more CPUs the servers run on one and wrk on another (``--no-pin`` leaves them
    to the scheduler), so that a latency measures the server rather than the two taking
    turns on one core;
(c) the rollout snapshot rebuild and the manifest build + sign for 10,000 mini programs;
    target < 200 ms (benchmarks/manifest_rebuild.py).

    .venv/bin/python -m benchmarks.launch [--quick] [--duration S] [--connections N] [--no-pin]

(b) needs wrk (`apt-get install wrk`); without it, (b) says so and the rest still runs."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from benchmarks import manifest_rebuild, resolver_speed
from minirelease import migrate
from minirelease.db import make_engine, make_session_factory

PROGRAMS = 10_000
LAUNCH_TARGET = 0.85
P99_TARGET_MS = 5.0
_LAUNCH_PATH = "/api/v1/launch/wallet/2021000000000000"
# wrk varies the user id per request, so the server buckets a different user each time;
# the app id is one of the mini programs in grayscale.
# The same script drives the floor (its path only differs), so that both pay the same
# load generator's cost per request.
_WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "%s?user_id=user-" .. counter)
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seeded_database(data_dir: Path, programs: int) -> str:
    url = f"sqlite:///{data_dir / 'bench.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            manifest_rebuild.populate(session, programs)
            session.commit()
    finally:
        engine.dispose()
    return url


def serve(
    url: str, data_dir: Path, port: int, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`minirelease serve` on the seeded database; without jobs unless ``env`` says."""
    env = {
        **os.environ,
        "MINIRELEASE_DATABASE_URL": url,
        "MINIRELEASE_DATA_DIR": str(data_dir),
        "MINIRELEASE_RUN_JOBS": "0",
        **(env or {}),
    }
    command = [sys.executable, "-m", "minirelease.cli.main", "serve", "--port", str(port)]
    return started(command, env, f"http://127.0.0.1:{port}/healthz")


def serve_floor(port: int, body_bytes: int) -> subprocess.Popen[bytes]:
    """The bare Starlette app of benchmarks/launch_floor.py, same uvicorn and options."""
    command = [sys.executable, "-m", "benchmarks.launch_floor", "--port", str(port)]
    command += ["--body-bytes", str(body_bytes)]
    return started(command, dict(os.environ), f"http://127.0.0.1:{port}/floor")


def started(command: list[str], env: dict[str, str], ready_url: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(ready_url, timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{' '.join(command)} did not start within 60 s")


def cpu_split() -> tuple[int, int] | None:
    """(the servers' CPU, wrk's CPU) when this process may run on two or more: each side
    pinned to a core of its own, so that the scheduler never runs the load generator and
    the server on one core in turn while the other idles, a wait both the floor and the
    launch server would otherwise pay in their tails. None on a single CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or shutil.which("taskset") is None:
        return None
    return cpus[0], cpus[1]


def pin(process: subprocess.Popen[bytes], cpu: int) -> None:
    """Pin a started server (one process, its threads included) to one CPU."""
    for thread in Path(f"/proc/{process.pid}/task").iterdir():
        os.sched_setaffinity(int(thread.name), {cpu})


def wrk(
    url: str, script: Path | None, duration: int, connections: int, cpu: int | None = None
) -> tuple[float, str]:
    """(requests per second, p99 latency) of one wrk run with one thread (the other core
    is the server's), on ``cpu`` when given."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    if cpu is not None:
        command = ["taskset", "--cpu-list", str(cpu), *command]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if rate is None or p99 is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    if errors is not None:
        raise SystemExit(f"{errors.group(1)} requests failed:\n{output}")
    return float(rate.group(1)), p99.group(1)


def http_benchmark(programs: int, duration: int, connections: int, pinned: bool) -> None:
    split = cpu_split() if pinned else None
    print(
        f"\n(b) HTTP under wrk: {programs:,} mini programs, {connections} connections, "
        f"{duration} s per run, each endpoint run twice in turn (best run shown)"
    )
    if split is not None:
        print(f"    servers pinned to CPU {split[0]}, wrk to CPU {split[1]}")
    if shutil.which("wrk") is None:
        print("    skipped: wrk is not installed (apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = seeded_database(data_dir, programs)
        script, floor_script = data_dir / "launch.lua", data_dir / "floor.lua"
        script.write_text(_WRK_SCRIPT % _LAUNCH_PATH)
        floor_script.write_text(_WRK_SCRIPT % "/floor")
        port, floor_port = free_port(), free_port()
        server = serve(url, data_dir, port)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}{_LAUNCH_PATH}?user_id=user-1") as first:
            body_bytes = len(first.read())
        floor = serve_floor(floor_port, body_bytes)
        floor_url = f"http://127.0.0.1:{floor_port}/floor"
        wrk_cpu = None
        if split is not None:
            pin(server, split[0])
            pin(floor, split[0])
            wrk_cpu = split[1]
        try:
            runs: dict[str, list[tuple[float, str]]] = {"floor": [], "launch": []}
            wrk(floor_url, floor_script, 2, connections, wrk_cpu)  # warm up both
            wrk(base, script, 2, connections, wrk_cpu)
            for _ in range(2):
                runs["floor"].append(wrk(floor_url, floor_script, duration, connections, wrk_cpu))
                runs["launch"].append(wrk(base, script, duration, connections, wrk_cpu))
        finally:
            for process in (server, floor):
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    (floor_rate, floor_p99), (launch_rate, launch_p99) = (max(runs[k]) for k in runs)
    ratio = launch_rate / floor_rate
    p99_ms = _milliseconds(launch_p99)
    met = ratio >= LAUNCH_TARGET and p99_ms <= P99_TARGET_MS
    print(f"    bare Starlette, {body_bytes} B   {floor_rate:10,.0f} req/s   p99 {floor_p99}")
    print(f"    GET /launch/…?user_id=…    {launch_rate:10,.0f} req/s   p99 {launch_p99}")
    print(
        f"    launch / floor: {ratio:.1%}, launch p99 {p99_ms:.2f} ms (targets >= "
        f"{LAUNCH_TARGET:.0%} and <= {P99_TARGET_MS:g} ms: {'met' if met else 'MISSED'})"
    )


def _milliseconds(wrk_latency: str) -> float:
    """wrk's "812.00us", "4.51ms" or "1.02s" in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", wrk_latency)
    if found is None:
        raise SystemExit(f"could not read wrk's latency {wrk_latency!r}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke check")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="let the scheduler place the servers and wrk (default: a core each)",
    )
    args = parser.parse_args()
    users = "100000" if args.quick else "1000000"
    others = "20000" if args.quick else "100000"
    print("(a) in-process decisions, 5 % rollout (best of 3)")
    resolver_speed.main(["--users", users, "--others", others, "--repeat", "3"])
    http_benchmark(PROGRAMS, 3 if args.quick else args.duration, args.connections, not args.no_pin)
    print(f"\n(c) snapshot rebuild and manifest build + sign, {PROGRAMS:,} mini programs")
    manifest_rebuild.main(["--programs", str(PROGRAMS), "--repeat", "3" if args.quick else "7"])


if __name__ == "__main__":
    main()
