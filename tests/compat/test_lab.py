"""Compatibility runs in lab processes (issue 14): the same report as a run in this
process, progress as it goes, what changed since the previous run, files cleaned up; a
lab process that goes down fails that run with its reason and the next run gets a fresh
one; closing interrupts; the lab runs at idle priority."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minirelease.compat.lab import CompatibilityLab, LabRun, LabStopped
from minirelease.compat.matrix import build_matrix
from minirelease.compat.package import BuiltPackage
from minirelease.compat.process_pool import PoolClosed
from minirelease.compat.profiles import default_profiles
from minirelease.compat.run import run_compatibility
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import SERVER_DOMAINS, program
from tests.engines import SHARED_ENGINE, SHARED_LAB
from tests.packages.zips import zip_bytes

PROFILE = shipped_profile("wallet")
MATRIX = build_matrix("wallet", PROFILE["os_versions"], default_profiles())
FIXED = {"pages/index/index.js": "Page({ onLoad() { my.showToast({ content: 'hi' }); } });\n"}
BROKEN = {
    "pages/index/index.js": "Page({ onLoad() { my.request({ url: 'http://api.shop.example/a' });"
    " null.x; } });\n"
}


def _lab_run(tmp_path: Path, files: dict[str, str], **fields: object) -> LabRun:
    package = tmp_path / f"{len(list(tmp_path.iterdir()))}.zip"
    package.write_bytes(zip_bytes(program(files)))
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return LabRun(
        **{
            "run_id": "run_lab",
            "package_path": package,
            "source_path": package,
            "package_sha256": "0" * 64,
            "partner_app": "wallet",
            "profile": PROFILE,
            "limits": DEFAULT_PACKAGE_LIMITS,
            "matrix": MATRIX.to_json(),
            "out_dir": out,
            "server_domains": SERVER_DOMAINS,
            **fields,  # type: ignore[arg-type]
        }
    )


def test_a_lab_run_reports_what_a_run_here_reports(tmp_path: Path) -> None:
    run = _lab_run(tmp_path, BROKEN)
    seen: list[tuple[int, int]] = []
    result = SHARED_LAB.run(run, progress=lambda done, total: seen.append((done, total)))
    here = run_compatibility(
        BuiltPackage.from_build(run.package_path, run.source_path),
        run_id="run_lab",
        package_sha256="0" * 64,
        partner_app="wallet",
        profile=PROFILE,
        limits=DEFAULT_PACKAGE_LIMITS,
        server_domains=SERVER_DOMAINS,
        matrix=MATRIX,
        engine=SHARED_ENGINE,
    )
    assert json.loads(result.report_json) == json.loads(json.dumps(here.report))
    assert result.summary == here.report["summary"]
    assert {"insecure-url", "runtime-exception"} <= set(result.summary["findings_by_rule"])
    assert result.html == here.html()
    assert seen[-1] == (len(MATRIX.cells()), len(MATRIX.cells()))
    assert list(run.out_dir.iterdir()) == []  # the report files were read and removed


def test_the_previous_report_travels_as_a_file_and_changes_are_reported(tmp_path: Path) -> None:
    before = SHARED_LAB.run(_lab_run(tmp_path, BROKEN))
    previous = tmp_path / "previous.json"
    previous.write_text(before.report_json)
    after = SHARED_LAB.run(_lab_run(tmp_path, FIXED, previous_report_path=previous))
    changes = json.loads(after.report_json)["changes"]
    assert changes["summary"]["fixed"] >= 2 and changes["summary"]["new"] == 0


@pytest.fixture
def lab() -> Iterator[CompatibilityLab]:
    own = CompatibilityLab(1, timeout_seconds=60)
    yield own
    own.close()


def _while_running(lab: CompatibilityLab, run: LabRun, act: object) -> list[object]:
    """Start ``run`` on a thread, call ``act(pid)`` once its lab process works on it."""
    outcome: list[object] = []
    started = threading.Event()

    def work() -> None:
        try:
            outcome.append(lab.run(run, progress=lambda done, total: started.set()))
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(30)
    (pid,) = lab.pids
    act(pid)  # type: ignore[operator]
    thread.join(30)
    return outcome


# Long enough to be caught in the middle: the smoke test of each network runs a long loop.
SLOW = {
    "app.js": "App({ onLaunch() { const end = Date.now() + 400; while (Date.now() < end); } });\n"
}


def test_a_lab_process_that_dies_fails_its_run_and_the_next_gets_a_fresh_one(
    lab: CompatibilityLab, tmp_path: Path
) -> None:
    (stopped,) = _while_running(
        lab, _lab_run(tmp_path, SLOW), lambda pid: os.kill(pid, signal.SIGKILL)
    )
    assert isinstance(stopped, LabStopped)
    assert stopped.reason == "the compatibility lab's process crashed (SIGKILL)"
    assert stopped.limit is None
    assert lab.run(_lab_run(tmp_path, FIXED)).summary["status"] in ("pass", "warn")


def test_closing_the_lab_interrupts_its_runs_and_refuses_more(
    lab: CompatibilityLab, tmp_path: Path
) -> None:
    (interrupted,) = _while_running(lab, _lab_run(tmp_path, SLOW), lambda pid: lab.close())
    assert isinstance(interrupted, PoolClosed)
    with pytest.raises(PoolClosed):
        lab.run(_lab_run(tmp_path, FIXED))


def test_a_run_past_its_time_is_stopped(tmp_path: Path) -> None:
    slow_lab = CompatibilityLab(1, timeout_seconds=1)
    try:
        started = time.monotonic()
        with pytest.raises(LabStopped, match="did not answer within 1 s") as stopped:
            slow_lab.run(_lab_run(tmp_path, SLOW))
        assert stopped.value.limit == "time" and time.monotonic() - started < 10
    finally:
        slow_lab.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_the_lab_and_its_engine_run_at_idle_priority(lab: CompatibilityLab, tmp_path: Path) -> None:
    def priorities(pid: int) -> None:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for process in (pid, *map(int, children)):
            assert os.sched_getscheduler(process) == os.SCHED_IDLE
            assert os.getpriority(os.PRIO_PROCESS, process) == 10

    (result,) = _while_running(lab, _lab_run(tmp_path, SLOW), priorities)
    assert not isinstance(result, Exception)
