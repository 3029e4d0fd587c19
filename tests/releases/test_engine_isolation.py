"""Issue 14 against real servers. Several compatibility runs starting at the same instant on
a fresh server (how the start-up crash was reported), and packages whose JavaScript
crashes the engine or eats memory: each run fails only its own runtime checks, the
server serves on, and it never loads the engine itself."""

from __future__ import annotations

import threading
from typing import Any

import httpx2
import pytest

from tests.packages.zips import project, zip_bytes
from tests.releases.engines import engine_processes, loads_engine
from tests.releases.heavy_package import heavy_zip
from tests.releases.live import ServerProcess, wait_until
from tests.releases.stack import API, Stack, read

RUNS_AT_ONCE = 4
FRESH_SERVERS = 3


def _status(client: httpx2.Client, release_id: str) -> str:
    return str(read(client, f"/releases/{release_id}")["status"])


def _all(client: httpx2.Client, ids: list[str], status: str, server: ServerProcess) -> bool:
    if server.process.poll() is not None:
        raise AssertionError(f"the server died ({server.process.returncode}):\n{server.log()}")
    return all(_status(client, release_id) == status for release_id in ids)


def _start_runs_at_once(server: ServerProcess, stack: Stack, ids: list[str]) -> list[str]:
    start = threading.Barrier(len(ids))
    runs: dict[str, str] = {}

    def start_run(release_id: str) -> None:
        with stack.client(server) as client:
            start.wait()
            response = client.post(f"{API}/releases/{release_id}/compatibility-runs")
            assert response.status_code == 202, response.text
            runs[release_id] = str(response.json()["id"])

    threads = [threading.Thread(target=start_run, args=(release_id,)) for release_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return [runs[release_id] for release_id in ids]


@pytest.mark.slow
def test_runs_starting_together_on_fresh_servers_all_finish(stack: Stack) -> None:
    threads = {"MINIRELEASE_JOB_THREADS": str(RUNS_AT_ONCE)}
    builder = stack.serve(threads)
    package = heavy_zip(modules=5, blocks_per_module=2)  # the same small program each time
    with stack.client(builder) as client:
        ids = [stack.release(client, package, version=f"1.0.{n}") for n in range(RUNS_AT_ONCE)]
        wait_until(lambda: _all(client, ids, "awaiting_test", builder), timeout=60, interval=0.1)
    builder.stop()

    for _ in range(FRESH_SERVERS):
        _runs_at_once_on_a_fresh_server(stack, threads, ids)


def _runs_at_once_on_a_fresh_server(stack: Stack, env: dict[str, str], ids: list[str]) -> None:
    server = stack.serve(env)
    runs = _start_runs_at_once(server, stack, ids)
    with stack.client(server) as client:
        wait_until(lambda: _all(client, ids, "tested", server), timeout=90, interval=0.1)
        for release_id, run_id in zip(ids, runs, strict=True):
            run = read(client, f"/releases/{release_id}/compatibility-runs/{run_id}")
            assert run["status"] == "finished"
            assert "runtime-crashed" not in run["summary"]["findings_by_rule"]
    assert server.process.poll() is None
    assert not loads_engine(server.pid)
    engines = engine_processes(stack.data_dir)
    assert engines and all(loads_engine(pid) for pid in engines)
    server.stop()


# V8 aborts on an array past its maximum length: a real crash a package can cause.
CRASHES = b"App({ onLaunch() {\n  'a'.repeat(2 ** 28).split('');\n} });\n"
# Array buffers are not counted by V8's heap limit: only the outer memory limit stops it.
HOARDS = (
    b"App({ onLaunch() {\n  const kept = [];\n"
    b"  for (;;) { const b = new Uint8Array(16 << 20); b.fill(1); kept.push(b); }\n} });\n"
)
# A static finding each package also has, which must survive the engine's trouble.
INSECURE_PAGE = b"Page({ onLoad() { my.request({ url: 'http://api.example.com/menu' }); } });\n"


def _package(app_js: bytes) -> bytes:
    return zip_bytes(project(extra={"app.js": app_js, "pages/index/index.js": INSECURE_PAGE}))


def _finished_report(client: httpx2.Client, release_id: str, server: ServerProcess) -> Any:
    run_id = str(client.post(f"{API}/releases/{release_id}/compatibility-runs").json()["id"])
    wait_until(lambda: _all(client, [release_id], "tested", server), timeout=120, interval=0.2)
    run = read(client, f"/releases/{release_id}/compatibility-runs/{run_id}")
    assert run["status"] == "finished"
    return run["report"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("app_js", "memory_mb", "says"),
    [
        # The string alone is 256 MiB: the default limit lets V8 get to its abort.
        (CRASHES, "1024", "crashed (SIGTRAP): Fatal JavaScript"),
        (HOARDS, "256", "over its limit of 256 MiB"),
    ],
    ids=["crashes the engine", "exhausts memory"],
)
def test_a_package_that_takes_the_engine_down_fails_only_its_own_run(
    stack: Stack, app_js: bytes, memory_mb: str, says: str
) -> None:
    server = stack.serve({"MINIRELEASE_ENGINE_MEMORY_MB": memory_mb})
    with stack.client(server) as client:
        bad = stack.release(client, _package(app_js), version="1.0.0")
        good = stack.release(client, _package(b"App({ onLaunch() {} });\n"), version="1.0.1")
        wait_until(lambda: _all(client, [bad, good], "awaiting_test", server), timeout=60)

        report = _finished_report(client, bad, server)
        crashed = [f for f in report["findings"] if f["rule"] == "runtime-crashed"]
        assert crashed and all(says in finding["message"] for finding in crashed)
        every_cell = {cell["id"] for cell in report["cells"]}
        assert {cell for finding in crashed for cell in finding["cells"]} == every_cell
        assert any(f["rule"] == "insecure-url" for f in report["findings"])
        assert client.get("/healthz").status_code == 200

        after = _finished_report(client, good, server)
        assert not [f for f in after["findings"] if f["rule"] == "runtime-crashed"]
        assert any(f["rule"] == "insecure-url" for f in after["findings"])
    assert server.process.poll() is None
    assert not loads_engine(server.pid)
