"""The engine processes a compatibility run's smoke tests go to (``child.py``), so that
nothing a package's JavaScript does to V8 can take down the process that asked: a crash,
a hang or runaway memory ends that engine process only.

``run`` returns the engine's ``EngineRun``, or raises ``EngineStopped`` saying why there
is none, with the run of the steps the engine reported before it went down (``partial``);
the smoke test reports that as ``runtime-crashed`` for the cells concerned, beside what
those steps found. A process is sent a package's scripts once, then only runs that name
them."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, Final

from minirelease.compat.child_process import ProcessStopped
from minirelease.compat.process_pool import PoolClosed, ProcessLimits, ProcessPool
from minirelease.compat.runtime.limits import (
    DEFAULT_STEP_BUDGET_MS,
    ENGINE_MEMORY_BYTES,
    GRACE_SECONDS,
    HEAP_LIMIT_BYTES,
)
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.results import EngineRun, MalformedRun
from minirelease.compat.runtime.scripts import Scripts
from minirelease.compat.runtime.step_reports import StepReport, run_of

logger = logging.getLogger(__name__)

COMMAND: Final = (sys.executable, "-m", "minirelease.compat.runtime.child")

__all__ = ["EnginePool", "EngineStopped", "PoolClosed"]


class EngineStopped(ProcessStopped):
    """The engine process went down (or was stopped) instead of answering a run; ``partial``
    is the run of the lifecycle steps it reported before (none: nothing was reported)."""

    def __init__(
        self, reason: str, *, limit: str | None = None, partial: EngineRun | None = None
    ) -> None:
        super().__init__(reason, limit=limit)
        self.partial = partial


class EnginePool:
    def __init__(
        self,
        size: int,
        limits: ProcessLimits | None = None,
        *,
        grace_seconds: float = GRACE_SECONDS,
        command: Sequence[str] = COMMAND,
    ) -> None:
        if grace_seconds <= 0:
            raise ValueError("grace_seconds must be positive")
        self.limits = limits or ProcessLimits(ENGINE_MEMORY_BYTES)
        self.grace_seconds = grace_seconds
        self._processes = ProcessPool(size, command, self.limits)

    def prestart(self) -> None:
        """Start the engine processes now rather than at the first run."""
        self._processes.prestart()

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
        step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
        heap_limit_bytes: int = HEAP_LIMIT_BYTES,
    ) -> EngineRun:
        request: dict[str, Any] = {
            "scripts_key": scripts.key,
            "pages": list(pages),
            "jsapis": sorted(jsapis),
            "network": network.as_json(),
            "time_budget_ms": time_budget_ms,
            "step_budget_ms": step_budget_ms,
            "memory_limit_bytes": heap_limit_bytes,
        }
        timeout = time_budget_ms / 1000 + self.grace_seconds
        try:
            return self._ask(scripts, request, timeout)
        except EngineStopped as stopped:
            if stopped.limit is not None:
                raise
            # A crash may be the engine's own and pass (V8 has had races at start-up):
            # one more try on a fresh process before the run is reported as crashed.
            logger.warning("engine process crashed, trying once more: %s", stopped.reason)
            try:
                return self._ask(scripts, request, timeout)
            except EngineStopped as again:
                if again.limit is None:
                    raise EngineStopped(
                        f"{again.reason}, and again on a fresh process", partial=again.partial
                    ) from None
                raise

    def close(self) -> None:
        """Stop every engine process, busy or idle; runs raise ``PoolClosed`` from then
        on, the ones under way too."""
        self._processes.close()

    @property
    def pids(self) -> list[int]:
        return self._processes.pids

    def _ask(self, scripts: Scripts, request: dict[str, Any], timeout: float) -> EngineRun:
        steps: list[StepReport] = []
        started = time.perf_counter()

        def reported(step: Any) -> None:
            steps.append(StepReport.from_json(step))

        with self._processes.process() as engine:
            if engine.loaded != scripts.key:
                request = {**request, "scripts": dict(scripts.sources)}
            try:
                answer = engine.ask(
                    request,
                    timeout=timeout,
                    memory_bytes=self.limits.memory_bytes,
                    on_progress=reported,
                )
            except ProcessStopped as stopped:
                logger.warning("engine process %d: %s", engine.pid, stopped.reason)
                wall_ms = (time.perf_counter() - started) * 1000
                partial = run_of(steps, wall_ms) if steps else None
                raise EngineStopped(stopped.reason, limit=stopped.limit, partial=partial) from None
            run = _run_of(answer)
            engine.loaded = scripts.key
            return run


def _run_of(answer: Any) -> EngineRun:
    if isinstance(answer, dict) and "error" in answer:
        raise RuntimeError(f"the engine process failed: {answer['error']}")
    if not isinstance(answer, dict) or "run" not in answer:
        raise MalformedRun("an engine answer holds a run or an error")
    return EngineRun.from_json(answer["run"])
