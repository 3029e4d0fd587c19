"""The launch path at scale (issue 5, item 6), each figure a ratio measured in this run:

(a) in-process decisions per second of the resolver SDK against GrowthBook's and Unleash's
    Python SDKs on the same 5 % rollout and the same user ids, and against a bare murmur3
    loop (the floor); targets: >= 1,000,000 decisions/s on one core, >= 10x GrowthBook
    (benchmarks/resolver_speed.py; GrowthBook and Unleash need `pip install -e '.[bench]'`);
(b) HTTP launch requests per second under wrk against a real `minirelease serve` (SQLite,
    10,000 mini programs, one in ten in grayscale), next to the same server answering a
    constant JSON body (/healthz); target: launches >= 85 % of it, with p99 latency;
(c) the rollout snapshot rebuild and the manifest build + sign for 10,000 mini programs;
    target < 200 ms (benchmarks/manifest_rebuild.py).

    .venv/bin/python -m benchmarks.launch [--quick] [--duration S] [--connections N]

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
# wrk varies the user id per request, so the server buckets a different user each time;
# the app id is one of the mini programs in grayscale.
_WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/launch/wallet/2021000000000000?user_id=user-" .. counter)
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
    server = subprocess.Popen(
        [sys.executable, "-m", "minirelease.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def wrk(url: str, script: Path | None, duration: int, connections: int) -> tuple[float, str]:
    """(requests per second, p99 latency) of one wrk run with one thread (the other core
    is the server's)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
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


def http_benchmark(programs: int, duration: int, connections: int) -> None:
    print(
        f"\n(b) HTTP under wrk: {programs:,} mini programs, {connections} connections, "
        f"{duration} s per endpoint"
    )
    if shutil.which("wrk") is None:
        print("    skipped: wrk is not installed (apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = seeded_database(data_dir, programs)
        script = data_dir / "launch.lua"
        script.write_text(_WRK_SCRIPT)
        port = free_port()
        server = serve(url, data_dir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            wrk(f"{base}/healthz", None, 2, connections)  # warm up both paths
            wrk(base, script, 2, connections)
            constant, constant_p99 = wrk(f"{base}/healthz", None, duration, connections)
            launch, launch_p99 = wrk(base, script, duration, connections)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    ratio = launch / constant
    verdict = "met" if ratio >= LAUNCH_TARGET else "MISSED"
    print(f"    constant JSON (/healthz)   {constant:10,.0f} req/s   p99 {constant_p99}")
    print(f"    GET /launch/…?user_id=…    {launch:10,.0f} req/s   p99 {launch_p99}")
    print(f"    launch / constant: {ratio:.1%} (target >= {LAUNCH_TARGET:.0%}: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke check")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    users = "100000" if args.quick else "1000000"
    others = "20000" if args.quick else "100000"
    print("(a) in-process decisions, 5 % rollout (best of 3)")
    resolver_speed.main(["--users", users, "--others", others, "--repeat", "3"])
    http_benchmark(PROGRAMS, 3 if args.quick else args.duration, args.connections)
    print(f"\n(c) snapshot rebuild and manifest build + sign, {PROGRAMS:,} mini programs")
    manifest_rebuild.main(["--programs", str(PROGRAMS), "--repeat", "3" if args.quick else "7"])


if __name__ == "__main__":
    main()
