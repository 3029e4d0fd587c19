"""CLI start-up benchmark (issue 10, Measures): how long ``minirelease --help`` and a
``--json`` client command take to start, next to ``python -c pass`` measured in the same
run, and what importing the client pulls in. Target: at most 300 ms each.

    .venv/bin/python -m benchmarks.cli_startup [--repeat N]

The ``--json`` command is ``whoami --json`` against a real ``minirelease serve`` on a
temporary SQLite database, so the figure includes one HTTP round trip, as a CI step
would. Each figure is the median of N runs, in fresh processes."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx2

TARGET_MS = 300.0
# The server's own dependencies: a client command that loads one of these starts slowly.
# (Not pydantic: Typer itself converts parameters with it.)
SERVER_MODULES = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "jinja2", "alembic", "psycopg")
CLI = (sys.executable, "-m", "minirelease.cli.main")


def _median_ms(argv: Sequence[str], env: Mapping[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _loaded_server_modules(env: Mapping[str, str]) -> list[str]:
    # Run a client command in-process (no network: logout of a missing profile), then
    # list the top-level packages it left loaded.
    probe = (
        "import sys, minirelease.cli.main as m;"
        "m.main(['logout', '--json', '--profile', 'none']);"
        "print(' '.join(sorted({n.split('.')[0] for n in sys.modules})), file=sys.stderr)"
    )
    names = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True
    ).stderr.split()
    return [name for name in SERVER_MODULES if name in names]


def _start_server(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, str]:
    env["MINIRELEASE_DATA_DIR"] = str(root / "data")
    env["MINIRELEASE_DATABASE_URL"] = f"sqlite:///{root / 'db.sqlite'}"
    created = subprocess.run(
        [*CLI, "admin", "create-user", "bench@example.com", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = __import__("json").loads(created.stdout)["token"]
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base, token
        except httpx2.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIRELEASE_")}
    env["MINIRELEASE_PASSWORD_HASHING"] = "cheapest"
    with tempfile.TemporaryDirectory() as tmp:
        server, base, token = _start_server(Path(tmp), dict(env))
        try:
            client_env = {**env, "MINIRELEASE_SERVER": base, "MINIRELEASE_TOKEN": token}
            client_env["MINIRELEASE_CONFIG_DIR"] = str(Path(tmp) / "config")
            bare = _median_ms([sys.executable, "-c", "pass"], env, args.repeat)
            rows = [
                ("python -c pass", bare),
                ("minirelease --help", _median_ms([*CLI, "--help"], env, args.repeat)),
                (
                    "minirelease whoami --json",
                    _median_ms([*CLI, "whoami", "--json"], client_env, args.repeat),
                ),
            ]
        finally:
            server.terminate()
            server.wait(15)
    print(f"{'command':<28} {'median ms':>10} {'x python':>9}  target ≤ {TARGET_MS:.0f} ms")
    worst = 0.0
    for name, ms in rows:
        print(f"{name:<28} {ms:>10.1f} {ms / bare:>9.1f}")
        if name != "python -c pass":
            worst = max(worst, ms)
    loaded = _loaded_server_modules(env)
    print(f"server modules loaded by the client: {', '.join(loaded) or 'none'}")
    ok = worst <= TARGET_MS and not loaded
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
