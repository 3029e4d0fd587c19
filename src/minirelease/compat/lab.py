"""Compatibility runs in the lab's own processes (``lab_process.py``), never in the server:
parsing an untrusted package, the rules, the report and its page are CPU work that would
otherwise hold the server's interpreter while partner apps wait for launches, and a
parser or an engine that crashes must take down a lab process, not the server.

The job hands a ``LabRun`` (the run's inputs, the package by its paths) to
``CompatibilityLab.run`` and gets the report and its HTML page back, with the cells done
reported as they go. Reports run to megabytes, so they travel as files in the job's
scratch directory and stay JSON text in the server (the previous report too): the server
neither parses nor encodes them. The lab processes run at a lower CPU priority than the
server and start the JavaScript engine in processes of their own (``runtime/pool.py``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from minirelease.compat.child_main import PRIORITIES
from minirelease.compat.child_process import MIB, ProcessStopped
from minirelease.compat.process_pool import ProcessLimits, ProcessPool
from minirelease.compat.runtime.limits import ENGINE_MEMORY_BYTES

# Resident memory of a lab process: the package's text and its parse trees (a 5 MB
# program of 1,000 files peaks near 80 MiB; the largest accepted package, far above).
LAB_MEMORY_BYTES: Final = 2048 * MIB
# A whole run (1,000 files over 288 cells takes a few seconds).
LAB_TIMEOUT_SECONDS: Final = 900.0

Progress = Callable[[int, int], object]  # (cells done, cells in all)


class LabStopped(ProcessStopped):
    """The lab process went down, or was stopped at a limit, during a run."""


class LabFailed(Exception):
    """The lab process answered with an error of its own code (the traceback is in the
    server's log)."""


@dataclass(frozen=True)
class LabRun:
    """A compatibility run's inputs as the job read them, the package by its paths."""

    run_id: str
    package_path: Path  # the built package
    source_path: Path  # the uploaded one, whose lines findings quote
    package_sha256: str
    partner_app: str
    profile: Mapping[str, Any]
    limits: Mapping[str, object]  # the partner app's package limits (PackageLimits)
    matrix: Mapping[str, Any]  # Matrix.to_json, as stored with the run
    out_dir: Path  # where the lab writes the report and its page
    server_domains: Sequence[str] = ()
    h5_domains: Sequence[str] = ()
    # The last finished run's report, as JSON text in a file, for what changed since.
    previous_report_path: Path | None = None

    @property
    def report_path(self) -> Path:
        return self.out_dir / f"{self.run_id}.report.json"

    @property
    def html_path(self) -> Path:
        return self.out_dir / f"{self.run_id}.report.html"

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "package_path": str(self.package_path),
            "source_path": str(self.source_path),
            "package_sha256": self.package_sha256,
            "partner_app": self.partner_app,
            "profile": dict(self.profile),
            "limits": dict(self.limits),
            "matrix": dict(self.matrix),
            "out_dir": str(self.out_dir),
            "server_domains": list(self.server_domains),
            "h5_domains": list(self.h5_domains),
            "previous_report_path": _optional_text(self.previous_report_path),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabRun:
        paths = ("package_path", "source_path", "out_dir", "previous_report_path")
        return cls(**{**data, **{key: _optional_path(data[key]) for key in paths}})


@dataclass(frozen=True)
class LabResult:
    summary: dict[str, Any]
    report_json: str = field(repr=False)  # the report, JSON text to store as it is
    html: str = field(repr=False)


def _optional_text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _optional_path(text: str | None) -> Any:
    return None if text is None else Path(text)


class CompatibilityLab:
    def __init__(
        self,
        size: int,
        limits: ProcessLimits | None = None,
        *,
        timeout_seconds: float = LAB_TIMEOUT_SECONDS,
        engine_limits: ProcessLimits | None = None,
        priority: str = "idle",
    ) -> None:
        if priority not in PRIORITIES:
            raise ValueError(f"lab priority must be one of {', '.join(PRIORITIES)}")
        self.limits = limits or ProcessLimits(LAB_MEMORY_BYTES)
        self.timeout_seconds = timeout_seconds
        engine = engine_limits or ProcessLimits(ENGINE_MEMORY_BYTES)
        command = (
            sys.executable,
            "-m",
            "minirelease.compat.lab_process",
            f"--engine-memory-mb={engine.memory_bytes // MIB}",
            f"--engine-runs={engine.runs_per_process}",
            f"--priority={priority}",
        )
        self._processes = ProcessPool(size, command, self.limits)

    def run(self, run: LabRun, *, progress: Progress | None = None) -> LabResult:
        """Raises ``LabStopped`` or ``LabFailed`` when the run did not finish, and
        ``PoolClosed`` once the lab is closing."""

        def relay(cells: Any) -> None:
            if progress is not None:
                progress(int(cells[0]), int(cells[1]))

        with self._processes.process() as lab:
            try:
                answer = lab.ask(
                    {"run": run.to_json()},
                    timeout=self.timeout_seconds,
                    memory_bytes=self.limits.memory_bytes,
                    on_progress=relay,
                )
            except ProcessStopped as stopped:
                raise LabStopped(
                    f"the compatibility lab's process {stopped.reason}", limit=stopped.limit
                ) from None
        try:
            if "error" in answer:
                raise LabFailed(f"the compatibility lab failed: {answer['error']}")
            return LabResult(
                summary=answer["result"]["summary"],
                report_json=run.report_path.read_text(encoding="utf-8"),
                html=run.html_path.read_text(encoding="utf-8"),
            )
        finally:
            run.report_path.unlink(missing_ok=True)
            run.html_path.unlink(missing_ok=True)

    def prestart(self) -> None:
        """Start the lab processes (and their engine processes) before the first run."""
        self._processes.prestart()

    def close(self) -> None:
        """Stop every lab process; runs under way and later ones raise ``PoolClosed``."""
        self._processes.close()

    @property
    def pids(self) -> list[int]:
        return self._processes.pids
