"""Per-process scratch directories: a living process keeps its files, a killed one's are
removed by the next process that starts, and a stopped one removes its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from minirelease.scratch import ScratchDir, sweep, temporary_files

HOLDER = """
import sys, time
from pathlib import Path
from minirelease.scratch import ScratchDir
scratch = ScratchDir(Path(sys.argv[1]))
(scratch.path / "upload-1.zip").write_bytes(b"half an upload")
print(scratch.path, flush=True)
time.sleep(600)
"""


def _holder(root: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_living_process_keeps_its_files_and_a_killed_ones_are_swept(tmp_path: Path) -> None:
    process, held = _holder(tmp_path)
    try:
        assert sweep(tmp_path) == 0
        assert (held / "upload-1.zip").read_bytes() == b"half an upload"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with ScratchDir(tmp_path) as mine:
            assert mine.path.is_dir()
            assert not held.exists()  # the new process's start swept it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_a_process_does_not_sweep_its_own_directory(tmp_path: Path) -> None:
    scratch = ScratchDir(tmp_path)
    (scratch.path / "build-1.zip").write_bytes(b"x")
    assert sweep(tmp_path) == 0
    assert temporary_files(tmp_path) == [scratch.path / "build-1.zip"]  # not the locks
    scratch.close()


def test_close_removes_the_directory_and_a_later_use_makes_a_new_one(tmp_path: Path) -> None:
    scratch = ScratchDir(tmp_path)
    first = scratch.path
    (first / "upload.zip").write_bytes(b"x")
    scratch.close()
    assert not first.exists()
    second = scratch.path
    assert second.is_dir() and second != first
    scratch.close()
    assert [entry.name for entry in tmp_path.iterdir()] == [".lock"]


def test_a_directory_whose_owner_died_before_locking_it_is_swept(tmp_path: Path) -> None:
    (tmp_path / "host-1-abc").mkdir()
    (tmp_path / "host-1-abc" / "upload.zip").write_bytes(b"x")
    assert sweep(tmp_path) == 1
    assert not (tmp_path / "host-1-abc").exists()


def test_loose_files_of_older_versions_go_once_stale(tmp_path: Path) -> None:
    stale, fresh = tmp_path / "stale.zip", tmp_path / "fresh.zip"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (0, 0))
    assert sweep(tmp_path) == 1
    assert not stale.exists() and fresh.exists()
