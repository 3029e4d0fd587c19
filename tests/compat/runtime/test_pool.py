"""Engine processes (issue 14): a crash, a hang or runaway memory in the engine ends that
engine process and fails that run's runtime checks with ``runtime-crashed``, never the
process that asked; processes are reused, then replaced; closing the pool interrupts."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from minirelease.compat.child_process import MIB
from minirelease.compat.model import Finding
from minirelease.compat.process_pool import PoolClosed, ProcessLimits
from minirelease.compat.runtime import EnginePool, EngineStopped, Network, run_smoke
from minirelease.compat.runtime.scripts import Scripts
from tests.compat.runtime.programs import WIFI

NETWORK = Network.from_profile(WIFI)
# V8 aborts on an array past its maximum length (a fatal error, SIGTRAP), at once and
# without using much memory: a real engine crash a package can cause.
CRASH = b"App({ onLaunch() {\n  'a'.repeat(2 ** 28).split('');\n} });\n"
# Array buffers are outside V8's heap limit: only the outer memory limit stops this.
HOARD = (
    b"App({ onLaunch() {\n  const kept = [];\n"
    b"  for (;;) { const b = new Uint8Array(16 << 20); b.fill(1); kept.push(b); }\n} });\n"
)
THROW = b"App({ onLaunch() {\n  throw new Error('boom');\n} });\n"


@pytest.fixture
def pool() -> Iterator[EnginePool]:
    engines = EnginePool(1, ProcessLimits(memory_bytes=384 * MIB), grace_seconds=2)
    yield engines
    engines.close()


def smoke(engine: EnginePool, app: bytes, budget_ms: int = 3000) -> list[Finding]:
    files = {"app.js": app}
    return run_smoke(
        files,
        pages=(),
        jsapis=(),
        network=NETWORK,
        engine=engine,
        time_budget_ms=budget_ms,
        step_budget_ms=budget_ms,
    )


def test_a_crash_of_the_engine_is_a_finding_and_the_next_run_gets_a_fresh_process(
    pool: EnginePool,
) -> None:
    (crashed,) = smoke(pool, CRASH)
    assert (crashed.rule, crashed.severity, crashed.file) == ("runtime-crashed", "fail", None)
    assert "crashed (SIGTRAP): Fatal JavaScript invalid size error" in crashed.message
    assert "again on a fresh process" in crashed.message  # one retry, the same crash
    assert "on the wifi network" in crashed.message
    assert [(f.rule, f.line) for f in smoke(pool, THROW)] == [("runtime-exception", 2)]


def test_memory_past_the_outer_limit_stops_the_process(pool: EnginePool) -> None:
    started = time.monotonic()
    (stopped,) = smoke(pool, HOARD, budget_ms=30_000)
    assert stopped.rule == "runtime-crashed"
    assert "over its limit of 384 MiB, and was stopped" in stopped.message
    assert "again" not in stopped.message  # a limit is not retried
    assert time.monotonic() - started < 20  # long before the 30 s budget
    assert pool.pids == []


def test_a_process_stopped_at_its_limit_keeps_what_the_steps_before_found(
    pool: EnginePool,
) -> None:
    # Each step reports as it ends: page a's crash stands beside page b's runaway memory.
    files = {
        "app.js": b"App({});\n",
        "pages/a/a.js": b"Page({\n  onLoad() {\n    null.go();\n  },\n});\n",
        "pages/b/b.js": HOARD.replace(b"App({ onLaunch", b"Page({ onLoad"),
    }
    findings = run_smoke(
        files,
        pages=("pages/a/a", "pages/b/b"),
        jsapis=(),
        network=NETWORK,
        engine=pool,
        time_budget_ms=30_000,
        step_budget_ms=30_000,
    )
    assert [(f.rule, f.file, f.line) for f in findings] == [
        ("runtime-crashed", None, None),
        ("runtime-exception", "pages/a/a.js", 3),
    ]
    assert "over its limit of 384 MiB, and was stopped" in findings[0].message


def test_a_process_that_stops_answering_is_killed_at_the_budget_plus_grace(
    pool: EnginePool,
) -> None:
    scripts = Scripts.of({"app.js": "App({ onLaunch() { for (;;) {} } });\n"})
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(
                pool.run(scripts, pages=(), jsapis=(), network=NETWORK, time_budget_ms=1000)
            )
        except EngineStopped as stopped:
            outcome.append(stopped)

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    deadline = time.monotonic() + 10
    while not pool.pids and time.monotonic() < deadline:
        time.sleep(0.01)
    (pid,) = pool.pids
    os.kill(pid, signal.SIGSTOP)  # hung: it can no longer answer, even its own timeout
    worker.join(15)
    (stopped,) = outcome
    assert isinstance(stopped, EngineStopped) and stopped.limit == "time"
    assert "did not answer within 3 s" in stopped.reason
    assert time.monotonic() - started < 8


def test_a_process_is_reused_then_replaced_after_its_runs() -> None:
    engines = EnginePool(1, ProcessLimits(1024 * MIB, runs_per_process=2))
    try:
        seen = []
        for _ in range(3):
            assert smoke(engines, THROW)[0].rule == "runtime-exception"
            seen.append(engines.pids)
        first, retired, second = seen
        assert retired == [] and len(first) == len(second) == 1 and first != second
    finally:
        engines.close()


def test_a_prestarted_process_waits_for_the_first_run_and_serves_it() -> None:
    engines = EnginePool(2, ProcessLimits(1024 * MIB))
    try:
        engines.prestart()
        started = engines.pids
        assert len(started) == 2
        engines.prestart()  # the pool is full: nothing more starts
        assert engines.pids == started
        assert smoke(engines, THROW)[0].rule == "runtime-exception"
        assert engines.pids == started  # the run used a prestarted process
    finally:
        engines.close()
    engines.prestart()  # closed: starts nothing
    assert engines.pids == []


def test_closing_the_pool_interrupts_a_run_and_refuses_the_next(pool: EnginePool) -> None:
    scripts = Scripts.of({"app.js": "App({ onLaunch() { for (;;) {} } });\n"})
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            pool.run(
                scripts,
                pages=(),
                jsapis=(),
                network=NETWORK,
                time_budget_ms=20_000,
                step_budget_ms=20_000,
            )
        except Exception as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while not pool.pids and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    pool.close()
    worker.join(10)
    assert [type(error) for error in outcome] == [PoolClosed]
    with pytest.raises(PoolClosed):
        smoke(pool, THROW)


def test_a_broken_answer_stops_the_process() -> None:
    # Stands in for an engine process gone wrong: it announces a 4 GiB message.
    liar = "import sys; sys.stdout.buffer.write(b'\\xff' * 4); sys.stdout.flush(); sys.stdin.read()"
    engines = EnginePool(1, command=(sys.executable, "-c", liar))
    try:
        (broken,) = smoke(engines, THROW)
        assert broken.rule == "runtime-crashed"
        assert "sent a broken answer" in broken.message
    finally:
        engines.close()
